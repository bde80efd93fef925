//! Serials: one item per serial and class.

use super::*;

pub(crate) fn code(text: &str) -> Code {
    Code::new("code", text).unwrap()
}

pub(crate) fn new_serial_item(serial: &str, class: Option<&str>) -> NewItem {
    NewItem {
        serial: Some(code(serial)),
        class_code: class.map(code),
        ..NewItem::default()
    }
}

/// The detail of a `serial_in_use` refusal; anything else fails the test.
pub(crate) fn serial_in_use<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::Refused {
            code: ProblemCode::SerialInUse,
            message,
        }) => message,
        other => panic!("expected serial_in_use, got {other:?}"),
    }
}

pub(crate) fn set_class(db: &Database, id: ItemId, class: Option<&str>) -> Result<Item, AppError> {
    let patch = ItemPatch {
        class_code: Some(class.map(code)),
        ..ItemPatch::default()
    };
    db.update_item(id, Expected::Any, &patch, &ctx())
}

pub(crate) fn all_items(db: &Database) -> Vec<Item> {
    db.list_items(&ItemFilter::default(), &page(500)).unwrap()
}

/// The case and the rule around it: a serial names one item within its class.
pub(crate) fn a_serial_names_one_item_of_a_class(t: &TestDatabase) {
    let db = t.open();
    let first = db
        .create_item(&new_serial_item("1234567", None), &ctx())
        .unwrap();
    let before = all_items(&db).len();
    let ledger = db.history(first.id.object_id(), &page(50)).unwrap();

    // A second item of the serial: refused while the first has no class, whatever its own.
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", None), &ctx()));
    assert!(refused.contains(&first.id.to_string()), "{refused}");
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", Some("TC52")), &ctx()));
    assert!(refused.contains("a class code first"), "{refused}");
    assert_eq!(
        all_items(&db).len(),
        before,
        "a refused create wrote an item"
    );

    // Classes tell two devices with one serial apart.
    set_class(&db, first.id, Some("MC33")).unwrap();
    let second = db
        .create_item(&new_serial_item("1234567", Some("TC52")), &ctx())
        .unwrap();
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", Some("MC33")), &ctx()));
    assert!(refused.contains(&first.id.to_string()), "{refused}");
    assert!(!refused.contains(&second.id.to_string()), "{refused}");
    let refused = serial_in_use(db.create_item(&new_serial_item("1234567", None), &ctx()));
    assert!(
        refused.contains(&first.id.to_string()) && refused.contains(&second.id.to_string()),
        "{refused}"
    );

    // Changes are checked as well, and a refused change changes nothing.
    serial_in_use(set_class(&db, second.id, Some("MC33")));
    serial_in_use(set_class(&db, second.id, None));
    let unchanged = db.get_item(second.id).unwrap();
    assert_eq!(unchanged.class_code, Some(code("TC52")));
    assert_eq!(unchanged.meta.version, second.meta.version);
    let other = item(&db, None);
    let patch = ItemPatch {
        serial: Some(Some(code("1234567"))),
        ..ItemPatch::default()
    };
    serial_in_use(db.update_item(other.id, Expected::Any, &patch, &ctx()));
    let patch = ItemPatch {
        serial: Some(Some(code("1234567"))),
        class_code: Some(Some(code("ZT410"))),
        ..ItemPatch::default()
    };
    db.update_item(other.id, Expected::Any, &patch, &ctx())
        .unwrap();
    // Other fields of an item change freely; so does the serial's text elsewhere.
    let rename = ItemPatch {
        name: Some(Some(name("Scanner"))),
        ..ItemPatch::default()
    };
    db.update_item(second.id, Expected::Any, &rename, &ctx())
        .unwrap();
    db.create_item(&new_serial_item("12345678", None), &ctx())
        .unwrap();

    // A deleted item frees its serial.
    db.delete_item(first.id, Expected::Any, &ctx()).unwrap();
    db.create_item(&new_serial_item("1234567", Some("MC33")), &ctx())
        .unwrap();
    assert_eq!(
        db.history(first.id.object_id(), &page(50)).unwrap().len(),
        ledger.len() + 2,
        "the class set, then the delete"
    );
    verify_clean(&db);
}

