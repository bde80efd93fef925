//! The repair wing: RMA requests, their numbers and declared devices.

use eckwms_domain::repair::{Declared, DeclaredInput, RMA_ORDER_BASE};

use super::*;

/// A second of 2026-12-07, as RMA numbers are made of.
const SECOND: i64 = 1_765_101_600;

fn declared(serials: &[&str]) -> Declared {
    let input: Vec<DeclaredInput> = serials
        .iter()
        .map(|s| DeclaredInput {
            serial: (*s).into(),
            description: Some(format!("{s} does not start")),
        })
        .collect();
    Declared::new("declared", &input).unwrap()
}

fn rma(db: &Database, now: i64, serials: &[&str]) -> Order {
    db.create_rma(
        &NewOrder {
            reference: Some(Code::new("reference", "PO-77").unwrap()),
            declared: declared(serials),
            ..NewOrder::default()
        },
        now,
        &ctx(),
    )
    .unwrap()
}

fn number(order: &Order) -> u64 {
    order.id.number() - RMA_ORDER_BASE
}

pub(crate) fn rma_requests_take_the_clocks_second_or_the_next_free_one(t: &TestDatabase) {
    let db = t.open();
    let first = rma(&db, SECOND, &["1234567", "SN-A"]);
    assert_eq!(number(&first), SECOND as u64);
    // Read back with its declared devices, in their order.
    let read = db.get_order(first.id).unwrap();
    assert_eq!(read.declared, declared(&["1234567", "SN-A"]));
    assert_eq!(read, first);
    // In the same second, and with a clock that went back: the next number.
    assert_eq!(number(&rma(&db, SECOND, &[])), SECOND as u64 + 1);
    assert_eq!(number(&rma(&db, SECOND - 50, &[])), SECOND as u64 + 2);
    // Later, the clock's second again.
    assert_eq!(number(&rma(&db, SECOND + 100, &[])), SECOND as u64 + 100);
    // A number whose order a scan of a printed code made is skipped.
    let printed = OrderId::new(RMA_ORDER_BASE + SECOND as u64 + 101).unwrap();
    let unit: &dyn UnitOfWork = &db;
    unit.write(None, move |tx| {
        tx.orders()
            .create_with_id(printed, &NewOrder::default(), &ctx())
    })
    .unwrap();
    assert_eq!(number(&rma(&db, SECOND + 101, &[])), SECOND as u64 + 102);
    // Lists carry the declared devices too; other orders declare nothing.
    let plain = db.create_order(&NewOrder::default(), &ctx()).unwrap();
    let listed = db.list_orders(&OrderFilter::default(), &page(50)).unwrap();
    let of = |id: OrderId| listed.iter().find(|o| o.id == id).unwrap();
    assert_eq!(of(first.id).declared.len(), 2);
    assert!(of(plain.id).declared.is_empty());
    // The ledger's row of the request holds what was declared.
    let history = db.history(first.id.object_id(), &page(10)).unwrap();
    assert_eq!(
        history[0].data["declared"][1]["serial"],
        serde_json::json!("SN-A")
    );
    verify_clean(&db);
}

