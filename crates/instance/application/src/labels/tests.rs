//! Tests of the label use case: what is refused before anything is allocated, what a printed
//! label carries, and the pairing text.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{TimeZone, Utc};
use eckwms_codes::{Decoder, Scanned, check};
use eckwms_domain::{IdKind, ObjectId};

use super::{LabelService, MAX_LABELS, Selection, SheetFormat};
use crate::access::Actor;
use crate::error::AppError;
use crate::ports::{
    InstanceIdentity, LabelPrint, LabelSubject, MockClock, MockIdentityRepository,
    MockLabelRepository, MockSecretSource,
};

const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const V1_KEY: &str = "0102030405060708090a0b0c0d0e0f101112131415161718";
const GLOBAL_URL: &str = "https://global.example.com/eck";
const ACTOR: &str = "apikey:2";

/// The write key whose ledger name is [`ACTOR`].
fn writer() -> Actor {
    Actor::seeded_key(2, "writer", "write")
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .unwrap()
}

fn keyed_decoder() -> Decoder {
    Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(V2_KEY),
        v1_key: Some(V1_KEY),
        ..Default::default()
    })
    .unwrap()
}

fn id(kind: IdKind, n: u64) -> ObjectId {
    ObjectId::new(kind, n).unwrap()
}

/// Randomness that differs on every call, so that every nonce differs.
fn counting_secrets() -> MockSecretSource {
    let mut secrets = MockSecretSource::new();
    let counter = AtomicU8::new(1);
    secrets.expect_fill().returning(move |buf| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = n.wrapping_add(i as u8);
        }
        Ok(())
    });
    secrets
}

struct Parts {
    repo: MockLabelRepository,
    identity: MockIdentityRepository,
    decoder: Decoder,
    global_url: Option<String>,
}

impl Parts {
    fn new() -> Self {
        Self {
            repo: MockLabelRepository::new(),
            identity: MockIdentityRepository::new(),
            decoder: keyed_decoder(),
            global_url: Some(GLOBAL_URL.to_owned()),
        }
    }

    fn service(self) -> LabelService {
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        LabelService::new(
            Arc::new(self.repo),
            Arc::new(self.identity),
            Arc::new(self.decoder),
            Arc::new(counting_secrets()),
            Arc::new(clock),
            eckwms_labels::Layout::default(),
            self.global_url,
        )
    }
}

fn print_of(kind: IdKind, objects: Vec<ObjectId>, reprint: bool, format: &str) -> LabelPrint {
    LabelPrint {
        id: 12,
        at: now(),
        actor: ACTOR.to_owned(),
        kind,
        reprint,
        format: format.to_owned(),
        objects,
    }
}

