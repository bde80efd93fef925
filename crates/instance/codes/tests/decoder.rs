//! `Decoder`: classification order, label printing, key rotation, and every way a label must fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eckwms_codes::gs1::Gtin;
use eckwms_codes::ids::RmaCode;
use eckwms_codes::tracking::Carrier;
use eckwms_codes::{
    ConfigError, Decoder, Host, KeyRing, LabelError, LabelVersion, MAX_SCAN_LEN, Scanned, Settings,
    Suffix, V1Key, V2Key, v1, v2,
};
use eckwms_domain::{IdKind, ItemId, ObjectId};

const V1_HEX: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
const V2_ACTIVE: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const V2_RETIRED: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const RETIRED_SETTING: &str = "7:2222222222222222222222222222222222222222222222222222222222222222";
const V1_CODE: &str =
    "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3";

fn settings() -> Settings<'static> {
    Settings {
        suffix: Some("M3"),
        v1_key: Some(V1_HEX),
        v2_key: Some(V2_ACTIVE),
        v2_key_id: Some(1),
        v2_retired_keys: Some(RETIRED_SETTING),
    }
}

fn decoder() -> Decoder {
    Decoder::from_settings(&settings()).unwrap()
}

fn counter_rng() -> impl FnMut(&mut [u8]) {
    let mut next = 0u8;
    move |buffer: &mut [u8]| {
        for byte in buffer {
            next = next.wrapping_add(1);
            *byte = next;
        }
    }
}

fn box_42() -> ObjectId {
    ObjectId::new(IdKind::Box, 42).unwrap()
}

fn v2_text(key: &V2Key, host: Host, suffix: &str) -> String {
    v2::encode(key, box_42(), host, Suffix::new(suffix).unwrap(), [5; 12])
}

#[test]
fn label_texts_are_three_v2_codes_that_decode() {
    let decoder = decoder();
    let texts = decoder.label_texts(box_42(), &mut counter_rng()).unwrap();
    for (text, host) in texts.iter().zip(Host::ALL) {
        assert_eq!(text.len(), v2::V2_LEN);
        assert!(text.starts_with(host.prefix()));
        assert!(text.ends_with("M3"));
        assert!(
            text.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || b"./".contains(&c))
        );
        assert_eq!(
            decoder.classify(text),
            Scanned::Label {
                id: box_42(),
                version: LabelVersion::V2 { key_id: 1 }
            }
        );
    }
    assert_ne!(
        texts[0][11..69],
        texts[1][11..69],
        "each text has its own nonce"
    );
}

#[test]
fn printing_needs_an_active_v2_key() {
    let only_v1 = Decoder::new(
        Suffix::DEFAULT,
        Some(V1Key::from_hex(V1_HEX).unwrap()),
        KeyRing::default(),
    );
    assert_eq!(
        only_v1.label_texts(box_42(), &mut counter_rng()),
        Err(LabelError::NoActiveKey)
    );
    let retired_only = Decoder::from_settings(&Settings {
        v2_key: Some("  "),
        ..settings()
    })
    .unwrap();
    assert_eq!(
        retired_only.label_texts(box_42(), &mut counter_rng()),
        Err(LabelError::NoActiveKey)
    );
    // ... but it still reads labels printed under the retired key.
    let retired = V2Key::from_hex(7, V2_RETIRED).unwrap();
    assert_eq!(
        retired_only.decode_label(&v2_text(&retired, Host::Eck2, "M3")),
        Ok((box_42(), LabelVersion::V2 { key_id: 7 }))
    );
}

#[test]
fn rotation_reads_old_and_new_keys() {
    let decoder = decoder();
    let retired = V2Key::from_hex(7, V2_RETIRED).unwrap();
    assert_eq!(
        decoder.classify(&v2_text(&retired, Host::Eck3, "M3")),
        Scanned::Label {
            id: box_42(),
            version: LabelVersion::V2 { key_id: 7 }
        }
    );
}

