//! The public view: the signature check (wrong key, old timestamp, other instance, tampered
//! path), and the projections of items and orders (internal fields never appear).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{TimeZone, Utc};
use eckwms_codes::Decoder;
use eckwms_domain::{
    Attributes, Code, Customer, Item, ItemId, Meta, Name, Order, OrderId, OrderPublicFields,
    OrderStatus, Parent, PlaceId,
};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;

use super::*;
use crate::error::AppError;
use crate::labels::LabelService;
use crate::ports::{
    InstanceIdentity, MockClock, MockIdentityRepository, MockItemRepository, MockLabelRepository,
    MockOrderRepository, MockSecretSource,
};

const INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const NOW: i64 = 1_764_000_000;
const PATH: &str = "/ECK/API/PUBLIC/i000000000000000042";

fn global_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn item(attributes: serde_json::Value) -> Item {
    let at = Utc.timestamp_opt(NOW, 0).unwrap();
    Item {
        id: ItemId::new(42).unwrap(),
        serial: Some(Code::new("serial", "SERIAL-SECRET").unwrap()),
        class_code: Some(Code::new("class", "CLASS-SECRET").unwrap()),
        name: Some(Name::new("name", "NAME-SECRET").unwrap()),
        condition: Some(Code::new("condition", "CONDITION-SECRET").unwrap()),
        attributes: Attributes::new("attributes", attributes).unwrap(),
        barcodes: Default::default(),
        parent: Some(Parent::Place(PlaceId::new(31).unwrap())),
        meta: Meta {
            version: 3,
            created_at: at,
            updated_at: at,
        },
    }
}

fn service(items: MockItemRepository, key: Option<[u8; 32]>) -> PublicService {
    // An order repository without expectations: a test of items never reads an order.
    service_with(items, MockOrderRepository::new(), key)
}

fn service_with(
    items: MockItemRepository,
    orders: MockOrderRepository,
    key: Option<[u8; 32]>,
) -> PublicService {
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(|| Utc.timestamp_opt(NOW, 0).unwrap());
    let clock = Arc::new(clock);
    let mut identity = MockIdentityRepository::new();
    identity.expect_identity_or_insert().returning(|_, _| {
        Ok(InstanceIdentity {
            instance_id: INSTANCE.into(),
            public_key: vec![1; 32],
            secret_key: vec![2; 32],
        })
    });
    let mut secrets = MockSecretSource::new();
    secrets.expect_fill().returning(|buf| {
        buf.fill(4);
        Ok(())
    });
    let labels = LabelService::new(
        Arc::new(MockLabelRepository::new()),
        Arc::new(identity),
        Arc::new(Decoder::default()),
        Arc::new(secrets),
        clock.clone(),
        eckwms_labels::Layout::default(),
        None,
    );
    PublicService::new(
        labels,
        Arc::new(items),
        Arc::new(orders),
        clock,
        key.map(|k| SigningKey::from_bytes(&k).verifying_key()),
    )
}

fn no_key_service(items: MockItemRepository) -> PublicService {
    service(items, None)
}

fn signed(path: &str, ts: i64, instance: &str, by: &SigningKey) -> SignedRequest {
    let message = canonical_request("GET", path, ts, instance);
    SignedRequest {
        method: "GET".into(),
        path: path.into(),
        timestamp: Some(ts.to_string()),
        signature: Some(STANDARD.encode(by.sign(message.as_bytes()).to_bytes())),
    }
}

fn public_item() -> MockItemRepository {
    let mut items = MockItemRepository::new();
    items.expect_get_item().returning(|_| {
        Ok(item(json!({
            "public": {"Model": "X-200 <b>", "Weight kg": 1.5, "Refurbished": true,
                       "nested": {"location": "p1"}, "empty": "  ", "nothing": null},
            "internal note": "INTERNAL-SECRET",
            "customer": "CUSTOMER-SECRET"
        })))
    });
    items
}