/// The fields an `Invalid` names; panics on anything else.
fn invalid_fields<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Invalid(fields)) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn conflict_code<T: std::fmt::Debug>(result: Result<T, AppError>) -> &'static str {
    match result {
        Err(AppError::Refused { code, .. }) => code.as_str(),
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[test]
fn without_a_label_key_nothing_is_allocated() {
    let mut parts = Parts::new();
    parts.decoder = Decoder::default();
    parts.repo.expect_allocate_and_record().never();
    parts.repo.expect_record_reprint().never();
    parts.repo.expect_label_subjects().never();
    let service = parts.service();
    for format in [SheetFormat::Json, SheetFormat::Pdf] {
        let result = service.print(IdKind::Box, &Selection::Fresh(3), format, &writer());
        assert_eq!(conflict_code(result), "label_key_missing");
    }
    let reprint = Selection::Reprint(vec![id(IdKind::Box, 1)]);
    let result = service.print(IdKind::Box, &reprint, SheetFormat::Json, &writer());
    assert_eq!(conflict_code(result), "label_key_missing");
}

#[test]
fn a_v1_key_alone_does_not_allow_printing() {
    let mut parts = Parts::new();
    parts.decoder = Decoder::from_settings(&eckwms_codes::Settings {
        v1_key: Some(V1_KEY),
        ..Default::default()
    })
    .unwrap();
    parts.repo.expect_allocate_and_record().never();
    let result = parts.service().print(
        IdKind::Item,
        &Selection::Fresh(1),
        SheetFormat::Json,
        &writer(),
    );
    assert_eq!(conflict_code(result), "label_key_missing");
}

#[test]
fn counts_outside_1_to_320_are_invalid() {
    let mut parts = Parts::new();
    parts.repo.expect_allocate_and_record().never();
    let service = parts.service();
    for count in [0, MAX_LABELS + 1] {
        let result = service.print(
            IdKind::Box,
            &Selection::Fresh(count),
            SheetFormat::Json,
            &writer(),
        );
        assert_eq!(invalid_fields(result), ["count"], "count {count}");
    }
    let empty = service.print(
        IdKind::Box,
        &Selection::Reprint(vec![]),
        SheetFormat::Json,
        &writer(),
    );
    assert_eq!(invalid_fields(empty), ["ids"]);
}

/// A user's badge is a label of their id with their name; users exist before their badges, so
/// only existing users' are printed.
#[test]
fn badges_are_printed_for_existing_users_with_their_names() {
    let anna = id(IdKind::User, 4);
    let nobody = id(IdKind::User, 9);
    let mut parts = Parts::new();
    parts.repo.expect_allocate_and_record().never();
    parts.repo.expect_label_subjects().returning(move |ids| {
        Ok(ids
            .iter()
            .filter(|id| **id == anna)
            .map(|id| LabelSubject {
                id: *id,
                caption: Some("Anna K".into()),
            })
            .collect())
    });
    parts
        .repo
        .expect_record_reprint()
        .times(1)
        .withf(move |kind, asked, _, _, _| *kind == IdKind::User && asked == [anna])
        .returning(|kind, asked, format, _, _| Ok(print_of(kind, asked.to_vec(), true, format)));
    let service = parts.service();
    let fresh = service.print(
        IdKind::User,
        &Selection::Fresh(1),
        SheetFormat::Json,
        &writer(),
    );
    assert_eq!(invalid_fields(fresh), ["count"]);
    let missing = service.print(
        IdKind::User,
        &Selection::Reprint(vec![anna, nobody]),
        SheetFormat::Json,
        &writer(),
    );
    assert_eq!(invalid_fields(missing), ["ids[1]"]);
    let sheet = service
        .print(
            IdKind::User,
            &Selection::Reprint(vec![anna]),
            SheetFormat::Json,
            &writer(),
        )
        .unwrap();
    assert_eq!(sheet.labels[0].caption.as_deref(), Some("Anna K"));
    assert_eq!(sheet.labels[0].number, "4");
    // The badge's code names the user.
    let decoded = keyed_decoder().classify(&sheet.labels[0].codes[0]);
    assert!(
        matches!(decoded, eckwms_codes::Scanned::Label { id, .. } if id == anna),
        "{decoded:?}"
    );
}

#[test]
fn fresh_places_are_not_printed() {
    let mut parts = Parts::new();
    parts.repo.expect_allocate_and_record().never();
    // A place needs its warehouse before a label can name it: only existing places are printed.
    let place = parts.service().print(
        IdKind::Place,
        &Selection::Fresh(2),
        SheetFormat::Json,
        &writer(),
    );
    assert_eq!(invalid_fields(place), ["count"]);
}

#[test]
fn order_labels_carry_the_reference_as_caption() {
    let order = id(IdKind::Order, 800_000_001_732_617_672);
    let mut parts = Parts::new();
    parts
        .repo
        .expect_record_reprint()
        .times(1)
        .withf(move |kind, asked, _, _, _| *kind == IdKind::Order && asked == [order])
        .returning(|kind, asked, format, _, _| Ok(print_of(kind, asked.to_vec(), true, format)));
    parts
        .repo
        .expect_label_subjects()
        .times(1)
        .returning(move |_| {
            Ok(vec![LabelSubject {
                id: order,
                caption: Some("RMA1732617672C6".into()),
            }])
        });
    let sheet = parts
        .service()
        .print(
            IdKind::Order,
            &Selection::Reprint(vec![order]),
            SheetFormat::Json,
            &writer(),
        )
        .unwrap();
    assert_eq!(sheet.labels.len(), 1);
    assert_eq!(sheet.labels[0].id, order);
    assert_eq!(sheet.labels[0].caption.as_deref(), Some("RMA1732617672C6"));
    match keyed_decoder().classify(&sheet.labels[0].codes[0]) {
        Scanned::Label { id, .. } => assert_eq!(id, order),
        other => panic!("reads as {other:?}"),
    }
}

#[test]
fn reprints_of_another_kind_or_repeated_ids_are_invalid() {
    let mut parts = Parts::new();
    parts.repo.expect_record_reprint().never();
    let service = parts.service();
    let mixed = Selection::Reprint(vec![id(IdKind::Box, 1), id(IdKind::Item, 2)]);
    let result = service.print(IdKind::Box, &mixed, SheetFormat::Json, &writer());
    assert_eq!(invalid_fields(result), ["ids[1]"]);
    let repeated = Selection::Reprint(vec![id(IdKind::Box, 1), id(IdKind::Box, 1)]);
    let result = service.print(IdKind::Box, &repeated, SheetFormat::Json, &writer());
    assert_eq!(invalid_fields(result), ["ids"]);
}

#[test]
fn fresh_labels_carry_codes_that_decode_to_their_ids() {
    let ids = vec![
        id(IdKind::Box, 41),
        id(IdKind::Box, 42),
        id(IdKind::Box, 999_999_999_999_999_999),
    ];
    let mut parts = Parts::new();
    let allocated = ids.clone();
    parts
        .repo
        .expect_allocate_and_record()
        .times(1)
        .withf(|kind, count, format, actor, at| {
            *kind == IdKind::Box
                && *count == 3
                && format == "json"
                && actor == ACTOR
                && *at == now()
        })
        .returning(move |kind, _, format, _, _| {
            Ok(print_of(kind, allocated.clone(), false, format))
        });
    let captioned = ids[1];
    parts
        .repo
        .expect_label_subjects()
        .times(1)
        .returning(move |asked| {
            Ok(vec![LabelSubject {
                id: asked[1],
                caption: Some("Rack A / 3".into()),
            }])
        });
    let service = parts.service();
    let sheet = service
        .print(
            IdKind::Box,
            &Selection::Fresh(3),
            SheetFormat::Json,
            &writer(),
        )
        .unwrap();
    assert!(sheet.document.is_none());
    assert_eq!(sheet.print.id, 12);
    assert_eq!(sheet.labels.len(), 3);
    let decoder = keyed_decoder();
    let mut all_codes = Vec::new();
    for (label, expected) in sheet.labels.iter().zip(&ids) {
        assert_eq!(label.id, *expected);
        assert_eq!(label.number, expected.number().to_string());
        assert_eq!(label.check, check::check_chars(&label.number));
        assert_eq!(label.check.len(), 2);
        for (host, code) in label.codes.iter().enumerate() {
            assert!(code.len() <= 77, "{} characters: {code}", code.len());
            assert!(code.starts_with(&format!("ECK{}.COM/", host + 1)), "{code}");
            match decoder.classify(code) {
                Scanned::Label { id, .. } => assert_eq!(id, *expected, "{code}"),
                other => panic!("{code} reads as {other:?}"),
            }
            all_codes.push(code.clone());
        }
        let caption = (label.id == captioned).then(|| "Rack A / 3".to_owned());
        assert_eq!(label.caption, caption);
    }
    // Every code has its own nonce.
    all_codes.sort();
    all_codes.dedup();
    assert_eq!(all_codes.len(), 9);
}

#[test]
fn reprints_record_the_given_ids() {
    let ids = vec![id(IdKind::Place, 3), id(IdKind::Place, 5)];
    let mut parts = Parts::new();
    let expected = ids.clone();
    parts.repo.expect_allocate_and_record().never();
    parts
        .repo
        .expect_record_reprint()
        .times(1)
        .withf(move |kind, asked, format, actor, _| {
            *kind == IdKind::Place
                && asked == expected.as_slice()
                && format == "json"
                && actor == ACTOR
        })
        .returning(|kind, asked, format, _, _| Ok(print_of(kind, asked.to_vec(), true, format)));
    parts.repo.expect_label_subjects().returning(|_| Ok(vec![]));
    let sheet = parts
        .service()
        .print(
            IdKind::Place,
            &Selection::Reprint(ids.clone()),
            SheetFormat::Json,
            &writer(),
        )
        .unwrap();
    assert!(sheet.print.reprint);
    let printed: Vec<ObjectId> = sheet.labels.iter().map(|l| l.id).collect();
    assert_eq!(printed, ids);
}

#[test]
fn pdf_and_svg_sheets_are_rendered() {
    let mut parts = Parts::new();
    parts
        .repo
        .expect_allocate_and_record()
        .times(2)
        .returning(|kind, _, format, _, _| {
            Ok(print_of(
                kind,
                vec![id(IdKind::Item, 1), id(IdKind::Item, 2)],
                false,
                format,
            ))
        });
    parts.repo.expect_label_subjects().returning(|_| Ok(vec![]));
    let service = parts.service();
    let pdf = service
        .print(
            IdKind::Item,
            &Selection::Fresh(2),
            SheetFormat::Pdf,
            &writer(),
        )
        .unwrap();
    let (content_type, bytes) = pdf.document.unwrap();
    assert_eq!(content_type, "application/pdf");
    assert!(
        bytes.starts_with(b"%PDF"),
        "{:?}",
        &bytes[..bytes.len().min(16)]
    );
    assert_eq!(pdf.labels.len(), 2);
    let svg = service
        .print(
            IdKind::Item,
            &Selection::Fresh(2),
            SheetFormat::Svg,
            &writer(),
        )
        .unwrap();
    let (content_type, bytes) = svg.document.unwrap();
    assert_eq!(content_type, "image/svg+xml");
    assert!(String::from_utf8(bytes).unwrap().contains("<svg"));
}

#[test]
fn the_pairing_text_names_the_stored_identity_and_the_global_url() {
    let stored = InstanceIdentity {
        instance_id: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d".into(),
        public_key: (0u8..32).collect(),
        secret_key: vec![7; 32],
    };
    let mut parts = Parts::new();
    let answer = stored.clone();
    parts
        .identity
        .expect_identity_or_insert()
        .times(1)
        .withf(|candidate, at| {
            candidate.public_key.len() == 32 && candidate.secret_key.len() == 32 && *at == now()
        })
        .returning(move |_, _| Ok(answer.clone()));
    let text = parts.service().pairing_text().unwrap();
    let key_hex: String = (0u8..32).map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        text,
        format!("ECK$1$0A1B2C3D4E5F4A6B8C7D8E9F0A1B2C3D${key_hex}$HTTPS://GLOBAL.EXAMPLE.COM/ECK")
    );
    assert!(!text.contains(&hex::encode_upper(&stored.secret_key)));
}

