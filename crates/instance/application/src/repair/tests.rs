//! RMA requests on mocked ports: who may make them, what they publish, the clock they read.

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use eckwms_domain::repair::{Declared, DeclaredInput, RMA_ORDER_BASE};
use eckwms_domain::{Customer, Meta, Note, OrderId, OrderPublicFields, OrderStatus};

use super::*;
use crate::access::Actor;
use crate::ports::{
    MockClock, MockIdentityRepository, MockLabelRepository, MockOrderRepository,
    MockRepairRepository, MockSecretSource, WriteContext,
};

const NOW: i64 = 1_765_101_600;

fn meta(role: &str) -> RequestMeta {
    RequestMeta {
        actor: Actor::seeded_key(3, "desk", role),
        request_id: Some("req-9".into()),
        idempotency: None,
        address: None,
    }
}

fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(|| Utc.timestamp_opt(NOW, 0).unwrap());
    clock
}

/// The wing's ports around `repair`, with no orders read and no label key (slips are tested in
/// `slip/tests.rs`).
fn ports(repair: MockRepairRepository) -> RepairPorts {
    let clock: Arc<MockClock> = Arc::new(clock());
    RepairPorts {
        repair: Arc::new(repair),
        orders: Arc::new(MockOrderRepository::new()),
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
    }
}

fn declared() -> Declared {
    Declared::new(
        "declared",
        &[DeclaredInput {
            serial: "1234567".into(),
            description: Some("no power".into()),
        }],
    )
    .unwrap()
}

/// A repository that stores the request under the number `now` and remembers what it got.
fn storing(seen: Arc<Mutex<Vec<(NewOrder, i64, WriteContext)>>>) -> MockRepairRepository {
    let mut repo = MockRepairRepository::new();
    repo.expect_create_rma().returning(move |new, now, ctx| {
        seen.lock().unwrap().push((new.clone(), now, ctx.clone()));
        Ok(Order {
            id: OrderId::new(RMA_ORDER_BASE + u64::try_from(now).unwrap()).unwrap(),
            reference: new.reference.clone(),
            customer: new.customer.clone(),
            status: OrderStatus::Created,
            tracking_number: None,
            received_at: None,
            processed_at: None,
            shipped_at: None,
            public_fields: new.public_fields,
            declared: new.declared.clone(),
            meta: Meta::new(ctx.at),
        })
    });
    repo
}

#[test]
fn an_rma_request_publishes_its_progress_and_takes_the_clocks_seconds() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = RepairService::new(ports(storing(seen.clone())));
    let new = NewOrder {
        customer: Customer::default(),
        declared: declared(),
        ..NewOrder::default()
    };
    let order = service.create_rma(&new, &meta("MANAGER")).unwrap();
    assert_eq!(order.id.to_string(), "o800000001765101600");
    assert_eq!(rma_code(order.id).unwrap().to_string(), "RMA17651016002K");
    assert_eq!(rma_code(OrderId::new(42).unwrap()), None);
    let public: Vec<&str> = order.public_fields.iter().map(|f| f.as_str()).collect();
    assert_eq!(
        public,
        [
            "status",
            "reference",
            "tracking_number",
            "received_at",
            "shipped_at"
        ]
    );
    let seen = seen.lock().unwrap();
    let (stored, now, ctx) = &seen[0];
    assert_eq!(*now, NOW);
    assert_eq!(stored.declared, declared());
    assert_eq!(ctx.actor, "apikey:3");

    // Public fields the request names are kept as they are.
    let mut chosen = new.clone();
    chosen.public_fields = [PublicOrderField::Status].into_iter().collect();
    drop(seen);
    let order = service.create_rma(&chosen, &meta("MANAGER")).unwrap();
    assert_eq!(order.public_fields.iter().count(), 1);
}

#[test]
fn making_an_rma_request_needs_orders_manage() {
    let mut repo = MockRepairRepository::new();
    repo.expect_create_rma().never();
    let service = RepairService::new(ports(repo));
    for role in ["PICKER", "TECHNICIAN", "read"] {
        match service.create_rma(&NewOrder::default(), &meta(role)) {
            Err(AppError::Forbidden { permission, .. }) => {
                assert_eq!(permission, "orders.manage", "{role}")
            }
            other => panic!("{role}: {other:?}"),
        }
    }
}

