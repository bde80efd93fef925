//! The `processed` step on mocked ports: the rule a status change passes, and the automatic
//! step after a result.

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use eckwms_domain::repair::reconcile::FoundItem;
use eckwms_domain::repair::{Declared, DeclaredInput, RMA_ORDER_BASE};
use eckwms_domain::{Code, ItemId, Meta, Order, OrderId, OrderStatus};

use super::*;
use crate::access::Actor;
use crate::labels::LabelService;
use crate::orders::StatusRule;
use crate::ports::{
    MockClock, MockIdentityRepository, MockLabelRepository, MockOrderRepository,
    MockRepairRepository, MockSecretSource,
};
use crate::repair::RepairPorts;

const NOW: i64 = 1_765_101_600;

fn rma() -> OrderId {
    OrderId::new(RMA_ORDER_BASE + 1_765_000_000).unwrap()
}

fn item(n: u64) -> ItemId {
    ItemId::new(n).unwrap()
}

/// An RMA request declaring SN-1 and SN-2, in `status`, at `version`.
fn order(status: OrderStatus, version: i64) -> Order {
    let input = ["SN-1", "SN-2"].map(|s| DeclaredInput {
        serial: s.into(),
        description: None,
    });
    let mut meta = Meta::new(Utc.timestamp_opt(NOW, 0).unwrap());
    meta.version = version;
    Order {
        id: rma(),
        reference: None,
        customer: Default::default(),
        status,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: Default::default(),
        declared: Declared::new("declared", &input).unwrap(),
        meta,
    }
}

/// Items 1 (SN-1) and 2 (SN-2) arrived, and item 3 that nobody declared.
fn found() -> Vec<FoundItem> {
    [(1, "SN-1"), (2, "SN-2"), (3, "OTHER")]
        .map(|(n, serial)| FoundItem {
            id: item(n),
            serial: Some(Code::new("serial", serial).unwrap()),
            barcodes: vec![],
        })
        .to_vec()
}

fn service(repair: MockRepairRepository, orders: MockOrderRepository, auto: bool) -> RepairService {
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(|| Utc.timestamp_opt(NOW, 0).unwrap());
    let clock = Arc::new(clock);
    RepairService::new(RepairPorts {
        repair: Arc::new(repair),
        orders: Arc::new(orders),
        labels: LabelService::new(
            Arc::new(MockLabelRepository::new()),
            Arc::new(MockIdentityRepository::new()),
            Arc::new(eckwms_codes::Decoder::default()),
            Arc::new(MockSecretSource::new()),
            clock.clone(),
            eckwms_labels::Layout::default(),
            None,
        ),
        clock,
    })
    .processing_automatically(auto)
}

/// A repository where the order's boxes hold [`found`] and `done` have a result.
fn repair_with_results(done: Vec<ItemId>) -> MockRepairRepository {
    let mut repair = MockRepairRepository::new();
    repair.expect_found_items().returning(|_, _| Ok(found()));
    repair
        .expect_items_with_result()
        .returning(move |asked| Ok(done.iter().filter(|i| asked.contains(i)).copied().collect()));
    repair
        .expect_orders_holding()
        .returning(|_| Ok(vec![rma()]));
    repair
}

fn reading(status: OrderStatus) -> MockOrderRepository {
    let mut orders = MockOrderRepository::new();
    orders
        .expect_get_order()
        .returning(move |_| Ok(order(status, 4)));
    orders
}

fn refusal(result: AppResult<()>) -> String {
    match result {
        Err(AppError::Refused { code, message }) => {
            assert_eq!(code.as_str(), "repair_unfinished");
            message
        }
        other => panic!("expected repair_unfinished, got {other:?}"),
    }
}