#[test]
fn the_canonical_string_matches_the_global_services_vector() {
    // The same vector is asserted in eckwms-global-domain (public::tests::signature_vector).
    let message = canonical_request("GET", PATH, NOW, INSTANCE);
    assert_eq!(
        message,
        "ECKWMS-GLOBAL-REQUEST-V1\nGET\n/ECK/API/PUBLIC/i000000000000000042\n1764000000\n\
         0b0e6f3a-1234-4abc-8def-0123456789ab"
    );
    assert_eq!(
        STANDARD.encode(global_key().sign(message.as_bytes()).to_bytes()),
        "EsxCa4JZyPi3uwC6gXHLH8RoWxnVCrShPvLAl5Qtf2IwHQx9Unz6giMK7rDHIIx0qWhHRJkJNDoDHtQZZetjCQ=="
    );
}

#[test]
fn a_signed_request_gets_only_the_public_fields() {
    let service = service(public_item(), Some([7; 32]));
    let view = service
        .view(
            "i000000000000000042",
            &signed(PATH, NOW - 100, INSTANCE, &global_key()),
        )
        .unwrap();
    assert_eq!(view.kind, "item");
    assert_eq!(view.number, "42");
    assert_eq!(view.check, "48");
    let fields: Vec<(&str, &str)> = view
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("Model", "X-200 <b>"),
            ("Refurbished", "yes"),
            ("Weight kg", "1.5")
        ]
    );
    let json = serde_json::to_string(&view).unwrap();
    for secret in [
        "SECRET", "p1", "p000", "i000", "location", "nested", "customer", "internal", "31",
    ] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
}

fn refused(result: AppResult<PublicView>) -> bool {
    matches!(result, Err(AppError::NotFound { .. }))
}

#[test]
fn every_bad_signature_is_a_plain_404() {
    let id = "i000000000000000042";
    let key = global_key();
    let service = |items| service(items, Some([7; 32]));
    let never = || {
        let mut items = MockItemRepository::new();
        items.expect_get_item().never();
        items
    };
    // Wrong key.
    let other = SigningKey::from_bytes(&[8; 32]);
    assert!(refused(
        service(never()).view(id, &signed(PATH, NOW, INSTANCE, &other))
    ));
    // Old and future timestamps.
    assert!(refused(
        service(never()).view(id, &signed(PATH, NOW - 301, INSTANCE, &key))
    ));
    assert!(refused(
        service(never()).view(id, &signed(PATH, NOW + 301, INSTANCE, &key))
    ));
    assert!(
        service(public_item())
            .view(id, &signed(PATH, NOW - 300, INSTANCE, &key))
            .is_ok()
    );
    // Signed for another instance.
    let elsewhere = "0b0e6f3a-1234-4abc-8def-0123456789ac";
    assert!(refused(
        service(never()).view(id, &signed(PATH, NOW, elsewhere, &key))
    ));
    // Tampered path: a signature for object 43 used for 42.
    let mut tampered = signed("/ECK/API/PUBLIC/i000000000000000043", NOW, INSTANCE, &key);
    tampered.path = PATH.into();
    assert!(refused(service(never()).view(id, &tampered)));
    // Tampered timestamp.
    let mut moved = signed(PATH, NOW, INSTANCE, &key);
    moved.timestamp = Some((NOW + 1).to_string());
    assert!(refused(service(never()).view(id, &moved)));
    // Unsigned, garbage.
    assert!(refused(
        service(never()).view(id, &SignedRequest::default())
    ));
    let mut garbage = signed(PATH, NOW, INSTANCE, &key);
    garbage.signature = Some("not base64!".into());
    assert!(refused(service(never()).view(id, &garbage)));
    // No global.public_key configured: even a good signature is refused.
    assert!(refused(
        no_key_service(never()).view(id, &signed(PATH, NOW, INSTANCE, &key))
    ));
}

