//! The floor plan: each rack's places and how many hold something, a rack's places cell by
//! cell.

use super::*;

fn rack(
    db: &Database,
    warehouse: WarehouseId,
    label: &str,
    start: i64,
    sort: i32,
) -> RackWithPlaces {
    db.create_rack(
        &NewRack {
            warehouse_id: warehouse,
            name: name(label),
            prefix: None,
            layout: RackLayout::new(3, 2, start).unwrap(),
            sort_order: sort,
            pos_x: 5,
            pos_y: 7,
            rotation: 45,
        },
        &ctx(),
    )
    .unwrap()
}

fn counts(db: &Database, warehouse: WarehouseId) -> Vec<(String, i64, i64)> {
    db.floor_racks(warehouse)
        .unwrap()
        .into_iter()
        .map(|r| (r.rack.name.as_str().to_owned(), r.places, r.occupied))
        .collect()
}

pub(crate) fn racks_count_their_places_that_hold_something(t: &TestDatabase) {
    let db = t.open();
    let w = db
        .create_warehouse(&NewWarehouse::new(name("Floor"), 5000).unwrap(), &ctx())
        .unwrap();
    let other = db
        .create_warehouse(&NewWarehouse::new(name("Other"), 9000).unwrap(), &ctx())
        .unwrap();
    assert_eq!(counts(&db, w.id), []);
    // Listed by sort order, then id: B before A.
    let a = rack(&db, w.id, "A", 0, 2);
    let b = rack(&db, w.id, "B", 10, 1);
    let elsewhere = rack(&db, other.id, "C", 0, 0);
    assert_eq!(counts(&db, w.id), [("B".into(), 6, 0), ("A".into(), 6, 0)]);
    let on = |place: PlaceId| Some(Parent::Place(place));
    // Cell 0: a box with an item in it (one place); cell 1: an item right on it; cell 2: a
    // box and an item (still one place); an item only in a box elsewhere counts nowhere.
    let crate_box = boxed(&db, on(a.places[0]));
    item(&db, Some(Parent::Box(crate_box.id)));
    item(&db, on(a.places[1]));
    boxed(&db, on(a.places[2]));
    item(&db, on(a.places[2]));
    item(&db, on(elsewhere.places[0]));
    let loose = boxed(&db, None);
    item(&db, Some(Parent::Box(loose.id)));
    // A place of the warehouse outside any rack is no rack's.
    let desk = db
        .create_place(
            &NewPlace {
                warehouse_id: w.id,
                name: name("Desk"),
            },
            &ctx(),
        )
        .unwrap();
    boxed(&db, on(desk.id));
    assert_eq!(counts(&db, w.id), [("B".into(), 6, 0), ("A".into(), 6, 3)]);
    assert_eq!(counts(&db, other.id), [("C".into(), 6, 1)]);
    let floor = db.floor_racks(w.id).unwrap();
    assert_eq!(floor[1].rack, db.get_rack(a.rack.id).unwrap());

    // Cell by cell, in cell order.
    let cells = db.rack_places(a.rack.id).unwrap();
    let seen: Vec<(PlaceId, bool)> = cells.iter().map(|c| (c.place.id, c.occupied)).collect();
    let expected: Vec<(PlaceId, bool)> = a
        .places
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i < 3))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(cells[4].place.rack.map(|c| (c.column, c.row)), Some((1, 1)));
    assert!(
        db.rack_places(b.rack.id)
            .unwrap()
            .iter()
            .all(|c| !c.occupied)
    );

    // Moved away: the place is empty again; a deleted place is no longer counted.
    move_to(&db, vec![Movable::Box(crate_box.id)], Parent::Box(loose.id)).unwrap();
    db.delete_place(b.places[5], Expected::Any, &ctx()).unwrap();
    assert_eq!(counts(&db, w.id), [("B".into(), 5, 0), ("A".into(), 6, 2)]);
    assert_eq!(db.rack_places(b.rack.id).unwrap().len(), 5);
    assert!(matches!(
        db.get_rack(RackId(999_999)),
        Err(AppError::NotFound { .. })
    ));
    assert!(db.rack_places(RackId(999_999)).unwrap().is_empty());
}