fn rma_order(status: OrderStatus, version: i64) -> Order {
    let mut meta = Meta::new(Utc.timestamp_opt(NOW, 0).unwrap());
    meta.version = version;
    Order {
        id: OrderId::new(RMA_ORDER_BASE + 1_765_000_000).unwrap(),
        reference: None,
        customer: Customer::default(),
        status,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: OrderPublicFields::default(),
        declared: declared(),
        meta,
    }
}

fn with_orders(orders: MockOrderRepository) -> RepairService {
    RepairService::new(RepairPorts {
        orders: Arc::new(orders),
        ..ports(MockRepairRepository::new())
    })
}

/// The reason of every update the repository was asked for.
type Reasons = Arc<Mutex<Vec<Option<String>>>>;

fn updating(orders: &mut MockOrderRepository) -> Reasons {
    let reasons = Reasons::default();
    let seen = reasons.clone();
    orders
        .expect_update_order()
        .returning(move |_, expected, patch, ctx| {
            seen.lock().unwrap().push(ctx.reason.clone());
            let mut o = rma_order(OrderStatus::Created, 2);
            assert_eq!(expected, Expected::Version(1), "the version read");
            o.declared = patch.declared.clone().unwrap();
            Ok(o)
        });
    reasons
}

#[test]
fn declared_devices_change_freely_until_the_parcel_is_received_then_with_a_reason() {
    let id = rma_order(OrderStatus::Created, 1).id;
    let empty = Declared::default();
    let reason = Note::new("reason", "customer sent a second unit").unwrap();

    let mut orders = MockOrderRepository::new();
    orders
        .expect_get_order()
        .returning(|_| Ok(rma_order(OrderStatus::Created, 1)));
    let reasons = updating(&mut orders);
    let changed = with_orders(orders)
        .set_declared(id, Expected::Any, &empty, None, &meta("MANAGER"))
        .unwrap();
    assert!(changed.declared.is_empty());
    assert_eq!(*reasons.lock().unwrap(), [None]);

    let mut orders = MockOrderRepository::new();
    orders
        .expect_get_order()
        .returning(|_| Ok(rma_order(OrderStatus::Received, 1)));
    let reasons = updating(&mut orders);
    let service = with_orders(orders);
    match service.set_declared(id, Expected::Any, &empty, None, &meta("MANAGER")) {
        Err(AppError::Invalid(fields)) => assert_eq!(fields[0].field, "reason"),
        other => panic!("{other:?}"),
    }
    assert!(reasons.lock().unwrap().is_empty(), "nothing changed");
    service
        .set_declared(
            id,
            Expected::Version(1),
            &empty,
            Some(&reason),
            &meta("MANAGER"),
        )
        .unwrap();
    assert_eq!(
        *reasons.lock().unwrap(),
        [Some("customer sent a second unit".to_owned())]
    );
    // A stale If-Match is refused before anything is written.
    assert!(matches!(
        service.set_declared(
            id,
            Expected::Version(7),
            &empty,
            Some(&reason),
            &meta("MANAGER")
        ),
        Err(AppError::PreconditionFailed { current: 1 })
    ));
}

/// An order received between the read and the write is read again, and then needs a reason.
#[test]
fn an_order_received_meanwhile_is_read_again() {
    let id = rma_order(OrderStatus::Created, 1).id;
    let mut orders = MockOrderRepository::new();
    let reads = Arc::new(Mutex::new(0));
    let counted = reads.clone();
    orders.expect_get_order().returning(move |_| {
        let mut n = counted.lock().unwrap();
        *n += 1;
        Ok(if *n == 1 {
            rma_order(OrderStatus::Created, 1)
        } else {
            rma_order(OrderStatus::Received, 2)
        })
    });
    orders
        .expect_update_order()
        .times(1)
        .returning(|_, _, _, _| Err(AppError::PreconditionFailed { current: 2 }));
    match with_orders(orders).set_declared(
        id,
        Expected::Any,
        &Declared::default(),
        None,
        &meta("MANAGER"),
    ) {
        Err(AppError::Invalid(fields)) => assert_eq!(fields[0].field, "reason"),
        other => panic!("{other:?}"),
    }
    assert_eq!(*reads.lock().unwrap(), 2);
}

