//! The repository contract: one suite, run on SQLite always and on PostgreSQL when
//! `ECKWMS_TEST_PG_URL` is set (CI always sets it). Every test uses its own fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use eckwms_application::ProblemCode;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use eckwms_adapter_db::Database;
use eckwms_adapter_db::testing::TestDatabase;
use eckwms_application::AppError;
use eckwms_application::movement::steps as moving;
use eckwms_application::ports::*;
use eckwms_domain::*;

static TICK: AtomicI64 = AtomicI64::new(0);

fn now() -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    base + chrono::Duration::microseconds(TICK.fetch_add(1, Ordering::Relaxed))
}

fn ctx() -> WriteContext {
    WriteContext {
        actor: "apikey:1".into(),
        at: now(),
        request_id: Some("req-test".into()),
        reason: None,
        scan: None,
        idempotency: None,
    }
}

fn name(s: &str) -> Name {
    Name::new("name", s).unwrap()
}

fn page<C>(limit: u32) -> PageQuery<C> {
    PageQuery { after: None, limit }
}

fn place(db: &Database, label: &str) -> Place {
    db.create_place(
        &NewPlace {
            warehouse_id: WarehouseId(1),
            name: name(label),
        },
        &ctx(),
    )
    .unwrap()
}

fn boxed(db: &Database, parent: Option<Parent>) -> StorageBox {
    db.create_box(
        &NewBox {
            name: None,
            parent,
            ..NewBox::default()
        },
        &ctx(),
    )
    .unwrap()
}

fn item(db: &Database, parent: Option<Parent>) -> Item {
    db.create_item(
        &NewItem {
            parent,
            ..NewItem::default()
        },
        &ctx(),
    )
    .unwrap()
}

/// A move as the service runs it: the single-object way where the backend has one, else one
/// unit of work running the application's steps of a move.
fn apply_moves(
    db: &Database,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> Result<Vec<MoveOutcome>, AppError> {
    if let Some(single) = db.single_moves()
        && let Some(outcomes) = moving::single(single.as_ref(), command, ctx)?
    {
        return Ok(outcomes);
    }
    let unit: &dyn UnitOfWork = db;
    let (command, in_tx) = (command.clone(), ctx.clone());
    unit.write(ctx.idempotency.clone(), move |tx| {
        moving::apply(tx, &command, &in_tx)
    })
}

fn move_to(db: &Database, objects: Vec<Movable>, to: Parent) -> Result<Vec<MoveOutcome>, AppError> {
    apply_moves(
        db,
        &MoveCommand {
            objects,
            to,
            expected_from: None,
        },
        &ctx(),
    )
}

fn verify_clean(db: &Database) {
    let mut replay = Replay::new();
    let stored = db.snapshot_for_verify(&mut replay).unwrap();
    let problems = replay.compare(&stored);
    assert!(problems.is_empty(), "{problems:#?}");
}

// ------------------------------------------------------------------ the contract

fn migrations_go_up_down_up(t: &TestDatabase) {
    let db = t.open();
    assert!(db.pending_migrations().unwrap().is_empty());
    assert!(db.revert_all_migrations().unwrap() >= 1);
    assert!(!db.pending_migrations().unwrap().is_empty());
    assert!(!db.run_migrations().unwrap().is_empty());
    assert!(db.pending_migrations().unwrap().is_empty());
    assert_eq!(
        db.get_warehouse(WarehouseId(1)).unwrap().name.as_str(),
        "Main warehouse"
    );
}

/// The SQLite ledger's seq became its rowid (2026-12-06-100000_ledger_seq_rowid): the rows
/// written before that migration are all there afterwards, in order, and again after it is
/// reverted and applied once more; the ledger stays append-only throughout.
fn the_ledger_keeps_its_rows_across_its_key_migration(t: &TestDatabase) {
    let db = t.open();
    assert!(db.revert_migrations_after("20261125000002").unwrap() >= 1);
    let shelf = place(&db, "Shelf");
    let crate_box = boxed(&db, Some(Parent::Place(shelf.id)));
    let phone = item(&db, None);
    move_to(
        &db,
        vec![Movable::Item(phone.id)],
        Parent::Box(crate_box.id),
    )
    .unwrap();
    move_to(&db, vec![Movable::Item(phone.id)], Parent::Place(shelf.id)).unwrap();
    let before = db.history(shelf.id.object_id(), &page(50)).unwrap();
    assert_eq!(before.len(), 3, "{before:?}");
    assert!(!db.run_migrations().unwrap().is_empty());
    assert_eq!(db.history(shelf.id.object_id(), &page(50)).unwrap(), before);
    verify_clean(&db);
    assert!(db.revert_migrations_after("20261125000002").unwrap() >= 1);
    assert_eq!(db.history(shelf.id.object_id(), &page(50)).unwrap(), before);
    assert!(!db.run_migrations().unwrap().is_empty());
    // New rows continue the numbering.
    move_to(
        &db,
        vec![Movable::Item(phone.id)],
        Parent::Box(crate_box.id),
    )
    .unwrap();
    let after = db.history(shelf.id.object_id(), &page(50)).unwrap();
    assert_eq!(after[..before.len()], before[..]);
    assert!(after.last().unwrap().seq > before.last().unwrap().seq);
    assert!(db.execute_raw("UPDATE ledger SET actor = 'x'").is_err());
    assert!(db.execute_raw("DELETE FROM ledger").is_err());
    verify_clean(&db);
}

/// The bench's floor runs the service's own move statements on a bare connection: the moves
/// it makes are the moves the service makes (stored, in the ledger, verified), and it refuses
/// what the service refuses.
fn the_floor_moves_as_the_service_does(t: &TestDatabase) {
    let db = t.open();
    let shelf = place(&db, "Shelf");
    let crate_box = boxed(&db, Some(Parent::Place(shelf.id)));
    let phone = item(&db, None);
    let mut floor = eckwms_adapter_db::floor::MoveFloor::open(t.url()).unwrap();
    let command = |to| MoveCommand {
        objects: vec![Movable::Item(phone.id)],
        to,
        expected_from: None,
    };
    let moved = floor
        .apply(&command(Parent::Box(crate_box.id)), &ctx())
        .unwrap();
    assert!(moved[0].moved);
    assert_eq!(
        db.get_item(phone.id).unwrap().parent,
        Some(Parent::Box(crate_box.id))
    );
    floor
        .apply(&command(Parent::Place(shelf.id)), &ctx())
        .unwrap();
    assert_eq!(
        db.get_item(phone.id).unwrap().parent,
        Some(Parent::Place(shelf.id))
    );
    let missing = Parent::Place(PlaceId::new(999).unwrap());
    assert!(matches!(
        floor.apply(&command(missing), &ctx()),
        Err(AppError::NotFound { .. })
    ));
    let history = db.history(phone.id.object_id(), &page(10)).unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    verify_clean(&db);
}

fn warehouses_have_versions(t: &TestDatabase) {
    let db = t.open();
    let w = db
        .create_warehouse(&NewWarehouse::new(name("North"), 100_000).unwrap(), &ctx())
        .unwrap();
    assert_eq!(w.id, WarehouseId(2));
    let patch = WarehousePatch {
        name: Some(name("North hall")),
    };
    let updated = db
        .update_warehouse(w.id, Expected::Version(1), &patch, &ctx())
        .unwrap();
    assert_eq!(updated.meta.version, 2);
    let stale = db.update_warehouse(w.id, Expected::Version(1), &patch, &ctx());
    assert!(matches!(
        stale,
        Err(AppError::PreconditionFailed { current: 2 })
    ));
    let listed = db.list_warehouses(&page(10)).unwrap();
    assert_eq!(
        listed.iter().map(|w| w.id.0).collect::<Vec<_>>(),
        vec![1, 2]
    );
    db.delete_warehouse(w.id, Expected::Version(2), &ctx())
        .unwrap();
    assert!(matches!(
        db.get_warehouse(w.id),
        Err(AppError::NotFound { .. })
    ));
}

fn racks_create_their_places(t: &TestDatabase) {
    let db = t.open();
    let w = db
        .create_warehouse(&NewWarehouse::new(name("South"), 1000).unwrap(), &ctx())
        .unwrap();
    let new = NewRack {
        warehouse_id: w.id,
        name: name("Rack A"),
        prefix: Some(Code::new("prefix", "A").unwrap()),
        layout: RackLayout::new(4, 3, 0).unwrap(),
        sort_order: 0,
        pos_x: 0,
        pos_y: 0,
        rotation: 90,
    };
    let created = db.create_rack(&new, &ctx()).unwrap();
    assert_eq!(created.places.len(), 12);
    assert_eq!(created.places[0].to_string(), "p000000000000001000");
    let cell = db.get_place(created.places[6]).unwrap();
    assert_eq!(cell.name.as_str(), "A-02-03");
    assert_eq!(cell.rack.map(|c| (c.column, c.row)), Some((2, 1)));
    let filter = PlaceFilter {
        rack: Some(created.rack.id),
        ..PlaceFilter::default()
    };
    assert_eq!(db.list_places(&filter, &page(100)).unwrap().len(), 12);
    // Overlapping cells are refused and change nothing.
    let overlap = NewRack {
        layout: RackLayout::new(2, 2, 10).unwrap(),
        ..new.clone()
    };
    assert!(matches!(
        db.create_rack(&overlap, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::PlaceIdTaken,
            ..
        })
    ));
    assert_eq!(db.list_racks(Some(w.id), &page(10)).unwrap().len(), 1);
    // A rack whose places hold something cannot go; an empty one can, with its places.
    let b = boxed(&db, Some(Parent::Place(created.places[0])));
    assert!(matches!(
        db.delete_rack(created.rack.id, Expected::Any, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::NotEmpty,
            ..
        })
    ));
    move_to(
        &db,
        vec![Movable::Box(b.id)],
        Parent::Place(place(&db, "Floor").id),
    )
    .unwrap();
    db.delete_rack(created.rack.id, Expected::Any, &ctx())
        .unwrap();
    assert!(db.get_place(created.places[0]).is_err());
    verify_clean(&db);
}