#[test]
fn a_new_identity_is_a_v4_uuid_and_the_key_of_its_seed() {
    let mut parts = Parts::new();
    parts
        .identity
        .expect_identity_or_insert()
        .returning(|candidate, _| Ok(candidate.clone()));
    let identity = parts.service().identity().unwrap();
    let parts_of_id: Vec<&str> = identity.instance_id.split('-').collect();
    let lengths: Vec<usize> = parts_of_id.iter().map(|p| p.len()).collect();
    assert_eq!(lengths, [8, 4, 4, 4, 12], "{}", identity.instance_id);
    assert!(parts_of_id[2].starts_with('4'), "{}", identity.instance_id);
    assert!(
        matches!(parts_of_id[3].chars().next(), Some('8' | '9' | 'a' | 'b')),
        "{}",
        identity.instance_id
    );
    let seed: [u8; 32] = identity.secret_key.clone().try_into().unwrap();
    let public = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    assert_eq!(identity.public_key, public);
    assert!(!format!("{identity:?}").contains("secret_key"));
}

#[test]
fn pairing_without_a_global_url_is_refused_before_any_identity() {
    let mut parts = Parts::new();
    parts.global_url = None;
    parts.identity.expect_identity_or_insert().never();
    let service = parts.service();
    assert_eq!(conflict_code(service.pairing_text()), "global_url_missing");
    assert_eq!(
        conflict_code(service.pairing_qr(&Actor::console(), true)),
        "global_url_missing"
    );
}