/// Threads race to give one serial to new items of several classes, and to move existing
/// items onto it, round after round: whatever wins, no two items of a serial can be confused,
/// every loser is told `serial_in_use`, and each round has a winner.
pub(crate) fn serials_stay_one_item_per_class_under_concurrency(t: &TestDatabase) {
    const ROUNDS: usize = 12;
    const CLASSES: [Option<&str>; 8] = [
        None,
        Some("MC33"),
        None,
        Some("TC52"),
        Some("MC33"),
        None,
        Some("TC52"),
        Some("ZT410"),
    ];
    let db = Arc::new(t.open());
    for round in 0..ROUNDS {
        let serial = format!("{round:07}");
        // Half the threads create an item with the serial, the others give it to an item that
        // exists already (PATCH of serial and class).
        let existing: Vec<ItemId> = (0..CLASSES.len() / 2).map(|_| item(&db, None).id).collect();
        let barrier = Arc::new(std::sync::Barrier::new(CLASSES.len()));
        let outcomes: Vec<Result<Item, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = CLASSES
                .iter()
                .enumerate()
                .map(|(n, class)| {
                    let (db, barrier, serial) = (&db, barrier.clone(), serial.clone());
                    let target = existing.get(n / 2).copied().filter(|_| n % 2 == 1);
                    s.spawn(move || {
                        barrier.wait();
                        match target {
                            None => db.create_item(&new_serial_item(&serial, *class), &ctx()),
                            Some(id) => {
                                let patch = ItemPatch {
                                    serial: Some(Some(code(&serial))),
                                    class_code: Some(class.map(code)),
                                    ..ItemPatch::default()
                                };
                                db.update_item(id, Expected::Any, &patch, &ctx())
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        assert!(won >= 1, "round {round}: nobody got the serial");
        for outcome in outcomes.into_iter().filter(Result::is_err) {
            serial_in_use(outcome);
        }
    }
    let holders = all_items(&db)
        .into_iter()
        .filter_map(|i| Some((i.id, i.serial?, i.class_code)));
    let conflicts = eckwms_domain::catalog::serial::conflicts(holders);
    assert!(conflicts.is_empty(), "{conflicts:#?}");
    verify_clean(&db);
}

/// A database that held items breaking the rule before it existed migrates; those items stay
/// and are refused company, and the index refuses an exact duplicate written past the rule.
pub(crate) fn serial_duplicates_from_before_the_rule_survive_the_migration(t: &TestDatabase) {
    let db = t.open();
    loop {
        let reverted = db.revert_last_migration().unwrap();
        // diesel's version of 2026-11-26-000001_item_serials.
        if reverted == "20261126000001" {
            break;
        }
    }
    let insert = |n: u64, serial: &str, class: Option<&str>| {
        let class = class.map_or("NULL".to_owned(), |c| format!("'{c}'"));
        db.execute_raw(&format!(
            "INSERT INTO items (id, serial, class_code, attributes, version, created_at, \
             updated_at) VALUES ('{}', '{serial}', {class}, '{{}}', 1, \
             '2026-11-24 12:00:00', '2026-11-24 12:00:00')",
            ItemId::new(n).unwrap()
        ))
        .unwrap();
    };
    insert(901, "5550001", None);
    insert(902, "5550001", None);
    insert(903, "5550002", Some("X"));
    insert(904, "5550002", Some("X"));
    insert(905, "5550003", Some("X"));
    insert(906, "5550003", Some("Y"));
    assert!(!db.run_migrations().unwrap().is_empty());
    let id = |n: u64| ItemId::new(n).unwrap();

    // They are listed (5550003: two classes, no conflict), readable, and nothing joins them.
    let listed = |db: &Database| -> Vec<(String, Vec<ItemId>)> {
        db.serial_conflicts()
            .unwrap()
            .into_iter()
            .map(|c| {
                let ids = c.items.iter().map(|h| h.id).collect();
                (c.serial.as_str().to_owned(), ids)
            })
            .collect()
    };
    assert_eq!(
        listed(&db),
        [
            ("5550001".to_owned(), vec![id(901), id(902)]),
            ("5550002".to_owned(), vec![id(903), id(904)]),
        ]
    );
    assert_eq!(db.get_item(id(902)).unwrap().serial, Some(code("5550001")));
    let refused = serial_in_use(db.create_item(&new_serial_item("5550002", Some("X")), &ctx()));
    assert!(
        refused.contains(&id(903).to_string()) && refused.contains(&id(904).to_string()),
        "{refused}"
    );
    let w = db
        .create_item(&new_serial_item("5550002", Some("W")), &ctx())
        .unwrap();
    db.create_item(&new_serial_item("5550003", Some("Z")), &ctx())
        .unwrap();

    // They are put right one at a time: a change may keep an old clash, never add one.
    set_class(&db, id(901), Some("X")).unwrap();
    assert_eq!(listed(&db).len(), 2, "902 has no class yet");
    set_class(&db, id(902), Some("Y")).unwrap();
    let refused = serial_in_use(set_class(&db, id(903), None));
    assert!(refused.contains(&w.id.to_string()), "{refused}");
    assert!(!refused.contains(&id(904).to_string()), "{refused}");
    set_class(&db, id(904), Some("V")).unwrap();
    assert_eq!(listed(&db), []);

    // Past every rule (an older binary writing during an upgrade): the index refuses an exact
    // duplicate of an item it covers: one written since the rule, or put right since.
    let raw = |n: u64, serial: &str, class: &str| {
        db.execute_raw(&format!(
            "INSERT INTO items (id, serial, class_code, attributes, version, created_at, \
             updated_at) VALUES ('{}', '{serial}', '{class}', '{{}}', 1, \
             '2026-11-24 12:00:00', '2026-11-24 12:00:00')",
            id(n)
        ))
    };
    assert!(raw(907, "5550003", "X").is_err());
    assert!(
        raw(908, "5550001", "Y").is_err(),
        "902 is covered once put right"
    );
    raw(909, "5550003", "W").unwrap();
}