#[test]
fn only_rma_requests_declare_devices() {
    let plain = OrderId::new(42).unwrap();
    let mut orders = MockOrderRepository::new();
    orders.expect_get_order().never();
    orders.expect_update_order().never();
    let service = with_orders(orders);
    match service.set_declared(
        plain,
        Expected::Any,
        &Declared::default(),
        None,
        &meta("MANAGER"),
    ) {
        Err(AppError::NotFound { what, .. }) => assert_eq!(what, "RMA request"),
        other => panic!("{other:?}"),
    }
    // And it needs orders.manage, asked first.
    assert!(matches!(
        service.set_declared(
            plain,
            Expected::Any,
            &Declared::default(),
            None,
            &meta("PICKER")
        ),
        Err(AppError::Forbidden { .. })
    ));
}

mod reconciliation {
    use chrono::Duration;
    use eckwms_domain::ItemId;
    use eckwms_domain::repair::reconcile::{FoundItem, MAX_FOUND_ITEMS};

    use super::*;

    fn service(orders: MockOrderRepository, repair: MockRepairRepository) -> RepairService {
        RepairService::new(RepairPorts {
            orders: Arc::new(orders),
            ..ports(repair)
        })
    }

    fn item(number: u64) -> FoundItem {
        FoundItem {
            id: ItemId::new(number).unwrap(),
            serial: None,
            barcodes: Vec::new(),
        }
    }

    /// An RMA request received `days` ago (by the mocked clock), if at all, whose boxes hold
    /// `found`.
    fn reconciling(received_days_ago: Option<i64>, found: Vec<FoundItem>) -> RepairService {
        let mut order = rma_order(OrderStatus::Received, 2);
        order.received_at =
            received_days_ago.map(|d| Utc.timestamp_opt(NOW, 0).unwrap() - Duration::days(d));
        let id = order.id;
        let mut orders = MockOrderRepository::new();
        orders
            .expect_get_order()
            .times(1)
            .withf(move |asked| *asked == id)
            .returning(move |_| Ok(order.clone()));
        let mut repair = MockRepairRepository::new();
        repair
            .expect_found_items()
            .times(1)
            .withf(move |asked, limit| *asked == id && *limit == MAX_FOUND_ITEMS + 1)
            .returning(move |_, _| Ok(found.clone()));
        service(orders, repair)
    }

    fn rma_id() -> OrderId {
        OrderId::new(RMA_ORDER_BASE + 1_765_000_000).unwrap()
    }

    #[test]
    fn the_declared_seven_digit_serial_finds_its_item_and_the_age_comes_from_the_clock() {
        let named = ItemId::parse("i700000000001234567").unwrap();
        let found = vec![item(42), item(named.number())];
        let r = reconciling(Some(31), found)
            .reconcile(&meta("read").actor, rma_id())
            .unwrap();
        assert_eq!(r.order, rma_id());
        assert_eq!(r.age_days, Some(31));
        assert!(r.overdue);
        assert_eq!(r.matching.matched.len(), 1);
        assert_eq!(r.matching.matched[0].item, named);
        assert!(r.matching.missing.is_empty());
        assert_eq!(r.matching.undeclared, [item(42)]);

        let r = reconciling(Some(29), Vec::new())
            .reconcile(&meta("read").actor, rma_id())
            .unwrap();
        assert_eq!((r.age_days, r.overdue), (Some(29), false));
        assert_eq!(r.matching.missing.len(), 1);
        // Not received: no age, never overdue.
        let r = reconciling(None, Vec::new())
            .reconcile(&meta("read").actor, rma_id())
            .unwrap();
        assert_eq!((r.received_at, r.age_days, r.overdue), (None, None, false));
    }

