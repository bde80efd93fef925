//! Orders: linked boxes and public fields.

use super::*;

pub(crate) fn orders_link_boxes(t: &TestDatabase) {
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

pub(crate) fn public_fields(names: &[&str]) -> OrderPublicFields {
    let names = names.iter().map(|n| (*n).to_owned()).collect();
    OrderPublicFields::new("public_fields", names).unwrap()
}

pub(crate) fn orders_keep_their_public_fields(t: &TestDatabase) {
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
