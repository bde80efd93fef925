//! The test vectors made by the original implementation (tests/data/eck-v1-vectors.json, a copy
//! of shared/reference/eck-v1-vectors.json): every v1 code decodes to its id, and encoding with
//! the code's own IV reproduces it character for character.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eckwms_codes::check::check_chars;
use eckwms_codes::{Decoder, Host, LabelVersion, Scanned, Suffix, V1Key, base32, v1};
use eckwms_domain::ObjectId;
use serde_json::Value;

const VECTORS: &str = include_str!("data/eck-v1-vectors.json");

struct Vectors {
    key_hex: String,
    suffix: String,
    codes: Vec<(String, String)>,
    checks: Vec<(String, String)>,
}

fn vectors() -> Vectors {
    let json: Value = serde_json::from_str(VECTORS).unwrap();
    let pairs = |name: &str, a: &str, b: &str| -> Vec<(String, String)> {
        json[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v[a].as_str().unwrap().to_owned(),
                    v[b].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    Vectors {
        key_hex: json["enc_key_hex"].as_str().unwrap().to_owned(),
        suffix: json["suffix"].as_str().unwrap().to_owned(),
        codes: pairs("codes", "id", "code"),
        checks: pairs("check_chars", "input", "check"),
    }
}

#[test]
fn the_copy_matches_the_shared_reference_when_it_is_there() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/reference/eck-v1-vectors.json");
    if let Ok(original) = std::fs::read_to_string(shared) {
        assert_eq!(original, VECTORS);
    }
}

#[test]
fn there_are_twelve_codes_and_ten_checks() {
    let v = vectors();
    assert_eq!(v.codes.len(), 12);
    assert_eq!(v.checks.len(), 10);
    assert_eq!(v.suffix, "M3");
}

#[test]
fn every_code_decodes_to_its_id() {
    let v = vectors();
    let key = V1Key::from_hex(&v.key_hex).unwrap();
    let suffix = Suffix::new(&v.suffix).unwrap();
    for (id, code) in &v.codes {
        assert_eq!(code.len(), v1::V1_LEN);
        let decoded = v1::decode(&key, suffix, code).unwrap();
        assert_eq!(&decoded.to_string(), id, "{code}");
    }
}

#[test]
fn every_code_classifies_as_a_v1_label() {
    let v = vectors();
    let decoder = Decoder::new(
        Suffix::new(&v.suffix).unwrap(),
        Some(V1Key::from_hex(&v.key_hex).unwrap()),
        Default::default(),
    );
    for (id, code) in &v.codes {
        let expected = Scanned::Label {
            id: ObjectId::parse(id).unwrap(),
            version: LabelVersion::V1,
        };
        assert_eq!(decoder.classify(code), expected);
        // What scanners add: a scheme, a lower-case host, a line end.
        let decorated = format!("https://{}{}\r\n", code[..9].to_lowercase(), &code[9..]);
        assert_eq!(decoder.classify(&decorated), expected);
    }
}

/// Random bytes and a time that make `iv_symbols` give the 9 IV symbols of a code: the random
/// symbols are the bytes' low 5 bits, the 3 time symbols bits 5-19 of unix_ms / 7777777.
fn iv_inputs(iv: &str) -> ([u8; 6], u64) {
    let values: Vec<u8> = iv.bytes().map(|s| base32::value(s).unwrap()).collect();
    let random: [u8; 6] = values[..6].try_into().unwrap();
    let time_symbols =
        u64::from(values[6]) | u64::from(values[7]) << 5 | u64::from(values[8]) << 10;
    let time = time_symbols << 5;
    (random, time * v1::IV_TIME_DIVISOR)
}

#[test]
fn encoding_with_the_codes_iv_reproduces_every_code() {
    let v = vectors();
    let key = V1Key::from_hex(&v.key_hex).unwrap();
    let suffix = Suffix::new(&v.suffix).unwrap();
    for (id, code) in &v.codes {
        let host = Host::ALL
            .into_iter()
            .find(|host| code.starts_with(host.prefix()))
            .unwrap();
        let iv = &code[65..74];
        let (random, unix_ms) = iv_inputs(iv);
        assert_eq!(&v1::iv_symbols(random, unix_ms), iv.as_bytes());
        let encoded = v1::encode(
            &key,
            ObjectId::parse(id).unwrap(),
            host,
            suffix,
            random,
            unix_ms,
        );
        assert_eq!(&encoded, code);
    }
}

#[test]
fn the_iv_tails_are_three_consecutive_time_steps() {
    // FW6, GW6, HW6: (unix_ms / 7777777) >> 5 = 7087, 7088, 7089, i.e. the vectors were made
    // between 2025-11-23 05:22 and 2025-12-01 20:47 (UTC).
    let v = vectors();
    let mut steps: Vec<u64> = v
        .codes
        .iter()
        .map(|(_, code)| (iv_inputs(&code[65..74]).1 / v1::IV_TIME_DIVISOR) >> 5)
        .collect();
    steps.dedup();
    assert_eq!(steps, [7087, 7088, 7089]);
    let first_ms = 7087u64 * 32 * v1::IV_TIME_DIVISOR;
    assert_eq!(first_ms / 1000, 1_763_875_379); // 2025-11-23T05:22:59Z
}

#[test]
fn every_check_vector_matches() {
    for (input, check) in vectors().checks {
        assert_eq!(check_chars(&input), check, "{input}");
    }
}