fn standalone_places_skip_rack_cells(t: &TestDatabase) {
    let db = t.open();
    let new = NewRack {
        warehouse_id: WarehouseId(1),
        name: name("Low"),
        prefix: None,
        layout: RackLayout::new(2, 1, 1).unwrap(),
        sort_order: 0,
        pos_x: 0,
        pos_y: 0,
        rotation: 0,
    };
    let rack = db.create_rack(&new, &ctx()).unwrap();
    assert_eq!(
        rack.places.iter().map(|p| p.number()).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(place(&db, "Desk").id.number(), 3);
}

fn items_store_fields_and_filter(t: &TestDatabase) {
    let db = t.open();
    let p = place(&db, "Shelf");
    let new = NewItem {
        serial: Some(Code::new("serial", "SN-100_A").unwrap()),
        class_code: Some(Code::new("class_code", "PHONE").unwrap()),
        name: Some(name("Pixel Phone")),
        condition: Some(Code::new("condition", "used").unwrap()),
        attributes: Attributes::new("attributes", serde_json::json!({"colour": "black"})).unwrap(),
        barcodes: Barcodes::new("barcodes", vec!["4006381333931".into(), "EXTRA-7".into()])
            .unwrap(),
        parent: Some(Parent::Place(p.id)),
    };
    let created = db.create_item(&new, &ctx()).unwrap();
    let other = item(&db, None);
    let fetched = db.get_item(created.id).unwrap();
    assert_eq!(fetched, created);
    let find = |filter: ItemFilter| -> Vec<ItemId> {
        db.list_items(&filter, &page(50))
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect()
    };
    let text = |q: &str| ItemFilter {
        text: Some(q.into()),
        ..ItemFilter::default()
    };
    assert_eq!(find(text("pixel")), vec![created.id]);
    assert_eq!(find(text("sn-100_a")), vec![created.id]);
    assert_eq!(find(text("extra-7")), vec![created.id]);
    assert_eq!(
        find(text("%")),
        Vec::<ItemId>::new(),
        "wildcards are literal"
    );
    assert_eq!(find(text("100_")), vec![created.id]);
    let by_class = ItemFilter {
        class_code: Some("PHONE".into()),
        ..ItemFilter::default()
    };
    assert_eq!(find(by_class), vec![created.id]);
    let by_parent = ItemFilter {
        parent: Some(Parent::Place(p.id)),
        ..ItemFilter::default()
    };
    assert_eq!(find(by_parent), vec![created.id]);
    assert_eq!(find(ItemFilter::default()), vec![created.id, other.id]);
    let after = db
        .list_items(
            &ItemFilter::default(),
            &PageQuery {
                after: Some(created.id),
                limit: 5,
            },
        )
        .unwrap();
    assert_eq!(after.len(), 1);

    let patch = ItemPatch {
        name: Some(None),
        barcodes: Some(Barcodes::new("barcodes", vec!["NEW".into()]).unwrap()),
        ..ItemPatch::default()
    };
    let updated = db
        .update_item(created.id, Expected::Version(1), &patch, &ctx())
        .unwrap();
    assert_eq!(updated.name, None);
    assert_eq!(
        db.get_item(created.id).unwrap().barcodes.as_slice().len(),
        1
    );
    assert!(matches!(
        db.update_item(created.id, Expected::Version(1), &patch, &ctx()),
        Err(AppError::PreconditionFailed { current: 2 })
    ));
    let action = ItemAction {
        kind: ActionKind::Check,
        message: Note::new("message", "screen cracked").unwrap(),
        at: now(),
        actor: "apikey:1".into(),
    };
    db.add_item_action(created.id, &action, &ctx()).unwrap();
    let listed = db.list_item_actions(created.id, &page(10)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].action, action);
    verify_clean(&db);
}

fn item_actions_page_by_ledger_seq(t: &TestDatabase) {
    let db = t.open();
    let repaired = item(&db, None);
    let other = item(&db, None);
    let note = |text: &str| ItemAction {
        kind: ActionKind::Note,
        message: Note::new("message", text).unwrap(),
        at: now(),
        actor: "apikey:1".into(),
    };
    for i in 0..5 {
        db.add_item_action(repaired.id, &note(&format!("step {i}")), &ctx())
            .unwrap();
        db.add_item_action(other.id, &note("elsewhere"), &ctx())
            .unwrap();
    }
    let messages = |actions: &[RecordedAction]| -> Vec<String> {
        actions
            .iter()
            .map(|a| a.action.message.as_str().to_owned())
            .collect()
    };
    let first = db.list_item_actions(repaired.id, &page(2)).unwrap();
    assert_eq!(messages(&first), ["step 0", "step 1"]);
    assert!(first[0].seq < first[1].seq);
    let second = db
        .list_item_actions(
            repaired.id,
            &PageQuery {
                after: Some(first[1].seq),
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(messages(&second), ["step 2", "step 3"]);
    let last = db
        .list_item_actions(
            repaired.id,
            &PageQuery {
                after: Some(second[1].seq),
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(messages(&last), ["step 4"]);
    // Each seq is the action's ledger row.
    let history = db.history(repaired.id.object_id(), &page(50)).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.seq == last[0].seq && e.kind == ChangeKind::Action)
    );
    assert!(matches!(
        db.list_item_actions(ItemId::new(999).unwrap(), &page(2)),
        Err(AppError::NotFound { .. })
    ));
    verify_clean(&db);
}

fn moves_follow_the_rules(t: &TestDatabase) {
    let db = t.open();
    let shelf = place(&db, "Shelf");
    let outer = boxed(&db, Some(Parent::Place(shelf.id)));
    let inner = boxed(&db, Some(Parent::Box(outer.id)));
    let phone = item(&db, None);

    let moved = move_to(&db, vec![Movable::Item(phone.id)], Parent::Box(inner.id)).unwrap();
    assert!(moved[0].moved && moved[0].from.is_none());
    let again = move_to(&db, vec![Movable::Item(phone.id)], Parent::Box(inner.id)).unwrap();
    assert!(!again[0].moved, "already there");
    assert_eq!(db.get_item(phone.id).unwrap().meta.version, 2);

    // Cycles are refused: into itself and into its own contents.
    assert!(matches!(
        move_to(&db, vec![Movable::Box(outer.id)], Parent::Box(inner.id)),
        Err(AppError::Refused {
            code: ProblemCode::MoveCycle,
            ..
        })
    ));
    // A stale expected_from is refused.
    let stale = apply_moves(
        &db,
        &MoveCommand {
            objects: vec![Movable::Item(phone.id)],
            to: Parent::Place(shelf.id),
            expected_from: Some(Some(Parent::Box(outer.id))),
        },
        &ctx(),
    );
    assert!(matches!(
        stale,
        Err(AppError::Refused {
            code: ProblemCode::StaleExpectedFrom,
            ..
        })
    ));
    // A batch with one missing object changes nothing.
    let ghost = Movable::Item(ItemId::new(999).unwrap());
    let other = item(&db, None);
    assert!(matches!(
        move_to(
            &db,
            vec![Movable::Item(other.id), ghost],
            Parent::Place(shelf.id)
        ),
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(db.get_item(other.id).unwrap().parent, None);
    assert!(matches!(
        move_to(
            &db,
            vec![Movable::Item(other.id)],
            Parent::Place(PlaceId::new(999).unwrap())
        ),
        Err(AppError::NotFound { .. })
    ));

    let location = db.location(Movable::Item(phone.id)).unwrap();
    let path: Vec<Parent> = location.path.iter().map(|s| s.container).collect();
    assert_eq!(
        path,
        vec![
            Parent::Box(inner.id),
            Parent::Box(outer.id),
            Parent::Place(shelf.id)
        ]
    );
    assert_eq!(location.place, Some(shelf.id));
    assert_eq!(location.warehouse.map(|w| w.id), Some(WarehouseId(1)));

    let direct = db
        .contents(Parent::Place(shelf.id), false, &page(50))
        .unwrap();
    assert_eq!(
        direct.iter().map(|e| e.object).collect::<Vec<_>>(),
        vec![Movable::Box(outer.id)]
    );
    let below = db
        .contents(Parent::Place(shelf.id), true, &page(50))
        .unwrap();
    assert_eq!(
        below.iter().map(|e| e.object).collect::<Vec<_>>(),
        vec![
            Movable::Box(outer.id),
            Movable::Box(inner.id),
            Movable::Item(phone.id)
        ]
    );
    let second = db
        .contents(
            Parent::Place(shelf.id),
            true,
            &PageQuery {
                after: Some(outer.id.object_id()),
                limit: 1,
            },
        )
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].object, Movable::Box(inner.id));
    assert_eq!(second[0].parent, Parent::Box(outer.id));

    // History: the item's own rows, and the box's arrivals.
    let history = db.history(phone.id.object_id(), &page(50)).unwrap();
    let kinds: Vec<ChangeKind> = history.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![ChangeKind::Created, ChangeKind::Moved]);
    assert_eq!(history[1].to, Some(inner.id.object_id()));
    assert_eq!(history[1].request_id.as_deref(), Some("req-test"));
    // A container's history shows what was created in it and what moved in.
    let shelf_history = db.history(shelf.id.object_id(), &page(50)).unwrap();
    assert!(
        shelf_history
            .iter()
            .any(|e| e.object == outer.id.object_id() && e.kind == ChangeKind::Created)
    );
    let box_history = db.history(inner.id.object_id(), &page(50)).unwrap();
    assert!(box_history.iter().any(|e| e.object == phone.id.object_id()));
    verify_clean(&db);
}

fn direct_contents_page_across_kinds(t: &TestDatabase) {
    let db = t.open();
    let shelf = place(&db, "Shelf");
    let at = Some(Parent::Place(shelf.id));
    let (b1, b2) = (boxed(&db, at).id, boxed(&db, at).id);
    let (i1, i2) = (item(&db, at).id, item(&db, at).id);
    item(&db, Some(Parent::Box(b1)));
    let ids = |after: Option<ObjectId>, limit: u32| -> Vec<Movable> {
        db.contents(Parent::Place(shelf.id), false, &PageQuery { after, limit })
            .unwrap()
            .into_iter()
            .map(|e| e.object)
            .collect()
    };
    assert_eq!(
        ids(None, 3),
        vec![Movable::Box(b1), Movable::Box(b2), Movable::Item(i1)]
    );
    assert_eq!(
        ids(Some(b1.object_id()), 2),
        vec![Movable::Box(b2), Movable::Item(i1)]
    );
    assert_eq!(
        ids(Some(b2.object_id()), 5),
        vec![Movable::Item(i1), Movable::Item(i2)]
    );
    assert_eq!(ids(Some(i2.object_id()), 5), Vec::<Movable>::new());
    let in_box = db.contents(Parent::Box(b1), false, &page(10)).unwrap();
    assert_eq!(in_box.len(), 1);
    assert_eq!(in_box[0].parent, Parent::Box(b1));
}

fn deletes_keep_history(t: &TestDatabase) {
    let db = t.open();
    let shelf = place(&db, "Shelf");
    let b = boxed(&db, Some(Parent::Place(shelf.id)));
    let i = item(&db, Some(Parent::Box(b.id)));
    assert!(matches!(
        db.delete_box(b.id, Expected::Any, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::NotEmpty,
            ..
        })
    ));
    assert!(matches!(
        db.delete_place(shelf.id, Expected::Any, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::NotEmpty,
            ..
        })
    ));
    assert!(matches!(
        db.delete_item(i.id, Expected::Version(7), &ctx()),
        Err(AppError::PreconditionFailed { .. })
    ));
    db.delete_item(i.id, Expected::Version(1), &ctx()).unwrap();
    let box_history = db.history(b.id.object_id(), &page(50)).unwrap();
    assert!(
        box_history
            .iter()
            .any(|e| e.object == i.id.object_id() && e.kind == ChangeKind::Deleted),
        "a container's history shows what was deleted from it"
    );
    db.delete_box(b.id, Expected::Any, &ctx()).unwrap();
    assert!(matches!(db.get_box(b.id), Err(AppError::NotFound { .. })));
    let history = db.history(b.id.object_id(), &page(50)).unwrap();
    assert_eq!(history.last().map(|e| e.kind), Some(ChangeKind::Deleted));
    assert!(db.object_known(b.id.object_id()).unwrap());
    assert!(
        !db.object_known(BoxId::new(777).unwrap().object_id())
            .unwrap()
    );
    verify_clean(&db);
}