#[test]
fn the_pairing_qr_is_a_png_or_an_svg() {
    let mut parts = Parts::new();
    parts
        .identity
        .expect_identity_or_insert()
        .returning(|candidate, _| Ok(candidate.clone()));
    let service = parts.service();
    let (content_type, png) = service.pairing_qr(&Actor::console(), true).unwrap();
    assert_eq!(content_type, "image/png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (content_type, svg) = service.pairing_qr(&Actor::console(), false).unwrap();
    assert_eq!(content_type, "image/svg+xml");
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));
}

/// Printing needs `write` and the pairing QR `admin`: lesser keys are refused before anything
/// is allocated, recorded or read (the mocks expect nothing).
#[test]
fn labels_need_labels_print_and_the_pairing_qr_devices_manage() {
    let forbidden = |result: Result<(), AppError>, needed: &str| {
        matches!(
            result,
            Err(AppError::Forbidden { permission, .. }) if permission == needed
        )
    };
    let service = Parts::new().service();
    let read = Actor::seeded_key(1, "k", "read");
    assert!(forbidden(
        service
            .print(IdKind::Box, &Selection::Fresh(1), SheetFormat::Json, &read)
            .map(drop),
        "labels.print"
    ));
    let write = Actor::seeded_key(1, "k", "write");
    assert!(forbidden(
        service.pairing_qr(&write, true).map(drop),
        "devices.manage"
    ));
}
