//! Feeds arbitrary bytes to everything in eckwms-codes that reads scanned text. A crash, a
//! timeout or a label that decodes from random input is a bug.
#![no_main]

use std::sync::LazyLock;

use eckwms_codes::{Decoder, Scanned, Settings, base32, gs1, tracking};
use libfuzzer_sys::fuzz_target;

/// The keys of the test vectors and of the v2 worked example (docs/CODES.md), so that the seed
/// corpus holds codes that really decode and mutations start from there.
static DECODER: LazyLock<Decoder> = LazyLock::new(|| {
    Decoder::from_settings(&Settings {
        suffix: Some("M3"),
        v1_key: Some("000102030405060708090a0b0c0d0e0f1011121314151617"),
        v2_key: Some("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
        v2_key_id: Some(1),
        v2_retired_keys: Some(""),
    })
    .unwrap_or_default()
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let scanned = DECODER.classify(&text);
    let _ = DECODER.decode_label(&text);
    let _ = base32::decode(&text);
    let _ = gs1::parse(&text);
    let _ = tracking::identify(&text);
    // A label that decodes must decode to the same id again, and must be one of our shapes.
    if let Scanned::Label { id, .. } = scanned {
        assert_eq!(DECODER.decode_label(&text).map(|(found, _)| found), Ok(id));
    }
});