fn orders_link_boxes(t: &TestDatabase) {
    let db = t.open();
    let first = db.create_order(&NewOrder::default(), &ctx()).unwrap();
    let second = db
        .create_order(
            &NewOrder {
                reference: Some(Code::new("reference", "RMA1732451234AB").unwrap()),
                ..NewOrder::default()
            },
            &ctx(),
        )
        .unwrap();
    let b = boxed(&db, None);
    assert_eq!(
        db.link_box(first.id, b.id, &ctx()).unwrap().order,
        Some(first.id)
    );
    assert_eq!(
        db.link_box(second.id, b.id, &ctx()).unwrap().order,
        Some(second.id)
    );
    assert!(matches!(
        db.unlink_box(first.id, b.id, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::NotLinked,
            ..
        })
    ));
    assert!(matches!(
        db.delete_order(second.id, Expected::Any, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::NotEmpty,
            ..
        })
    ));
    let filter = BoxFilter {
        order: Some(second.id),
        ..BoxFilter::default()
    };
    assert_eq!(db.list_boxes(&filter, &page(10)).unwrap().len(), 1);
    let history = db.history(first.id.object_id(), &page(10)).unwrap();
    assert_eq!(
        history.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![ChangeKind::Created, ChangeKind::Linked, ChangeKind::Linked]
    );
    let search = OrderFilter {
        text: Some("rma1732".into()),
        ..OrderFilter::default()
    };
    assert_eq!(db.list_orders(&search, &page(10)).unwrap().len(), 1);
    let patch = OrderPatch {
        status: Some(OrderStatus::Received),
        ..OrderPatch::default()
    };
    let received = db
        .update_order(second.id, Expected::Any, &patch, &ctx())
        .unwrap();
    assert!(received.received_at.is_some());
    assert!(matches!(
        db.delete_box(b.id, Expected::Any, &ctx()),
        Err(AppError::Refused {
            code: ProblemCode::LinkedToOrder,
            ..
        })
    ));
    db.unlink_box(second.id, b.id, &ctx()).unwrap();
    db.delete_order(second.id, Expected::Any, &ctx()).unwrap();
    verify_clean(&db);
}

fn public_fields(names: &[&str]) -> OrderPublicFields {
    let names = names.iter().map(|n| (*n).to_owned()).collect();
    OrderPublicFields::new("public_fields", names).unwrap()
}

