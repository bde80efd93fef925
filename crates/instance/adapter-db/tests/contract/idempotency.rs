//! Idempotency keys.

use super::*;

pub(crate) fn idempotency_claims_are_exclusive(t: &TestDatabase) {
    let db = t.open();
    let key = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "k1".into(),
    };
    assert_eq!(db.claim(&key, "fp", now()).unwrap(), Claim::Claimed);
    let Claim::Existing(record) = db.claim(&key, "fp", now()).unwrap() else {
        panic!("second claim must see the first");
    };
    assert_eq!(record.state, IdempotencyState::Pending);
    // The effect marks the claim applied in its own transaction.
    let mut c = ctx();
    c.idempotency = Some(key.clone());
    item_with(&db, &c);
    let Claim::Existing(record) = db.claim(&key, "fp", now()).unwrap() else {
        panic!()
    };
    assert_eq!(record.state, IdempotencyState::Applied);
    // A second effect under the same claim is refused and leaves nothing behind.
    assert!(db.create_item(&NewItem::default(), &c).is_err());
    assert_eq!(
        db.list_items(&ItemFilter::default(), &page(10))
            .unwrap()
            .len(),
        1
    );
    let response = StoredResponse {
        status: 201,
        content_type: "application/json".into(),
        body: b"{\"id\":1}".to_vec(),
        headers: vec![("ETag".into(), "\"1\"".into())],
    };
    db.complete(&key, &response).unwrap();
    let Claim::Existing(record) = db.claim(&key, "fp", now()).unwrap() else {
        panic!()
    };
    assert_eq!(record.state, IdempotencyState::Completed);
    assert_eq!(record.response, Some(response));
    // Release frees pending claims only.
    db.release(&key).unwrap();
    assert!(matches!(
        db.claim(&key, "fp", now()).unwrap(),
        Claim::Existing(_)
    ));
    let other = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "k2".into(),
    };
    db.claim(&other, "fp", now()).unwrap();
    db.release(&other).unwrap();
    assert_eq!(db.claim(&other, "fp", now()).unwrap(), Claim::Claimed);
    // A dead owner's pending claim is taken over once, by whoever names its claim time.
    let Claim::Existing(stale) = db.claim(&other, "fp", now()).unwrap() else {
        panic!()
    };
    assert!(db.take_over(&other, stale.created_at, now()).unwrap());
    assert!(!db.take_over(&other, stale.created_at, now()).unwrap());
    assert!(
        !db.take_over(&key, record.created_at, now()).unwrap(),
        "completed claims stay"
    );
    assert_eq!(
        db.purge_before(now() + chrono::Duration::hours(1)).unwrap(),
        2
    );
}