#[test]
fn a_request_is_processed_only_once_received_with_every_matched_device_done() {
    // Not received yet.
    let s = service(
        repair_with_results(vec![]),
        reading(OrderStatus::Created),
        false,
    );
    let why = refusal(s.check(rma(), OrderStatus::Processed));
    assert!(why.contains("has not been received"), "{why}");
    // Received, one matched device without a result (the undeclared item 3 does not count).
    let s = service(
        repair_with_results(vec![item(1), item(3)]),
        reading(OrderStatus::Received),
        false,
    );
    let why = refusal(s.check(rma(), OrderStatus::Processed));
    assert!(
        why.starts_with("1 matched device(s)") && why.contains("i000000000000000002"),
        "{why}"
    );
    assert!(!why.contains("i000000000000000001"), "{why}");
    // Both matched devices done.
    let s = service(
        repair_with_results(vec![item(1), item(2)]),
        reading(OrderStatus::Received),
        false,
    );
    s.check(rma(), OrderStatus::Processed).unwrap();
}

#[test]
fn other_statuses_and_plain_orders_pass_without_a_read() {
    let s = service(
        MockRepairRepository::new(),
        MockOrderRepository::new(),
        false,
    );
    for to in [
        OrderStatus::Created,
        OrderStatus::Received,
        OrderStatus::Shipped,
    ] {
        s.check(rma(), to).unwrap();
    }
    s.check(OrderId::new(77).unwrap(), OrderStatus::Processed)
        .unwrap();
}

fn technician() -> RequestMeta {
    RequestMeta {
        actor: Actor::seeded_key(5, "bench", "write"),
        request_id: Some("req-5".into()),
        idempotency: None,
        address: None,
    }
}

#[test]
fn without_the_setting_a_result_processes_nothing() {
    let mut repair = MockRepairRepository::new();
    repair.expect_orders_holding().never();
    let s = service(repair, MockOrderRepository::new(), false);
    assert!(s.after_result(item(2), &technician()).unwrap().is_empty());
}

#[test]
fn the_result_that_completes_a_request_processes_it_with_its_reason() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut orders = reading(OrderStatus::Received);
    let recorded = seen.clone();
    orders
        .expect_update_order()
        .times(1)
        .returning(move |id, expected, patch, ctx| {
            recorded.lock().unwrap().push((
                expected,
                patch.status,
                ctx.reason.clone(),
                ctx.actor.clone(),
            ));
            Ok(order(OrderStatus::Processed, 5)).map(|mut o| {
                o.id = id;
                o
            })
        });
    let s = service(repair_with_results(vec![item(1), item(2)]), orders, true);
    assert_eq!(s.after_result(item(2), &technician()).unwrap(), [rma()]);
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            Expected::Version(4),
            Some(OrderStatus::Processed),
            Some(AUTO_PROCESSED_REASON.to_owned()),
            "apikey:5".to_owned()
        )]
    );
}

#[test]
fn an_unfinished_or_changed_request_is_left_as_it_is() {
    // A matched device without its result: nothing is changed.
    let mut orders = reading(OrderStatus::Received);
    orders.expect_update_order().never();
    let s = service(repair_with_results(vec![item(1)]), orders, true);
    assert!(s.after_result(item(1), &technician()).unwrap().is_empty());

    // Processed meanwhile by someone else: read again, found processed, left alone.
    let reads = Arc::new(Mutex::new(0));
    let mut orders = MockOrderRepository::new();
    let count = reads.clone();
    orders.expect_get_order().returning(move |_| {
        let mut n = count.lock().unwrap();
        *n += 1;
        Ok(if *n == 1 {
            order(OrderStatus::Received, 4)
        } else {
            order(OrderStatus::Processed, 5)
        })
    });
    orders
        .expect_update_order()
        .times(1)
        .returning(|_, _, _, _| Err(AppError::PreconditionFailed { current: 5 }));
    let s = service(repair_with_results(vec![item(1), item(2)]), orders, true);
    assert!(s.after_result(item(2), &technician()).unwrap().is_empty());
    assert_eq!(*reads.lock().unwrap(), 2);
}
