//! Process-level behaviour: HTTPS when configured, graceful exit on SIGTERM, CLI commands.

use std::process::Command;

use crate::harness::{Backend, Server, database, fresh_dir};

#[test]
fn serves_https_when_a_certificate_is_configured() {
    let db = database(Backend::Sqlite).unwrap();
    let dir = fresh_dir("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed for this test");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let server = Server::start_with(
        db.url(),
        dir.clone(),
        &[
            ("ECKWMS__HTTP__TLS_CERT", cert.to_str().unwrap()),
            ("ECKWMS__HTTP__TLS_KEY", key.to_str().unwrap()),
        ],
    );
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "10", &server.url("/health")])
        .output()
        .expect("curl is needed for this test");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"status":"ok"}"#
    );
    // Plain HTTP on the TLS port is not served.
    let plain = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            &server.url("/health").replacen("https", "http", 1),
        ])
        .output()
        .unwrap();
    assert_ne!(
        String::from_utf8_lossy(&plain.stdout).trim(),
        r#"{"status":"ok"}"#
    );
    assert!(server.terminate().success());
}

#[test]
fn sigterm_stops_the_service_cleanly() {
    use std::io::{Read, Write};
    let db = database(Backend::Sqlite).unwrap();
    // A drain deadline far beyond the assertion below: only closing idle connections at once
    // lets the process exit in time.
    let server = Server::start_with(
        db.url(),
        fresh_dir("bb"),
        &[("ECKWMS__HTTP__SHUTDOWN_TIMEOUT_SECS", "120")],
    );
    // An idle keep-alive connection, as nginx keeps them.
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut idle = std::net::TcpStream::connect(&address).unwrap();
    idle.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(idle, "GET /health HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut first = [0u8; 512];
    let n = idle.read(&mut first).unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    let started = std::time::Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "an idle keep-alive connection held the shutdown for {:?}",
        started.elapsed()
    );
    // The idle connection was closed by the server, not left hanging.
    assert_eq!(idle.read(&mut first).unwrap(), 0);
}