pub(crate) fn declared_devices_are_replaced_by_a_patch(t: &TestDatabase) {
    let db = t.open();
    let order = rma(&db, SECOND, &["1234567", "SN-A", "SN-B"]);
    let patched = db
        .update_order(
            order.id,
            Expected::Version(order.meta.version),
            &OrderPatch {
                declared: Some(declared(&["SN-B", "7654321"])),
                ..OrderPatch::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!(patched.declared, declared(&["SN-B", "7654321"]));
    assert_eq!(db.get_order(order.id).unwrap().declared, patched.declared);
    // A patch that leaves them alone keeps them.
    db.update_order(
        order.id,
        Expected::Any,
        &OrderPatch {
            status: Some(OrderStatus::Received),
            ..OrderPatch::default()
        },
        &ctx(),
    )
    .unwrap();
    assert_eq!(db.get_order(order.id).unwrap().declared, patched.declared);
}

/// 200 requests from 32 threads in one second: 200 distinct numbers, none behind the clock.
pub(crate) fn rma_numbers_are_unique_under_concurrency(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let threads: Vec<_> = (0..32)
        .map(|n| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || {
                let count = if n < 8 { 7 } else { 6 };
                (0..count)
                    .map(|_| number(&rma(&db, SECOND, &["1234567"])))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for thread in threads {
        for n in thread.join().unwrap() {
            assert!(n >= SECOND as u64, "{n} is behind the clock");
            assert!(seen.insert(n), "RMA number {n} handed out twice");
        }
    }
    assert_eq!(seen.len(), 200);
    assert_eq!(seen.iter().max(), Some(&(SECOND as u64 + 199)));
}

/// Places get a role from an admin (none has one at first); lists filter by it.
pub(crate) fn places_take_roles_and_lists_filter_by_them(t: &TestDatabase) {
    let db = t.open();
    let desk = place(&db, "Intake desk 1");
    let other = place(&db, "Intake desk 2");
    let plain = place(&db, "Shelf A");
    assert_eq!(desk.role, None);
    let by_role = |role: PlaceRole| {
        db.list_places(
            &PlaceFilter {
                role: Some(role),
                ..PlaceFilter::default()
            },
            &page(50),
        )
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect::<Vec<_>>()
    };
    for p in [&desk, &other] {
        let changed = db
            .update_place(
                p.id,
                Expected::Any,
                &PlacePatch {
                    role: Some(Some(PlaceRole::Intake)),
                    ..PlacePatch::default()
                },
                &ctx(),
            )
            .unwrap();
        assert_eq!(changed.role, Some(PlaceRole::Intake));
    }
    assert_eq!(by_role(PlaceRole::Intake), [desk.id, other.id]);
    assert!(by_role(PlaceRole::Shipped).is_empty());
    assert_eq!(db.get_place(desk.id).unwrap().role, Some(PlaceRole::Intake));
    // Taken away again; the plain place never had one.
    db.update_place(
        other.id,
        Expected::Any,
        &PlacePatch {
            role: Some(None),
            ..PlacePatch::default()
        },
        &ctx(),
    )
    .unwrap();
    assert_eq!(by_role(PlaceRole::Intake), [desk.id]);
    assert_eq!(db.get_place(plain.id).unwrap().role, None);
    // The ledger explains every state (roles included).
    verify_clean(&db);
}

/// Items with open repair work: a check or cause, and no result yet.
pub(crate) fn items_with_open_repair_work_are_listed(t: &TestDatabase) {
    let db = t.open();
    let act = |id: ItemId, kind: ActionKind| {
        let result = (kind == ActionKind::Result).then(|| {
            eckwms_domain::repair::RepairResult::new(
                "parts",
                eckwms_domain::repair::Outcome::Repaired,
                Vec::new(),
                false,
            )
            .unwrap()
        });
        db.add_item_action(
            id,
            &ItemAction {
                kind,
                message: Note::new("message", "step").unwrap(),
                at: now(),
                actor: "user:u000000000000000004".into(),
                result,
            },
            &ctx(),
        )
        .unwrap();
    };
    let checked = item(&db, None).id;
    let repaired = item(&db, None).id;
    let untouched = item(&db, None).id;
    let noted = item(&db, None).id;
    act(checked, ActionKind::Check);
    act(checked, ActionKind::Cause);
    act(repaired, ActionKind::Check);
    act(repaired, ActionKind::Result);
    act(noted, ActionKind::Note);
    let listed = |open: bool| {
        db.list_items(
            &ItemFilter {
                open_repair: Some(open),
                ..ItemFilter::default()
            },
            &page(50),
        )
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(listed(true), [checked]);
    assert_eq!(listed(false), [repaired, untouched, noted]);
}

/// The items an RMA request's boxes hold: in its linked box and in a box nested in it, with
/// their serials and barcodes, in id order; an unlinked box does not count.
pub(crate) fn an_rma_request_finds_the_items_in_its_boxes_at_any_depth(t: &TestDatabase) {
    use eckwms_domain::repair::reconcile::{DeclaredLookup, reconcile};

    let db = t.open();
    let order = rma(&db, SECOND, &["1234567", "sn-b", "SN-C"]);
    let outer = boxed(&db, None);
    db.link_box(order.id, outer.id, &ctx()).unwrap();
    let inner = boxed(&db, Some(Parent::Box(outer.id)));
    let deepest = boxed(&db, Some(Parent::Box(inner.id)));
    // The device of the 7-digit serial, under the id the serial names.
    let named = ItemId::parse("i700000000001234567").unwrap();
    let unit: &dyn UnitOfWork = &db;
    let new = NewItem {
        parent: Some(Parent::Box(deepest.id)),
        ..NewItem::default()
    };
    unit.write(None, move |tx| {
        tx.items().create_with_id(named, &new, &ctx())
    })
    .unwrap();
    // A device declared by a barcode it carries (another case).
    let by_barcode = db
        .create_item(
            &NewItem {
                serial: Some(Code::new("serial", "X-1").unwrap()),
                barcodes: Barcodes::new("barcodes", vec!["EAN-5".into(), "SN-B".into()]).unwrap(),
                parent: Some(Parent::Box(inner.id)),
                ..NewItem::default()
            },
            &ctx(),
        )
        .unwrap();
    let undeclared = item(&db, Some(Parent::Box(outer.id)));
    // The third device sits in a box no one linked to the order: it has not arrived.
    let elsewhere = boxed(&db, None);
    db.create_item(
        &NewItem {
            serial: Some(Code::new("serial", "SN-C").unwrap()),
            parent: Some(Parent::Box(elsewhere.id)),
            ..NewItem::default()
        },
        &ctx(),
    )
    .unwrap();

    let found = db.found_items(order.id, 100).unwrap();
    let ids: Vec<ItemId> = found.iter().map(|f| f.id).collect();
    assert_eq!(ids, [by_barcode.id, undeclared.id, named]);
    assert_eq!(found[0].serial.as_ref().map(|s| s.as_str()), Some("X-1"));
    let barcodes: Vec<&str> = found[0].barcodes.iter().map(|b| b.as_str()).collect();
    assert_eq!(barcodes, ["EAN-5", "SN-B"]);
    assert!(found[2].serial.is_none() && found[2].barcodes.is_empty());
    // The limit cuts in id order.
    let first: Vec<ItemId> = db
        .found_items(order.id, 2)
        .unwrap()
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(first, [by_barcode.id, undeclared.id]);
    // An order without boxes (and an unknown one) holds nothing.
    let empty = rma(&db, SECOND, &["1234567"]);
    assert!(db.found_items(empty.id, 100).unwrap().is_empty());

    // What the service makes of it.
    let declared: Vec<DeclaredLookup> = order
        .declared
        .devices()
        .iter()
        .map(|d| DeclaredLookup {
            device: d.clone(),
            named_item: (d.serial.as_str() == "1234567").then_some(named),
        })
        .collect();
    let matching = reconcile(&declared, &found);
    let matched: Vec<(&str, ItemId)> = matching
        .matched
        .iter()
        .map(|m| (m.device.serial.as_str(), m.item))
        .collect();
    assert_eq!(matched, [("1234567", named), ("sn-b", by_barcode.id)]);
    let missing: Vec<&str> = matching.missing.iter().map(|d| d.serial.as_str()).collect();
    assert_eq!(missing, ["SN-C"]);
    let undeclared_ids: Vec<ItemId> = matching.undeclared.iter().map(|f| f.id).collect();
    assert_eq!(undeclared_ids, [undeclared.id]);
}

/// The repair desk's overdue list: orders received before a time, by status.
pub(crate) fn orders_are_listed_by_when_they_were_received(t: &TestDatabase) {
    let db = t.open();
    let receive = |id: OrderId, at: DateTime<Utc>| {
        let mut ctx = ctx();
        ctx.at = at;
        db.update_order(
            id,
            Expected::Any,
            &OrderPatch {
                status: Some(OrderStatus::Received),
                ..OrderPatch::default()
            },
            &ctx,
        )
        .unwrap();
    };
    let day = chrono::Duration::days(1);
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let old = rma(&db, SECOND, &["SN-1"]).id;
    let fresh = rma(&db, SECOND, &["SN-2"]).id;
    let waiting = rma(&db, SECOND, &[]).id;
    receive(old, now - day * 40);
    receive(fresh, now - day * 2);
    let before = |at: DateTime<Utc>, status: Option<OrderStatus>| {
        db.list_orders(
            &OrderFilter {
                received_before: Some(at),
                status,
                ..OrderFilter::default()
            },
            &page(50),
        )
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(before(now - day * 30, Some(OrderStatus::Received)), [old]);
    assert_eq!(before(now, None), [old, fresh]);
    assert!(!before(now, None).contains(&waiting), "never received");
}

/// A place with a role, made as an admin makes one.
fn place_with_role(db: &Database, label: &str, role: PlaceRole) -> Place {
    let made = place(db, label);
    db.update_place(
        made.id,
        Expected::Any,
        &PlacePatch {
            role: Some(Some(role)),
            ..PlacePatch::default()
        },
        &ctx(),
    )
    .unwrap()
}

/// A box linked to the order, inside `parent`.
fn parcel(db: &Database, order: OrderId, parent: Option<Parent>) -> StorageBox {
    let b = boxed(db, parent);
    db.link_box(order, b.id, &ctx()).unwrap()
}

/// The ledger rows that changed the order's status after its creation, with their reasons.
fn status_rows(db: &Database, order: OrderId) -> Vec<(String, Option<String>)> {
    db.history(order.object_id(), &page(100))
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == ChangeKind::Updated)
        .filter_map(|e| {
            let status = e.data.get("status")?.as_str()?.to_owned();
            Some((status, e.reason))
        })
        .collect()
}

/// Moves onto intake and shipped places move the orders of the parcels on: a linked box, a
/// box holding a linked box, and a device taken out of a linked box; in the move's
/// transaction, with a ledger row that says why; never backwards.
pub(crate) fn parcels_on_role_places_move_their_orders_on(t: &TestDatabase) {
    let db = t.open();
    let intake = place_with_role(&db, "Intake table", PlaceRole::Intake);
    let shipped = place_with_role(&db, "Outgoing", PlaceRole::Shipped);
    let quarantine = place_with_role(&db, "Quarantine", PlaceRole::Quarantine);
    let shelf = place(&db, "Shelf A");
    let first = rma(&db, SECOND, &["1234567"]).id;
    let second = rma(&db, SECOND, &["SN-B"]).id;
    let third = rma(&db, SECOND, &["SN-C"]).id;
    let parcel_1 = parcel(&db, first, None);
    let pallet = boxed(&db, None);
    parcel(&db, second, Some(Parent::Box(pallet.id)));
    let parcel_3 = parcel(&db, third, None);
    let device = item(&db, Some(Parent::Box(parcel_3.id)));
    let status = |id| db.get_order(id).unwrap().status;

    // A shelf and a quarantine place change no order.
    move_to(
        &db,
        vec![Movable::Box(parcel_1.id)],
        Parent::Place(shelf.id),
    )
    .unwrap();
    move_to(
        &db,
        vec![Movable::Box(parcel_1.id)],
        Parent::Place(quarantine.id),
    )
    .unwrap();
    assert_eq!(status(first), OrderStatus::Created);

    // The parcel on the intake table: received, at the move's time, and the ledger says why.
    move_to(
        &db,
        vec![Movable::Box(parcel_1.id)],
        Parent::Place(intake.id),
    )
    .unwrap();
    let order = db.get_order(first).unwrap();
    assert_eq!(order.status, OrderStatus::Received);
    assert!(order.received_at.is_some());
    assert_eq!(
        status_rows(&db, first),
        [(
            "received".to_owned(),
            Some(format!(
                "{} was moved onto the intake place {}",
                parcel_1.id, intake.id
            ))
        )]
    );
    // A pallet holding a parcel, and a device taken out of its parcel.
    move_to(&db, vec![Movable::Box(pallet.id)], Parent::Place(intake.id)).unwrap();
    assert_eq!(status(second), OrderStatus::Received);
    // The reason names what moved: the pallet.
    assert_eq!(
        status_rows(&db, second)[0].1.as_deref(),
        Some(
            format!(
                "{} was moved onto the intake place {}",
                pallet.id, intake.id
            )
            .as_str()
        )
    );
    move_to(
        &db,
        vec![Movable::Item(device.id)],
        Parent::Place(intake.id),
    )
    .unwrap();
    assert_eq!(status(third), OrderStatus::Received);
    let reason = &status_rows(&db, third)[0].1;
    assert_eq!(
        reason.as_deref(),
        Some(
            format!(
                "{} was moved onto the intake place {}",
                device.id, intake.id
            )
            .as_str()
        )
    );

    // Shipped, then back onto the intake table: the status stays shipped.
    move_to(
        &db,
        vec![Movable::Box(parcel_1.id)],
        Parent::Place(shipped.id),
    )
    .unwrap();
    let order = db.get_order(first).unwrap();
    assert_eq!(order.status, OrderStatus::Shipped);
    assert!(order.shipped_at.is_some());
    move_to(
        &db,
        vec![Movable::Box(parcel_1.id)],
        Parent::Place(intake.id),
    )
    .unwrap();
    assert_eq!(status(first), OrderStatus::Shipped);
    assert_eq!(status_rows(&db, first).len(), 2);
    // A box without an order moves onto either as any box does.
    let plain = boxed(&db, None);
    move_to(&db, vec![Movable::Box(plain.id)], Parent::Place(shipped.id)).unwrap();
    verify_clean(&db);
}

/// Eight parcels of one order put on the intake table at once: every move succeeds, and the
/// order is received once (one status row in its ledger).
pub(crate) fn an_order_is_received_once_under_concurrent_moves(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let intake = place_with_role(&db, "Intake table", PlaceRole::Intake);
    let order = rma(&db, SECOND, &["1234567"]).id;
    let parcels: Vec<BoxId> = (0..8).map(|_| parcel(&db, order, None).id).collect();
    let barrier = Arc::new(std::sync::Barrier::new(parcels.len()));
    let threads: Vec<_> = parcels
        .into_iter()
        .map(|b| {
            let (db, barrier) = (Arc::clone(&db), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                move_to(&db, vec![Movable::Box(b)], Parent::Place(intake.id))
            })
        })
        .collect();
    for thread in threads {
        let outcomes = thread.join().unwrap().unwrap();
        assert!(outcomes[0].moved);
    }
    assert_eq!(db.get_order(order).unwrap().status, OrderStatus::Received);
    assert_eq!(status_rows(&db, order).len(), 1);
    verify_clean(&db);
}

fn action(kind: ActionKind) -> ItemAction {
    ItemAction {
        kind,
        message: Note::new("message", "bench test").unwrap(),
        at: now(),
        actor: "user:u000000000000000004".into(),
        result: (kind == ActionKind::Result).then(|| {
            eckwms_domain::repair::RepairResult::new(
                "parts",
                eckwms_domain::repair::Outcome::Repaired,
                vec![],
                false,
            )
            .unwrap()
        }),
    }
}

/// What the `processed` step reads: which items have a result, and the orders whose boxes
/// (at any depth above the item) hold an item.
pub(crate) fn results_and_the_orders_holding_an_item_are_read(t: &TestDatabase) {
    let db = t.open();
    let order = rma(&db, SECOND, &["SN-1"]).id;
    let other = rma(&db, SECOND, &["SN-2"]).id;
    let outer = parcel(&db, order, None);
    let inner = parcel(&db, other, Some(Parent::Box(outer.id)));
    let bag = boxed(&db, Some(Parent::Box(inner.id)));
    let deep = item(&db, Some(Parent::Box(bag.id)));
    let loose = item(&db, None);
    let shelf = place(&db, "Shelf");
    let shelved = item(&db, Some(Parent::Place(shelf.id)));
    let mut both = [order, other];
    both.sort();
    assert_eq!(db.orders_holding(deep.id).unwrap(), both);
    assert!(db.orders_holding(loose.id).unwrap().is_empty());
    assert!(db.orders_holding(shelved.id).unwrap().is_empty());
    assert!(matches!(
        db.orders_holding(ItemId::new(999_999).unwrap()),
        Err(AppError::NotFound { .. })
    ));

    db.add_item_action(deep.id, &action(ActionKind::Check), &ctx())
        .unwrap();
    db.add_item_action(loose.id, &action(ActionKind::Result), &ctx())
        .unwrap();
    db.add_item_action(loose.id, &action(ActionKind::Result), &ctx())
        .unwrap();
    assert_eq!(
        db.items_with_result(&[deep.id, loose.id, shelved.id])
            .unwrap(),
        [loose.id]
    );
    assert!(db.items_with_result(&[]).unwrap().is_empty());
}

fn set_status(db: &Database, id: OrderId, status: OrderStatus) {
    db.update_order(
        id,
        Expected::Any,
        &OrderPatch {
            status: Some(status),
            ..OrderPatch::default()
        },
        &ctx(),
    )
    .unwrap();
}

/// A box linked to `order` holding new items of these serials and barcodes.
fn parcel_holding(db: &Database, order: OrderId, items: &[(Option<&str>, &[&str])]) -> StorageBox {
    let parcel = boxed(db, None);
    db.link_box(order, parcel.id, &ctx()).unwrap();
    for (serial, barcodes) in items {
        db.create_item(
            &NewItem {
                serial: serial.map(|s| Code::new("serial", s).unwrap()),
                barcodes: Barcodes::new("barcodes", barcodes.iter().map(|b| (*b).into()).collect())
                    .unwrap(),
                parent: Some(Parent::Box(parcel.id)),
                ..NewItem::default()
            },
            &ctx(),
        )
        .unwrap();
    }
    parcel
}

/// The repair wing's use cases over this database.
fn repair_service(db: &Arc<Database>) -> eckwms_application::repair::RepairService {
    use eckwms_application::repair::{RepairPorts, RepairService};
    use eckwms_application::{LabelService, OsSecrets, SystemClock};
    let clock = Arc::new(SystemClock);
    RepairService::new(RepairPorts {
        repair: db.clone(),
        orders: db.clone(),
        labels: LabelService::new(
            db.clone(),
            db.clone(),
            Arc::new(eckwms_codes::Decoder::default()),
            Arc::new(OsSecrets),
            clock.clone(),
            eckwms_labels::Layout::default(),
            None,
        ),
        clock,
    })
}

/// `GET /orders?missing_devices=`: the received RMA requests whose reconciliation misses a
/// device (or misses none), over the real queries, and what the reconciliation says of each.
pub(crate) fn received_orders_missing_devices_agree_with_their_reconciliation(t: &TestDatabase) {
    use eckwms_application::access::Actor;
    use eckwms_application::repair::RepairService;

    let db = Arc::new(t.open());
    let service = repair_service(&db);
    let actor = Actor::console();
    // Everything arrived: the 7-digit serial's own item (in a nested box) and a serial carried
    // as a barcode, in another case.
    let complete = rma(&db, SECOND, &["1234567", "sn-b"]).id;
    let outer = parcel_holding(&db, complete, &[(Some("X-1"), &["EAN-5", "SN-B"])]);
    let inner = boxed(&db, Some(Parent::Box(outer.id)));
    let named = ItemId::parse("i700000000001234567").unwrap();
    let new = NewItem {
        parent: Some(Parent::Box(inner.id)),
        ..NewItem::default()
    };
    let unit: &dyn UnitOfWork = &*db;
    unit.write(None, move |tx| {
        tx.items().create_with_id(named, &new, &ctx())
    })
    .unwrap();
    // One item whose serial is one declared device and whose barcode the other: it stands for
    // one of them, so the other is missing.
    let one_for_two = rma(&db, SECOND, &["A-1", "B-2"]).id;
    parcel_holding(&db, one_for_two, &[(Some("A-1"), &["b-2"])]);
    // Its device sits in a box nobody linked to it: not arrived.
    let unlinked = rma(&db, SECOND, &["C-3"]).id;
    let stray = boxed(&db, None);
    db.create_item(
        &NewItem {
            serial: Some(Code::new("serial", "C-3").unwrap()),
            parent: Some(Parent::Box(stray.id)),
            ..NewItem::default()
        },
        &ctx(),
    )
    .unwrap();
    // Declares nothing: misses nothing.
    let declares_nothing = rma(&db, SECOND, &[]).id;
    // Not received: every device is missing, but the list is of received orders.
    let waiting = rma(&db, SECOND, &["D-4"]).id;
    // A plain order is no RMA request.
    let plain = db.create_order(&NewOrder::default(), &ctx()).unwrap().id;
    for id in [complete, one_for_two, unlinked, declares_nothing, plain] {
        set_status(&db, id, OrderStatus::Received);
    }

    let list = |filter: &OrderFilter, missing: bool, after: Option<OrderId>, limit: u32| {
        let page = service
            .list_by_missing_devices(&actor, filter, missing, &PageQuery { after, limit })
            .unwrap();
        let ids: Vec<OrderId> = page.items.iter().map(|o| o.id).collect();
        (ids, page.next_cursor)
    };
    let any = OrderFilter::default();
    assert_eq!(
        list(&any, true, None, 50),
        (vec![one_for_two, unlinked], None)
    );
    assert_eq!(
        list(&any, false, None, 50),
        (vec![complete, declares_nothing], None)
    );
    // The reconciliation of each RMA request says the same; the one still waiting misses its
    // device there too, and is left out only for not being received.
    let misses = |id: OrderId| {
        !RepairService::reconcile(&service, &actor, id)
            .unwrap()
            .matching
            .missing
            .is_empty()
    };
    for (id, missing) in [
        (complete, false),
        (one_for_two, true),
        (unlinked, true),
        (declares_nothing, false),
        (waiting, true),
    ] {
        assert_eq!(misses(id), missing, "{id}");
    }
    // Pages of one follow the ids.
    assert_eq!(
        list(&any, true, None, 1),
        (vec![one_for_two], Some(one_for_two.to_string()))
    );
    assert_eq!(
        list(&any, true, Some(one_for_two), 1),
        (vec![unlinked], None)
    );
    // With the other conditions: status, and received before a time.
    let status = |status| OrderFilter {
        status: Some(status),
        ..OrderFilter::default()
    };
    assert_eq!(list(&status(OrderStatus::Created), true, None, 50).0, []);
    set_status(&db, one_for_two, OrderStatus::Processed);
    assert_eq!(
        list(&status(OrderStatus::Processed), true, None, 50).0,
        [one_for_two]
    );
    assert_eq!(
        list(&status(OrderStatus::Received), true, None, 50).0,
        [unlinked]
    );
    let before_all = OrderFilter {
        received_before: Some(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()),
        ..OrderFilter::default()
    };
    assert_eq!(list(&before_all, true, None, 50).0, []);
    // The device turns up in a box linked to the order: no longer listed.
    db.link_box(unlinked, stray.id, &ctx()).unwrap();
    assert_eq!(list(&any, true, None, 50).0, [one_for_two]);
    assert!(!misses(unlinked));

    // The candidates the repository lists: received RMA requests, those declaring devices.
    let candidates = |declares_devices: bool| {
        db.list_orders(
            &OrderFilter {
                arrived_rma: true,
                declares_devices,
                ..OrderFilter::default()
            },
            &page(50),
        )
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        candidates(false),
        [complete, one_for_two, unlinked, declares_nothing]
    );
    assert_eq!(candidates(true), [complete, one_for_two, unlinked]);
}

/// `GET /boxes?order_status=received,processed`: the boxes received but not shipped.
pub(crate) fn boxes_are_listed_by_the_status_of_their_order(t: &TestDatabase) {
    let db = t.open();
    let order_in = |status: OrderStatus| {
        let order = rma(&db, SECOND, &[]).id;
        for step in [
            OrderStatus::Received,
            OrderStatus::Processed,
            OrderStatus::Shipped,
        ] {
            if step <= status {
                set_status(&db, order, step);
            }
        }
        order
    };
    let created = parcel_holding(&db, order_in(OrderStatus::Created), &[]).id;
    let received = order_in(OrderStatus::Received);
    let received_1 = parcel_holding(&db, received, &[]).id;
    let processed = parcel_holding(&db, order_in(OrderStatus::Processed), &[]).id;
    let shipped = parcel_holding(&db, order_in(OrderStatus::Shipped), &[]).id;
    let received_2 = parcel_holding(&db, received, &[]).id;
    let loose = boxed(&db, None).id;
    // A box nested in a received box is not linked itself.
    let nested = boxed(&db, Some(Parent::Box(received_1))).id;
    let listed = |statuses: &[OrderStatus], after: Option<BoxId>, limit: u32| {
        db.list_boxes(
            &BoxFilter {
                order_status: statuses.to_vec(),
                ..BoxFilter::default()
            },
            &PageQuery { after, limit },
        )
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect::<Vec<_>>()
    };
    let not_shipped = [OrderStatus::Received, OrderStatus::Processed];
    assert_eq!(
        listed(&not_shipped, None, 50),
        [received_1, processed, received_2]
    );
    assert_eq!(listed(&not_shipped, Some(received_1), 1), [processed]);
    assert_eq!(listed(&[OrderStatus::Shipped], None, 50), [shipped]);
    assert_eq!(listed(&[OrderStatus::Created], None, 50), [created]);
    // No statuses: no condition.
    let every = listed(&[], None, 50);
    assert!(every.contains(&loose) && every.contains(&nested) && every.len() == 7);
    // With the other conditions: the boxes of one order.
    let of_received = db
        .list_boxes(
            &BoxFilter {
                order: Some(received),
                order_status: vec![OrderStatus::Processed],
                ..BoxFilter::default()
            },
            &page(50),
        )
        .unwrap();
    assert!(of_received.is_empty());
}

/// The service report's pages: RMA requests by when they were received and by status, in id
/// order, each with its declared devices and the items of its boxes (nested ones too) with
/// their actions and results; pages end at the orders or rows asked for.
pub(crate) fn the_service_report_reads_requests_page_by_page(t: &TestDatabase) {
    use eckwms_domain::repair::{Outcome, RepairResult};

    let db = t.open();
    let day = chrono::Duration::days(1);
    let at = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let receive = |id: OrderId, when: DateTime<Utc>, status: OrderStatus| {
        let mut ctx = ctx();
        ctx.at = when;
        db.update_order(
            id,
            Expected::Any,
            &OrderPatch {
                status: Some(status),
                ..OrderPatch::default()
            },
            &ctx,
        )
        .unwrap();
    };
    let plain = db.create_order(&NewOrder::default(), &ctx()).unwrap();
    let a = rma(&db, SECOND, &["SN-1", "SN-2"]);
    let b = rma(&db, SECOND, &["SN-9"]);
    let waiting = rma(&db, SECOND, &["SN-7"]);
    receive(a.id, at, OrderStatus::Shipped);
    receive(b.id, at + day * 3, OrderStatus::Received);
    receive(plain.id, at, OrderStatus::Received);
    // A's parcel: a linked box, a box inside it, and inside that B's own linked box.
    let outer = boxed(&db, None);
    db.link_box(a.id, outer.id, &ctx()).unwrap();
    let inner = boxed(&db, Some(Parent::Box(outer.id)));
    let of_b = boxed(&db, Some(Parent::Box(inner.id)));
    db.link_box(b.id, of_b.id, &ctx()).unwrap();
    let device = db
        .create_item(
            &NewItem {
                name: Some(name("Scanner MC33")),
                class_code: Some(Code::new("class_code", "MC33").unwrap()),
                barcodes: Barcodes::new("barcodes", vec!["sn-1".into()]).unwrap(),
                parent: Some(Parent::Box(inner.id)),
                ..NewItem::default()
            },
            &ctx(),
        )
        .unwrap();
    let in_b = item(&db, Some(Parent::Box(of_b.id)));
    let loose = item(&db, None);
    let act = |id: ItemId, kind: ActionKind, message: &str, result: Option<RepairResult>| {
        db.add_item_action(
            id,
            &ItemAction {
                kind,
                message: Note::new("message", message).unwrap(),
                at: now(),
                actor: "user:u000000000000000004".into(),
                result,
            },
            &ctx(),
        )
        .unwrap();
    };
    act(device.id, ActionKind::Check, "no backlight", None);
    let repaired =
        RepairResult::new("parts", Outcome::Repaired, vec!["1x display".into()], true).unwrap();
    act(
        device.id,
        ActionKind::Result,
        "display replaced",
        Some(repaired.clone()),
    );
    act(loose.id, ActionKind::Note, "not in any parcel", None);
    act(in_b.id, ActionKind::Note, "in B's box", None);

    let read = |filter: &ServiceReportFilter, after: Option<OrderId>, orders, rows| {
        db.service_report_page(filter, after, orders, rows).unwrap()
    };
    let ids = |page: &ServiceReportPage| page.orders.iter().map(|o| o.order.id).collect::<Vec<_>>();
    // Everything: the RMA requests only, received or not, in id order.
    let all = read(&ServiceReportFilter::default(), None, 10, 1000);
    assert_eq!(ids(&all), [a.id, b.id, waiting.id]);
    assert!(!all.more);
    let first = &all.orders[0];
    assert_eq!(first.order.declared, declared(&["SN-1", "SN-2"]));
    assert_eq!(first.order.status, OrderStatus::Shipped);
    // A's boxes hold the device and, through B's box nested in them, B's item; B's tree holds
    // B's item alone.
    let items = |i: usize| {
        all.orders[i]
            .items
            .iter()
            .map(|r| r.found.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(items(0), [device.id, in_b.id]);
    assert_eq!(items(1), [in_b.id]);
    assert!(items(2).is_empty());
    let reported = &first.items[0];
    assert_eq!(
        reported.name.as_ref().map(|n| n.as_str()),
        Some("Scanner MC33")
    );
    assert_eq!(
        reported.class_code.as_ref().map(|n| n.as_str()),
        Some("MC33")
    );
    assert_eq!(reported.found.barcodes[0].as_str(), "sn-1");
    let kinds: Vec<ActionKind> = reported.actions.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [ActionKind::Check, ActionKind::Result]);
    assert_eq!(reported.actions[0].result, None);
    assert_eq!(reported.actions[1].result, Some(repaired));
    // B's item is reported with each request whose tree holds it, its action with it.
    for (order, position) in [(0, 1), (1, 0)] {
        let notes: Vec<&str> = all.orders[order].items[position]
            .actions
            .iter()
            .map(|a| a.message.as_str())
            .collect();
        assert_eq!(notes, ["in B's box"]);
    }

    // Received in [from, to): the bounds are half open; a request never received is left out.
    let range = |from: DateTime<Utc>, to: DateTime<Utc>| ServiceReportFilter {
        received_from: Some(from),
        received_to: Some(to),
        status: None,
    };
    assert_eq!(ids(&read(&range(at, at + day), None, 10, 1000)), [a.id]);
    assert_eq!(
        ids(&read(&range(at - day, at), None, 10, 1000)),
        Vec::<OrderId>::new()
    );
    assert_eq!(
        ids(&read(&range(at, at + day * 4), None, 10, 1000)),
        [a.id, b.id]
    );
    let from_only = ServiceReportFilter {
        received_from: Some(at + day),
        ..ServiceReportFilter::default()
    };
    assert_eq!(ids(&read(&from_only, None, 10, 1000)), [b.id]);
    let received = ServiceReportFilter {
        status: Some(OrderStatus::Received),
        ..ServiceReportFilter::default()
    };
    assert_eq!(ids(&read(&received, None, 10, 1000)), [b.id]);

    // Pages: at most the orders asked for, and after the cursor.
    let one = read(&ServiceReportFilter::default(), None, 1, 1000);
    assert_eq!((ids(&one), one.more), (vec![a.id], true));
    let rest = read(&ServiceReportFilter::default(), Some(a.id), 5, 1000);
    assert_eq!((ids(&rest), rest.more), (vec![b.id, waiting.id], false));
    // Rows: A alone counts 4 (2 items, 2 declared), B 2: a budget of 5 takes A alone, and a
    // budget smaller than the first request still takes it.
    let by_rows = read(&ServiceReportFilter::default(), None, 10, 5);
    assert_eq!((ids(&by_rows), by_rows.more), (vec![a.id], true));
    let tiny = read(&ServiceReportFilter::default(), None, 10, 1);
    assert_eq!((ids(&tiny), tiny.more), (vec![a.id], true));
    let six = read(&ServiceReportFilter::default(), None, 10, 6);
    assert_eq!(ids(&six), [a.id, b.id]);
    // Past the last: nothing.
    let none = read(&ServiceReportFilter::default(), Some(waiting.id), 10, 1000);
    assert_eq!(none, ServiceReportPage::default());
}