    #[test]
    fn a_reconciliation_needs_inventory_view_before_anything_is_read() {
        let mut orders = MockOrderRepository::new();
        orders.expect_get_order().never();
        let mut repair = MockRepairRepository::new();
        repair.expect_found_items().never();
        let service = service(orders, repair);
        let actor = Actor::seeded_key(3, "nobody", "NOBODY");
        match service.reconcile(&actor, rma_id()) {
            Err(AppError::Forbidden { permission, .. }) => {
                assert_eq!(permission, "inventory.view")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_plain_order_is_no_rma_request_and_is_not_read() {
        let mut orders = MockOrderRepository::new();
        orders.expect_get_order().never();
        let mut repair = MockRepairRepository::new();
        repair.expect_found_items().never();
        let result =
            service(orders, repair).reconcile(&meta("read").actor, OrderId::new(42).unwrap());
        match result {
            Err(e @ AppError::NotFound { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "RMA request o000000000000000042 does not exist"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn more_items_than_one_reconciliation_reads_are_refused() {
        let found: Vec<FoundItem> = (1..=MAX_FOUND_ITEMS as u64 + 1).map(item).collect();
        match reconciling(Some(1), found).reconcile(&meta("read").actor, rma_id()) {
            Err(AppError::Refused { code, .. }) => {
                assert_eq!(code.as_str(), "reconciliation_too_large")
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The list of received RMA requests with missing devices: each candidate the repository
/// lists is reconciled, pages follow the ids, and one page examines a bounded number.
mod missing_devices {
    use std::collections::HashMap;

    use eckwms_domain::ItemId;
    use eckwms_domain::repair::reconcile::{FoundItem, MAX_FOUND_ITEMS};

    use super::*;
    use crate::common::Page;
    use crate::ports::{OrderFilter, PageQuery};
    use crate::repair::EXAMINED_PER_PAGE;

    fn code(s: &str) -> eckwms_domain::Code {
        eckwms_domain::Code::new("code", s).unwrap()
    }

    /// A received RMA request of number `n` declaring `serials`.
    fn request(n: u64, serials: &[&str]) -> Order {
        let mut order = rma_order(OrderStatus::Received, 2);
        order.id = OrderId::new(RMA_ORDER_BASE + n).unwrap();
        order.received_at = Some(Utc.timestamp_opt(NOW, 0).unwrap());
        let input: Vec<DeclaredInput> = serials
            .iter()
            .map(|s| DeclaredInput {
                serial: (*s).into(),
                description: None,
            })
            .collect();
        order.declared = Declared::new("declared", &input).unwrap();
        order
    }

    fn found(n: u64, serial: Option<&str>, barcodes: &[&str]) -> FoundItem {
        FoundItem {
            id: ItemId::new(n).unwrap(),
            serial: serial.map(code),
            barcodes: barcodes.iter().map(|b| code(b)).collect(),
        }
    }

    /// Candidates the orders repository lists (every one, after the cursor, up to the limit;
    /// the filter it gets is kept in `filters`) and what each one's boxes hold.
    struct Desk {
        candidates: Vec<Order>,
        found: HashMap<OrderId, Vec<FoundItem>>,
        filters: Arc<Mutex<Vec<OrderFilter>>>,
        reads: Arc<Mutex<usize>>,
    }

    impl Desk {
        fn new() -> Self {
            Self {
                candidates: Vec::new(),
                found: HashMap::new(),
                filters: Arc::default(),
                reads: Arc::default(),
            }
        }

        fn add(&mut self, order: Order, found: Vec<FoundItem>) -> OrderId {
            let id = order.id;
            self.candidates.push(order);
            self.found.insert(id, found);
            id
        }

        fn service(&self) -> RepairService {
            let mut orders = MockOrderRepository::new();
            let candidates = self.candidates.clone();
            let filters = self.filters.clone();
            orders
                .expect_list_orders()
                .returning(move |filter, page: &PageQuery<OrderId>| {
                    filters.lock().unwrap().push(filter.clone());
                    Ok(candidates
                        .iter()
                        .filter(|o| page.after.is_none_or(|after| o.id > after))
                        .take(page.limit as usize)
                        .cloned()
                        .collect())
                });
            let mut repair = MockRepairRepository::new();
            let found = self.found.clone();
            let reads = self.reads.clone();
            repair.expect_found_items().returning(move |id, limit| {
                assert_eq!(limit, MAX_FOUND_ITEMS + 1);
                *reads.lock().unwrap() += 1;
                Ok(found.get(&id).cloned().unwrap_or_default())
            });
            RepairService::new(RepairPorts {
                orders: Arc::new(orders),
                ..ports(repair)
            })
        }
    }

    fn ids(page: &Page<Order>) -> Vec<OrderId> {
        page.items.iter().map(|o| o.id).collect()
    }

    fn list(
        service: &RepairService,
        missing: bool,
        after: Option<OrderId>,
        limit: u32,
    ) -> Page<Order> {
        service
            .list_by_missing_devices(
                &meta("read").actor,
                &OrderFilter {
                    status: Some(OrderStatus::Received),
                    ..OrderFilter::default()
                },
                missing,
                &PageQuery { after, limit },
            )
            .unwrap()
    }

    #[test]
    fn an_order_is_listed_when_its_reconciliation_misses_a_device() {
        let mut desk = Desk::new();
        // Everything arrived: the 7-digit serial's own item, and a serial on a barcode.
        let complete = desk.add(
            request(1, &["1234567", "sn-b"]),
            vec![
                found(5, None, &["SN-B"]),
                found(700_000_000_001_234_567, None, &[]),
            ],
        );
        // One item carries both declared serials, as serial and as barcode: it stands for one
        // device only, so the other is missing.
        let one_for_two = desk.add(
            request(2, &["A-1", "B-2"]),
            vec![found(7, Some("A-1"), &["b-2"])],
        );
        // Nothing arrived yet in its boxes.
        let empty = desk.add(request(3, &["X"]), Vec::new());
        let service = desk.service();
        let page = list(&service, true, None, 50);
        assert_eq!(ids(&page), [one_for_two, empty]);
        assert_eq!(page.next_cursor, None);
        // The reconciliation says the same of each.
        for (id, listed) in [(complete, false), (one_for_two, true), (empty, true)] {
            let order = desk.candidates.iter().find(|o| o.id == id).unwrap().clone();
            let mut orders = MockOrderRepository::new();
            orders
                .expect_get_order()
                .returning(move |_| Ok(order.clone()));
            let one = RepairService::new(RepairPorts {
                orders: Arc::new(orders),
                ..ports({
                    let found = desk.found[&id].clone();
                    let mut repair = MockRepairRepository::new();
                    repair
                        .expect_found_items()
                        .returning(move |_, _| Ok(found.clone()));
                    repair
                })
            });
            let r = one.reconcile(&meta("read").actor, id).unwrap();
            assert_eq!(!r.matching.missing.is_empty(), listed, "{id}");
        }
        // `false` lists the complete ones; the filter asks for received RMA requests (that
        // declare devices, for `true`), with the caller's own conditions.
        assert_eq!(ids(&list(&service, false, None, 50)), [complete]);
        let filters = desk.filters.lock().unwrap();
        assert!(
            filters
                .iter()
                .all(|f| f.arrived_rma && f.status == Some(OrderStatus::Received))
        );
        assert!(filters[0].declares_devices);
        assert!(!filters.last().unwrap().declares_devices);
    }

    #[test]
    fn pages_follow_the_ids_and_name_the_next_only_when_more_follow() {
        let mut desk = Desk::new();
        let mut missing = Vec::new();
        for n in 1..=7 {
            // Every other order misses its device.
            let items = if n % 2 == 0 {
                vec![found(n, Some("S"), &[])]
            } else {
                Vec::new()
            };
            let id = desk.add(request(n, &["S"]), items);
            if n % 2 == 1 {
                missing.push(id);
            }
        }
        let service = desk.service();
        let first = list(&service, true, None, 2);
        assert_eq!(ids(&first), missing[..2]);
        assert_eq!(first.next_cursor, Some(missing[1].to_string()));
        let second = list(&service, true, Some(missing[1]), 2);
        assert_eq!(ids(&second), missing[2..]);
        assert_eq!(second.next_cursor, None, "no fifth order misses a device");
    }

    #[test]
    fn one_page_examines_a_bounded_number_of_orders_and_moves_on() {
        let mut desk = Desk::new();
        let total = EXAMINED_PER_PAGE + 30;
        let mut all = Vec::new();
        for n in 1..=total as u64 {
            all.push(desk.add(request(n, &["S"]), vec![found(n, Some("S"), &[])]));
        }
        // The last order misses its device.
        let last = *all.last().unwrap();
        desk.found.insert(last, Vec::new());
        let service = desk.service();
        let first = list(&service, true, None, 500);
        assert!(first.items.is_empty());
        assert_eq!(*desk.reads.lock().unwrap(), EXAMINED_PER_PAGE);
        let cursor = all[EXAMINED_PER_PAGE - 1];
        assert_eq!(first.next_cursor, Some(cursor.to_string()));
        let second = list(&service, true, Some(cursor), 500);
        assert_eq!(ids(&second), [last]);
        assert_eq!(second.next_cursor, None);
        assert_eq!(*desk.reads.lock().unwrap(), total);
    }

    #[test]
    fn listing_needs_inventory_view_and_refuses_an_order_too_large_to_tell() {
        let mut desk = Desk::new();
        let huge = (1..=MAX_FOUND_ITEMS as u64 + 1)
            .map(|n| found(n, None, &[]))
            .collect();
        let id = desk.add(request(1, &["S"]), huge);
        let service = desk.service();
        match service.list_by_missing_devices(
            &meta("read").actor,
            &OrderFilter::default(),
            true,
            &PageQuery {
                after: None,
                limit: 50,
            },
        ) {
            Err(e @ AppError::Refused { .. }) => {
                assert!(e.to_string().contains(&id.to_string()), "{e}")
            }
            other => panic!("{other:?}"),
        }
        let actor = Actor::seeded_key(3, "nobody", "NOBODY");
        assert!(matches!(
            service.list_by_missing_devices(
                &actor,
                &OrderFilter::default(),
                true,
                &PageQuery {
                    after: None,
                    limit: 50,
                },
            ),
            Err(AppError::Forbidden { .. })
        ));
        assert!(
            desk.filters.lock().unwrap().len() == 1,
            "nothing read for the refused"
        );
    }
}

/// The service report on a mocked repository: who may export it, the CSV of a page, and how
/// pages follow each other.
mod report {
    use eckwms_domain::repair::reconcile::FoundItem;
    use eckwms_domain::repair::report::{ReportedItem, ReportedOrder};
    use eckwms_domain::{Code, ItemId, Name};

    use super::*;
    use crate::ports::{ServiceReportFilter, ServiceReportPage};

    fn service(repair: MockRepairRepository) -> RepairService {
        RepairService::new(ports(repair))
    }

    /// An RMA request numbered `n` in the range, declaring `1234567` ("no power") of a
    /// customer whose name would start a formula.
    fn reported(n: u64, items: Vec<ReportedItem>) -> ReportedOrder {
        let mut order = rma_order(OrderStatus::Received, 1);
        order.id = OrderId::new(RMA_ORDER_BASE + n).unwrap();
        order.customer.company = Some(Name::new("company", "=cmd").unwrap());
        ReportedOrder { order, items }
    }

    fn item(n: u64, serial: &str) -> ReportedItem {
        ReportedItem {
            found: FoundItem {
                id: ItemId::new(n).unwrap(),
                serial: Some(Code::new("serial", serial).unwrap()),
                barcodes: Vec::new(),
            },
            name: Some(Name::new("name", "Scanner; MC33").unwrap()),
            class_code: None,
            condition: None,
            actions: Vec::new(),
        }
    }

    #[test]
    fn the_first_page_starts_with_the_bom_and_header_and_writes_a_row_per_device() {
        let mut repair = MockRepairRepository::new();
        let filter = ServiceReportFilter {
            status: Some(OrderStatus::Received),
            ..ServiceReportFilter::default()
        };
        let expected = filter.clone();
        repair
            .expect_service_report_page()
            .times(1)
            .withf(move |f, after, orders, rows| {
                *f == expected && after.is_none() && *orders == 16 && *rows == REPORT_PAGE_ROWS
            })
            .returning(|_, _, _, _| {
                Ok(ServiceReportPage {
                    // The declared 7-digit serial names the item of its own: matched, though
                    // the item carries no such serial; item 5 arrived undeclared.
                    orders: vec![reported(
                        1,
                        vec![item(5, "X-1"), item(700_000_000_001_234_567, "other")],
                    )],
                    more: false,
                })
            });
        let chunk = service(repair)
            .service_report(&meta("read").actor, &filter, ReportCursor::start())
            .unwrap();
        assert_eq!(chunk.next, None);
        assert!(chunk.csv.starts_with("\u{FEFF}Serial/part number;Model;"));
        let lines: Vec<&str> = chunk.csv.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[1].starts_with("X-1;\"Scanner; MC33\";;;'=cmd;;"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("other;"), "{}", lines[2]);
        assert!(lines[2].contains(";no power;"), "{}", lines[2]);
    }

    /// Expects one page asked after `after` trying `orders`, answering `answer`.
    fn expect_page(
        repair: &mut MockRepairRepository,
        seq: &mut mockall::Sequence,
        after: Option<OrderId>,
        orders: usize,
        answer: ServiceReportPage,
    ) {
        repair
            .expect_service_report_page()
            .times(1)
            .in_sequence(seq)
            .withf(move |_, a, o, _| *a == after && *o == orders)
            .returning(move |_, _, _, _| Ok(answer.clone()));
    }

    #[test]
    fn pages_follow_the_last_request_and_try_about_as_many_as_fitted() {
        let id = |n| OrderId::new(RMA_ORDER_BASE + n).unwrap();
        let mut repair = MockRepairRepository::new();
        let mut seq = mockall::Sequence::new();
        // The first page takes all 16 it tried: the next tries 32, after the last one; it
        // takes one (its rows filled the page), so the third tries 2.
        let all: Vec<ReportedOrder> = (1..=16).map(|n| reported(n, Vec::new())).collect();
        let page = |orders, more| ServiceReportPage { orders, more };
        expect_page(&mut repair, &mut seq, None, 16, page(all, true));
        let one = vec![reported(17, Vec::new())];
        expect_page(&mut repair, &mut seq, Some(id(16)), 32, page(one, true));
        let last = vec![reported(18, Vec::new())];
        expect_page(&mut repair, &mut seq, Some(id(17)), 2, page(last, false));
        let service = service(repair);
        let (actor, filter) = (meta("read").actor, ServiceReportFilter::default());
        let first = service
            .service_report(&actor, &filter, ReportCursor::start())
            .unwrap();
        // The header and one row per request (its declared device is missing).
        assert_eq!(first.csv.split_terminator("\r\n").count(), 17);
        let second = service
            .service_report(&actor, &filter, first.next.unwrap())
            .unwrap();
        assert_eq!(second.next.unwrap().after(), Some(id(17)));
        // No header after the first page; a missing device still writes its row.
        assert!(second.csv.starts_with("1234567;"), "{}", second.csv);
        assert_eq!(second.csv.split_terminator("\r\n").count(), 1);
        let third = service
            .service_report(&actor, &filter, second.next.unwrap())
            .unwrap();
        assert_eq!(third.next, None, "no more requests follow");
    }

    #[test]
    fn the_report_needs_reports_export_before_anything_is_read() {
        let mut repair = MockRepairRepository::new();
        repair.expect_service_report_page().never();
        let service = service(repair);
        for role in ["PICKER", "TECHNICIAN", "INBOUND"] {
            match service.service_report(
                &meta(role).actor,
                &ServiceReportFilter::default(),
                ReportCursor::start(),
            ) {
                Err(AppError::Forbidden { permission, .. }) => {
                    assert_eq!(permission, "reports.export", "{role}")
                }
                other => panic!("{role}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_empty_report_is_the_header_alone() {
        let mut repair = MockRepairRepository::new();
        repair
            .expect_service_report_page()
            .returning(|_, _, _, _| Ok(ServiceReportPage::default()));
        let chunk = service(repair)
            .service_report(
                &meta("MANAGER").actor,
                &ServiceReportFilter::default(),
                ReportCursor::start(),
            )
            .unwrap();
        assert_eq!(chunk.next, None);
        assert_eq!(chunk.csv.split_terminator("\r\n").count(), 1);
    }
}