#[test]
fn sigterm_drains_a_request_in_flight() {
    use std::io::{Read, Write};
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    let address = server.base.trim_start_matches("http://").to_owned();
    let body = br#"{"name": "in flight"}"#;
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    // Headers and half of the body: the request is in flight when the signal comes. The
    // server's `100 Continue` says it has accepted the connection and read the headers (a
    // fixed pause was not enough on a loaded machine: a connection still in the listen
    // backlog at the signal is reset, not drained).
    write!(
        stream,
        "POST /api/v1/items HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\
         Connection: close\r\n\r\n",
        server.admin_key,
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    let mut interim = Vec::new();
    let mut byte = [0u8; 1];
    while !interim.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        interim.push(byte[0]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    stream.write_all(&body[..5]).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let pid = server.pid().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    // New connections are refused while the request in flight still completes.
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "still accepting after SIGTERM"
    );
    stream.write_all(&body[5..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    if !response.starts_with("HTTP/1.1 201") {
        std::thread::sleep(std::time::Duration::from_secs(2));
        let log: Vec<String> = server.log.try_iter().collect();
        panic!("response: {response:?}\nserver log:\n{}", log.join("\n"));
    }
    // Drained: the process exits by itself, successfully (a second signal would exit at once).
    let status = server.wait();
    assert!(status.success(), "{status:?}");
}

#[test]
fn migrate_and_unknown_configuration_are_reported() {
    let db = database(Backend::Sqlite).unwrap();
    let dir = fresh_dir("cli");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        Command::new(crate::harness::BIN)
            .args(args)
            .current_dir(&dir)
            .env("ECKWMS__DATABASE__URL", db.url())
            .envs(env.iter().copied())
            .output()
            .unwrap()
    };
    let first = run(&["migrate"], &[]);
    assert!(first.status.success());
    // Every migration of the SQLite folder, whatever their number.
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations/instance/sqlite"
    ))
    .unwrap()
    .filter(|entry| entry.as_ref().unwrap().path().is_dir())
    .count();
    let applied = format!("{migrations} migration(s) applied");
    assert!(
        String::from_utf8_lossy(&first.stdout).contains(&applied),
        "{applied}: {}",
        String::from_utf8_lossy(&first.stdout)
    );
    let again = run(&["migrate"], &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 migration(s) applied"));
    let bad = run(&["migrate"], &[("ECKWMS__HTTP__NOPE", "1")]);
    assert!(!bad.status.success());
    let wrong_url = run(
        &["migrate"],
        &[(
            "ECKWMS__DATABASE__URL",
            "postgres://u:hunter2@127.0.0.1:1/x",
        )],
    );
    assert!(!wrong_url.status.success());
    let stderr = String::from_utf8_lossy(&wrong_url.stderr);
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Times given on the command line or in the configuration are bounded: one out of range is
/// a clear error with a non-zero exit, never a panic of the date arithmetic (exit 101).
#[test]
fn times_out_of_range_are_refused_without_a_panic() {
    let db = database(Backend::Sqlite).unwrap();
    let dir = fresh_dir("times");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new(crate::harness::BIN)
            .args(args)
            .current_dir(&dir)
            .env("ECKWMS__DATABASE__URL", db.url())
            .env("ECKWMS__LOG__LEVEL", "warn")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let create = |days: &str| {
        run(
            &[
                "apikey",
                "create",
                "--name",
                "x",
                "--scope",
                "read",
                "--expires-in-days",
                days,
            ],
            &[],
        )
    };
    for days in ["4294967295", "36501", "0"] {
        let (code, out, err) = create(days);
        assert_eq!(code, Some(2), "{days}: {err}");
        assert!(
            err.contains("36500") && !err.contains("panicked"),
            "{days}: {err}"
        );
        assert!(out.is_empty(), "{days}: a key was printed: {out}");
    }
    let (code, out, err) = create("36500");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.trim().starts_with("eck_"), "{out}");
    let (_, listed, _) = run(&["apikey", "list"], &[]);
    let year = (chrono::Utc::now() + chrono::Duration::days(36_500)).format("until %Y");
    assert!(listed.contains(&year.to_string()), "{listed}");

    let huge = "18446744073709551615";
    for (name, setting, value) in [
        (
            "ECKWMS__IDEMPOTENCY__RETENTION_HOURS",
            "idempotency.retention_hours",
            "9223372036854775807",
        ),
        (
            "ECKWMS__SCAN__SESSION_IDLE_SECS",
            "scan.session_idle_secs",
            huge,
        ),
        (
            "ECKWMS__IDEMPOTENCY__WAIT_SECS",
            "idempotency.wait_secs",
            huge,
        ),
        (
            "ECKWMS__DATABASE__CONNECT_TIMEOUT_SECS",
            "database.connect_timeout_secs",
            huge,
        ),
        (
            "ECKWMS__DATABASE__CONNECT_TIMEOUT_SECS",
            "database.connect_timeout_secs",
            "0",
        ),
        (
            "ECKWMS__HTTP__KEEP_ALIVE_SECS",
            "http.keep_alive_secs",
            huge,
        ),
        (
            "ECKWMS__HTTP__REQUEST_TIMEOUT_SECS",
            "http.request_timeout_secs",
            huge,
        ),
        (
            "ECKWMS__HTTP__SHUTDOWN_TIMEOUT_SECS",
            "http.shutdown_timeout_secs",
            huge,
        ),
    ] {
        let (code, _, err) = run(&["migrate"], &[(name, value)]);
        assert_eq!(code, Some(1), "{name}={value}: {err}");
        assert!(
            err.contains(setting) && !err.contains("panicked"),
            "{name}={value}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text log of a service whose standard error is a pipe (systemd, a file): what it wrote
/// while starting, answering one `GET /health` and stopping on SIGTERM.
fn text_log_of_one_request(bin: &str, prefix: &str, env: &[(&str, &str)]) -> Vec<String> {
    let dir = fresh_dir("log");
    let var = |name: &str| format!("{prefix}__{name}");
    let mut child = Command::new(bin)
        .arg("serve")
        .current_dir(&dir)
        .env(var("HTTP__BIND"), "127.0.0.1:0")
        .env(var("LOG__FORMAT"), "text")
        .env(var("LOG__LEVEL"), "info")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .envs(env.iter().map(|(k, v)| (var(k), *v)))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
    let mut log = Vec::new();
    let address = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("{bin} stopped; log:\n{}", log.join("\n")))
            .unwrap();
        let listening = line
            .contains(": listening ")
            .then(|| {
                line.split_once(" address=")
                    .map(|(_, rest)| rest.to_owned())
            })
            .flatten();
        log.push(line);
        if let Some(rest) = listening {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        assert!(log.len() < 100, "no listening line:\n{}", log.join("\n"));
    };
    let health = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            &format!("http://{address}/health"),
        ])
        .output()
        .expect("curl is needed for this test");
    assert!(health.status.success());
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    log.extend(lines.map_while(Result::ok));
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
    log
}

/// Both services, logging text to a pipe: no colour escapes, one short access line per request
/// (status, method, path, latency, request id, without the request span repeated), and with
/// `log.access = false` no access line while warnings are still written.
#[test]
fn piped_text_logs_are_plain_with_a_compact_access_line_that_turns_off_alone() {
    let services = [
        (crate::harness::BIN, "ECKWMS", "no API key existed"),
        (
            env!("CARGO_BIN_EXE_eckwms-global"),
            "ECKWMS_GLOBAL",
            "auth.admin_key is empty",
        ),
    ];
    for (bin, prefix, warning) in services {
        for access in ["true", "false"] {
            // A fresh database each time: the instance warns only when it creates the first key.
            let db = database(Backend::Sqlite).unwrap();
            let global_db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
            let mut env = vec![("LOG__ACCESS", access)];
            if prefix == "ECKWMS" {
                env.extend([
                    ("DATABASE__URL", db.url()),
                    ("AUTH__BOOTSTRAP_KEY_FILE", "admin.key"),
                ]);
            } else {
                env.extend([("DATABASE__URL", global_db.url()), ("AUTH__ADMIN_KEY", "")]);
            }
            let log = text_log_of_one_request(bin, prefix, &env);
            let all = log.join("\n");
            assert!(
                !all.contains('\u{1b}'),
                "{bin}: colour escapes in a piped log:\n{all}"
            );
            assert!(
                log.iter()
                    .any(|l| l.contains(" WARN ") && l.contains(warning)),
                "{bin}: the warning is missing with access={access}:\n{all}"
            );
            let access_lines: Vec<_> = log.iter().filter(|l| l.contains(" access: ")).collect();
            if access == "false" {
                assert!(access_lines.is_empty(), "{bin}:\n{all}");
                continue;
            }
            let [line] = access_lines[..] else {
                panic!("{bin}: one access line expected:\n{all}");
            };
            for field in [
                "status=200 ",
                "method=GET ",
                "path=/health ",
                "latency_us=",
                "request_id=",
            ] {
                assert!(line.contains(field), "{bin}: {field} missing in {line}");
            }
            assert!(line.len() <= 160, "{bin}: {} bytes: {line}", line.len());
        }
    }
}