/// A stored response keeps its body byte for byte (2026-12-06-200000_idempotency_body_bytes):
/// NUL and bytes that are not UTF-8 (a PDF sheet) round-trip, and so does an empty body. Text
/// bodies stored before the migration replay as their bytes. Its down keeps the bodies that can
/// be text as text (on SQLite: ASCII only) and drops the other responses, leaving their keys
/// completed without one (the previous release answers `idempotency_response_lost`); up again
/// keeps what is left.
pub(crate) fn idempotent_responses_keep_their_bytes(t: &TestDatabase) {
    let db = t.open();
    let key = |k: &str| IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: k.into(),
    };
    let stored = |db: &Database, k: &str| -> (IdempotencyState, Option<StoredResponse>) {
        match db.claim(&key(k), "fp", now()).unwrap() {
            Claim::Existing(record) => (record.state, record.response),
            Claim::Claimed => panic!("{k} was not stored"),
        }
    };
    let sheet = StoredResponse {
        status: 200,
        content_type: "application/pdf".into(),
        body: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x00\x01\xff\xfe\x80 stream\x00".to_vec(),
        headers: vec![
            (
                "content-disposition".into(),
                "inline; filename=\"labels-item-1.pdf\"".into(),
            ),
            ("x-label-print-id".into(), "1".into()),
        ],
    };
    let empty = StoredResponse {
        status: 204,
        content_type: "application/json".into(),
        body: Vec::new(),
        headers: vec![],
    };
    for (k, response) in [("sheet", &sheet), ("empty", &empty)] {
        assert_eq!(db.claim(&key(k), "fp", now()).unwrap(), Claim::Claimed);
        db.complete(&key(k), response).unwrap();
        assert_eq!(
            stored(&db, k),
            (IdempotencyState::Completed, Some(response.clone()))
        );
    }

    let postgres = db.backend_name() == "postgres";
    let body_type = |db: &Database| {
        let types = if postgres {
            ["text", "bytea"].map(|t| {
                format!(
                    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = \
                     'idempotency_keys' AND column_name = 'body' AND data_type = '{t}'"
                )
            })
        } else {
            ["TEXT", "BLOB"].map(|t| {
                format!(
                    "SELECT count(*) AS n FROM pragma_table_info('idempotency_keys') WHERE name \
                     = 'body' AND type = '{t}'"
                )
            })
        };
        match types.map(|sql| db.count_raw(&sql).unwrap()) {
            [1, 0] => "text",
            [0, 1] => "bytes",
            other => panic!("body column: {other:?}"),
        }
    };
    let count = |db: &Database, condition: &str| {
        db.count_raw(&format!(
            "SELECT count(*) AS n FROM idempotency_keys WHERE {condition}"
        ))
        .unwrap()
    };
    assert_eq!(body_type(&db), "bytes");

    // Down: text bodies stay text, the sheet's response is dropped, its key stays completed.
    assert!(db.revert_migrations_after("20261206100000").unwrap() >= 1);
    assert_eq!(body_type(&db), "text");
    let dropped = "state = 'completed' AND status IS NULL AND content_type IS NULL AND headers \
                   IS NULL AND body IS NULL";
    assert_eq!(count(&db, &format!("key = 'sheet' AND {dropped}")), 1);
    assert_eq!(
        count(&db, "key = 'empty' AND status = 204 AND body = ''"),
        1
    );
    // What the previous release stored: text.
    let ascii = r#"{"id":"i000000000000000001","name":"Shelf A1"}"#;
    let accented = r#"{"name":"Müller ✓ 東京"}"#;
    for (k, body) in [("ascii", ascii), ("accented", accented)] {
        db.execute_raw(&format!(
            "INSERT INTO idempotency_keys (owner, key, fingerprint, state, status, content_type, \
             headers, body, created_at) VALUES ('apikey:1', '{k}', 'fp', 'completed', 201, \
             'application/json', '[[\"etag\",\"\\\"1\\\"\"]]', '{body}', '2026-11-24 12:00:00')"
        ))
        .unwrap();
    }

    // Up: the text bodies replay as their bytes.
    assert!(!db.run_migrations().unwrap().is_empty());
    assert_eq!(body_type(&db), "bytes");
    for (k, body) in [("ascii", ascii), ("accented", accented)] {
        assert_eq!(
            stored(&db, k),
            (
                IdempotencyState::Completed,
                Some(StoredResponse {
                    status: 201,
                    content_type: "application/json".into(),
                    body: body.as_bytes().to_vec(),
                    headers: vec![("etag".into(), "\"1\"".into())],
                })
            ),
            "{k}"
        );
    }
    assert_eq!(stored(&db, "sheet"), (IdempotencyState::Completed, None));
    assert_eq!(
        stored(&db, "empty"),
        (IdempotencyState::Completed, Some(empty))
    );

    // Down again: PostgreSQL keeps every UTF-8 text; SQLite, which cannot test UTF-8, ASCII.
    assert!(db.revert_migrations_after("20261206100000").unwrap() >= 1);
    assert_eq!(
        count(&db, &format!("key = 'ascii' AND body = '{ascii}'")),
        1
    );
    let accented_kept = count(&db, &format!("key = 'accented' AND body = '{accented}'"));
    let accented_dropped = count(&db, &format!("key = 'accented' AND {dropped}"));
    assert_eq!(
        (accented_kept, accented_dropped),
        if postgres { (1, 0) } else { (0, 1) }
    );
    assert!(!db.run_migrations().unwrap().is_empty());
    assert_eq!(stored(&db, "ascii").1.unwrap().body, ascii.as_bytes());
}
