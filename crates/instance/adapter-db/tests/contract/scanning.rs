//! Scanning: the flow, sessions, duplicate scans, serial scans.

use super::*;

/// The v1 key and a vector of the original implementation (shared/reference/eck-v1-vectors.json).
pub(crate) const V1_KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
pub(crate) const V1_ITEM_1: &str =
    "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3";
pub(crate) const V2_KEY: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

/// A clock the test moves by hand.
pub(crate) struct TestClock(std::sync::Mutex<DateTime<Utc>>);

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

pub(crate) fn decoder() -> Arc<eckwms_codes::Decoder> {
    Arc::new(
        eckwms_codes::Decoder::from_settings(&eckwms_codes::Settings {
            v1_key: Some(V1_KEY),
            v2_key: Some(V2_KEY),
            ..eckwms_codes::Settings::default()
        })
        .unwrap(),
    )
}

pub(crate) fn scanner(db: &Arc<Database>) -> (eckwms_application::ScanService, Arc<TestClock>) {
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

pub(crate) fn scan(
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
                actor: eckwms_application::Actor::api_key(
                    1,
                    "scanner",
                    "write",
                    eckwms_domain::access::role::seeded("write")
                        .unwrap()
                        .permissions(),
                ),
                request_id: Some(format!("req-{msg_id}")),
                lang: Default::default(),
            },
        )
        .unwrap();
    let answer = serde_json::from_str(&outcome.body().unwrap()).unwrap();
    (outcome, answer)
}

/// A v2 label text for `id` (the first of its three codes).
pub(crate) fn label(id: &str) -> String {
    let mut n = 0u8;
    let [first, ..] = decoder()
        .label_texts(ObjectId::parse(id).unwrap(), &mut |buf: &mut [u8]| {
            n = n.wrapping_add(1);
            buf.fill(n);
        })
        .unwrap();
    first
}

