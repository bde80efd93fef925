//! Tests of the lookup: every kind of text a scanner reads, on a strict mock of the one read
//! port (a call nobody expected fails the test), so each test also says which reads it makes.

use std::sync::Arc;

use eckwms_codes::ids::RmaCode;
use eckwms_codes::{Decoder, Host, Suffix, V1Key};
use eckwms_domain::{BoxId, ItemId, ObjectId, OrderId};
use mockall::predicate::eq;

use super::{Found, Lookup, LookupService, Missing, Resolution};
use crate::access::Actor;
use crate::error::AppError;
use crate::ports::MockLookupRepository;

const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const V1_KEY: [u8; 24] = [7; 24];

fn decoder() -> Decoder {
    Decoder::new(
        Suffix::default(),
        Some(V1Key::new(&V1_KEY)),
        eckwms_codes::KeyRing::new(
            Some(eckwms_codes::V2Key::from_hex(1, V2_KEY).unwrap()),
            Vec::new(),
        )
        .unwrap(),
    )
}

fn viewer() -> Actor {
    Actor::seeded_key(1, "reader", "read")
}

fn service(repo: MockLookupRepository) -> LookupService {
    LookupService::new(Arc::new(repo), Arc::new(decoder()))
}

fn id(text: &str) -> ObjectId {
    ObjectId::parse(text).unwrap()
}

fn item(n: u64) -> ItemId {
    ItemId::new(n).unwrap()
}

fn lookup(repo: MockLookupRepository, text: &str) -> Lookup {
    service(repo).lookup(&viewer(), text).unwrap()
}

fn nothing(reason: Missing, named: Option<ObjectId>) -> Found {
    Found::Nothing { reason, named }
}

fn expect_exists(repo: &mut MockLookupRepository, id: ObjectId, exists: bool) {
    repo.expect_exists()
        .with(eq(id))
        .times(1)
        .returning(move |_| Ok(exists));
}

fn expect_codes(repo: &mut MockLookupRepository, code: &str, found: Vec<ObjectId>) {
    repo.expect_find_by_code()
        .with(eq(code.to_owned()))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

fn expect_serials(repo: &mut MockLookupRepository, serial: &str, found: Vec<ItemId>) {
    repo.expect_items_with_serial()
        .with(eq(serial.to_owned()))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

fn expect_tracking(repo: &mut MockLookupRepository, number: &str, found: Vec<OrderId>) {
    repo.expect_orders_with_tracking()
        .with(eq(number.to_owned()))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

/// Every read a text that is none of our codes makes, each finding nothing but `found`.
fn expect_other(repo: &mut MockLookupRepository, text: &str) {
    expect_codes(repo, text, Vec::new());
    expect_serials(repo, text, Vec::new());
    expect_tracking(repo, text, Vec::new());
}

#[test]
fn an_unknown_printed_item_id_is_one_a_scan_would_create() {
    let printed = id("i000000000000000042");
    let mut repo = MockLookupRepository::new();
    expect_exists(&mut repo, printed, false);
    let found = lookup(repo, " i000000000000000042 ");
    assert_eq!(found.resolution, Resolution::Id);
    assert_eq!(
        found.found,
        nothing(Missing::NotCreated, Some(printed)),
        "named, not made"
    );
}

#[test]
fn typed_ids_of_each_kind_are_found_when_they_exist() {
    for text in [
        "i000000000000000042",
        "b000000000000000042",
        "p000000000000000042",
        "o000000000000000042",
    ] {
        let mut repo = MockLookupRepository::new();
        expect_exists(&mut repo, id(text), true);
        let found = lookup(repo, text);
        assert_eq!(found.resolution, Resolution::Id);
        assert_eq!(found.found, Found::One(id(text)), "{text}");
    }
}

#[test]
fn box_and_order_ids_nothing_has_are_ones_a_scan_would_create() {
    for text in ["b000000000000000042", "o000000000000000042"] {
        let mut repo = MockLookupRepository::new();
        expect_exists(&mut repo, id(text), false);
        assert_eq!(
            lookup(repo, text).found,
            nothing(Missing::NotCreated, Some(id(text)))
        );
    }
}

#[test]
fn a_place_id_not_set_up_says_so() {
    let place = id("p000000000000000042");
    let mut repo = MockLookupRepository::new();
    expect_exists(&mut repo, place, false);
    assert_eq!(
        lookup(repo, "p000000000000000042").found,
        nothing(Missing::PlaceNotSetUp, Some(place))
    );
}

#[test]
fn a_user_badge_names_no_object_and_reads_nothing() {
    let user = id("u000000000000000003");
    let found = lookup(MockLookupRepository::new(), "u000000000000000003");
    assert_eq!(found.resolution, Resolution::Id);
    assert_eq!(found.found, nothing(Missing::UserBadge, Some(user)));
}

#[test]
fn a_label_id_names_what_carries_it() {
    let label = id("l000000000000000009");
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "l000000000000000009", Vec::new());
    assert_eq!(
        lookup(repo, "l000000000000000009").found,
        nothing(Missing::LabelNotBound, Some(label))
    );

    let boxed = BoxId::new(4).unwrap().object_id();
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "l000000000000000009", vec![boxed]);
    assert_eq!(lookup(repo, "l000000000000000009").found, Found::One(boxed));

    let both = vec![item(1).object_id(), boxed];
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "l000000000000000009", both.clone());
    assert_eq!(
        lookup(repo, "l000000000000000009").found,
        Found::Several(both)
    );
}

