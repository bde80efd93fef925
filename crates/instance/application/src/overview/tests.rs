//! The overview's use case against mocked ports.

use chrono::TimeZone;
use eckwms_domain::access::Permissions;
use eckwms_domain::{ItemId, PlaceId};

use super::*;
use crate::error::ProblemCode;
use crate::ports::{MockClock, MockOverviewRepository, StoredCounts};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, h, m, 0).unwrap()
}

fn service(repo: MockOverviewRepository) -> OverviewService {
    let mut clock = MockClock::new();
    clock.expect_now().returning(|| at(15, 42));
    OverviewService::new(OverviewPorts {
        overview: Arc::new(repo),
        clock: Arc::new(clock),
    })
}

fn viewer() -> Actor {
    Actor::seeded_key(1, "read key", "read")
}

fn row(seq: i64, actor: &str) -> LedgerEntry {
    LedgerEntry {
        seq,
        at: at(9, seq as u32),
        object: ItemId::new(1).unwrap().object_id(),
        kind: ChangeKind::Moved,
        from: None,
        to: Some(PlaceId::new(3).unwrap().object_id()),
        actor: actor.into(),
        reason: Some("put away".into()),
        request_id: None,
        scan_id: None,
        data: serde_json::Value::Null,
    }
}

/// A repository with empty counts, no ledger rows and no scans, unless the test sets more.
fn quiet(repo: &mut MockOverviewRepository) {
    repo.expect_counts()
        .returning(|| Ok(StoredCounts::default()));
    repo.expect_latest_ledger().returning(|_| Ok(vec![]));
    repo.expect_scans_per_hour()
        .returning(|_, hours| Ok(vec![0; hours as usize]));
}

#[test]
fn without_inventory_view_the_overview_is_refused_before_any_read() {
    // The mocks expect no call: a read would panic.
    let service = service(MockOverviewRepository::new());
    let everything_else = Permissions::all().without(Permission::InventoryView);
    let actor = Actor::api_key(7, "k", "NIGHT", everything_else);
    match service.overview(&actor, &OverviewQuery::default()) {
        Err(AppError::Forbidden { permission, .. }) => {
            assert_eq!(permission, "inventory.view")
        }
        other => panic!("{other:?}"),
    }
    let refused = service
        .overview(&Actor::anonymous(), &OverviewQuery::default())
        .unwrap_err();
    assert_eq!(refused.code(), Some(ProblemCode::Forbidden));
}

#[test]
fn every_order_status_is_counted_zero_included() {
    let mut repo = MockOverviewRepository::new();
    repo.expect_counts().returning(|| {
        Ok(StoredCounts {
            items: 12,
            boxes: 3,
            places: 2,
            orders: vec![(OrderStatus::Shipped, 4), (OrderStatus::Created, 1)],
        })
    });
    repo.expect_latest_ledger().returning(|_| Ok(vec![]));
    repo.expect_scans_per_hour()
        .returning(|_, hours| Ok(vec![0; hours as usize]));
    let overview = service(repo)
        .overview(&viewer(), &OverviewQuery::default())
        .unwrap();
    assert_eq!(
        (overview.items, overview.boxes, overview.places),
        (12, 3, 2)
    );
    assert_eq!(
        overview.orders,
        vec![
            (OrderStatus::Created, 1),
            (OrderStatus::Received, 0),
            (OrderStatus::Processed, 0),
            (OrderStatus::Shipped, 4),
        ]
    );
}

#[test]
fn actors_are_named_by_one_lookup_and_unknown_ones_keep_their_text() {
    let anna = UserId::new(4).unwrap();
    let gone = UserId::new(9).unwrap();
    let pda = DeviceId::parse("PDA-7").unwrap();
    let mut repo = MockOverviewRepository::new();
    repo.expect_counts()
        .returning(|| Ok(StoredCounts::default()));
    repo.expect_scans_per_hour()
        .returning(|_, hours| Ok(vec![0; hours as usize]));
    repo.expect_latest_ledger()
        .withf(|limit| *limit == 9)
        .returning(move |_| {
            Ok(vec![
                row(9, &format!("user:{anna}")),
                row(8, "apikey:2"),
                row(7, "device:PDA-7"),
                row(6, &format!("user:{anna}/device:PDA-7")),
                row(5, "apikey:3/device:PDA-9"),
                row(4, &format!("user:{gone}")),
                row(3, "console"),
                row(2, "apikey:2"),
                row(1, "somebody/else"),
            ])
        });
    let expected_ids = ActorIds {
        users: vec![anna, gone],
        api_keys: vec![2, 3],
        devices: vec![pda.clone(), DeviceId::parse("PDA-9").unwrap()],
    };
    let device = pda.clone();
    repo.expect_actor_names()
        .times(1)
        .withf(move |ids| *ids == expected_ids)
        .returning(move |_| {
            Ok(ActorNames {
                users: vec![(anna, "Anna Berg".into())],
                api_keys: vec![(2, "Inbound gate".into()), (3, " ".into())],
                devices: vec![(device.clone(), "Scanner 7".into())],
            })
        });
    let overview = service(repo)
        .overview(&viewer(), &OverviewQuery::new(Some(9), None).unwrap())
        .unwrap();
    let named: Vec<(i64, &str, &str, Option<&str>)> = overview
        .activity
        .iter()
        .map(|a| (a.seq, a.actor.as_str(), a.who.as_str(), a.device.as_deref()))
        .collect();
    let anna_text = format!("user:{anna}");
    let anna_on_pda = format!("user:{anna}/device:PDA-7");
    let gone_text = format!("user:{gone}");
    assert_eq!(
        named,
        vec![
            (9, anna_text.as_str(), "Anna Berg", None),
            (8, "apikey:2", "Inbound gate", None),
            (7, "device:PDA-7", "Scanner 7", None),
            (6, anna_on_pda.as_str(), "Anna Berg", Some("Scanner 7")),
            // A blank name and an unknown scanner: their texts.
            (5, "apikey:3/device:PDA-9", "apikey:3", Some("PDA-9")),
            (4, gone_text.as_str(), gone_text.as_str(), None),
            (3, "console", "console", None),
            (2, "apikey:2", "Inbound gate", None),
            (1, "somebody/else", "somebody/else", None),
        ]
    );
    let first = &overview.activity[0];
    assert_eq!(first.kind, ChangeKind::Moved);
    assert_eq!(first.reason.as_deref(), Some("put away"));
    assert_eq!(first.to, Some(PlaceId::new(3).unwrap().object_id()));
}