#[test]
fn v2_failures() {
    let decoder = decoder();
    let active = V2Key::from_hex(1, V2_ACTIVE).unwrap();
    let good = v2_text(&active, Host::Eck1, "M3");
    assert!(decoder.decode_label(&good).is_ok());

    let unknown = V2Key::from_hex(9, V2_ACTIVE).unwrap();
    assert_eq!(
        decoder.classify(&v2_text(&unknown, Host::Eck1, "M3")),
        Scanned::BadLabel(LabelError::UnknownKeyId { key_id: 9 })
    );
    let impostor = V2Key::from_hex(1, V2_RETIRED).unwrap();
    assert_eq!(
        decoder.classify(&v2_text(&impostor, Host::Eck1, "M3")),
        Scanned::BadLabel(LabelError::Forged)
    );
    // The host is authenticated: the same code moved to another host fails.
    let moved = good.replacen("ECK1", "ECK2", 1);
    assert_eq!(
        decoder.classify(&moved),
        Scanned::BadLabel(LabelError::Forged)
    );
    // The suffix is authenticated: another instance's code (same keys) relabelled as ours fails.
    let foreign = v2_text(&active, Host::Eck1, "K7");
    assert_eq!(
        decoder.classify(&foreign),
        Scanned::BadLabel(LabelError::WrongSuffix)
    );
    let relabelled = format!("{}M3", &foreign[..69]);
    assert_eq!(
        decoder.classify(&relabelled),
        Scanned::BadLabel(LabelError::Forged)
    );
    // The key id is authenticated: a copy of the active key under another id still fails.
    let twin = Decoder::new(
        Suffix::DEFAULT,
        None,
        KeyRing::new(
            Some(V2Key::from_hex(1, V2_ACTIVE).unwrap()),
            vec![V2Key::from_hex(2, V2_ACTIVE).unwrap()],
        )
        .unwrap(),
    );
    let renumbered = format!("{}02{}", &good[..9], &good[11..]);
    assert_eq!(
        twin.classify(&renumbered),
        Scanned::BadLabel(LabelError::Forged)
    );
    // Lengths: one symbol short or long is not a label at all; decode_label says why.
    assert!(matches!(decoder.classify(&good[..70]), Scanned::Other(_)));
    assert_eq!(
        decoder.decode_label(&good[..70]),
        Err(LabelError::Malformed)
    );
    assert_eq!(
        decoder.decode_label(&format!("{good}0")),
        Err(LabelError::Malformed)
    );
    // Symbols outside the alphabet, and the two spare bits of the last payload symbol.
    let lower = format!("{}{}", &good[..20], good[20..].to_lowercase());
    assert_eq!(
        decoder.classify(&lower),
        Scanned::BadLabel(LabelError::Malformed)
    );
    let last = base32_value(good.as_bytes()[68]);
    let spare = format!("{}{}{}", &good[..68], symbol(last ^ 1), &good[69..]);
    assert_eq!(
        decoder.classify(&spare),
        Scanned::BadLabel(LabelError::Malformed)
    );
    // No v2 keys at all.
    let none = Decoder::new(Suffix::DEFAULT, None, KeyRing::default());
    assert_eq!(
        none.classify(&good),
        Scanned::BadLabel(LabelError::NoKey { version: 2 })
    );
}

fn base32_value(symbol: u8) -> u8 {
    eckwms_codes::base32::value(symbol).unwrap()
}

fn symbol(value: u8) -> char {
    char::from(eckwms_codes::base32::ALPHABET[usize::from(value)])
}