#[test]
fn v2_labels_are_decoded_with_the_scan_keys_with_or_without_a_scheme() {
    let boxed = BoxId::new(77).unwrap().object_id();
    let texts = decoder()
        .label_texts(boxed, &mut |b: &mut [u8]| b.fill(5))
        .unwrap();
    for text in [
        texts[0].clone(),
        format!("https://{}", texts[1]),
        format!("HTTP://{}", texts[2]),
    ] {
        let mut repo = MockLookupRepository::new();
        expect_exists(&mut repo, boxed, true);
        let found = lookup(repo, &text);
        assert_eq!(found.resolution, Resolution::LabelV2, "{text}");
        assert_eq!(found.found, Found::One(boxed));
    }
    // A label of an item nobody scanned yet: a scan would create it.
    let printed = item(78).object_id();
    let [text, _, _] = decoder()
        .label_texts(printed, &mut |b: &mut [u8]| b.fill(6))
        .unwrap();
    let mut repo = MockLookupRepository::new();
    expect_exists(&mut repo, printed, false);
    assert_eq!(
        lookup(repo, &format!("https://{text}")).found,
        nothing(Missing::NotCreated, Some(printed))
    );
}

#[test]
fn v1_labels_are_decoded() {
    let printed = item(5).object_id();
    let text = eckwms_codes::v1::encode(
        &V1Key::new(&V1_KEY),
        printed,
        Host::Eck2,
        Suffix::default(),
        [1, 2, 3, 4, 5, 6],
        1_700_000_000_000,
    );
    let mut repo = MockLookupRepository::new();
    expect_exists(&mut repo, printed, true);
    let found = lookup(repo, &format!("http://{text}"));
    assert_eq!(found.resolution, Resolution::LabelV1);
    assert_eq!(found.found, Found::One(printed));
}

#[test]
fn a_label_of_another_key_is_a_bad_label_and_reads_nothing() {
    let theirs = Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(&"ff".repeat(32)),
        ..Default::default()
    })
    .unwrap();
    let [text, _, _] = theirs
        .label_texts(item(5).object_id(), &mut |b: &mut [u8]| b.fill(3))
        .unwrap();
    let found = lookup(MockLookupRepository::new(), &text);
    assert_eq!(found.resolution, Resolution::BadLabel);
    assert_eq!(found.found, nothing(Missing::BadLabel, None));
}

