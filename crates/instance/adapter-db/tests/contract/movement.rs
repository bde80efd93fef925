//! Movement: the rules of moves, contents, and moves under concurrency.

use super::*;

pub(crate) fn moves_follow_the_rules(t: &TestDatabase) {
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

pub(crate) fn direct_contents_page_across_kinds(t: &TestDatabase) {
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

pub(crate) fn item_with(db: &Database, c: &WriteContext) -> Item {
    db.create_item(&NewItem::default(), c).unwrap()
}

pub(crate) fn ids_are_unique_under_concurrency(t: &TestDatabase) {
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

pub(crate) fn concurrent_moves_keep_state_consistent(t: &TestDatabase) {
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
pub(crate) fn racing_single_moves_chain_in_the_ledger(t: &TestDatabase) {
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