fn orders_keep_their_public_fields(t: &TestDatabase) {
    let db = t.open();
    let private = db.create_order(&NewOrder::default(), &ctx()).unwrap();
    assert!(db.get_order(private.id).unwrap().public_fields.is_empty());
    let order = db
        .create_order(
            &NewOrder {
                reference: Some(Code::new("reference", "RMA-7").unwrap()),
                public_fields: public_fields(&["tracking_number", "status"]),
                ..NewOrder::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!(
        order.public_fields,
        public_fields(&["status", "tracking_number"])
    );
    assert_eq!(db.get_order(order.id).unwrap(), order);
    let listed = db.list_orders(&OrderFilter::default(), &page(10)).unwrap();
    assert_eq!(listed, vec![private.clone(), order.clone()]);

    // A patch without the set keeps it; one with it replaces it; an empty one clears it.
    let received = db
        .update_order(
            order.id,
            Expected::Version(1),
            &OrderPatch {
                status: Some(OrderStatus::Received),
                ..OrderPatch::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!(received.public_fields, order.public_fields);
    let every = public_fields(&[
        "shipped_at",
        "processed_at",
        "received_at",
        "tracking_number",
        "reference",
        "status",
    ]);
    let replaced = db
        .update_order(
            order.id,
            Expected::Version(2),
            &OrderPatch {
                public_fields: Some(every),
                ..OrderPatch::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!(replaced.meta.version, 3);
    assert_eq!(db.get_order(order.id).unwrap().public_fields, every);
    let cleared = db
        .update_order(
            order.id,
            Expected::Version(3),
            &OrderPatch {
                public_fields: Some(OrderPublicFields::default()),
                ..OrderPatch::default()
            },
            &ctx(),
        )
        .unwrap();
    assert!(cleared.public_fields.is_empty());
    assert_eq!(db.get_order(order.id).unwrap(), cleared);
    // The same set again changes nothing, and writes no ledger row.
    let same = db
        .update_order(
            order.id,
            Expected::Any,
            &OrderPatch {
                public_fields: Some(OrderPublicFields::default()),
                ..OrderPatch::default()
            },
            &ctx(),
        )
        .unwrap();
    assert_eq!(same.meta.version, 4);

    // The ledger records each change of the set, and replays into the stored state.
    let history = db.history(order.id.object_id(), &page(10)).unwrap();
    let data: Vec<&serde_json::Value> = history.iter().map(|e| &e.data).collect();
    assert_eq!(
        data[0]["public_fields"],
        serde_json::json!(["status", "tracking_number"])
    );
    assert_eq!(
        data[2],
        &serde_json::json!({"public_fields": [
            "status", "reference", "tracking_number", "received_at", "processed_at", "shipped_at"
        ]})
    );
    assert_eq!(data[3], &serde_json::json!({"public_fields": null}));
    assert_eq!(history.len(), 4);
    verify_clean(&db);
}

fn verify_detects_tampering(t: &TestDatabase) {
    let db = t.open();
    let shelf = place(&db, "Shelf");
    let i = item(&db, None);
    move_to(&db, vec![Movable::Item(i.id)], Parent::Place(shelf.id)).unwrap();
    verify_clean(&db);
    db.execute_raw(&format!(
        "UPDATE items SET parent_place = NULL WHERE id = '{}'",
        i.id
    ))
    .unwrap();
    let mut replay = Replay::new();
    let stored = db.snapshot_for_verify(&mut replay).unwrap();
    let problems = replay.compare(&stored);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains(&i.id.to_string()));
    // The ledger itself refuses changes.
    assert!(db.execute_raw("UPDATE ledger SET actor = 'x'").is_err());
    assert!(db.execute_raw("DELETE FROM ledger").is_err());
    assert!(db.execute_raw("TRUNCATE ledger").is_err());
}

fn api_keys_round_trip(t: &TestDatabase) {
    let db = t.open();
    let new = NewApiKey {
        key_id: "00112233aabbccdd".into(),
        secret_hash: "ab".repeat(32),
        name: "bootstrap".into(),
        scope: Scope::Admin,
        created_at: now(),
        expires_at: None,
    };
    let first = db.insert_first_api_key(&new).unwrap().unwrap();
    let second = NewApiKey {
        key_id: "1111111111111111".into(),
        ..new.clone()
    };
    assert!(db.insert_first_api_key(&second).unwrap().is_none());
    let (found, hash) = db.find_api_key("00112233aabbccdd").unwrap().unwrap();
    assert_eq!(found, first);
    assert_eq!(hash, "ab".repeat(32));
    assert!(db.find_api_key("ffffffffffffffff").unwrap().is_none());
    let at = now();
    db.touch_api_key(first.id, at).unwrap();
    // The only admin key stays (see last_admin_key_is_never_revoked); with a second one it goes.
    db.insert_api_key(
        &NewApiKey {
            key_id: "0000000000000002".into(),
            ..new.clone()
        },
        None,
    )
    .unwrap();
    let revoked = db.revoke_api_key(first.id, now(), None).unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.last_used_at, Some(at));
    assert!(db.insert_api_key(&new, None).is_err(), "key ids are unique");
    assert!(matches!(
        db.revoke_api_key(99, now(), None),
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(db.list_api_keys().unwrap().len(), 2);
    // Created under an idempotency claim: the claim is marked applied with the key.
    let claim = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "create-key".into(),
    };
    assert_eq!(db.claim(&claim, "fp", now()).unwrap(), Claim::Claimed);
    let third = NewApiKey {
        key_id: "2222222222222222".into(),
        ..new.clone()
    };
    db.insert_api_key(&third, Some(claim.clone())).unwrap();
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Applied);
    assert_eq!(db.list_api_keys().unwrap().len(), 3);
}

fn admin_key(db: &Database, key_id: &str, expires_at: Option<DateTime<Utc>>) -> ApiKey {
    db.insert_api_key(
        &NewApiKey {
            key_id: key_id.into(),
            secret_hash: "ab".repeat(32),
            name: format!("admin {key_id}"),
            scope: Scope::Admin,
            created_at: now(),
            expires_at,
        },
        None,
    )
    .unwrap()
}

fn active_admin_keys(db: &Database, at: DateTime<Utc>) -> Vec<i64> {
    db.list_api_keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.scope == Scope::Admin && k.revoked_at.is_none())
        .filter(|k| k.expires_at.is_none_or(|e| e > at))
        .map(|k| k.id)
        .collect()
}

fn assert_last_admin_key(result: Result<ApiKey, AppError>) {
    match result {
        Err(AppError::Refused { code, .. }) => assert_eq!(code, "last_admin_key"),
        other => panic!("expected last_admin_key, got {other:?}"),
    }
}

fn last_admin_key_is_never_revoked(t: &TestDatabase) {
    let db = t.open();
    let only = admin_key(&db, "a000000000000001", None);
    let reader = db
        .insert_api_key(
            &NewApiKey {
                key_id: "a000000000000002".into(),
                secret_hash: "ab".repeat(32),
                name: "reader".into(),
                scope: Scope::Read,
                created_at: now(),
                expires_at: None,
            },
            None,
        )
        .unwrap();
    // Refused, and nothing changed; not even the idempotency claim is marked applied.
    let claim = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "revoke-last".into(),
    };
    assert_eq!(db.claim(&claim, "fp", now()).unwrap(), Claim::Claimed);
    assert_last_admin_key(db.revoke_api_key(only.id, now(), Some(claim.clone())));
    let (stored, _) = db.find_api_key("a000000000000001").unwrap().unwrap();
    assert_eq!(stored.revoked_at, None);
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Pending);
    // Other scopes go freely.
    assert!(db.revoke_api_key(reader.id, now(), None).is_ok());
    // An expired admin key is no admin: it neither keeps the last one revocable nor is
    // protected itself.
    let expired = admin_key(&db, "a000000000000003", Some(now()));
    assert_last_admin_key(db.revoke_api_key(only.id, now(), None));
    assert!(db.revoke_api_key(expired.id, now(), None).is_ok());
    // A revoked one is returned unchanged, as before.
    let again = db.revoke_api_key(reader.id, now(), None).unwrap();
    assert!(again.revoked_at.is_some());
    // Once another admin key is active, the first may go, then that one is the last.
    let later = admin_key(
        &db,
        "a000000000000004",
        Some(now() + chrono::Duration::days(30)),
    );
    assert!(db.revoke_api_key(only.id, now(), None).is_ok());
    assert_last_admin_key(db.revoke_api_key(later.id, now(), None));
    assert_eq!(active_admin_keys(&db, now()), vec![later.id]);
}

/// Two admins revoke the last two admin keys at the same moment: one of them must lose, on
/// every round. On PostgreSQL (READ COMMITTED) a count of the active keys without locking them
/// lets both see the other's key still active.
fn last_admin_key_holds_under_concurrent_revocations(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let mut survivor = admin_key(&db, "b000000000000000", None);
    for round in 1..=30 {
        let other = admin_key(&db, &format!("b{round:015}"), None);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let results: Vec<Result<ApiKey, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = [survivor.id, other.id]
                .into_iter()
                .map(|id| {
                    let (db, barrier) = (Arc::clone(&db), Arc::clone(&barrier));
                    s.spawn(move || {
                        barrier.wait();
                        db.revoke_api_key(id, now(), None)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let revoked: Vec<&ApiKey> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(revoked.len(), 1, "round {round}: {results:?}");
        let refused = results.iter().find(|r| r.is_err()).unwrap();
        assert!(
            matches!(refused, Err(AppError::Refused { code, .. }) if *code == "last_admin_key"),
            "round {round}: {refused:?}"
        );
        let active = active_admin_keys(&db, now());
        assert_eq!(active.len(), 1, "round {round}: {active:?}");
        survivor = if revoked[0].id == other.id {
            survivor
        } else {
            other
        };
        assert_eq!(active, vec![survivor.id]);
    }
}

fn idempotency_claims_are_exclusive(t: &TestDatabase) {
    let db = t.open();
    let key = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "k1".into(),
    };
    assert_eq!(db.claim(&key, "fp", now()).unwrap(), Claim::Claimed);
    let Claim::Existing(record) = db.claim(&key, "fp", now()).unwrap() else {
        panic!("second claim must see the first");
    };
    assert_eq!(record.state, IdempotencyState::Pending);
    // The effect marks the claim applied in its own transaction.
    let mut c = ctx();
    c.idempotency = Some(key.clone());
    item_with(&db, &c);
    let Claim::Existing(record) = db.claim(&key, "fp", now()).unwrap() else {
        panic!()
    };
    assert_eq!(record.state, IdempotencyState::Applied);
    // A second effect under the same claim is refused and leaves nothing behind.
    assert!(db.create_item(&NewItem::default(), &c).is_err());
    assert_eq!(
        db.list_items(&ItemFilter::default(), &page(10))
            .unwrap()
            .len(),
        1
    );
    let response = StoredResponse {
        status: 201,
        content_type: "application/json".into(),
        body: b"{\"id\":1}".to_vec(),
        headers: vec![("ETag".into(), "\"1\"".into())],
    };
    db.complete(&key, &response).unwrap();
    let Claim::Existing(record) = db.claim(&key, "fp", now()).unwrap() else {
        panic!()
    };
    assert_eq!(record.state, IdempotencyState::Completed);
    assert_eq!(record.response, Some(response));
    // Release frees pending claims only.
    db.release(&key).unwrap();
    assert!(matches!(
        db.claim(&key, "fp", now()).unwrap(),
        Claim::Existing(_)
    ));
    let other = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "k2".into(),
    };
    db.claim(&other, "fp", now()).unwrap();
    db.release(&other).unwrap();
    assert_eq!(db.claim(&other, "fp", now()).unwrap(), Claim::Claimed);
    // A dead owner's pending claim is taken over once, by whoever names its claim time.
    let Claim::Existing(stale) = db.claim(&other, "fp", now()).unwrap() else {
        panic!()
    };
    assert!(db.take_over(&other, stale.created_at, now()).unwrap());
    assert!(!db.take_over(&other, stale.created_at, now()).unwrap());
    assert!(
        !db.take_over(&key, record.created_at, now()).unwrap(),
        "completed claims stay"
    );
    assert_eq!(
        db.purge_before(now() + chrono::Duration::hours(1)).unwrap(),
        2
    );
}

/// A stored response keeps its body byte for byte (2026-12-06-200000_idempotency_body_bytes):
/// NUL and bytes that are not UTF-8 (a PDF sheet) round-trip, and so does an empty body. Text
/// bodies stored before the migration replay as their bytes. Its down keeps the bodies that can
/// be text as text (on SQLite: ASCII only) and drops the other responses, leaving their keys
/// completed without one (the previous release answers `idempotency_response_lost`); up again
/// keeps what is left.
fn idempotent_responses_keep_their_bytes(t: &TestDatabase) {
    let db = t.open();
    let key = |k: &str| IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: k.into(),
    };
    let stored = |db: &Database, k: &str| -> (IdempotencyState, Option<StoredResponse>) {
        match db.claim(&key(k), "fp", now()).unwrap() {
            Claim::Existing(record) => (record.state, record.response),
            Claim::Claimed => panic!("{k} was not stored"),
        }
    };
    let sheet = StoredResponse {
        status: 200,
        content_type: "application/pdf".into(),
        body: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x00\x01\xff\xfe\x80 stream\x00".to_vec(),
        headers: vec![
            (
                "content-disposition".into(),
                "inline; filename=\"labels-item-1.pdf\"".into(),
            ),
            ("x-label-print-id".into(), "1".into()),
        ],
    };
    let empty = StoredResponse {
        status: 204,
        content_type: "application/json".into(),
        body: Vec::new(),
        headers: vec![],
    };
    for (k, response) in [("sheet", &sheet), ("empty", &empty)] {
        assert_eq!(db.claim(&key(k), "fp", now()).unwrap(), Claim::Claimed);
        db.complete(&key(k), response).unwrap();
        assert_eq!(
            stored(&db, k),
            (IdempotencyState::Completed, Some(response.clone()))
        );
    }

    let postgres = db.backend_name() == "postgres";
    let body_type = |db: &Database| {
        let types = if postgres {
            ["text", "bytea"].map(|t| {
                format!(
                    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = \
                     'idempotency_keys' AND column_name = 'body' AND data_type = '{t}'"
                )
            })
        } else {
            ["TEXT", "BLOB"].map(|t| {
                format!(
                    "SELECT count(*) AS n FROM pragma_table_info('idempotency_keys') WHERE name \
                     = 'body' AND type = '{t}'"
                )
            })
        };
        match types.map(|sql| db.count_raw(&sql).unwrap()) {
            [1, 0] => "text",
            [0, 1] => "bytes",
            other => panic!("body column: {other:?}"),
        }
    };
    let count = |db: &Database, condition: &str| {
        db.count_raw(&format!(
            "SELECT count(*) AS n FROM idempotency_keys WHERE {condition}"
        ))
        .unwrap()
    };
    assert_eq!(body_type(&db), "bytes");

    // Down: text bodies stay text, the sheet's response is dropped, its key stays completed.
    assert!(db.revert_migrations_after("20261206100000").unwrap() >= 1);
    assert_eq!(body_type(&db), "text");
    let dropped = "state = 'completed' AND status IS NULL AND content_type IS NULL AND headers \
                   IS NULL AND body IS NULL";
    assert_eq!(count(&db, &format!("key = 'sheet' AND {dropped}")), 1);
    assert_eq!(
        count(&db, "key = 'empty' AND status = 204 AND body = ''"),
        1
    );
    // What the previous release stored: text.
    let ascii = r#"{"id":"i000000000000000001","name":"Shelf A1"}"#;
    let accented = r#"{"name":"Müller ✓ 東京"}"#;
    for (k, body) in [("ascii", ascii), ("accented", accented)] {
        db.execute_raw(&format!(
            "INSERT INTO idempotency_keys (owner, key, fingerprint, state, status, content_type, \
             headers, body, created_at) VALUES ('apikey:1', '{k}', 'fp', 'completed', 201, \
             'application/json', '[[\"etag\",\"\\\"1\\\"\"]]', '{body}', '2026-11-24 12:00:00')"
        ))
        .unwrap();
    }

    // Up: the text bodies replay as their bytes.
    assert!(!db.run_migrations().unwrap().is_empty());
    assert_eq!(body_type(&db), "bytes");
    for (k, body) in [("ascii", ascii), ("accented", accented)] {
        assert_eq!(
            stored(&db, k),
            (
                IdempotencyState::Completed,
                Some(StoredResponse {
                    status: 201,
                    content_type: "application/json".into(),
                    body: body.as_bytes().to_vec(),
                    headers: vec![("etag".into(), "\"1\"".into())],
                })
            ),
            "{k}"
        );
    }
    assert_eq!(stored(&db, "sheet"), (IdempotencyState::Completed, None));
    assert_eq!(
        stored(&db, "empty"),
        (IdempotencyState::Completed, Some(empty))
    );

    // Down again: PostgreSQL keeps every UTF-8 text; SQLite, which cannot test UTF-8, ASCII.
    assert!(db.revert_migrations_after("20261206100000").unwrap() >= 1);
    assert_eq!(
        count(&db, &format!("key = 'ascii' AND body = '{ascii}'")),
        1
    );
    let accented_kept = count(&db, &format!("key = 'accented' AND body = '{accented}'"));
    let accented_dropped = count(&db, &format!("key = 'accented' AND {dropped}"));
    assert_eq!(
        (accented_kept, accented_dropped),
        if postgres { (1, 0) } else { (0, 1) }
    );
    assert!(!db.run_migrations().unwrap().is_empty());
    assert_eq!(stored(&db, "ascii").1.unwrap().body, ascii.as_bytes());
}

fn item_with(db: &Database, c: &WriteContext) -> Item {
    db.create_item(&NewItem::default(), c).unwrap()
}

fn ids_are_unique_under_concurrency(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || (0..25).map(|_| item(&db, None).id).collect::<Vec<_>>())
        })
        .collect();
    let mut seen = HashSet::new();
    for thread in threads {
        for id in thread.join().unwrap() {
            assert!(seen.insert(id), "{id} handed out twice");
        }
    }
    assert_eq!(seen.len(), 200);
}