#[test]
fn a_seven_digit_serial_finds_its_item_before_the_item_its_digits_name() {
    // The item carrying the serial wins: the derived `i7…` is not even asked for.
    let holder = item(12);
    let mut repo = MockLookupRepository::new();
    expect_serials(&mut repo, "1234567", vec![holder]);
    let found = lookup(repo, "1234567");
    assert_eq!(found.resolution, Resolution::Serial);
    assert_eq!(found.found, Found::One(holder.object_id()));

    let mut repo = MockLookupRepository::new();
    expect_serials(&mut repo, "1234567", vec![item(12), item(13)]);
    assert_eq!(
        lookup(repo, "1234567").found,
        Found::Several(vec![item(12).object_id(), item(13).object_id()])
    );
}

#[test]
fn a_seven_digit_serial_nobody_carries_names_its_item() {
    let derived = id("i700000000001234567");
    let mut repo = MockLookupRepository::new();
    expect_serials(&mut repo, "1234567", Vec::new());
    expect_exists(&mut repo, derived, false);
    assert_eq!(
        lookup(repo, "1234567").found,
        nothing(Missing::NotCreated, Some(derived))
    );

    // Made from this serial once, carrying another since: a scan refuses it, the lookup says
    // why rather than guessing.
    let mut repo = MockLookupRepository::new();
    expect_serials(&mut repo, "1234567", Vec::new());
    expect_exists(&mut repo, derived, true);
    assert_eq!(
        lookup(repo, "1234567").found,
        nothing(Missing::SerialMovedOn, Some(derived))
    );
}

#[test]
fn any_serial_is_found_regardless_of_case() {
    // The port compares without case; the text is passed as read.
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "sn-ab12cd", Vec::new());
    expect_serials(&mut repo, "sn-ab12cd", vec![item(3)]);
    expect_tracking(&mut repo, "sn-ab12cd", Vec::new());
    let found = lookup(repo, "sn-ab12cd");
    assert_eq!(found.resolution, Resolution::Serial);
    assert_eq!(found.found, Found::One(item(3).object_id()));

    // Found exactly by the barcode lookup as well (which holds exact serials): still a serial.
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "SN-AB12CD", vec![item(3).object_id()]);
    expect_serials(&mut repo, "SN-AB12CD", vec![item(3)]);
    expect_tracking(&mut repo, "SN-AB12CD", Vec::new());
    let found = lookup(repo, "SN-AB12CD");
    assert_eq!(found.resolution, Resolution::Serial);
    assert_eq!(found.found, Found::One(item(3).object_id()));
}

#[test]
fn an_rma_code_finds_its_order_only_when_it_exists() {
    let code = RmaCode::from_unix_seconds(1_790_000_000).unwrap();
    let order = code.order_id().object_id();
    let mut repo = MockLookupRepository::new();
    expect_exists(&mut repo, order, true);
    let found = lookup(repo, &code.to_string());
    assert_eq!(found.resolution, Resolution::Rma);
    assert_eq!(found.found, Found::One(order));

    let mut repo = MockLookupRepository::new();
    expect_exists(&mut repo, order, false);
    assert_eq!(
        lookup(repo, &code.to_string()).found,
        nothing(Missing::NotCreated, Some(order))
    );
}

#[test]
fn a_tracking_number_finds_its_order() {
    let order = OrderId::new(8).unwrap();
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "1Z999AA10123456784", Vec::new());
    expect_serials(&mut repo, "1Z999AA10123456784", Vec::new());
    expect_tracking(&mut repo, "1Z999AA10123456784", vec![order]);
    let found = lookup(repo, "1Z999AA10123456784");
    assert_eq!(found.resolution, Resolution::Tracking);
    assert_eq!(found.found, Found::One(order.object_id()));

    // A carrier's number no order has: read as tracking, names nothing.
    let mut repo = MockLookupRepository::new();
    expect_other(&mut repo, "1Z999AA10123456784");
    let found = lookup(repo, "1Z999AA10123456784");
    assert_eq!(found.resolution, Resolution::Tracking);
    assert_eq!(found.found, nothing(Missing::UnknownCode, None));
}

