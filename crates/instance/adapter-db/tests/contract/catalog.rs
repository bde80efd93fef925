//! The catalog: warehouses, racks, places, boxes, items and their actions, deletes.

use super::*;

pub(crate) fn warehouses_have_versions(t: &TestDatabase) {
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

pub(crate) fn racks_create_their_places(t: &TestDatabase) {
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

pub(crate) fn standalone_places_skip_rack_cells(t: &TestDatabase) {
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

pub(crate) fn items_store_fields_and_filter(t: &TestDatabase) {
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
        result: None,
    };
    db.add_item_action(created.id, &action, &ctx()).unwrap();
    // A result keeps its outcome, parts and warranty.
    let result = ItemAction {
        kind: ActionKind::Result,
        message: Note::new("message", "display replaced").unwrap(),
        at: now(),
        actor: "user:u000000000000000004".into(),
        result: Some(
            eckwms_domain::repair::RepairResult::new(
                "parts",
                eckwms_domain::repair::Outcome::Repaired,
                vec!["1x display 6.1\"".into(), "2x screw M1.6".into()],
                true,
            )
            .unwrap(),
        ),
    };
    db.add_item_action(created.id, &result, &ctx()).unwrap();
    let listed = db.list_item_actions(created.id, &page(10)).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].action, action);
    assert_eq!(listed[1].action, result);
    verify_clean(&db);
}

pub(crate) fn item_actions_page_by_ledger_seq(t: &TestDatabase) {
    let db = t.open();
    let repaired = item(&db, None);
    let other = item(&db, None);
    let note = |text: &str| ItemAction {
        kind: ActionKind::Note,
        message: Note::new("message", text).unwrap(),
        at: now(),
        actor: "apikey:1".into(),
        result: None,
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

pub(crate) fn deletes_keep_history(t: &TestDatabase) {
    let db = t.open();
    assert_eq!(db.head().unwrap(), 0, "an empty ledger's head");
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
    // The box's deletion was the last write: its row is the ledger's head.
    assert_eq!(Some(db.head().unwrap()), history.last().map(|e| e.seq));
    assert!(db.object_known(b.id.object_id()).unwrap());
    assert!(
        !db.object_known(BoxId::new(777).unwrap().object_id())
            .unwrap()
    );
    verify_clean(&db);
}

pub(crate) fn box_barcodes_round_trip(t: &TestDatabase) {
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
