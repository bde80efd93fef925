//! The overview: counts, the newest ledger rows, scans per hour, and the names of actors.

use super::*;
use eckwms_domain::devices::{Device, DevicePublicKey};

/// A clock set by the test.
struct SetClock(std::sync::Mutex<DateTime<Utc>>);

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub(crate) fn the_overview_counts_objects_and_orders_per_status(t: &TestDatabase) {
    let db = t.open();
    let before = db.counts().unwrap();
    let shelf = place(&db, "Shelf 1");
    place(&db, "Shelf 2");
    let crate_box = boxed(&db, Some(Parent::Place(shelf.id)));
    boxed(&db, None);
    boxed(&db, None);
    item(&db, Some(Parent::Box(crate_box.id)));
    item(&db, None);
    let order = || db.create_order(&NewOrder::default(), &ctx()).unwrap();
    let (first, second, _third) = (order(), order(), order());
    let to = |id: OrderId, status: OrderStatus| {
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
    };
    to(first.id, OrderStatus::Received);
    to(second.id, OrderStatus::Received);
    to(second.id, OrderStatus::Processed);
    // Deleted objects are not counted.
    let gone = boxed(&db, None);
    db.delete_box(gone.id, Expected::Any, &ctx()).unwrap();

    let counts = db.counts().unwrap();
    assert_eq!(counts.items, before.items + 2);
    assert_eq!(counts.boxes, before.boxes + 3);
    assert_eq!(counts.places, before.places + 2);
    let mut orders = counts.orders.clone();
    orders.sort();
    let mut expected: Vec<(OrderStatus, i64)> = vec![
        (OrderStatus::Created, 1),
        (OrderStatus::Received, 1),
        (OrderStatus::Processed, 1),
    ];
    for (status, n) in &before.orders {
        match expected.iter_mut().find(|(s, _)| s == status) {
            Some((_, count)) => *count += n,
            None => expected.push((*status, *n)),
        }
    }
    expected.sort();
    assert_eq!(orders, expected, "{counts:?}");
}

pub(crate) fn the_latest_activity_is_the_newest_ledger_rows_first(t: &TestDatabase) {
    let db = t.open();
    let shelf = place(&db, "Shelf");
    let phone = item(&db, None);
    move_to(&db, vec![Movable::Item(phone.id)], Parent::Place(shelf.id)).unwrap();
    let crate_box = boxed(&db, None);
    let all = db.latest_ledger(50).unwrap();
    assert!(all.len() >= 4, "{all:?}");
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    let mut descending = seqs.clone();
    descending.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seqs, descending);
    // The newest is the box's creation, then the move, then the item's creation.
    assert_eq!(all[0].object, crate_box.id.object_id());
    assert_eq!(all[0].kind, ChangeKind::Created);
    assert_eq!(all[1].object, phone.id.object_id());
    assert_eq!(all[1].kind, ChangeKind::Moved);
    assert_eq!(all[1].to, Some(shelf.id.object_id()));
    assert_eq!(all[1].actor, "apikey:1");
    assert_eq!(all[2].object, phone.id.object_id());
    assert_eq!(all[2].kind, ChangeKind::Created);

    let newest_two = db.latest_ledger(2).unwrap();
    assert_eq!(newest_two, all[..2].to_vec());
    assert_eq!(db.latest_ledger(1).unwrap(), all[..1].to_vec());
}

pub(crate) fn scans_are_counted_in_the_hours_of_the_day_asked_for(t: &TestDatabase) {
    let db = Arc::new(t.open());
    // Midnight of a time zone one hour ahead of UTC.
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 23, 0, 0).unwrap();
    let clock = Arc::new(SetClock(std::sync::Mutex::new(start)));
    let service = eckwms_application::ScanService::new(
        db.clone(),
        db.clone(),
        decoder(),
        clock.clone(),
        eckwms_application::ScanSettings {
            session_idle: chrono::Duration::minutes(30),
        },
    );
    let actor = eckwms_application::Actor::api_key(
        1,
        "scanner",
        "write",
        eckwms_domain::access::role::seeded("write")
            .unwrap()
            .permissions(),
    );
    let micros = chrono::Duration::microseconds;
    let minutes = chrono::Duration::minutes;
    let times = [
        start - micros(1),                    // the day before: not counted
        start,                                // hour 0
        start + minutes(59),                  // hour 0
        start + minutes(60),                  // hour 1
        start + minutes(5 * 60 + 30),         // hour 5
        start + minutes(24 * 60) - micros(1), // hour 23
        start + minutes(24 * 60),             // the day after: not counted
    ];
    for (n, at) in times.iter().enumerate() {
        *clock.0.lock().unwrap() = *at;
        service
            .scan(
                &eckwms_application::ScanRequest {
                    barcode: "4006381333931".into(),
                    msg_id: format!("m{n}"),
                    device_id: Some("PDA-1".into()),
                },
                &eckwms_application::ScanCaller {
                    actor: actor.clone(),
                    request_id: None,
                    lang: Default::default(),
                },
            )
            .unwrap();
    }
    let counts = db.scans_per_hour(start, 24).unwrap();
    let mut expected = vec![0i64; 24];
    expected[0] = 2;
    expected[1] = 1;
    expected[5] = 1;
    expected[23] = 1;
    assert_eq!(counts, expected);
    // A day later: the last scan is in its first hour.
    let next = db.scans_per_hour(start + minutes(24 * 60), 24).unwrap();
    assert_eq!(next.iter().sum::<i64>(), 1);
    assert_eq!(next[0], 1);
    // Any number of hours from any instant: the last scan of the day before and the first of
    // the day, then the two around the end of hour 0.
    assert_eq!(
        db.scans_per_hour(start - minutes(30), 2).unwrap(),
        vec![2, 2]
    );
}

pub(crate) fn actors_are_named_by_their_users_keys_and_scanners(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    let key = admin_key(&db, "00000000000000c1", None);
    let pda = DeviceId::parse("PDA-7").unwrap();
    db.create_challenge("nonce-overview", now() + chrono::Duration::minutes(5))
        .unwrap();
    db.register_device(
        &DeviceRegistration {
            nonce: "nonce-overview".into(),
            expected_version: None,
            device: Device::registered(
                None,
                pda.clone(),
                name("Scanner 7"),
                DevicePublicKey::parse("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unwrap(),
                now(),
            ),
        },
        now(),
        &entry("device_registered", None),
    )
    .unwrap();
    let unknown_user = UserId::new(99).unwrap();
    let unknown_device = DeviceId::parse("PDA-9").unwrap();
    let mut found = db
        .actor_names(&ActorIds {
            users: vec![anna.id, unknown_user],
            api_keys: vec![key.id, 4242],
            devices: vec![pda.clone(), unknown_device],
        })
        .unwrap();
    found.users.sort();
    assert_eq!(found.users, vec![(anna.id, "anna Example".to_owned())]);
    assert_eq!(found.api_keys, vec![(key.id, key.name.clone())]);
    assert_eq!(found.devices, vec![(pda, "Scanner 7".to_owned())]);
    assert_eq!(
        db.actor_names(&ActorIds::default()).unwrap(),
        ActorNames::default()
    );
}