#[test]
fn v1_failures() {
    let decoder = decoder();
    assert!(matches!(
        decoder.classify(V1_CODE),
        Scanned::Label {
            version: LabelVersion::V1,
            ..
        }
    ));
    let wrong_key = Decoder::new(
        Suffix::DEFAULT,
        Some(V1Key::new(&[7; 24])),
        KeyRing::default(),
    );
    assert_eq!(
        wrong_key.classify(V1_CODE),
        Scanned::BadLabel(LabelError::Forged)
    );
    let no_key = Decoder::new(Suffix::DEFAULT, None, KeyRing::default());
    assert_eq!(
        no_key.classify(V1_CODE),
        Scanned::BadLabel(LabelError::NoKey { version: 1 })
    );
    let other_instance = Decoder::new(
        Suffix::new("K7").unwrap(),
        Some(V1Key::from_hex(V1_HEX).unwrap()),
        KeyRing::default(),
    );
    assert_eq!(
        other_instance.classify(V1_CODE),
        Scanned::BadLabel(LabelError::WrongSuffix)
    );
    let changed = V1_CODE.replacen("T54Q", "T54R", 1);
    assert_eq!(
        decoder.classify(&changed),
        Scanned::BadLabel(LabelError::Forged)
    );
    let changed_iv = format!("{}0{}", &V1_CODE[..65], &V1_CODE[66..]);
    assert_eq!(
        decoder.classify(&changed_iv),
        Scanned::BadLabel(LabelError::Forged)
    );
    // v1 does not authenticate the host: the original accepted any of the three for any code.
    let moved = V1_CODE.replacen("ECK1", "ECK3", 1);
    assert!(matches!(decoder.classify(&moved), Scanned::Label { .. }));
    assert!(matches!(
        decoder.classify(&V1_CODE[..75]),
        Scanned::Other(_)
    ));
    assert_eq!(
        decoder.decode_label(&V1_CODE[..75]),
        Err(LabelError::Malformed)
    );
    let wrong_host = V1_CODE.replacen("ECK1", "ECK4", 1);
    assert_eq!(
        decoder.decode_label(&wrong_host),
        Err(LabelError::NotALabel)
    );
    assert!(matches!(decoder.classify(&wrong_host), Scanned::Other(_)));
    let iv_outside_alphabet = format!("{}I{}", &V1_CODE[..65], &V1_CODE[66..]);
    assert_eq!(
        decoder.classify(&iv_outside_alphabet),
        Scanned::BadLabel(LabelError::Malformed)
    );
    // v1::decode itself, with the same checks.
    let key = V1Key::from_hex(V1_HEX).unwrap();
    assert_eq!(
        v1::decode(&key, Suffix::DEFAULT, &format!(" http://{V1_CODE} "))
            .unwrap()
            .number(),
        1
    );
}

#[test]
fn classification_order() {
    let decoder = decoder();
    assert_eq!(
        decoder.classify(" b000000000000000042\n"),
        Scanned::Id(box_42())
    );
    assert_eq!(
        decoder.classify("1234567"),
        Scanned::Serial(ItemId::new(700_000_000_001_234_567).unwrap())
    );
    let code = RmaCode::parse("RMA1732617672C6").unwrap();
    assert_eq!(
        decoder.classify("RMA1732617672C6"),
        Scanned::Rma {
            code,
            order: code.order_id()
        }
    );
    // The check of "RMA..." (not of the digits) is not an RMA code: looked up as a barcode.
    let Scanned::Other(other) = decoder.classify("RMA1732617672BR") else {
        panic!("expected Other");
    };
    assert_eq!(other.text, "RMA1732617672BR");
    assert!(other.tracking.is_empty() && other.gs1.is_none());
}

#[test]
fn other_texts_carry_their_readings() {
    let decoder = decoder();
    let Scanned::Other(ean) = decoder.classify("4006381333931\r\n") else {
        panic!("expected Other");
    };
    assert_eq!(ean.text, "4006381333931");
    assert_eq!(
        ean.gs1.unwrap().gtin,
        Gtin::parse("04006381333931").unwrap()
    );
    assert_eq!(
        ean.tracking.iter().map(|t| t.carrier).collect::<Vec<_>>(),
        [Carrier::DhlPaket]
    );

    let Scanned::Other(ups) = decoder.classify("1Z999AA10123456784") else {
        panic!("expected Other");
    };
    assert_eq!(ups.tracking[0].carrier, Carrier::Ups);

    let link = "https://id.gs1.org/01/09506000134352/10/ABC123?17=201225";
    let Scanned::Other(dl) = decoder.classify(link) else {
        panic!("expected Other");
    };
    assert_eq!(dl.text, link, "the scheme stays outside labels");
    assert_eq!(dl.gs1.unwrap().batch.as_deref(), Some("ABC123"));

    let datamatrix = "]d20109506000134352\u{1d}10ABC\u{1d}";
    let Scanned::Other(dm) = decoder.classify(datamatrix) else {
        panic!("expected Other");
    };
    assert_eq!(dm.text, datamatrix, "GS is not whitespace and is kept");
    assert_eq!(dm.gs1.unwrap().batch.as_deref(), Some("ABC"));
}

