//! The docs' code tables list exactly the codes of the catalogue, each with its status: a
//! client reads the tables, the services answer from the catalogue, and the two must not drift.
//!
//! Checked as a union: which service can answer which code is not written down anywhere that
//! could not drift itself (the generic codes of http-kit are answered by both), so a code
//! needs to be in at least one of the two tables.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use eckwms_problems::ProblemCode;
use regex::Regex;

/// The rows `| \`code\` | status | meaning |` of the first table after `heading`.
fn table(doc: &str, heading: &str) -> BTreeMap<String, u16> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../docs")
        .join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let after = text
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("{doc} has no heading {heading:?}"))
        .1;
    let row = Regex::new(r"^\| `([a-z_]+)` \| (\d{3}) \|").unwrap();
    let mut codes = BTreeMap::new();
    let lines = after
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2);
    for line in lines {
        let caps = row
            .captures(line)
            .unwrap_or_else(|| panic!("{doc}: not a code row: {line}"));
        let status = caps[2].parse().unwrap();
        let previous = codes.insert(caps[1].to_owned(), status);
        assert!(previous.is_none(), "{doc}: {} listed twice", &caps[1]);
    }
    assert!(
        !codes.is_empty(),
        "{doc}: the table after {heading:?} is empty"
    );
    codes
}

fn tables() -> [(&'static str, BTreeMap<String, u16>); 2] {
    [
        ("API.md", table("API.md", "### Error codes")),
        ("GLOBAL.md", table("GLOBAL.md", "### Error codes")),
    ]
}

#[test]
fn every_documented_code_exists_with_its_status() {
    for (doc, codes) in tables() {
        for (code, status) in codes {
            let known = ProblemCode::parse(&code)
                .unwrap_or_else(|| panic!("{doc} lists {code}, which no service answers"));
            assert_eq!(known.status(), status, "{doc}: the status of {code}");
        }
    }
}

#[test]
fn every_code_is_documented() {
    let tables = tables();
    let missing: Vec<&str> = ProblemCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !tables.iter().any(|(_, codes)| codes.contains_key(*c)))
        .collect();
    assert!(
        missing.is_empty(),
        "in neither docs/API.md nor docs/GLOBAL.md: {missing:?}"
    );
}