#[test]
fn a_dpd_barcode_is_also_looked_up_by_its_parcel_number() {
    let order = OrderId::new(9).unwrap();
    let text = "%0012345012345678901234327276";
    let text = &text[..28];
    let parcel = &text[8..22];
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, text, Vec::new());
    expect_serials(&mut repo, text, Vec::new());
    expect_tracking(&mut repo, text, Vec::new());
    expect_tracking(&mut repo, parcel, vec![order]);
    let found = lookup(repo, text);
    assert_eq!(found.resolution, Resolution::Tracking);
    assert_eq!(found.found, Found::One(order.object_id()));
}

#[test]
fn a_barcode_on_several_objects_names_them_all() {
    let boxed = BoxId::new(2).unwrap().object_id();
    let one = item(1).object_id();
    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "4006381333931", vec![one, boxed]);
    expect_serials(&mut repo, "4006381333931", Vec::new());
    expect_tracking(&mut repo, "4006381333931", Vec::new());
    let found = lookup(repo, "4006381333931");
    assert_eq!(found.resolution, Resolution::Barcode);
    // In id order, as ids sort (by their text).
    assert_eq!(found.found, Found::Several(vec![boxed, one]));

    let mut repo = MockLookupRepository::new();
    expect_codes(&mut repo, "SHELF-LABEL-7", vec![boxed]);
    expect_serials(&mut repo, "SHELF-LABEL-7", Vec::new());
    expect_tracking(&mut repo, "SHELF-LABEL-7", Vec::new());
    let found = lookup(repo, "SHELF-LABEL-7");
    assert_eq!(found.resolution, Resolution::Barcode);
    assert_eq!(found.found, Found::One(boxed));
}

#[test]
fn codes_nobody_carries_are_read_as_the_decoder_reads_them() {
    // A GTIN with a valid check digit is a product code, though 13 digits fit DHL Paket.
    let mut repo = MockLookupRepository::new();
    expect_other(&mut repo, "4006381333931");
    let found = lookup(repo, "4006381333931");
    assert_eq!(found.resolution, Resolution::Gs1);
    assert_eq!(found.found, nothing(Missing::UnknownCode, None));

    let mut repo = MockLookupRepository::new();
    expect_other(&mut repo, "hello world");
    let found = lookup(repo, "hello world");
    assert_eq!(found.resolution, Resolution::Unknown);
    assert_eq!(found.found, nothing(Missing::UnknownCode, None));
}

#[test]
fn a_caller_without_inventory_view_is_refused_before_any_read() {
    let nobody = Actor::seeded_key(3, "nobody", "no-such-role");
    let refused = service(MockLookupRepository::new())
        .lookup(&nobody, "i000000000000000042")
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Forbidden { permission, .. } if permission == "inventory.view"),
        "{refused:?}"
    );
}

#[test]
fn texts_a_scan_refuses_are_refused_naming_code() {
    let long = "x".repeat(crate::scanning::MAX_BARCODE_LEN + 1);
    for bad in ["", "   ", "a\u{0}b", long.as_str()] {
        let refused = service(MockLookupRepository::new())
            .lookup(&viewer(), bad)
            .unwrap_err();
        match refused {
            AppError::Invalid(fields) => assert_eq!(fields[0].field, "code", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn a_failed_read_fails_the_lookup() {
    let mut repo = MockLookupRepository::new();
    repo.expect_exists()
        .times(1)
        .returning(|_| Err(AppError::internal(anyhow::anyhow!("gone"))));
    let failed = service(repo)
        .lookup(&viewer(), "i000000000000000042")
        .unwrap_err();
    assert!(matches!(failed, AppError::Internal(_)), "{failed:?}");
}