fn concurrent_moves_keep_state_consistent(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let places: Vec<PlaceId> = (0..3).map(|i| place(&db, &format!("P{i}")).id).collect();
    let boxes: Vec<BoxId> = (0..6).map(|_| boxed(&db, None).id).collect();
    let items: Vec<ItemId> = (0..6).map(|_| item(&db, None).id).collect();
    let threads: Vec<_> = (0..8u64)
        .map(|seed| {
            let (db, places, boxes, items) = (
                Arc::clone(&db),
                places.clone(),
                boxes.clone(),
                items.clone(),
            );
            std::thread::spawn(move || {
                let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                let mut next = move |n: usize| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 33) as usize) % n
                };
                for _ in 0..60 {
                    let object = if next(2) == 0 {
                        Movable::Box(boxes[next(boxes.len())])
                    } else {
                        Movable::Item(items[next(items.len())])
                    };
                    let to = if next(2) == 0 {
                        Parent::Box(boxes[next(boxes.len())])
                    } else {
                        Parent::Place(places[next(places.len())])
                    };
                    match move_to(&db, vec![object], to) {
                        Ok(_)
                        | Err(AppError::Refused {
                            code: ProblemCode::MoveCycle,
                            ..
                        }) => {}
                        Err(e) => panic!("unexpected error: {e:?}"),
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    for b in &boxes {
        let location = db.location(Movable::Box(*b)).unwrap();
        assert!(location.path.len() <= boxes.len() + 1);
    }
    verify_clean(&db);
}

/// Threads racing to move the same item (and the same box) between places, one object per
/// request: every move that reports `moved` is a ledger row whose origin is where the previous
/// row left the object, so no move was lost or applied on a stale read.
fn racing_single_moves_chain_in_the_ledger(t: &TestDatabase) {
    const THREADS: u64 = 8;
    const MOVES: usize = 40;
    let db = Arc::new(t.open());
    let places: Vec<PlaceId> = (0..3).map(|i| place(&db, &format!("R{i}")).id).collect();
    let contested = [
        Movable::Item(item(&db, Some(Parent::Place(places[0]))).id),
        Movable::Box(boxed(&db, Some(Parent::Place(places[0]))).id),
    ];
    let threads: Vec<_> = (0..THREADS)
        .map(|seed| {
            let (db, places) = (Arc::clone(&db), places.clone());
            std::thread::spawn(move || {
                let mut moved = 0;
                for i in 0..MOVES {
                    let object = contested[i % 2];
                    let to = Parent::Place(places[(seed as usize + i) % places.len()]);
                    let outcome = move_to(&db, vec![object], to).unwrap();
                    assert_eq!(outcome.len(), 1);
                    assert_eq!(outcome[0].to, to);
                    moved += usize::from(outcome[0].moved);
                }
                moved
            })
        })
        .collect();
    let moved: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let mut rows = 0;
    for object in contested {
        let mut at = Some(places[0].object_id());
        let mut after = None;
        loop {
            let history = db
                .history(object.object_id(), &PageQuery { after, limit: 500 })
                .unwrap();
            let Some(last) = history.last() else { break };
            after = Some(last.seq);
            for entry in history.iter().filter(|e| e.kind == ChangeKind::Moved) {
                assert_eq!(
                    entry.from, at,
                    "{object}: seq {} starts elsewhere",
                    entry.seq
                );
                assert_ne!(entry.from, entry.to);
                at = entry.to;
                rows += 1;
            }
        }
        let now = db
            .location(object)
            .unwrap()
            .path
            .last()
            .map(|s| s.container.object_id());
        assert_eq!(now, at, "{object}: stored place differs from the ledger's");
    }
    assert_eq!(rows, moved, "one ledger row per reported move");
    assert!(moved > THREADS as usize, "too few moves to race: {moved}");
    verify_clean(&db);
}

// ------------------------------------------------------------------ serials

fn code(text: &str) -> Code {
    Code::new("code", text).unwrap()
}

fn new_serial_item(serial: &str, class: Option<&str>) -> NewItem {
    NewItem {
        serial: Some(code(serial)),
        class_code: class.map(code),
        ..NewItem::default()
    }
}

/// The detail of a `serial_in_use` refusal; anything else fails the test.
fn serial_in_use<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::Refused {
            code: ProblemCode::SerialInUse,
            message,
        }) => message,
        other => panic!("expected serial_in_use, got {other:?}"),
    }
}