#[test]
fn objects_with_nothing_public_are_404() {
    let key = global_key();
    let request = |path: &str| signed(path, NOW, INSTANCE, &key);
    // An item without `public`, or with nothing showable in it.
    for attributes in [
        json!({}),
        json!({"public": "Model X"}),
        json!({"public": {}}),
        json!({"public": {"a": null, "b": [1], "c": {"d": 1}, "e": ""}}),
    ] {
        let mut items = MockItemRepository::new();
        let attrs = attributes.clone();
        items
            .expect_get_item()
            .returning(move |_| Ok(item(attrs.clone())));
        assert!(
            refused(service(items, Some([7; 32])).view("i000000000000000042", &request(PATH))),
            "{attributes}"
        );
    }
    // Unknown item: the repository's NotFound.
    let mut items = MockItemRepository::new();
    items.expect_get_item().returning(|id| {
        Err(AppError::NotFound {
            what: "item",
            id: id.to_string(),
        })
    });
    assert!(refused(
        service(items, Some([7; 32])).view("i000000000000000042", &request(PATH))
    ));
    // Other kinds and malformed ids never reach a repository (the order mock has no
    // expectations: a read would fail the test).
    for id in [
        "b000000000000000042",
        "p000000000000000042",
        "u000000000000000042",
        "l000000000000000042",
        "nope",
    ] {
        let mut items = MockItemRepository::new();
        items.expect_get_item().never();
        let path = format!("/ECK/API/PUBLIC/{id}");
        assert!(refused(
            service(items, Some([7; 32])).view(id, &request(&path))
        ));
    }
}

#[test]
fn long_values_and_many_fields_are_bounded() {
    let mut public = serde_json::Map::new();
    for n in 0..80 {
        public.insert(format!("f{n:02}"), json!("v"));
    }
    public.insert("zz long".into(), json!("x".repeat(1001)));
    let item = item(json!({ "public": public }));
    let fields = project_item(&item);
    assert_eq!(fields.len(), MAX_PUBLIC_FIELDS);
    assert!(fields.iter().all(|f| f.value.len() <= MAX_PUBLIC_VALUE));
}

#[test]
fn the_global_key_setting_is_checked() {
    assert_eq!(parse_global_key("  ").unwrap(), None);
    let hex_key = hex::encode(global_key().verifying_key().to_bytes());
    assert_eq!(
        parse_global_key(&hex_key).unwrap(),
        Some(global_key().verifying_key())
    );
    assert!(
        parse_global_key("abcd")
            .unwrap_err()
            .contains("global.public_key")
    );
    assert!(parse_global_key(&"zz".repeat(32)).is_err());
}

// ------------------------------------------------------------------ orders

const ORDER_PATH: &str = "/ECK/API/PUBLIC/o000000000000000042";

fn public_fields(names: &[&str]) -> OrderPublicFields {
    let names = names.iter().map(|n| (*n).to_owned()).collect();
    OrderPublicFields::new("public_fields", names).unwrap()
}

/// An order received on 2026-11-24 at 23:59:59 UTC, not processed yet, with every internal
/// field filled in.
fn order(public: &[&str]) -> Order {
    let received = Utc.with_ymd_and_hms(2026, 11, 24, 23, 59, 59).unwrap();
    let name = |text: &str| Some(Name::new("customer", text).unwrap());
    Order {
        id: OrderId::new(42).unwrap(),
        reference: Some(Code::new("reference", "RMA1764000000AB").unwrap()),
        customer: Customer {
            company: name("COMPANY-SECRET"),
            person: name("PERSON-SECRET"),
            email: name("EMAIL-SECRET@example.com"),
            phone: Some(Code::new("phone", "PHONE-SECRET").unwrap()),
            ..Customer::default()
        },
        status: OrderStatus::Received,
        tracking_number: Some(Code::new("tracking_number", "1Z999AA10123456784").unwrap()),
        received_at: Some(received),
        processed_at: None,
        shipped_at: None,
        public_fields: public_fields(public),
        declared: Default::default(),
        meta: Meta {
            version: 2,
            created_at: received,
            updated_at: received,
        },
    }
}

fn orders_answering(answer: Order) -> MockOrderRepository {
    let mut orders = MockOrderRepository::new();
    orders
        .expect_get_order()
        .withf(|id| *id == OrderId::new(42).unwrap())
        .times(1)
        .returning(move |_| Ok(answer.clone()));
    orders
}