#[test]
fn actors_naming_no_id_need_no_lookup() {
    let mut repo = MockOverviewRepository::new();
    repo.expect_counts()
        .returning(|| Ok(StoredCounts::default()));
    repo.expect_scans_per_hour()
        .returning(|_, hours| Ok(vec![0; hours as usize]));
    repo.expect_latest_ledger()
        .withf(|limit| *limit == DEFAULT_ACTIVITY)
        .returning(|_| Ok(vec![row(2, "console"), row(1, "anonymous")]));
    repo.expect_actor_names().never();
    let overview = service(repo)
        .overview(&viewer(), &OverviewQuery::default())
        .unwrap();
    let who: Vec<&str> = overview.activity.iter().map(|a| a.who.as_str()).collect();
    assert_eq!(who, ["console", "anonymous"]);
}

#[test]
fn scans_are_counted_in_24_hours_from_the_day_start_given() {
    // 23:00 UTC: midnight in a time zone one hour ahead.
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 23, 0, 0).unwrap();
    let mut repo = MockOverviewRepository::new();
    repo.expect_counts()
        .returning(|| Ok(StoredCounts::default()));
    repo.expect_latest_ledger().returning(|_| Ok(vec![]));
    repo.expect_scans_per_hour()
        .times(1)
        .withf(move |from, hours| *from == start && *hours == 24)
        .returning(|_, hours| Ok((0..i64::from(hours)).map(|h| h * 10).collect()));
    let overview = service(repo)
        .overview(&viewer(), &OverviewQuery::new(None, Some(start)).unwrap())
        .unwrap();
    assert_eq!(overview.day_start, start);
    assert_eq!(overview.scans_per_hour.len(), 24);
    for (hour, counted) in overview.scans_per_hour.iter().enumerate() {
        assert_eq!(counted.start, start + Duration::hours(hour as i64));
        assert_eq!(counted.scans, hour as i64 * 10);
    }
}

#[test]
fn without_a_day_start_the_current_utc_day_is_counted() {
    let mut repo = MockOverviewRepository::new();
    quiet(&mut repo);
    let overview = service(repo)
        .overview(&viewer(), &OverviewQuery::default())
        .unwrap();
    assert_eq!(overview.day_start, at(0, 0));
    assert_eq!(overview.scans_per_hour[23].start, at(23, 0));
}

#[test]
fn a_repository_answering_another_number_of_hours_is_an_internal_error() {
    let mut repo = MockOverviewRepository::new();
    repo.expect_counts()
        .returning(|| Ok(StoredCounts::default()));
    repo.expect_latest_ledger().returning(|_| Ok(vec![]));
    repo.expect_scans_per_hour()
        .returning(|_, _| Ok(vec![1; 23]));
    let error = service(repo)
        .overview(&viewer(), &OverviewQuery::default())
        .unwrap_err();
    assert!(matches!(error, AppError::Internal(_)), "{error:?}");
}

#[test]
fn the_activity_asked_for_is_1_to_50_rows() {
    assert_eq!(OverviewQuery::new(None, None).unwrap().activity(), 20);
    assert_eq!(OverviewQuery::new(Some(1), None).unwrap().activity(), 1);
    assert_eq!(OverviewQuery::new(Some(50), None).unwrap().activity(), 50);
    for wrong in [0, 51, -1, i64::MAX] {
        match OverviewQuery::new(Some(wrong), None) {
            Err(AppError::Invalid(fields)) => assert_eq!(fields[0].field, "activity"),
            other => panic!("{wrong}: {other:?}"),
        }
    }
    match OverviewQuery::new(None, Some(DateTime::<Utc>::MAX_UTC)) {
        Err(AppError::Invalid(fields)) => assert_eq!(fields[0].field, "day_start"),
        other => panic!("{other:?}"),
    }
}
