//! The events stream: the ledger read from a cursor, in order and without gaps.

use super::*;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

fn read(db: &Database, after: i64, limit: u32, filter: EventFilter) -> EventPage {
    db.events_after(&EventQuery {
        after,
        limit,
        filter,
    })
    .unwrap()
}

/// Every committed ledger row's seq, ascending, read without the stream.
fn committed(db: &Database) -> Vec<i64> {
    let mut seqs: Vec<i64> = db
        .latest_ledger(1_000_000)
        .unwrap()
        .into_iter()
        .map(|e| e.seq)
        .collect();
    seqs.sort_unstable();
    seqs
}

pub(crate) fn the_event_stream_reads_the_ledger_in_order_with_filters(t: &TestDatabase) {
    let db = t.open();
    let empty = read(&db, 0, 10, EventFilter::all());
    assert!(empty.events.is_empty());
    assert_eq!(
        empty.next, 0,
        "an empty ledger leaves the cursor at the start"
    );

    let p = place(&db, "P1");
    let b = boxed(&db, Some(Parent::Place(p.id)));
    let i = item(&db, None);
    db.create_order(&NewOrder::default(), &ctx()).unwrap();
    move_to(&db, vec![Movable::Item(i.id)], Parent::Box(b.id)).unwrap();
    let all = committed(&db);
    let head = *all.last().unwrap();
    assert_eq!(all.len(), 5);

    // Everything at once, in order, the cursor at the end.
    let page = read(&db, 0, 100, EventFilter::all());
    assert_eq!(page.events.iter().map(|e| e.seq).collect::<Vec<_>>(), all);
    assert_eq!(page.next, head);
    assert_eq!(page.events[4].kind, ChangeKind::Moved);
    assert_eq!(page.events[4].object, i.id.object_id());
    assert_eq!(page.events[4].to, Some(b.id.object_id()));
    assert_eq!(page.events[4].actor, "apikey:1");
    assert_eq!(page.events[4].request_id.as_deref(), Some("req-test"));

    // Page by page: a full page's cursor is its last row.
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = read(&db, after, 2, EventFilter::all());
        if let Some(last) = page.events.last()
            && page.events.len() == 2
        {
            assert_eq!(page.next, last.seq);
        }
        seen.extend(page.events.iter().map(|e| e.seq));
        if page.events.is_empty() {
            assert_eq!(page.next, head);
            break;
        }
        after = page.next;
    }
    assert_eq!(seen, all);

    // Filters: only the rows wanted, and the cursor passes over the others.
    let items = EventFilter::new(vec![IdKind::Item], vec![]).unwrap();
    let page = read(&db, 0, 100, items);
    assert_eq!(page.events.len(), 2);
    assert!(page.events.iter().all(|e| e.object.kind() == IdKind::Item));
    assert_eq!(page.next, head);
    let moves = EventFilter::new(vec![], vec![ChangeKind::Moved]).unwrap();
    let page = read(&db, 0, 100, moves);
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].kind, ChangeKind::Moved);
    let both = EventFilter::new(
        vec![IdKind::Place, IdKind::Box, IdKind::Order],
        vec![ChangeKind::Created],
    )
    .unwrap();
    let page = read(&db, 0, 100, both);
    let kinds: Vec<IdKind> = page.events.iter().map(|e| e.object.kind()).collect();
    assert_eq!(kinds, [IdKind::Place, IdKind::Box, IdKind::Order]);
    let none = EventFilter::new(vec![IdKind::Place], vec![ChangeKind::Moved]).unwrap();
    let page = read(&db, 0, 100, none);
    assert!(page.events.is_empty());
    assert_eq!(
        page.next, head,
        "a filtered reader does not scan these rows again"
    );
    // A full filtered page stops at its last row.
    let page = read(
        &db,
        0,
        1,
        EventFilter::new(vec![IdKind::Item], vec![]).unwrap(),
    );
    assert_eq!(page.next, page.events[0].seq);

    // A cursor beyond the end is kept.
    let page = read(&db, head + 10, 100, EventFilter::all());
    assert!(page.events.is_empty());
    assert_eq!(page.next, head + 10);

    // A new row is found by a reader at the end.
    let later = item(&db, None);
    let page = read(&db, head, 100, EventFilter::all());
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].object, later.id.object_id());
}

