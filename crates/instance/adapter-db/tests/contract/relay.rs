//! The relay wing: the puller's lease, the inbox and the errors.

use super::*;

fn relayed(id: i64, device: &str) -> RelayedScan {
    RelayedScan {
        id,
        device_id: device.to_owned(),
        msg_id: format!("m{id}"),
        barcode: format!("code {id}"),
        received_at: now(),
    }
}

/// Takers in separate pools (as separate processes) ask for the lease at once, round after
/// round: exactly one holds it; it renews, the others wait until it ends or is released.
pub(crate) fn the_relay_lease_has_one_holder_under_concurrent_takers(t: &TestDatabase) {
    let takers: Vec<(String, Database)> = (0..4).map(|i| (format!("p{i}"), t.open())).collect();
    let base = now();
    let mut holder = None;
    for round in 0..6_i64 {
        let at = base + chrono::Duration::seconds(round * 100);
        let barrier = std::sync::Barrier::new(takers.len());
        let won: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = takers
                .iter()
                .map(|(name, db)| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        db.take_lease(name, at, at + chrono::Duration::seconds(30))
                            .unwrap()
                            .then(|| name.clone())
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap())
                .collect()
        });
        // Each round starts after the last lease ended: one new holder.
        assert_eq!(won.len(), 1, "round {round}: {won:?}");
        holder = Some(won[0].clone());
        let db = &takers[0].1;
        assert_eq!(db.relay_state().unwrap().holder, holder);
        // The holder renews; another is refused while the lease runs.
        let name = won[0].as_str();
        let later = at + chrono::Duration::seconds(10);
        assert!(
            db.take_lease(name, later, later + chrono::Duration::seconds(30))
                .unwrap()
        );
        let other = takers.iter().find(|(n, _)| n != name).unwrap();
        assert!(!other.1.take_lease(&other.0, later, later).unwrap());
    }
    // Released, it is free at once.
    let name = holder.unwrap();
    let db = &takers[0].1;
    db.release_lease("somebody else").unwrap();
    assert_eq!(
        db.relay_state().unwrap().holder.as_deref(),
        Some(name.as_str())
    );
    db.release_lease(&name).unwrap();
    let state = db.relay_state().unwrap();
    assert_eq!((state.holder, state.lease_until), (None, None));
    let at = base + chrono::Duration::seconds(600) - chrono::Duration::seconds(1);
    assert!(takers[3].1.take_lease("p3", at, at).unwrap());
}

/// Pulled scans enter the inbox once, in id order; outcomes are marked and counted once;
/// confirmed scans leave it; errors keep their newest.
pub(crate) fn the_relay_inbox_keeps_scans_once_in_order(t: &TestDatabase) {
    let db = t.open();
    let fresh = db.relay_state().unwrap();
    assert_eq!(fresh, RelayState::default());
    assert!(db.inbox(10).unwrap().is_empty());
    let at = now();
    let first = [
        relayed(7, "PDA-1"),
        relayed(3, "PDA-2"),
        relayed(5, "PDA-1"),
    ];
    assert_eq!(db.add_to_inbox(&first, at, Some(12)).unwrap(), 3);
    // A scan handed out again (its lease ended) is not added twice.
    assert_eq!(
        db.add_to_inbox(&[relayed(5, "PDA-1"), relayed(9, "PDA-3")], at, Some(0))
            .unwrap(),
        1
    );
    let inbox = db.inbox(10).unwrap();
    let ids: Vec<i64> = inbox.iter().map(|r| r.scan.id).collect();
    assert_eq!(ids, [3, 5, 7, 9]);
    assert_eq!(inbox[0].scan, first[1]);
    assert!(inbox.iter().all(|r| r.outcome.is_none()));
    assert_eq!(db.inbox(2).unwrap().len(), 2);
    assert_eq!(db.inbox_len().unwrap(), 4);
    let state = db.relay_state().unwrap();
    assert_eq!((state.backlog, state.last_pull_at), (Some(0), Some(at)));

    let error = RelayError {
        id: 5,
        at,
        device_id: "PDA-1".into(),
        msg_id: "m5".into(),
        barcode: "code 5".into(),
        code: "device_not_active".into(),
        message: "device PDA-1 is blocked".into(),
    };
    let outcomes = [(3, RelayOutcome::Applied), (5, RelayOutcome::Refused)];
    db.record_outcomes(&outcomes, std::slice::from_ref(&error))
        .unwrap();
    // Recorded again (a process that died before the confirmation): counted once.
    db.record_outcomes(&outcomes, std::slice::from_ref(&error))
        .unwrap();
    let inbox = db.inbox(10).unwrap();
    let marked: Vec<Option<RelayOutcome>> = inbox.iter().map(|r| r.outcome).collect();
    assert_eq!(
        marked,
        [
            Some(RelayOutcome::Applied),
            Some(RelayOutcome::Refused),
            None,
            None
        ]
    );
    let state = db.relay_state().unwrap();
    assert_eq!((state.applied, state.errors), (1, 1));
    assert_eq!(db.recent_errors(10).unwrap(), [error]);

    let confirmed_at = now();
    db.confirmed(&[3, 5, 404], confirmed_at).unwrap();
    let ids: Vec<i64> = db.inbox(10).unwrap().iter().map(|r| r.scan.id).collect();
    assert_eq!(ids, [7, 9]);
    assert_eq!(
        db.relay_state().unwrap().last_confirm_at,
        Some(confirmed_at)
    );

    db.record_failure("the global service could not be reached: x", at)
        .unwrap();
    let state = db.relay_state().unwrap();
    assert_eq!(
        state.last_error.as_deref(),
        Some("the global service could not be reached: x")
    );
    assert_eq!(state.last_error_at, Some(at));
}