#[test]
fn long_texts_are_not_parsed() {
    let decoder = decoder();
    let long = format!("01{}", "0".repeat(MAX_SCAN_LEN));
    let Scanned::Other(other) = decoder.classify(&long) else {
        panic!("expected Other");
    };
    assert_eq!(other.text, long);
    assert!(other.gs1.is_none() && other.tracking.is_empty());
    // Adversarial texts of the largest parsed size, and a huge one, finish at once.
    for text in [
        "(".repeat(MAX_SCAN_LEN),
        "(01".repeat(MAX_SCAN_LEN / 3),
        "(0)".repeat(MAX_SCAN_LEN / 3),
        format!("x/{}", "01/".repeat(MAX_SCAN_LEN / 3 - 1)),
        format!("x/01/4006381333931?{}", "&".repeat(480)),
        format!("01{}", "%".repeat(MAX_SCAN_LEN - 2)),
        "\u{1d}".repeat(MAX_SCAN_LEN),
        "é".repeat(10_000_000),
    ] {
        assert!(!matches!(decoder.classify(&text), Scanned::Label { .. }));
    }
}

#[test]
fn settings_are_parsed_and_checked() {
    let ok = decoder();
    assert_eq!(ok.suffix(), Suffix::DEFAULT);
    let debug = format!("{ok:?}");
    for secret in ["000102", "111111", "222222"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    let defaults = Decoder::from_settings(&Settings::default()).unwrap();
    assert_eq!(defaults.suffix(), Suffix::DEFAULT);
    assert_eq!(
        defaults.decode_label(V1_CODE),
        Err(LabelError::NoKey { version: 1 })
    );
    // The key id defaults to 1.
    let default_id = Decoder::from_settings(&Settings {
        v2_key_id: None,
        ..settings()
    })
    .unwrap();
    let texts = default_id
        .label_texts(box_42(), &mut counter_rng())
        .unwrap();
    assert_eq!(&texts[0][9..11], "01");
    let high_id = Decoder::from_settings(&Settings {
        v2_key_id: Some(1023),
        ..settings()
    })
    .unwrap();
    let texts = high_id.label_texts(box_42(), &mut counter_rng()).unwrap();
    assert_eq!(&texts[0][9..11], "YY");

    let cases: [(Settings<'static>, ConfigError); 9] = [
        (
            Settings {
                suffix: Some("m3"),
                ..settings()
            },
            ConfigError::Suffix,
        ),
        (
            Settings {
                v1_key: Some("00"),
                ..settings()
            },
            ConfigError::KeyLength {
                setting: "codes.v1_key",
                expected: 48,
            },
        ),
        (
            Settings {
                v2_key: Some("z111111111111111111111111111111111111111111111111111111111111111"),
                ..settings()
            },
            ConfigError::KeyHex {
                setting: "codes.v2_key",
            },
        ),
        (
            Settings {
                v2_key_id: Some(1024),
                ..settings()
            },
            ConfigError::KeyId {
                setting: "codes.v2_key_id",
            },
        ),
        (
            Settings {
                v2_retired_keys: Some("7"),
                ..settings()
            },
            ConfigError::RetiredEntry { entry: 1 },
        ),
        (
            Settings {
                v2_retired_keys: Some("x:00"),
                ..settings()
            },
            ConfigError::RetiredEntry { entry: 1 },
        ),
        (
            Settings {
                v2_retired_keys: Some("2000:00"),
                ..settings()
            },
            ConfigError::KeyId {
                setting: "codes.v2_retired_keys",
            },
        ),
        (
            Settings {
                v2_retired_keys: Some(
                    "1:2222222222222222222222222222222222222222222222222222222222222222",
                ),
                ..settings()
            },
            ConfigError::DuplicateKeyId { key_id: 1 },
        ),
        (
            Settings {
                v2_retired_keys: Some(
                    " 3:2222222222222222222222222222222222222222222222222222222222222222 , ,3:2222222222222222222222222222222222222222222222222222222222222222,",
                ),
                ..settings()
            },
            ConfigError::DuplicateKeyId { key_id: 3 },
        ),
    ];
    for (settings, error) in cases {
        let message = error.to_string();
        assert_eq!(Decoder::from_settings(&settings).unwrap_err(), error);
        assert!(
            !message.contains("1111") && !message.contains("2222"),
            "{message}"
        );
    }
    // Retired keys may be blank or spaced.
    for retired in [
        "",
        " ",
        "7:2222222222222222222222222222222222222222222222222222222222222222 , 8 : 3333333333333333333333333333333333333333333333333333333333333333,",
    ] {
        assert!(
            Decoder::from_settings(&Settings {
                v2_retired_keys: Some(retired),
                ..settings()
            })
            .is_ok(),
            "{retired}"
        );
    }
}