/// Writer threads append (moves, and units of work that append and roll back, some holding
/// their numbers a while before they commit) while readers follow the stream: each sees every
/// committed row exactly once, in ascending order, and no rolled-back one.
pub(crate) fn the_event_stream_has_no_gaps_under_concurrent_writers(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let places: Vec<PlaceId> = (0..3).map(|i| place(&db, &format!("P{i}")).id).collect();
    let items: Vec<ItemId> = (0..8).map(|_| item(&db, None).id).collect();
    let done = Arc::new(AtomicBool::new(false));
    // The last committed number, once the writers are done: where a drained stream ends.
    let end = Arc::new(AtomicI64::new(i64::MAX));
    let rolled_back = Arc::new(Mutex::new(0usize));
    let writers: Vec<_> = (0..6u64)
        .map(|seed| {
            let (db, places, items) = (Arc::clone(&db), places.clone(), items.clone());
            let rolled_back = Arc::clone(&rolled_back);
            std::thread::spawn(move || {
                let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                let mut next = move |n: usize| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 33) as usize) % n
                };
                for round in 0..40 {
                    let object = items[next(items.len())];
                    match next(3) {
                        // A move of one item: the single statement where the backend has it.
                        0 => {
                            let to = Parent::Place(places[next(places.len())]);
                            move_to(&db, vec![Movable::Item(object)], to).unwrap();
                        }
                        // Numbers drawn, held a moment, then committed or rolled back.
                        choice => {
                            let commit = choice == 1;
                            let hold = next(3) as u64;
                            let unit: &dyn UnitOfWork = &*db;
                            let mut c = ctx();
                            c.actor = if commit { "writer" } else { "rolled-back" }.into();
                            let mut fields = State::new();
                            fields.insert("note".into(), serde_json::json!(round));
                            let change = Change::updated(object.object_id(), fields);
                            let result = unit.write(None, move |tx| {
                                tx.ledger().append(&c, std::slice::from_ref(&change))?;
                                std::thread::sleep(std::time::Duration::from_millis(hold));
                                if commit {
                                    Ok(())
                                } else {
                                    Err(AppError::invalid("test", "rolled back on purpose"))
                                }
                            });
                            match (commit, result) {
                                (true, Ok(())) => {}
                                (false, Err(AppError::Invalid(_))) => {
                                    *rolled_back.lock().unwrap() += 1
                                }
                                (_, other) => panic!("unexpected: {other:?}"),
                            }
                        }
                    }
                }
            })
        })
        .collect();
    // Two readers: one of everything in small pages, one of the moves of items only.
    let readers: Vec<_> = [
        (EventFilter::all(), 7),
        (
            EventFilter::new(vec![IdKind::Item], vec![ChangeKind::Moved]).unwrap(),
            3,
        ),
    ]
    .into_iter()
    .map(|(filter, limit)| {
        let (db, done, end) = (Arc::clone(&db), Arc::clone(&done), Arc::clone(&end));
        std::thread::spawn(move || {
            let mut after = 0;
            let mut seen: Vec<LedgerEntry> = Vec::new();
            loop {
                let writing = !done.load(Ordering::Acquire);
                let page = read(&db, after, limit, filter.clone());
                assert!(page.next >= after, "the cursor went back");
                for event in &page.events {
                    if let Some(previous) = seen.last() {
                        assert!(
                            event.seq > previous.seq,
                            "{} after {}: out of order or twice",
                            event.seq,
                            previous.seq
                        );
                    }
                    assert!(filter.matches(event));
                }
                let empty = page.events.is_empty();
                seen.extend(page.events);
                after = page.next;
                if empty {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                // Once the writers are done, read on until the stream is drained.
                if !writing && empty && after >= end.load(Ordering::Acquire) {
                    return (filter, seen);
                }
            }
        })
    })
    .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let ledger = db.latest_ledger(1_000_000).unwrap();
    end.store(ledger.first().map_or(0, |e| e.seq), Ordering::Release);
    done.store(true, Ordering::Release);
    assert!(
        *rolled_back.lock().unwrap() > 0,
        "the test rolled nothing back"
    );
    for reader in readers {
        let (filter, seen) = reader.join().unwrap();
        let mut expected: Vec<i64> = ledger
            .iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.seq)
            .collect();
        expected.sort_unstable();
        let got: Vec<i64> = seen.iter().map(|e| e.seq).collect();
        assert_eq!(got, expected, "with {filter:?}");
        assert!(seen.iter().all(|e| e.actor != "rolled-back"));
    }
    assert!(ledger.iter().all(|e| e.actor != "rolled-back"));
}
