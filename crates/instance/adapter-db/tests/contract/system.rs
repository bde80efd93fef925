//! Migrations, the ledger across migrations, the bench floor, and `verify`.

use super::*;

pub(crate) fn migrations_go_up_down_up(t: &TestDatabase) {
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
pub(crate) fn the_ledger_keeps_its_rows_across_its_key_migration(t: &TestDatabase) {
    let db = t.open();
    assert!(db.revert_migrations_after("20261125000002").unwrap() >= 1);
    // Written with today's code on the old schema: only what that schema has (moves onto a
    // place read the place's role, which came later, so the moves here go into boxes).
    let shelf = place(&db, "Shelf");
    let crate_box = boxed(&db, Some(Parent::Place(shelf.id)));
    let other_box = boxed(&db, Some(Parent::Place(shelf.id)));
    let phone = item(&db, None);
    move_to(
        &db,
        vec![Movable::Item(phone.id)],
        Parent::Box(crate_box.id),
    )
    .unwrap();
    move_to(
        &db,
        vec![Movable::Item(phone.id)],
        Parent::Box(other_box.id),
    )
    .unwrap();
    let history = |db: &Database| db.history(phone.id.object_id(), &page(50)).unwrap();
    let before = history(&db);
    assert_eq!(before.len(), 3, "{before:?}");
    assert!(!db.run_migrations().unwrap().is_empty());
    assert_eq!(history(&db), before);
    verify_clean(&db);
    assert!(db.revert_migrations_after("20261125000002").unwrap() >= 1);
    assert_eq!(history(&db), before);
    assert!(!db.run_migrations().unwrap().is_empty());
    // New rows continue the numbering.
    move_to(
        &db,
        vec![Movable::Item(phone.id)],
        Parent::Box(crate_box.id),
    )
    .unwrap();
    let after = history(&db);
    assert_eq!(after[..before.len()], before[..]);
    assert!(after.last().unwrap().seq > before.last().unwrap().seq);
    assert!(db.execute_raw("UPDATE ledger SET actor = 'x'").is_err());
    assert!(db.execute_raw("DELETE FROM ledger").is_err());
    verify_clean(&db);
}

/// The bench's floor runs the service's own move statements on a bare connection: the moves
/// it makes are the moves the service makes (stored, in the ledger, verified), and it refuses
/// what the service refuses.
pub(crate) fn the_floor_moves_as_the_service_does(t: &TestDatabase) {
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

pub(crate) fn verify_detects_tampering(t: &TestDatabase) {
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
