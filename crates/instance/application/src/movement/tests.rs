//! The movement's use cases against mocked ports.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use eckwms_domain::{BoxId, ItemId, PlaceId};

use super::*;
use crate::ports::{
    Located, MockBoxRepository, MockClock, MockLedgerRepository, MockMoveRepository,
    MockPlaceRepository, MockUnitOfWork, TxMocks,
};

struct Mocks {
    boxes: MockBoxRepository,
    places: MockPlaceRepository,
    moves: MockMoveRepository,
    ledger: MockLedgerRepository,
    unit: MockUnitOfWork,
}

impl Mocks {
    fn new() -> Self {
        Self {
            boxes: MockBoxRepository::new(),
            places: MockPlaceRepository::new(),
            moves: MockMoveRepository::new(),
            ledger: MockLedgerRepository::new(),
            unit: MockUnitOfWork::new(),
        }
    }

    fn service(self) -> MovementService {
        let mut clock = MockClock::new();
        clock
            .expect_now()
            .returning(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
        MovementService::new(MovementPorts {
            moves: Arc::new(self.moves),
            ledger: Arc::new(self.ledger),
            unit: Arc::new(self.unit),
            single_moves: None,
            boxes: Arc::new(self.boxes),
            places: Arc::new(self.places),
            clock: Arc::new(clock),
        })
    }
}

fn meta() -> RequestMeta {
    RequestMeta {
        actor: crate::access::Actor::seeded_key(1, "writer", "write"),
        request_id: Some("req-1".into()),
        idempotency: None,
        address: None,
    }
}

fn item(n: u64) -> Movable {
    Movable::Item(ItemId::new(n).unwrap())
}

fn boxed(n: u64) -> Movable {
    Movable::Box(BoxId::new(n).unwrap())
}

#[test]
fn invalid_moves_never_reach_the_store() {
    let mut mocks = Mocks::new();
    mocks.unit.expect_run().never();
    let service = mocks.service();
    let to = Parent::Box(BoxId::new(1).unwrap());
    let cases = [
        vec![],
        vec![item(1), item(1)],
        vec![boxed(1)],
        (0..=moves::MAX_MOVE_BATCH as u64).map(item).collect(),
    ];
    for objects in cases {
        let command = MoveCommand {
            objects,
            to,
            expected_from: None,
        };
        assert!(service.move_objects(&command, None, &meta()).is_err());
    }
}

#[test]
fn moves_carry_actor_time_request_and_reason() {
    let mut mocks = Mocks::new();
    mocks.unit.expect_run().times(1).returning(|_, mut work| {
        let mut tx = TxMocks::default();
        tx.moves
            .expect_lock_for_move()
            .times(1)
            .returning(|objects, _| {
                Ok(objects
                    .iter()
                    .map(|o| Located {
                        object: *o,
                        parent: None,
                    })
                    .collect())
            });
        tx.moves.expect_container_exists().returning(|_| Ok(true));
        tx.moves
            .expect_set_parents()
            .times(1)
            .withf(|objects, _, _| objects.len() == 2)
            .returning(|_, _, _| Ok(()));
        tx.ledger
            .expect_append()
            .withf(|ctx, changes| {
                changes.len() == 2
                    && ctx.actor == "apikey:1"
                    && ctx.request_id.as_deref() == Some("req-1")
                    && ctx.reason.as_deref() == Some("restock")
                    && ctx.at == Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
            })
            .times(1)
            .returning(|_, changes| Ok((1..=changes.len() as i64).collect()));
        work(&mut tx)
    });
    let command = MoveCommand {
        objects: vec![item(1), boxed(2)],
        to: Parent::Place(PlaceId::new(3).unwrap()),
        expected_from: None,
    };
    let reason = Note::new("reason", "restock").unwrap();
    let outcomes = mocks
        .service()
        .move_objects(&command, Some(&reason), &meta())
        .unwrap();
    assert_eq!(outcomes.len(), 2);
}

#[test]
fn history_of_an_unknown_id_is_not_found() {
    let mut mocks = Mocks::new();
    mocks.ledger.expect_history().returning(|_, _| Ok(vec![]));
    mocks.ledger.expect_object_known().returning(|_| Ok(false));
    let id = ObjectId::parse("i000000000000000009").unwrap();
    let result = mocks.service().history(
        &crate::access::Actor::console(),
        id,
        &PageQuery {
            after: None,
            limit: 10,
        },
    );
    assert!(matches!(result, Err(AppError::NotFound { .. })));
}

#[test]
fn contents_of_a_missing_container_is_not_found() {
    let mut mocks = Mocks::new();
    mocks
        .places
        .expect_get_place()
        .returning(|id| Err(AppError::not_found("place", id)));
    mocks.moves.expect_contents().never();
    let result = mocks.service().contents(
        &crate::access::Actor::console(),
        Parent::Place(PlaceId::new(1).unwrap()),
        false,
        &PageQuery {
            after: None,
            limit: 10,
        },
    );
    assert!(matches!(result, Err(AppError::NotFound { .. })));
}

/// A move needs `write`: a read key is refused before any transaction starts.
#[test]
fn a_read_key_moves_nothing() {
    let mut mocks = Mocks::new();
    mocks.unit.expect_run().never();
    let mut meta = meta();
    meta.actor = crate::access::Actor::seeded_key(1, "reader", "read");
    let command = MoveCommand {
        objects: vec![item(1)],
        to: Parent::Box(BoxId::new(2).unwrap()),
        expected_from: None,
    };
    assert!(matches!(
        mocks.service().move_objects(&command, None, &meta),
        Err(AppError::Forbidden { .. })
    ));
}