pub(crate) fn scans_follow_the_flow(t: &TestDatabase) {
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
            &eckwms_application::Actor::console(),
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
            &eckwms_application::Actor::console(),
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

pub(crate) fn scan_sessions_are_per_device_and_expire(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let (service, clock) = scanner(&db);
    let a = item(&db, None);
    let b = item(&db, None);
    scan(&service, "PDA-A", "1", &a.id.to_string());
    scan(&service, "PDA-B", "1", &b.id.to_string());
    let session = service
        .session(&eckwms_application::Actor::console(), "device:PDA-A")
        .unwrap();
    assert_eq!(session.set.items, vec![a.id]);
    // The same msg_id from another device is another scan.
    assert_eq!(
        service
            .session(&eckwms_application::Actor::console(), "device:PDA-B")
            .unwrap()
            .set
            .items,
        vec![b.id]
    );

    // A new service (a restart, another process) sees the same session.
    let (other, _) = scanner(&db);
    assert_eq!(
        other
            .session(&eckwms_application::Actor::console(), "device:PDA-A")
            .unwrap()
            .set
            .items,
        vec![a.id]
    );

    // Idle past the limit: the set is forgotten; the next scan starts afresh.
    clock.advance(chrono::Duration::minutes(31));
    assert!(
        service
            .session(&eckwms_application::Actor::console(), "device:PDA-A")
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
            .clear_session(&eckwms_application::Actor::console(), "device:PDA-A")
            .unwrap()
    );
    assert!(
        service
            .session(&eckwms_application::Actor::console(), "device:PDA-A")
            .unwrap()
            .set
            .is_empty()
    );
}

pub(crate) fn duplicate_scans_apply_once_under_concurrency(t: &TestDatabase) {
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
            &eckwms_application::Actor::console(),
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

/// The case on the database: the scan of a serial finds the item created with it
/// through the API; a class code scanned onto an item is refused when it would make two items
/// of one serial and class.
pub(crate) fn a_serial_scan_names_the_item_that_carries_it(t: &TestDatabase) {
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
pub(crate) fn api_creates_and_scans_of_one_serial_make_one_item(t: &TestDatabase) {
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

/// The lookup of a scanned text on the real queries: a serial in another case, a tracking
/// number, a barcode on an item and a box, a printed id nothing has; and none of it writes
/// (no item made, no scan logged, no session, no ledger row, no counter moved).
pub(crate) fn lookups_find_without_writing(t: &TestDatabase) {
    use eckwms_application::{Found, LookupService, Missing, Resolution};
    let db = Arc::new(t.open());
    let lookups = LookupService::new(db.clone(), decoder());
    let reader = eckwms_application::Actor::api_key(
        1,
        "reader",
        "read",
        eckwms_domain::access::role::seeded("read")
            .unwrap()
            .permissions(),
    );
    let look = |text: &str| lookups.lookup(&reader, text).unwrap();

    let sn = db
        .create_item(&new_serial_item("Sn-Ab12", None), &ctx())
        .unwrap();
    let derived_serial = db
        .create_item(&new_serial_item("7654321", None), &ctx())
        .unwrap();
    let tagged = db
        .create_item(
            &NewItem {
                barcodes: Barcodes::new("barcodes", vec!["SHARED-7".into()]).unwrap(),
                ..NewItem::default()
            },
            &ctx(),
        )
        .unwrap();
    let tagged_box = db
        .create_box(
            &NewBox {
                barcodes: Barcodes::new("barcodes", vec!["SHARED-7".into()]).unwrap(),
                ..NewBox::default()
            },
            &ctx(),
        )
        .unwrap();
    let parcel = db
        .create_order(
            &NewOrder {
                tracking_number: Some(code("1Z999AA10123456784")),
                ..NewOrder::default()
            },
            &ctx(),
        )
        .unwrap();
    let shelf = place(&db, "Shelf L");
    let writes = |db: &Database| {
        [
            "SELECT count(*) AS n FROM items",
            "SELECT count(*) AS n FROM boxes",
            "SELECT count(*) AS n FROM orders",
            "SELECT count(*) AS n FROM scans",
            "SELECT count(*) AS n FROM scan_sessions",
            "SELECT count(*) AS n FROM ledger",
        ]
        .map(|sql| db.count_raw(sql).unwrap())
    };
    let before = writes(&db);

    for text in ["sn-ab12", "SN-AB12", " Sn-Ab12 "] {
        let found = look(text);
        assert_eq!(found.resolution, Resolution::Serial, "{text}");
        assert_eq!(found.found, Found::One(sn.id.object_id()), "{text}");
    }
    // A 7-digit serial: the item carrying it, not the `i7…` its digits name.
    assert_eq!(
        look("7654321").found,
        Found::One(derived_serial.id.object_id())
    );
    let tracked = look("1Z999AA10123456784");
    assert_eq!(tracked.resolution, Resolution::Tracking);
    assert_eq!(tracked.found, Found::One(parcel.id.object_id()));
    let shared = look("SHARED-7");
    assert_eq!(shared.resolution, Resolution::Barcode);
    assert_eq!(
        shared.found,
        Found::Several(vec![tagged_box.id.object_id(), tagged.id.object_id()])
    );
    assert_eq!(
        look(&label(&shelf.id.to_string())).found,
        Found::One(shelf.id.object_id())
    );
    let printed = ObjectId::parse("i000000000000004242").unwrap();
    for text in [
        printed.to_string(),
        format!("https://{}", label(&printed.to_string())),
    ] {
        assert_eq!(
            look(&text).found,
            Found::Nothing {
                reason: Missing::NotCreated,
                named: Some(printed)
            },
            "{text}"
        );
    }
    assert_eq!(
        look("1234567").found,
        Found::Nothing {
            reason: Missing::NotCreated,
            named: Some(ObjectId::parse("i700000000001234567").unwrap())
        }
    );
    assert_eq!(
        look("p000000000000009999").found,
        Found::Nothing {
            reason: Missing::PlaceNotSetUp,
            named: Some(ObjectId::parse("p000000000000009999").unwrap())
        }
    );
    assert_eq!(
        look("NOBODY-HAS-THIS").found,
        Found::Nothing {
            reason: Missing::UnknownCode,
            named: None
        }
    );

    assert_eq!(writes(&db), before, "a lookup wrote something");
    assert!(matches!(
        db.get_item(ItemId::new(4242).unwrap()),
        Err(AppError::NotFound { .. })
    ));
    // The id counter did not move either: the next item is the next number.
    assert!(item(&db, None).id.number() < 4242);
    verify_clean(&db);
}