fn set_class(db: &Database, id: ItemId, class: Option<&str>) -> Result<Item, AppError> {
    let patch = ItemPatch {
        class_code: Some(class.map(code)),
        ..ItemPatch::default()
    };
    db.update_item(id, Expected::Any, &patch, &ctx())
}

fn all_items(db: &Database) -> Vec<Item> {
    db.list_items(&ItemFilter::default(), &page(500)).unwrap()
}

/// The issue's case and the rule around it: a serial names one item within its class.
fn a_serial_names_one_item_of_a_class(t: &TestDatabase) {
    let db = t.open();
    let first = db
        .create_item(&new_serial_item("1234567", None), &ctx())
        .unwrap();
    let before = all_items(&db).len();
    let ledger = db.history(first.id.object_id(), &page(50)).unwrap();

    // A second item of the serial: refused while the first has no class, whatever its own.
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", None), &ctx()));
    assert!(refused.contains(&first.id.to_string()), "{refused}");
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", Some("TC52")), &ctx()));
    assert!(refused.contains("a class code first"), "{refused}");
    assert_eq!(
        all_items(&db).len(),
        before,
        "a refused create wrote an item"
    );

    // Classes tell two devices with one serial apart.
    set_class(&db, first.id, Some("MC33")).unwrap();
    let second = db
        .create_item(&new_serial_item("1234567", Some("TC52")), &ctx())
        .unwrap();
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", Some("MC33")), &ctx()));
    assert!(refused.contains(&first.id.to_string()), "{refused}");
    assert!(!refused.contains(&second.id.to_string()), "{refused}");
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", None), &ctx()));
    assert!(
        refused.contains(&first.id.to_string()) && refused.contains(&second.id.to_string()),
        "{refused}"
    );

    // Changes are checked as well, and a refused change changes nothing.
    serial_in_use(set_class(&db, second.id, Some("MC33")));
    serial_in_use(set_class(&db, second.id, None));
    let unchanged = db.get_item(second.id).unwrap();
    assert_eq!(unchanged.class_code, Some(code("TC52")));
    assert_eq!(unchanged.meta.version, second.meta.version);
    let other = item(&db, None);
    let patch = ItemPatch {
        serial: Some(Some(code("1234567"))),
        ..ItemPatch::default()
    };
    serial_in_use(db.update_item(other.id, Expected::Any, &patch, &ctx()));
    let patch = ItemPatch {
        serial: Some(Some(code("1234567"))),
        class_code: Some(Some(code("ZT410"))),
        ..ItemPatch::default()
    };
    db.update_item(other.id, Expected::Any, &patch, &ctx())
        .unwrap();
    // Other fields of an item change freely; so does the serial's text elsewhere.
    let rename = ItemPatch {
        name: Some(Some(name("Scanner"))),
        ..ItemPatch::default()
    };
    db.update_item(second.id, Expected::Any, &rename, &ctx())
        .unwrap();
    db.create_item(&new_serial_item("12345678", None), &ctx())
        .unwrap();

    // A deleted item frees its serial.
    db.delete_item(first.id, Expected::Any, &ctx()).unwrap();
    db.create_item(&new_serial_item("1234567", Some("MC33")), &ctx())
        .unwrap();
    assert_eq!(
        db.history(first.id.object_id(), &page(50)).unwrap().len(),
        ledger.len() + 2,
        "the class set, then the delete"
    );
    verify_clean(&db);
}

