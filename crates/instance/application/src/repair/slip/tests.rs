//! The customer's slip on mocked ports: who may print it, which orders have one, the label key
//! it needs, and what it shows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{TimeZone, Utc};
use eckwms_codes::{Decoder, LabelVersion};
use eckwms_domain::repair::{Declared, DeclaredInput, RMA_ORDER_BASE};
use eckwms_domain::{Code, Customer, Meta, Name, Order, OrderId, OrderStatus};

use super::*;
use crate::access::Actor;
use crate::labels::LabelService;
use crate::ports::{
    MockClock, MockIdentityRepository, MockLabelRepository, MockOrderRepository,
    MockRepairRepository, MockSecretSource,
};
use crate::repair::RepairPorts;

const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// The request's number: 2025-12-07 10:00:00 UTC.
const SECONDS: u64 = 1_765_101_600;
const CODE: &str = "RMA17651016002K";

fn desk(role: &str) -> Actor {
    Actor::seeded_key(3, "desk", role)
}

fn rma_id() -> OrderId {
    OrderId::new(RMA_ORDER_BASE + SECONDS).unwrap()
}

fn keyed_decoder() -> Decoder {
    Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(V2_KEY),
        ..Default::default()
    })
    .unwrap()
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

fn service(orders: MockOrderRepository, decoder: Decoder) -> RepairService {
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(|| Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).unwrap());
    let clock = Arc::new(clock);
    let mut repair = MockRepairRepository::new();
    repair.expect_create_rma().never();
    // A slip records no label print.
    let mut prints = MockLabelRepository::new();
    prints.expect_allocate_and_record().never();
    prints.expect_record_reprint().never();
    RepairService::new(RepairPorts {
        repair: Arc::new(repair),
        orders: Arc::new(orders),
        labels: LabelService::new(
            Arc::new(prints),
            Arc::new(MockIdentityRepository::new()),
            Arc::new(decoder),
            Arc::new(counting_secrets()),
            clock.clone(),
            eckwms_labels::Layout::default(),
            None,
        ),
        clock,
    })
}

fn name(text: &str) -> Option<Name> {
    Some(Name::new("name", text).unwrap())
}

fn code(text: &str) -> Option<Code> {
    Some(Code::new("code", text).unwrap())
}

fn declared(entries: &[(&str, Option<&str>)]) -> Declared {
    let input: Vec<DeclaredInput> = entries
        .iter()
        .map(|(serial, description)| DeclaredInput {
            serial: (*serial).to_owned(),
            description: description.map(str::to_owned),
        })
        .collect();
    Declared::new("declared", &input).unwrap()
}

/// An RMA request of a customer in Berlin with three devices, made at 10:00 UTC.
fn request() -> Order {
    Order {
        id: rma_id(),
        reference: code("PO-118"),
        customer: Customer {
            company: name("Acme GmbH"),
            person: name("Erika Mustermann"),
            street: name("Hauptstraße"),
            house_number: code("12a"),
            postal_code: code("10115"),
            city: name("Berlin"),
            country: name("Germany"),
            email: name("erika@acme.example"),
            phone: code("+49 30 1234567"),
            ..Customer::default()
        },
        status: OrderStatus::Created,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: Default::default(),
        declared: declared(&[
            ("1234567", Some("does not charge")),
            ("SN-88-A7", None),
            ("0O1lI-x", Some("cracked display")),
        ]),
        meta: Meta::new(Utc.timestamp_opt(SECONDS as i64, 0).unwrap()),
    }
}

fn reading(order: Order) -> MockOrderRepository {
    let mut orders = MockOrderRepository::new();
    let id = order.id;
    orders
        .expect_get_order()
        .withf(move |asked: &OrderId| *asked == id)
        .times(1)
        .returning(move |_| Ok(order.clone()));
    orders
}

fn not_reading() -> MockOrderRepository {
    let mut orders = MockOrderRepository::new();
    orders.expect_get_order().never();
    orders
}

