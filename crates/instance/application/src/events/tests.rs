//! The events' use case against a mocked repository.

use chrono::{TimeZone, Utc};
use eckwms_domain::access::Permissions;
use eckwms_domain::{ChangeKind, IdKind, ItemId, LedgerEntry, PlaceId};
use mockall::predicate::eq;

use super::*;
use crate::ports::MockEventRepository;

fn viewer() -> Actor {
    Actor::seeded_key(1, "read key", "read")
}

fn service(repo: MockEventRepository) -> EventService {
    EventService::new(EventPorts {
        events: Arc::new(repo),
    })
}

fn row(seq: i64, object: eckwms_domain::ObjectId, kind: ChangeKind) -> LedgerEntry {
    LedgerEntry {
        seq,
        at: Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap(),
        object,
        kind,
        from: None,
        to: Some(PlaceId::new(3).unwrap().object_id()),
        actor: "apikey:1".into(),
        reason: None,
        request_id: Some("req-1".into()),
        scan_id: None,
        data: serde_json::Value::Null,
    }
}

fn item() -> eckwms_domain::ObjectId {
    ItemId::new(1).unwrap().object_id()
}

fn fields(error: AppError) -> Vec<String> {
    match error {
        AppError::Invalid(fields) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

#[test]
fn a_request_defaults_to_the_start_of_the_stream_without_waiting() {
    let request = EventsRequest::new(None, None, None, EventFilter::all()).unwrap();
    assert_eq!(
        request.query(),
        &EventQuery {
            after: 0,
            limit: DEFAULT_LIMIT,
            filter: EventFilter::all(),
        }
    );
    assert_eq!(request.wait_secs(), 0);
    let edges = EventsRequest::new(
        Some(0),
        Some(i64::from(MAX_LIMIT)),
        Some(i64::from(MAX_WAIT_SECS)),
        EventFilter::all(),
    )
    .unwrap();
    assert_eq!(edges.query().limit, MAX_LIMIT);
    assert_eq!(edges.wait_secs(), MAX_WAIT_SECS);
}

#[test]
fn every_value_out_of_range_is_refused_at_once() {
    let error = EventsRequest::new(
        Some(-1),
        Some(i64::from(MAX_LIMIT) + 1),
        Some(i64::from(MAX_WAIT_SECS) + 1),
        EventFilter::all(),
    )
    .unwrap_err();
    assert_eq!(fields(error), ["after", "limit", "wait"]);
    let error = EventsRequest::new(None, Some(0), Some(-1), EventFilter::all()).unwrap_err();
    assert_eq!(fields(error), ["limit", "wait"]);
}

#[test]
fn a_continued_request_never_goes_back() {
    let request = EventsRequest::new(Some(10), None, Some(5), EventFilter::all()).unwrap();
    assert_eq!(request.clone().continued(25).query().after, 25);
    assert_eq!(request.continued(3).query().after, 10);
}

#[test]
fn without_inventory_view_the_stream_is_refused_before_any_read() {
    // The mock expects no call: a read would panic.
    let service = service(MockEventRepository::new());
    let others = Permissions::all().without(Permission::InventoryView);
    let actor = Actor::api_key(7, "k", "NIGHT", others);
    let request = EventsRequest::new(None, None, None, EventFilter::all()).unwrap();
    match service.events(&actor, &request) {
        Err(AppError::Forbidden { permission, .. }) => {
            assert_eq!(permission, Permission::InventoryView.as_str())
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn the_page_is_the_repositorys_for_the_query_asked() {
    let filter = EventFilter::new(vec![IdKind::Item], vec![ChangeKind::Moved]).unwrap();
    let request = EventsRequest::new(Some(4), Some(2), None, filter.clone()).unwrap();
    let mut repo = MockEventRepository::new();
    repo.expect_events_after()
        .with(eq(EventQuery {
            after: 4,
            limit: 2,
            filter,
        }))
        .times(1)
        .returning(|_| {
            Ok(EventPage {
                events: vec![
                    row(5, item(), ChangeKind::Moved),
                    row(9, item(), ChangeKind::Moved),
                ],
                next: 9,
            })
        });
    let page = service(repo).events(&viewer(), &request).unwrap();
    assert_eq!(
        page.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [5, 9]
    );
    assert_eq!(page.next, 9);
}

#[test]
fn an_empty_page_passes_the_cursor_on() {
    let mut repo = MockEventRepository::new();
    repo.expect_events_after().returning(|_| {
        Ok(EventPage {
            events: vec![],
            next: 40,
        })
    });
    let request = EventsRequest::new(Some(12), None, None, EventFilter::all()).unwrap();
    let page = service(repo).events(&viewer(), &request).unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.next, 40);
}

#[test]
fn a_page_that_breaks_its_promises_is_an_internal_error() {
    let broken = [
        // Out of order.
        EventPage {
            events: vec![
                row(6, item(), ChangeKind::Moved),
                row(5, item(), ChangeKind::Moved),
            ],
            next: 6,
        },
        // Not above the cursor.
        EventPage {
            events: vec![row(4, item(), ChangeKind::Moved)],
            next: 4,
        },
        // A cursor behind the rows returned.
        EventPage {
            events: vec![row(7, item(), ChangeKind::Moved)],
            next: 6,
        },
        // A row the filter does not want.
        EventPage {
            events: vec![row(
                8,
                PlaceId::new(2).unwrap().object_id(),
                ChangeKind::Moved,
            )],
            next: 8,
        },
    ];
    for page in broken {
        let mut repo = MockEventRepository::new();
        repo.expect_events_after().return_once(move |_| Ok(page));
        let filter = EventFilter::new(vec![IdKind::Item], vec![]).unwrap();
        let request = EventsRequest::new(Some(4), None, None, filter).unwrap();
        assert!(matches!(
            service(repo).events(&viewer(), &request),
            Err(AppError::Internal(_))
        ));
    }
}
