//! The webhooks wing: subscriptions, the conditional cursor and the lease of one worker.

use super::*;
use eckwms_domain::{Subscription, SubscriptionPatch, WebhookId, WebhookSecret, WebhookUrl};
use std::sync::Barrier;

fn subscription(n: u8, at: DateTime<Utc>) -> Subscription {
    Subscription {
        id: WebhookId::from_random([n; 8]),
        url: WebhookUrl::parse("https://hooks.example/in").unwrap(),
        filter: EventFilter::new(vec![IdKind::Item], vec![ChangeKind::Moved]).unwrap(),
        batch_size: 50,
        enabled: true,
        failures: 0,
        last_error: None,
        last_error_at: None,
        cursor: 0,
        next_attempt_at: None,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

fn created(db: &Database, n: u8) -> Subscription {
    let s = subscription(n, now());
    db.create_webhook(
        &s,
        &WebhookSecret::from_random([n; 32]),
        &entry("webhook_created", Some(format!("webhook:{}", s.id))),
    )
    .unwrap();
    s
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

pub(crate) fn webhooks_are_created_changed_and_deleted(t: &TestDatabase) {
    let db = t.open();
    let first = created(&db, 1);
    let second = created(&db, 2);
    assert_eq!(db.get_webhook(&first.id).unwrap(), first);
    assert_eq!(
        db.list_webhooks().unwrap(),
        vec![first.clone(), second.clone()]
    );
    // A change under the wrong version is refused; nothing changes.
    let patch = SubscriptionPatch {
        url: Some(WebhookUrl::parse("https://other.example/hook?x=1").unwrap()),
        filter: Some(EventFilter::all()),
        batch_size: Some(7),
        enabled: Some(false),
    };
    let stale = db.update_webhook(
        &first.id,
        Expected::Version(9),
        &patch,
        now(),
        &entry("webhook_changed", None),
    );
    assert!(
        matches!(stale, Err(AppError::PreconditionFailed { current: 1 })),
        "{stale:?}"
    );
    let changed = db
        .update_webhook(
            &first.id,
            Expected::Version(1),
            &patch,
            now(),
            &entry("webhook_changed", None),
        )
        .unwrap();
    assert_eq!(changed.url.as_str(), "https://other.example/hook?x=1");
    assert_eq!(
        (changed.batch_size, changed.enabled, changed.version),
        (7, false, 2)
    );
    assert!(changed.filter.is_all());
    assert_eq!(db.get_webhook(&first.id).unwrap(), changed);
    // A replay sets the cursor and the version.
    let replayed = db
        .set_webhook_cursor(&second.id, 41, now(), &entry("webhook_replayed", None))
        .unwrap();
    assert_eq!((replayed.cursor, replayed.version), (41, 2));
    // Delete: under its version only.
    assert!(matches!(
        db.delete_webhook(
            &first.id,
            Expected::Version(1),
            &entry("webhook_deleted", None)
        ),
        Err(AppError::PreconditionFailed { current: 2 })
    ));
    db.delete_webhook(
        &first.id,
        Expected::Version(2),
        &entry("webhook_deleted", None),
    )
    .unwrap();
    assert!(matches!(
        db.get_webhook(&first.id),
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(db.list_webhooks().unwrap(), vec![replayed]);
    // Every change is in the audit log.
    let audited = db
        .list_audit(&AuditFilter::default(), &page(50))
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.event.starts_with("webhook_"))
        .count();
    assert_eq!(audited, 5);
}

pub(crate) fn the_cursor_moves_only_under_the_lease_and_from_where_it_was(t: &TestDatabase) {
    let db = t.open();
    let s = created(&db, 3);
    let at = now();
    let leased = db
        .take_webhook_lease(&s.id, "w1", at, at + secs(30))
        .unwrap()
        .expect("a free lease is taken");
    assert_eq!(leased.secret, WebhookSecret::from_random([3; 32]));
    assert_eq!(leased.subscription, s);
    // Another worker neither takes it nor moves the cursor.
    assert_eq!(
        db.take_webhook_lease(&s.id, "w2", at, at + secs(30))
            .unwrap(),
        None
    );
    assert!(!db.record_webhook_success(&s.id, "w2", 0, 5).unwrap());
    // The holder moves it only from where it is.
    assert!(!db.record_webhook_success(&s.id, "w1", 3, 5).unwrap());
    assert!(db.record_webhook_success(&s.id, "w1", 0, 5).unwrap());
    assert_eq!(db.get_webhook(&s.id).unwrap().cursor, 5);
    // A replay in the middle of a delivery wins over its success.
    db.set_webhook_cursor(&s.id, 2, now(), &entry("webhook_replayed", None))
        .unwrap();
    assert!(!db.record_webhook_success(&s.id, "w1", 5, 9).unwrap());
    assert_eq!(db.get_webhook(&s.id).unwrap().cursor, 2);
    // A failure: counted, shown, backed off; the cursor stays.
    let failure = DeliveryFailure {
        failures: 1,
        error: "HTTP 503".into(),
        at,
        next_attempt_at: at + secs(60),
        disable: false,
    };
    assert!(!db.record_webhook_failure(&s.id, "w2", &failure).unwrap());
    assert!(db.record_webhook_failure(&s.id, "w1", &failure).unwrap());
    let failed = db.get_webhook(&s.id).unwrap();
    assert_eq!(
        (
            failed.failures,
            failed.last_error.as_deref(),
            failed.next_attempt_at,
            failed.cursor
        ),
        (1, Some("HTTP 503"), Some(at + secs(60)), 2)
    );
    // Not due while it backs off, not even for its holder.
    assert_eq!(db.due_webhooks(at + secs(10)).unwrap(), vec![]);
    assert_eq!(
        db.take_webhook_lease(&s.id, "w1", at + secs(10), at + secs(40))
            .unwrap(),
        None
    );
    assert_eq!(db.due_webhooks(at + secs(61)).unwrap(), vec![s.id.clone()]);
    assert!(
        db.take_webhook_lease(&s.id, "w1", at + secs(61), at + secs(91))
            .unwrap()
            .is_some()
    );
    // The last allowed failure disables it and frees the lease.
    let last = DeliveryFailure {
        failures: 2,
        error: "timed out".into(),
        at: at + secs(62),
        next_attempt_at: at + secs(120),
        disable: true,
    };
    assert!(db.record_webhook_failure(&s.id, "w1", &last).unwrap());
    let disabled = db.get_webhook(&s.id).unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.last_error.as_deref(), Some("timed out"));
    assert_eq!(db.due_webhooks(at + secs(500)).unwrap(), vec![]);
    assert_eq!(
        db.take_webhook_lease(&s.id, "w2", at + secs(500), at + secs(530))
            .unwrap(),
        None
    );
    // Enabled again: failures, error and backoff forgotten; deliverable at once.
    let enabled = db
        .update_webhook(
            &s.id,
            Expected::Any,
            &SubscriptionPatch {
                enabled: Some(true),
                ..SubscriptionPatch::default()
            },
            now(),
            &entry("webhook_changed", None),
        )
        .unwrap();
    assert_eq!(
        (
            enabled.enabled,
            enabled.failures,
            enabled.last_error,
            enabled.next_attempt_at
        ),
        (true, 0, None, None)
    );
    assert!(
        db.take_webhook_lease(&s.id, "w2", at + secs(500), at + secs(530))
            .unwrap()
            .is_some()
    );
    // Released, another takes it before it expires.
    db.release_webhook_lease(&s.id, "w2").unwrap();
    assert!(
        db.take_webhook_lease(&s.id, "w3", at + secs(501), at + secs(531))
            .unwrap()
            .is_some()
    );
}

/// Workers of several processes (here: threads with connections of their own) try to take one
/// subscription's lease at the same moment, round after round, each round after the last
/// lease expired: every round exactly one of them holds it.
pub(crate) fn two_takers_never_both_hold_a_webhooks_lease(t: &TestDatabase) {
    const WORKERS: usize = 4;
    const ROUNDS: i64 = 15;
    let setup = t.open();
    let s = created(&setup, 4);
    let base = now();
    let barrier = Arc::new(Barrier::new(WORKERS));
    let handles: Vec<_> = (0..WORKERS)
        .map(|w| {
            let db = t.open();
            let id = s.id.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let holder = format!("worker-{w}");
                (0..ROUNDS)
                    .map(|round| {
                        let at = base + secs(round * 100);
                        barrier.wait();
                        db.take_webhook_lease(&id, &holder, at, at + secs(30))
                            .unwrap()
                            .is_some()
                    })
                    .collect::<Vec<bool>>()
            })
        })
        .collect();
    let taken: Vec<Vec<bool>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for round in 0..ROUNDS as usize {
        let holders = taken.iter().filter(|w| w[round]).count();
        assert_eq!(holders, 1, "round {round}: {holders} holders");
    }
}