/// Threads race to give one serial to new items of several classes, and to move existing
/// items onto it, round after round: whatever wins, no two items of a serial can be confused,
/// every loser is told `serial_in_use`, and each round has a winner.
fn serials_stay_one_item_per_class_under_concurrency(t: &TestDatabase) {
    const ROUNDS: usize = 12;
    const CLASSES: [Option<&str>; 8] = [
        None,
        Some("MC33"),
        None,
        Some("TC52"),
        Some("MC33"),
        None,
        Some("TC52"),
        Some("ZT410"),
    ];
    let db = Arc::new(t.open());
    for round in 0..ROUNDS {
        let serial = format!("{round:07}");
        // Half the threads create an item with the serial, the others give it to an item that
        // exists already (PATCH of serial and class).
        let existing: Vec<ItemId> = (0..CLASSES.len() / 2).map(|_| item(&db, None).id).collect();
        let barrier = Arc::new(std::sync::Barrier::new(CLASSES.len()));
        let outcomes: Vec<Result<Item, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = CLASSES
                .iter()
                .enumerate()
                .map(|(n, class)| {
                    let (db, barrier, serial) = (&db, barrier.clone(), serial.clone());
                    let target = existing.get(n / 2).copied().filter(|_| n % 2 == 1);
                    s.spawn(move || {
                        barrier.wait();
                        match target {
                            None => db.create_item(&new_serial_item(&serial, *class), &ctx()),
                            Some(id) => {
                                let patch = ItemPatch {
                                    serial: Some(Some(code(&serial))),
                                    class_code: Some(class.map(code)),
                                    ..ItemPatch::default()
                                };
                                db.update_item(id, Expected::Any, &patch, &ctx())
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        assert!(won >= 1, "round {round}: nobody got the serial");
        for outcome in outcomes.into_iter().filter(Result::is_err) {
            serial_in_use(outcome);
        }
    }
    let holders = all_items(&db)
        .into_iter()
        .filter_map(|i| Some((i.id, i.serial?, i.class_code)));
    let conflicts = eckwms_domain::catalog::serial::conflicts(holders);
    assert!(conflicts.is_empty(), "{conflicts:#?}");
    verify_clean(&db);
}

/// A database that held items breaking the rule before it existed migrates; those items stay
/// and are refused company, and the index refuses an exact duplicate written past the rule.
fn serial_duplicates_from_before_the_rule_survive_the_migration(t: &TestDatabase) {
    let db = t.open();
    loop {
        let reverted = db.revert_last_migration().unwrap();
        // diesel's version of 2026-11-26-000001_item_serials.
        if reverted == "20261126000001" {
            break;
        }
    }
    let insert = |n: u64, serial: &str, class: Option<&str>| {
        let class = class.map_or("NULL".to_owned(), |c| format!("'{c}'"));
        db.execute_raw(&format!(
            "INSERT INTO items (id, serial, class_code, attributes, version, created_at, \
             updated_at) VALUES ('{}', '{serial}', {class}, '{{}}', 1, \
             '2026-11-24 12:00:00', '2026-11-24 12:00:00')",
            ItemId::new(n).unwrap()
        ))
        .unwrap();
    };
    insert(901, "5550001", None);
    insert(902, "5550001", None);
    insert(903, "5550002", Some("X"));
    insert(904, "5550002", Some("X"));
    insert(905, "5550003", Some("X"));
    insert(906, "5550003", Some("Y"));
    assert!(!db.run_migrations().unwrap().is_empty());
    let id = |n: u64| ItemId::new(n).unwrap();

    // They are listed (5550003: two classes, no conflict), readable, and nothing joins them.
    let listed = |db: &Database| -> Vec<(String, Vec<ItemId>)> {
        db.serial_conflicts()
            .unwrap()
            .into_iter()
            .map(|c| {
                let ids = c.items.iter().map(|h| h.id).collect();
                (c.serial.as_str().to_owned(), ids)
            })
            .collect()
    };
    assert_eq!(
        listed(&db),
        [
            ("5550001".to_owned(), vec![id(901), id(902)]),
            ("5550002".to_owned(), vec![id(903), id(904)]),
        ]
    );
    assert_eq!(db.get_item(id(902)).unwrap().serial, Some(code("5550001")));
    let refused = serial_in_use(db.create_item(&new_serial_item("5550002", Some("X")), &ctx()));
    assert!(
        refused.contains(&id(903).to_string()) && refused.contains(&id(904).to_string()),
        "{refused}"
    );
    let w = db
        .create_item(&new_serial_item("5550002", Some("W")), &ctx())
        .unwrap();
    db.create_item(&new_serial_item("5550003", Some("Z")), &ctx())
        .unwrap();

    // They are put right one at a time: a change may keep an old clash, never add one.
    set_class(&db, id(901), Some("X")).unwrap();
    assert_eq!(listed(&db).len(), 2, "902 has no class yet");
    set_class(&db, id(902), Some("Y")).unwrap();
    let refused = serial_in_use(set_class(&db, id(903), None));
    assert!(refused.contains(&w.id.to_string()), "{refused}");
    assert!(!refused.contains(&id(904).to_string()), "{refused}");
    set_class(&db, id(904), Some("V")).unwrap();
    assert_eq!(listed(&db), []);

    // Past every rule (an older binary writing during an upgrade): the index refuses an exact
    // duplicate of an item it covers: one written since the rule, or put right since.
    let raw = |n: u64, serial: &str, class: &str| {
        db.execute_raw(&format!(
            "INSERT INTO items (id, serial, class_code, attributes, version, created_at, \
             updated_at) VALUES ('{}', '{serial}', '{class}', '{{}}', 1, \
             '2026-11-24 12:00:00', '2026-11-24 12:00:00')",
            id(n)
        ))
    };
    assert!(raw(907, "5550003", "X").is_err());
    assert!(
        raw(908, "5550001", "Y").is_err(),
        "902 is covered once put right"
    );
    raw(909, "5550003", "W").unwrap();
}

// ------------------------------------------------------------------ scanning

/// The v1 key and a vector of the original implementation (shared/reference/eck-v1-vectors.json).
const V1_KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
const V1_ITEM_1: &str =
    "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3";
const V2_KEY: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

/// A clock the test moves by hand.
struct TestClock(std::sync::Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

fn decoder() -> Arc<eckwms_codes::Decoder> {
    Arc::new(
        eckwms_codes::Decoder::from_settings(&eckwms_codes::Settings {
            v1_key: Some(V1_KEY),
            v2_key: Some(V2_KEY),
            ..eckwms_codes::Settings::default()
        })
        .unwrap(),
    )
}

fn scanner(db: &Arc<Database>) -> (eckwms_application::ScanService, Arc<TestClock>) {
    let clock = Arc::new(TestClock(std::sync::Mutex::new(now())));
    let service = eckwms_application::ScanService::new(
        db.clone(),
        db.clone(),
        decoder(),
        clock.clone(),
        eckwms_application::ScanSettings {
            session_idle: chrono::Duration::minutes(30),
        },
    );
    (service, clock)
}

fn scan(
    service: &eckwms_application::ScanService,
    device: &str,
    msg_id: &str,
    barcode: &str,
) -> (ScanOutcome, serde_json::Value) {
    let outcome = service
        .scan(
            &eckwms_application::ScanRequest {
                barcode: barcode.into(),
                msg_id: msg_id.into(),
                device_id: Some(device.into()),
            },
            &eckwms_application::ScanCaller {
                actor: eckwms_application::Actor::ApiKey {
                    id: 1,
                    name: "scanner".into(),
                    scope: Scope::Write,
                },
                request_id: Some(format!("req-{msg_id}")),
            },
        )
        .unwrap();
    let answer = serde_json::from_str(&outcome.body().unwrap()).unwrap();
    (outcome, answer)
}

/// A v2 label text for `id` (the first of its three codes).
fn label(id: &str) -> String {
    let mut n = 0u8;
    let [first, ..] = decoder()
        .label_texts(ObjectId::parse(id).unwrap(), &mut |buf: &mut [u8]| {
            n = n.wrapping_add(1);
            buf.fill(n);
        })
        .unwrap();
    first
}

fn scans_follow_the_flow(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let (service, _) = scanner(&db);
    let shelf = place(&db, "Shelf 1");

    // A typed id of an item that does not exist: created, and it joins the set.
    let (first, answer) = scan(&service, "PDA-1", "m1", "i000000000000000005");
    assert_eq!(answer["action"], "created", "{answer}");
    assert_eq!(answer["type"], "item");
    assert_eq!(answer["data"]["id"], "i000000000000000005");
    assert_eq!(
        answer["session"]["items"],
        serde_json::json!(["i000000000000000005"])
    );
    let item5 = ItemId::parse("i000000000000000005").unwrap();

    // A v2 label of a new box: the box is created and the item goes into it.
    let (into_box, answer) = scan(&service, "PDA-1", "m2", &label("b000000000000000100"));
    assert_eq!(answer["action"], "moved", "{answer}");
    assert_eq!(answer["type"], "box");
    assert_eq!(into_box.record.resolution, "label_v2");
    let box100 = BoxId::parse("b000000000000000100").unwrap();
    assert_eq!(
        db.get_item(item5).unwrap().parent,
        Some(Parent::Box(box100))
    );
    assert_eq!(answer["session"]["items"], serde_json::json!([]));
    assert_eq!(
        answer["session"]["boxes"],
        serde_json::json!(["b000000000000000100"])
    );
    // The box's label raised the counter: boxes made later get higher numbers.
    assert!(boxed(&db, None).id.number() > 100);

    // History names the scan that moved the item.
    let history = db.history(item5.object_id(), &page(10)).unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].scan_id, Some(first.record.id));
    assert_eq!(history[1].kind, ChangeKind::Moved);
    assert_eq!(history[1].scan_id, Some(into_box.record.id));
    assert_eq!(history[1].request_id.as_deref(), Some("req-m2"));
    assert_eq!(history[1].actor, "apikey:1/device:PDA-1");

    // A place: the box goes there and the sets empty.
    let (_, answer) = scan(&service, "PDA-1", "m3", &shelf.id.to_string());
    assert_eq!(answer["action"], "moved", "{answer}");
    assert_eq!(
        db.get_box(box100).unwrap().parent,
        Some(Parent::Place(shelf.id))
    );
    assert_eq!(answer["session"]["boxes"], serde_json::json!([]));
    assert_eq!(
        answer["session"]["places"],
        serde_json::json!([shelf.id.to_string()])
    );

    // An unknown code with nothing in the set: not found, nothing changes.
    let (_, answer) = scan(&service, "PDA-1", "m4", "4006381333931");
    assert_eq!(answer["action"], "not_found", "{answer}");

    // With an item in the set, an unknown code becomes its barcode; a known class code its class.
    db.create_item(
        &NewItem {
            class_code: Some(Code::new("class_code", "CLASS-Y").unwrap()),
            ..NewItem::default()
        },
        &ctx(),
    )
    .unwrap();
    scan(&service, "PDA-1", "m5", &item5.to_string());
    let (_, answer) = scan(&service, "PDA-1", "m6", "4006381333931");
    assert_eq!(answer["action"], "attached", "{answer}");
    let (_, answer) = scan(&service, "PDA-1", "m7", "CLASS-Y");
    assert_eq!(answer["type"], "class_code", "{answer}");
    let stored = db.get_item(item5).unwrap();
    assert_eq!(stored.class_code.unwrap().as_str(), "CLASS-Y");
    assert!(stored.barcodes.contains("4006381333931"));
    // The barcode now names the item.
    let (found, answer) = scan(&service, "PDA-1", "m8", "4006381333931");
    assert_eq!(answer["action"], "found", "{answer}");
    assert_eq!(found.record.resolution, "barcode");
    assert_eq!(found.record.object, Some(item5.object_id()));

    // A label printed by the first generation still works.
    let (v1, answer) = scan(&service, "PDA-1", "m9", V1_ITEM_1);
    assert_eq!(answer["action"], "created", "{answer}");
    assert_eq!(v1.record.resolution, "label_v1");
    assert_eq!(answer["data"]["id"], "i000000000000000001");
    // A forged label is refused and stored as nothing.
    let forged = V1_ITEM_1.replace("T54Q", "T54R");
    let (bad, answer) = scan(&service, "PDA-1", "m10", &forged);
    assert_eq!(answer["action"], "error", "{answer}");
    assert_eq!(bad.record.resolution, "bad_label");
    assert_eq!(bad.record.object, None);

    // An RMA code names its order (created on first scan); it does not move the order counter.
    let (rma, answer) = scan(&service, "PDA-2", "r1", "RMA1732617672C6");
    assert_eq!(answer["action"], "created", "{answer}");
    assert_eq!(rma.record.resolution, "rma");
    assert_eq!(answer["data"]["id"], "o800000001732617672");
    assert_eq!(answer["data"]["reference"], "RMA1732617672C6");
    let later = db.create_order(&NewOrder::default(), &ctx()).unwrap();
    assert!(later.id.number() < 1_000, "{}", later.id);

    // A retried message id gets the first answer and changes nothing.
    let ledger_before = db.history(item5.object_id(), &page(50)).unwrap().len();
    let (again, _) = scan(&service, "PDA-1", "m2", &label("b000000000000000100"));
    assert!(again.replayed);
    assert_eq!(again.record.answer, into_box.record.answer);
    assert_eq!(
        db.history(item5.object_id(), &page(50)).unwrap().len(),
        ledger_before
    );

    // The log lists every scan, newest first, with the ledger rows each caused.
    let log = service
        .list_scans(
            &eckwms_application::Actor::Console,
            &ScanFilter::default(),
            &page(50),
        )
        .unwrap();
    assert_eq!(log.items.len(), 11);
    assert_eq!(log.items[0].msg_id, "r1");
    let moved = log.items.iter().find(|s| s.msg_id == "m2").unwrap();
    assert_eq!(
        moved.ledger_seqs.len(),
        2,
        "the box created and the item moved"
    );
    let filtered = service
        .list_scans(
            &eckwms_application::Actor::Console,
            &ScanFilter {
                action: Some(ScanAction::Moved),
                ..ScanFilter::default()
            },
            &page(50),
        )
        .unwrap();
    assert_eq!(filtered.items.len(), 2);
    verify_clean(&db);
}

fn scan_sessions_are_per_device_and_expire(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let (service, clock) = scanner(&db);
    let a = item(&db, None);
    let b = item(&db, None);
    scan(&service, "PDA-A", "1", &a.id.to_string());
    scan(&service, "PDA-B", "1", &b.id.to_string());
    let session = service
        .session(&eckwms_application::Actor::Console, "device:PDA-A")
        .unwrap();
    assert_eq!(session.set.items, vec![a.id]);
    // The same msg_id from another device is another scan.
    assert_eq!(
        service
            .session(&eckwms_application::Actor::Console, "device:PDA-B")
            .unwrap()
            .set
            .items,
        vec![b.id]
    );

    // A new service (a restart, another process) sees the same session.
    let (other, _) = scanner(&db);
    assert_eq!(
        other
            .session(&eckwms_application::Actor::Console, "device:PDA-A")
            .unwrap()
            .set
            .items,
        vec![a.id]
    );

    // Idle past the limit: the set is forgotten; the next scan starts afresh.
    clock.advance(chrono::Duration::minutes(31));
    assert!(
        service
            .session(&eckwms_application::Actor::Console, "device:PDA-A")
            .unwrap()
            .set
            .items
            .is_empty()
    );
    let target = boxed(&db, None);
    let (_, answer) = scan(&service, "PDA-A", "2", &target.id.to_string());
    assert_eq!(answer["action"], "found", "{answer}");
    assert_eq!(db.get_item(a.id).unwrap().parent, None);
    assert_eq!(service.purge_sessions().unwrap(), 1, "PDA-B's idle session");

    assert!(
        service
            .clear_session(&eckwms_application::Actor::Console, "device:PDA-A")
            .unwrap()
    );
    assert!(
        service
            .session(&eckwms_application::Actor::Console, "device:PDA-A")
            .unwrap()
            .set
            .is_empty()
    );
}

fn duplicate_scans_apply_once_under_concurrency(t: &TestDatabase) {
    const THREADS: usize = 8;
    let db = Arc::new(t.open());
    let (service, _) = scanner(&db);
    let target = boxed(&db, None);
    let items: Vec<Item> = (0..3).map(|_| item(&db, None)).collect();
    for (i, it) in items.iter().enumerate() {
        scan(&service, "PDA-1", &format!("join-{i}"), &it.id.to_string());
    }
    // Every thread sends the same scan (the scanner retried over bad Wi-Fi) at once.
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let answers: Vec<ScanOutcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let barrier = barrier.clone();
                let service = service.clone();
                let target = target.id.to_string();
                s.spawn(move || {
                    barrier.wait();
                    scan(&service, "PDA-1", "same", &target).0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first: Vec<&ScanOutcome> = answers.iter().filter(|a| !a.replayed).collect();
    assert_eq!(first.len(), 1, "exactly one scan ran");
    for answer in &answers {
        assert_eq!(answer.record.answer, first[0].record.answer);
    }
    let log = service
        .list_scans(
            &eckwms_application::Actor::Console,
            &ScanFilter::default(),
            &page(50),
        )
        .unwrap();
    assert_eq!(log.items.len(), 4, "3 joins and one box scan");
    assert_eq!(log.items[0].ledger_seqs.len(), 3, "each item moved once");
    for it in &items {
        assert_eq!(
            db.history(it.id.object_id(), &page(50)).unwrap().len(),
            2,
            "created and moved once"
        );
    }
    verify_clean(&db);
}

/// The issue's case on the database: the scan of a serial finds the item created with it
/// through the API; a class code scanned onto an item is refused when it would make two items
/// of one serial and class.
fn a_serial_scan_names_the_item_that_carries_it(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let (service, _) = scanner(&db);
    let api_item = db
        .create_item(&new_serial_item("1234567", None), &ctx())
        .unwrap();
    let (outcome, answer) = scan(&service, "PDA-1", "s1", "1234567");
    assert_eq!(answer["action"], "found", "{answer}");
    assert_eq!(answer["data"]["id"], api_item.id.to_string());
    assert_eq!(outcome.record.resolution, "serial");
    assert!(matches!(
        db.get_item(ItemId::parse("i700000000001234567").unwrap()),
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(all_items(&db).len(), 1);

    // Two devices of one serial and different classes: the scan asks which.
    let mc33 = db
        .create_item(&new_serial_item("SN-9", Some("MC33")), &ctx())
        .unwrap();
    let tc52 = db
        .create_item(&new_serial_item("SN-9", Some("TC52")), &ctx())
        .unwrap();
    let (_, answer) = scan(&service, "PDA-2", "s2", "SN-9");
    assert_eq!(answer["action"], "ambiguous", "{answer}");
    assert_eq!(
        answer["candidates"],
        serde_json::json!([mc33.id.to_string(), tc52.id.to_string()])
    );
    // TC52 joins the set; MC33 scanned as a class code would make it a second MC33 of SN-9.
    scan(&service, "PDA-2", "s3", &tc52.id.to_string());
    let (_, answer) = scan(&service, "PDA-2", "s4", "MC33");
    assert_eq!(answer["action"], "error", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("is in use by item"),
        "{answer}"
    );
    assert_eq!(db.get_item(tc52.id).unwrap().class_code, Some(code("TC52")));
    verify_clean(&db);
}

/// API creates and scans of one serial race, round after round: one item carries the serial,
/// every scan names it, and every create that lost is told `serial_in_use`.
fn api_creates_and_scans_of_one_serial_make_one_item(t: &TestDatabase) {
    const ROUNDS: usize = 10;
    const THREADS: usize = 8;
    let db = Arc::new(t.open());
    let (service, _) = scanner(&db);
    for round in 0..ROUNDS {
        let serial = format!("{}", 5_000_000 + round);
        let barrier = Arc::new(std::sync::Barrier::new(THREADS));
        let results: Vec<Result<String, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|n| {
                    let (db, service, barrier, serial) =
                        (&db, &service, barrier.clone(), serial.clone());
                    s.spawn(move || {
                        barrier.wait();
                        if n % 2 == 0 {
                            let device = format!("PDA-{n}");
                            let (_, answer) = scan(service, &device, &serial, &serial);
                            assert!(
                                answer["action"] == "found" || answer["action"] == "created",
                                "{answer}"
                            );
                            Ok(answer["data"]["id"].as_str().unwrap().to_owned())
                        } else {
                            db.create_item(&new_serial_item(&serial, None), &ctx())
                                .map(|item| item.id.to_string())
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let carriers: Vec<String> = all_items(&db)
            .into_iter()
            .filter(|i| i.serial.as_ref().map(Code::as_str) == Some(serial.as_str()))
            .map(|i| i.id.to_string())
            .collect();
        assert_eq!(carriers.len(), 1, "round {round}: {carriers:?}");
        for (n, result) in results.into_iter().enumerate() {
            match result {
                Ok(id) => assert_eq!(id, carriers[0], "round {round}, thread {n}"),
                Err(e) => {
                    serial_in_use(Err::<(), _>(e));
                }
            }
        }
    }
    verify_clean(&db);
}

fn box_barcodes_round_trip(t: &TestDatabase) {
    let db = t.open();
    let b = db
        .create_box(
            &NewBox {
                barcodes: Barcodes::new("barcodes", vec!["1Z999AA10123456784".into()]).unwrap(),
                ..NewBox::default()
            },
            &ctx(),
        )
        .unwrap();
    assert!(
        db.get_box(b.id)
            .unwrap()
            .barcodes
            .contains("1Z999AA10123456784")
    );
    let cleared = db
        .update_box(
            b.id,
            Expected::Any,
            &BoxPatch {
                barcodes: Some(Barcodes::default()),
                ..BoxPatch::default()
            },
            &ctx(),
        )
        .unwrap();
    assert!(cleared.barcodes.is_empty());
    assert!(db.get_box(b.id).unwrap().barcodes.is_empty());
    verify_clean(&db);
}

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test(&super::TestDatabase::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    match super::TestDatabase::postgres() {
                        Some(db) => super::$test(&db),
                        None => eprintln!("PostgreSQL contract skipped: ECKWMS_TEST_PG_URL is unset"),
                    }
                }
            )*
        }
    };
}

contract!(
    migrations_go_up_down_up,
    the_ledger_keeps_its_rows_across_its_key_migration,
    the_floor_moves_as_the_service_does,
    warehouses_have_versions,
    racks_create_their_places,
    standalone_places_skip_rack_cells,
    items_store_fields_and_filter,
    item_actions_page_by_ledger_seq,
    moves_follow_the_rules,
    direct_contents_page_across_kinds,
    deletes_keep_history,
    orders_link_boxes,
    orders_keep_their_public_fields,
    verify_detects_tampering,
    api_keys_round_trip,
    last_admin_key_is_never_revoked,
    last_admin_key_holds_under_concurrent_revocations,
    idempotency_claims_are_exclusive,
    idempotent_responses_keep_their_bytes,
    ids_are_unique_under_concurrency,
    concurrent_moves_keep_state_consistent,
    racing_single_moves_chain_in_the_ledger,
    scans_follow_the_flow,
    scan_sessions_are_per_device_and_expire,
    duplicate_scans_apply_once_under_concurrency,
    box_barcodes_round_trip,
    a_serial_names_one_item_of_a_class,
    serials_stay_one_item_per_class_under_concurrency,
    serial_duplicates_from_before_the_rule_survive_the_migration,
    a_serial_scan_names_the_item_that_carries_it,
    api_creates_and_scans_of_one_serial_make_one_item,
);
