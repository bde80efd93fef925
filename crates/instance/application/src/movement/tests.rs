//! The movement's use cases against mocked ports.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use eckwms_domain::{
    BoxId, ItemId, Meta, Order, OrderId, OrderStatus, PlaceId, PlaceRole, repair::RMA_ORDER_BASE,
};

use super::*;
use crate::ports::{
    Located, MockBoxRepository, MockClock, MockLedgerRepository, MockMoveRepository,
    MockPlaceRepository, MockSingleMoves, MockUnitOfWork, MovedOrder, TxMocks,
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
        tx.moves.expect_place_role().returning(|_| Ok(Some(None)));
        // A place without a role concerns no order.
        tx.repair.expect_lock_orders_of_move().never();
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

fn rma(n: u64) -> OrderId {
    OrderId::new(RMA_ORDER_BASE + n).unwrap()
}

fn order_in(id: OrderId, status: OrderStatus) -> Order {
    Order {
        id,
        reference: None,
        customer: Default::default(),
        status,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: Default::default(),
        declared: Default::default(),
        meta: Meta::new(Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()),
    }
}

/// Runs one move in a transaction of mocks where the target place has `role`, the moved
/// objects were where `parents` says, and the move concerns `orders`; returns the order
/// changes asked for (order, status, reason).
fn move_onto_role_place(
    objects: Vec<Movable>,
    parents: Vec<Option<Parent>>,
    role: Option<PlaceRole>,
    orders: Vec<MovedOrder>,
) -> Vec<(OrderId, OrderStatus, Option<String>)> {
    let changes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = changes.clone();
    let mut mocks = Mocks::new();
    mocks
        .unit
        .expect_run()
        .times(1)
        .returning(move |_, mut work| {
            let mut tx = TxMocks::default();
            let parents = parents.clone();
            tx.moves
                .expect_lock_for_move()
                .returning(move |objects, _| {
                    Ok(objects
                        .iter()
                        .zip(parents.clone())
                        .map(|(o, parent)| Located { object: *o, parent })
                        .collect())
                });
            tx.moves
                .expect_place_role()
                .returning(move |_| Ok(Some(role)));
            tx.moves.expect_set_parents().returning(|_, _, _| Ok(()));
            tx.ledger
                .expect_append()
                .returning(|_, changes| Ok((1..=changes.len() as i64).collect()));
            let orders = orders.clone();
            tx.repair
                .expect_lock_orders_of_move()
                .returning(move |_, _| Ok(orders.clone()));
            let seen = seen.clone();
            tx.orders
                .expect_update_order()
                .returning(move |id, patch, ctx| {
                    let status = patch.status.unwrap();
                    seen.lock().unwrap().push((id, status, ctx.reason.clone()));
                    Ok(order_in(id, status))
                });
            work(&mut tx)
        });
    let command = MoveCommand {
        objects,
        to: Parent::Place(PlaceId::new(30).unwrap()),
        expected_from: None,
    };
    mocks
        .service()
        .move_objects(&command, None, &meta())
        .unwrap();
    changes.lock().unwrap().clone()
}

#[test]
fn a_parcel_put_on_an_intake_place_receives_its_created_order_only() {
    let orders = vec![
        MovedOrder {
            order: rma(1),
            status: OrderStatus::Created,
            via: boxed(7),
        },
        MovedOrder {
            order: rma(2),
            status: OrderStatus::Processed,
            via: boxed(7),
        },
    ];
    let changes = move_onto_role_place(vec![boxed(7)], vec![None], Some(PlaceRole::Intake), orders);
    assert_eq!(
        changes,
        vec![(
            rma(1),
            OrderStatus::Received,
            Some("b000000000000000007 was moved onto the intake place p000000000000000030".into())
        )]
    );
}

#[test]
fn a_parcel_put_on_a_shipped_place_ships_its_order() {
    let orders = vec![MovedOrder {
        order: rma(1),
        status: OrderStatus::Processed,
        via: item(5),
    }];
    let from = Some(Parent::Box(BoxId::new(7).unwrap()));
    let changes = move_onto_role_place(vec![item(5)], vec![from], Some(PlaceRole::Shipped), orders);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].1, OrderStatus::Shipped);
}

