//! Reading a service's `/metrics` and the sockets a process listens on: shared by the black-box
//! tests of both services (tests/global includes this file).

use std::collections::{BTreeMap, HashSet};

/// One sample line: `name{label="value",...} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Parses the Prometheus text format strictly enough for the tests: every line is a comment
/// (`# HELP`, `# TYPE`), empty, or one sample; anything else panics with the line.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.is_empty())
        .filter(|line| {
            if let Some(comment) = line.strip_prefix("# ") {
                assert!(
                    comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                    "a comment that is neither HELP nor TYPE: {line}"
                );
                false
            } else {
                true
            }
        })
        .map(|line| sample(line).unwrap_or_else(|| panic!("not a sample line: {line:?}")))
        .collect()
}

fn sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !valid_name {
        return None;
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(mut s) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = s.strip_prefix('}') {
                rest = after;
                break;
            }
            // name="value", the value with \" \\ \n escapes; then "," or "}".
            let eq = s.find("=\"")?;
            let key = &s[..eq];
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            let mut value = String::new();
            let mut chars = s[eq + 2..].char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => value.push(match chars.next()?.1 {
                        'n' => '\n',
                        c => c,
                    }),
                    (i, '"') => break eq + 2 + i + 1,
                    (_, c) => value.push(c),
                }
            };
            labels.insert(key.to_owned(), value);
            s = &s[end..];
            if let Some(after) = s.strip_prefix(',') {
                s = after;
            } else if !s.starts_with('}') {
                return None;
            }
        }
    }
    let mut fields = rest.split_whitespace();
    let value = match fields.next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        number => number.parse().ok()?,
    };
    // An optional timestamp, then nothing.
    if let Some(timestamp) = fields.next() {
        timestamp.parse::<i64>().ok()?;
    }
    if fields.next().is_some() {
        return None;
    }
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// The value of the sample named `name` whose labels include all of `labels`.
pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

/// Fetches `url` with curl (plain HTTP): (status, content type, body).
pub fn get(url: &str) -> (u16, String, String) {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "20",
            "-o",
            "-",
            "-w",
            "\n%{http_code} %{content_type}",
            url,
        ])
        .output()
        .expect("curl is needed for this test");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, trailer) = text.rsplit_once('\n').unwrap_or(("", &text));
    let (status, content_type) = trailer.split_once(' ').unwrap_or((trailer, ""));
    (
        status.parse().unwrap_or(0),
        content_type.to_owned(),
        body.to_owned(),
    )
}

/// The TCP ports the process `pid` listens on (from /proc: its socket descriptors matched
/// against the listening sockets of /proc/net/tcp and tcp6).
pub fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes: HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is fields[1] (ADDR:PORT in hex), st is fields[3] (0A: LISTEN),
            // inode is fields[9].
            if fields.len() > 9 && fields[3] == "0A" && inodes.contains(fields[9]) {
                let port = fields[1].rsplit(':').next().unwrap();
                ports.push(u16::from_str_radix(port, 16).unwrap());
            }
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The port of an address `host:port` as logged.
pub fn port_of(address: &str) -> u16 {
    address.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn sample_lines_are_parsed_with_braces_inside_values() {
    let samples = parse(
        "# HELP x_total some help\n# TYPE x_total counter\n\
         x_total{method=\"GET\",route=\"/api/v1/items/{id}\",status=\"200\"} 3\n\
         y_bucket{le=\"+Inf\"} 7\nz 1.5e-3\nq{a=\"say \\\"hi\\\"\",} 2 1700000000\n",
    );
    assert_eq!(
        value(&samples, "x_total", &[("route", "/api/v1/items/{id}")]),
        Some(3.0)
    );
    assert_eq!(value(&samples, "y_bucket", &[("le", "+Inf")]), Some(7.0));
    assert_eq!(value(&samples, "z", &[]), Some(0.0015));
    assert_eq!(value(&samples, "q", &[("a", "say \"hi\"")]), Some(2.0));
    for bad in ["x_total{a=\"1\" 3", "9x 1", "x one", "x 1 2 3"] {
        assert_eq!(sample(bad), None, "{bad}");
    }
}