fn pairs(view: &PublicView) -> Vec<(&str, &str)> {
    view.fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect()
}

#[test]
fn an_order_shows_exactly_its_chosen_fields_in_the_fixed_order() {
    let mut items = MockItemRepository::new();
    items.expect_get_item().never();
    let chosen = order(&["shipped_at", "tracking_number", "status"]);
    let service = service_with(items, orders_answering(chosen), Some([7; 32]));
    let view = service
        .view(
            "o000000000000000042",
            &signed(ORDER_PATH, NOW, INSTANCE, &global_key()),
        )
        .unwrap();
    assert_eq!(view.kind, "order");
    assert_eq!(view.number, "42");
    assert_eq!(view.check, "48");
    assert_eq!(
        pairs(&view),
        [
            ("Status", "Received, in progress"),
            ("Tracking number", "1Z999AA10123456784"),
            ("Shipped", "not yet"),
        ]
    );
    let json = serde_json::to_string(&view).unwrap();
    for hidden in [
        "SECRET",
        "RMA1764000000AB",
        "2026-11-24",
        "o000",
        "customer",
        "Reference",
        "Received\"",
    ] {
        assert!(!json.contains(hidden), "{hidden} in {json}");
    }
}

#[test]
fn every_order_field_has_a_readable_name_and_value() {
    let every = [
        "status",
        "reference",
        "tracking_number",
        "received_at",
        "processed_at",
        "shipped_at",
    ];
    let mut shown = order(&every);
    assert_eq!(
        pairs(&PublicView {
            kind: "order",
            number: String::new(),
            check: String::new(),
            fields: project_order(&shown),
        }),
        [
            ("Status", "Received, in progress"),
            ("Reference", "RMA1764000000AB"),
            ("Tracking number", "1Z999AA10123456784"),
            // The day in UTC, whatever the hour.
            ("Received", "2026-11-24"),
            ("Processed", "not yet"),
            ("Shipped", "not yet"),
        ]
    );
    // Missing values are said, not left out.
    shown.reference = None;
    shown.tracking_number = None;
    shown.received_at = None;
    let values: Vec<String> = project_order(&shown).into_iter().map(|f| f.value).collect();
    assert_eq!(
        values,
        [
            "Received, in progress",
            "none",
            "not yet",
            "not yet",
            "not yet",
            "not yet"
        ]
    );
    for (status, words) in [
        (OrderStatus::Created, "Registered, awaiting arrival"),
        (OrderStatus::Received, "Received, in progress"),
        (OrderStatus::Processed, "Processed, ready to ship"),
        (OrderStatus::Shipped, "Shipped"),
    ] {
        let mut one = order(&["status"]);
        one.status = status;
        assert_eq!(project_order(&one)[0].value, words);
    }
    assert!(project_order(&order(&[])).is_empty());
}

#[test]
fn an_order_with_nothing_chosen_or_unknown_is_404() {
    let request = signed(ORDER_PATH, NOW, INSTANCE, &global_key());
    let private = service_with(
        MockItemRepository::new(),
        orders_answering(order(&[])),
        Some([7; 32]),
    );
    assert!(refused(private.view("o000000000000000042", &request)));
    let mut unknown = MockOrderRepository::new();
    unknown.expect_get_order().times(1).returning(|id| {
        Err(AppError::NotFound {
            what: "order",
            id: id.to_string(),
        })
    });
    let unknown = service_with(MockItemRepository::new(), unknown, Some([7; 32]));
    assert!(refused(unknown.view("o000000000000000042", &request)));
    // A bad signature is refused before any order is read.
    let mut never = MockOrderRepository::new();
    never.expect_get_order().never();
    let other = SigningKey::from_bytes(&[8; 32]);
    assert!(refused(
        service_with(MockItemRepository::new(), never, Some([7; 32])).view(
            "o000000000000000042",
            &signed(ORDER_PATH, NOW, INSTANCE, &other)
        )
    ));
}