/// What the transaction is asked for: the moved boxes, and the items with the boxes they left
/// (an item that came from a place left no parcel).
#[test]
fn the_orders_are_looked_up_by_the_moved_boxes_and_the_boxes_the_items_left() {
    let mut mocks = Mocks::new();
    mocks.unit.expect_run().times(1).returning(|_, mut work| {
        let mut tx = TxMocks::default();
        tx.moves.expect_lock_for_move().returning(|objects, _| {
            Ok(vec![
                Located {
                    object: objects[0],
                    parent: Some(Parent::Box(BoxId::new(9).unwrap())),
                },
                Located {
                    object: objects[1],
                    parent: Some(Parent::Place(PlaceId::new(4).unwrap())),
                },
                Located {
                    object: objects[2],
                    parent: None,
                },
            ])
        });
        tx.moves
            .expect_place_role()
            .returning(|_| Ok(Some(Some(PlaceRole::Intake))));
        tx.moves.expect_set_parents().returning(|_, _, _| Ok(()));
        tx.ledger
            .expect_append()
            .returning(|_, changes| Ok((1..=changes.len() as i64).collect()));
        tx.repair
            .expect_lock_orders_of_move()
            .times(1)
            .withf(|boxes, left| {
                boxes == [BoxId::new(3).unwrap()]
                    && left == [(ItemId::new(1).unwrap(), BoxId::new(9).unwrap())]
            })
            .returning(|_, _| Ok(vec![]));
        tx.orders.expect_update_order().never();
        work(&mut tx)
    });
    let command = MoveCommand {
        objects: vec![item(1), item(2), boxed(3)],
        to: Parent::Place(PlaceId::new(30).unwrap()),
        expected_from: None,
    };
    mocks
        .service()
        .move_objects(&command, None, &meta())
        .unwrap();
}

#[test]
fn quarantine_and_moves_that_change_nothing_concern_no_order() {
    let changes = move_onto_role_place(
        vec![boxed(7)],
        vec![None],
        Some(PlaceRole::Quarantine),
        vec![MovedOrder {
            order: rma(1),
            status: OrderStatus::Created,
            via: boxed(7),
        }],
    );
    assert!(changes.is_empty());
    // Already on the intake place: nothing moved, so nothing is received again.
    let here = Some(Parent::Place(PlaceId::new(30).unwrap()));
    let mut mocks = Mocks::new();
    mocks
        .unit
        .expect_run()
        .times(1)
        .returning(move |_, mut work| {
            let mut tx = TxMocks::default();
            tx.moves
                .expect_lock_for_move()
                .returning(move |objects, _| {
                    Ok(vec![Located {
                        object: objects[0],
                        parent: here,
                    }])
                });
            tx.moves
                .expect_place_role()
                .returning(|_| Ok(Some(Some(PlaceRole::Intake))));
            tx.moves.expect_set_parents().never();
            tx.repair.expect_lock_orders_of_move().never();
            work(&mut tx)
        });
    let command = MoveCommand {
        objects: vec![boxed(7)],
        to: Parent::Place(PlaceId::new(30).unwrap()),
        expected_from: None,
    };
    let outcomes = mocks
        .service()
        .move_objects(&command, None, &meta())
        .unwrap();
    assert!(!outcomes[0].moved);
}

/// The short way of one object has no transaction to change an order in: a move onto an
/// intake or shipped place takes the transactional way; onto a quarantine place it stays short.
#[test]
fn a_single_move_onto_a_place_whose_role_moves_orders_takes_the_transactional_way() {
    for (role, short) in [
        (Some(PlaceRole::Intake), false),
        (Some(PlaceRole::Shipped), false),
        (Some(PlaceRole::Quarantine), true),
        (None, true),
    ] {
        let mut single = MockSingleMoves::new();
        single.expect_locate().returning(move |object, _| {
            Ok((
                Located {
                    object,
                    parent: None,
                },
                role,
            ))
        });
        single
            .expect_move_if_still()
            .times(usize::from(short))
            .returning(|_, _, _, _| Ok(true));
        let command = MoveCommand {
            objects: vec![boxed(7)],
            to: Parent::Place(PlaceId::new(30).unwrap()),
            expected_from: None,
        };
        let ctx = meta()
            .write_context(
                Permission::InventoryAdjust,
                &{
                    let mut clock = MockClock::new();
                    clock
                        .expect_now()
                        .returning(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
                    clock
                },
                None,
            )
            .unwrap();
        let result = steps::single(&single, &command, &ctx).unwrap();
        assert_eq!(result.is_some(), short, "{role:?}");
    }
}