#[test]
fn the_slip_shows_the_request_and_a_label_code_of_its_order() {
    let slip = service(reading(request()), keyed_decoder())
        .slip(&desk("MANAGER"), rma_id())
        .unwrap();
    assert_eq!(slip.code.to_string(), CODE);
    assert_eq!(slip.slip.code, CODE);
    assert_eq!(slip.slip.title, "Repair request");
    assert_eq!(slip.slip.date, "2025-12-07");
    assert_eq!(slip.slip.reference.as_deref(), Some("PO-118"));
    assert_eq!(
        slip.slip.address,
        [
            "Acme GmbH",
            "Erika Mustermann",
            "Hauptstraße 12a",
            "10115 Berlin",
            "Germany"
        ]
    );
    assert_eq!(
        slip.slip.devices,
        [
            ("1234567".to_owned(), Some("does not charge".to_owned())),
            ("SN-88-A7".to_owned(), None),
            ("0O1lI-x".to_owned(), Some("cracked display".to_owned())),
        ]
    );
    let instructions = slip.slip.instructions.join("\n");
    assert!(instructions.contains("Print this slip"), "{instructions}");
    assert!(instructions.contains(CODE), "{instructions}");
    assert!(instructions.contains("QR code"), "{instructions}");

    // The QR code holds what the large code of a printed label of the order holds.
    assert!(slip.slip.qr.starts_with("ECK1.COM/"), "{}", slip.slip.qr);
    assert_eq!(
        keyed_decoder().decode_label(&slip.slip.qr).unwrap(),
        (rma_id().into(), LabelVersion::V2 { key_id: 1 })
    );

    let text = eckwms_labels::testing::pdf_text(&slip.pdf).unwrap();
    for expected in [
        CODE,
        "Repair request",
        "Acme GmbH",
        "10115 Berlin",
        "1234567",
        "SN-88-A7",
        "0O1lI-x",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    // Contact details are no part of the address block.
    assert!(!text.contains("erika@acme.example"), "{text}");
}

#[test]
fn every_slip_has_a_fresh_code_of_the_same_order() {
    let mut orders = MockOrderRepository::new();
    orders
        .expect_get_order()
        .times(2)
        .returning(|_| Ok(request()));
    let service = service(orders, keyed_decoder());
    let first = service.slip(&desk("MANAGER"), rma_id()).unwrap();
    let second = service.slip(&desk("write"), rma_id()).unwrap();
    assert_ne!(first.slip.qr, second.slip.qr);
    let decoder = keyed_decoder();
    assert_eq!(
        decoder.decode_label(&first.slip.qr).unwrap().0,
        decoder.decode_label(&second.slip.qr).unwrap().0
    );
}

#[test]
fn printing_a_slip_needs_orders_manage() {
    let service = service(not_reading(), keyed_decoder());
    for role in ["TECHNICIAN", "PICKER", "INBOUND", "read"] {
        match service.slip(&desk(role), rma_id()) {
            Err(AppError::Forbidden { permission, .. }) => {
                assert_eq!(permission, "orders.manage", "{role}")
            }
            other => panic!("{role}: {other:?}"),
        }
    }
}

#[test]
fn only_rma_requests_have_slips() {
    // A plain order is never read: its id says it is no RMA request.
    let desk_service = service(not_reading(), keyed_decoder());
    for number in [1, 42, RMA_ORDER_BASE - 1] {
        let id = OrderId::new(number).unwrap();
        match desk_service.slip(&desk("MANAGER"), id) {
            Err(AppError::NotFound { what, id: named }) => {
                assert_eq!(what, "RMA request");
                assert_eq!(named, id.to_string());
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    // An RMA number no code can hold (more than 10 digits of seconds) is none either.
    let beyond = OrderId::new(RMA_ORDER_BASE + 10_000_000_000).unwrap();
    assert!(matches!(
        desk_service.slip(&desk("MANAGER"), beyond),
        Err(AppError::NotFound { .. })
    ));

    // An RMA request that does not exist is the repository's 404.
    let mut orders = MockOrderRepository::new();
    orders
        .expect_get_order()
        .times(1)
        .returning(|id| Err(AppError::not_found("order", id)));
    match service(orders, keyed_decoder()).slip(&desk("MANAGER"), rma_id()) {
        Err(AppError::NotFound { what, .. }) => assert_eq!(what, "order"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_a_label_key_no_slip_is_printed() {
    let service = service(not_reading(), Decoder::default());
    match service.slip(&desk("MANAGER"), rma_id()) {
        Err(AppError::Refused { code, .. }) => assert_eq!(code.as_str(), "label_key_missing"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_address_parts_are_left_out_and_long_texts_cut() {
    let long_company = "C".repeat(200);
    let long_description = "d".repeat(1000);
    let order = Order {
        reference: None,
        customer: Customer {
            company: name(&long_company),
            house_number: code("7"),
            city: name("Wien"),
            ..Customer::default()
        },
        declared: declared(&[("X1", Some(&long_description))]),
        ..request()
    };
    let code = rma_code(order.id).unwrap();
    let slip = slip_of(&order, code, "ECK1.COM/QR".into());
    assert_eq!(slip.address.len(), 3, "{:?}", slip.address);
    assert_eq!(slip.address[0].chars().count(), 100);
    assert!(slip.address[0].ends_with('…'));
    assert_eq!(&slip.address[1..], ["7", "Wien"]);
    assert_eq!(slip.reference, None);
    let description = slip.devices[0].1.as_deref().unwrap();
    assert_eq!(description.chars().count(), 200);
    assert!(description.ends_with('…'));
    assert_eq!(slip.qr, "ECK1.COM/QR");
    // Still a slip the renderer takes.
    eckwms_labels::slip_pdf(&slip).unwrap();

    // No customer fields at all: no address lines, still a slip.
    let bare = Order {
        customer: Customer::default(),
        declared: Declared::default(),
        ..request()
    };
    let slip = slip_of(&bare, code, "ECK1.COM/QR".into());
    assert!(slip.address.is_empty());
    assert!(slip.devices.is_empty());
    eckwms_labels::slip_pdf(&slip).unwrap();
}
