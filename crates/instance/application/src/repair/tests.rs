//! RMA requests on mocked ports: who may make them, what they publish, the clock they read.

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use eckwms_domain::repair::{Declared, DeclaredInput, RMA_ORDER_BASE};
use eckwms_domain::{Customer, Meta, OrderId, OrderStatus};

use super::*;
use crate::access::Actor;
use crate::ports::{
    MockClock, MockIdentityRepository, MockLabelRepository, MockOrderRepository,
    MockRepairRepository, MockSecretSource, WriteContext,
};

const NOW: i64 = 1_765_101_600;

fn meta(role: &str) -> RequestMeta {
    RequestMeta {
        actor: Actor::seeded_key(3, "desk", role),
        request_id: Some("req-9".into()),
        idempotency: None,
        address: None,
    }
}

fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(|| Utc.timestamp_opt(NOW, 0).unwrap());
    clock
}

/// The wing's ports around `repair`, with no orders read and no label key (slips are tested in
/// `slip/tests.rs`).
fn ports(repair: MockRepairRepository) -> RepairPorts {
    let clock: Arc<MockClock> = Arc::new(clock());
    RepairPorts {
        repair: Arc::new(repair),
        orders: Arc::new(MockOrderRepository::new()),
        labels: LabelService::new(
            Arc::new(MockLabelRepository::new()),
            Arc::new(MockIdentityRepository::new()),
            Arc::new(eckwms_codes::Decoder::default()),
            Arc::new(MockSecretSource::new()),
            clock.clone(),
            eckwms_labels::Layout::default(),
            None,
        ),
        clock,
    }
}

fn declared() -> Declared {
    Declared::new(
        "declared",
        &[DeclaredInput {
            serial: "1234567".into(),
            description: Some("no power".into()),
        }],
    )
    .unwrap()
}

/// A repository that stores the request under the number `now` and remembers what it got.
fn storing(seen: Arc<Mutex<Vec<(NewOrder, i64, WriteContext)>>>) -> MockRepairRepository {
    let mut repo = MockRepairRepository::new();
    repo.expect_create_rma().returning(move |new, now, ctx| {
        seen.lock().unwrap().push((new.clone(), now, ctx.clone()));
        Ok(Order {
            id: OrderId::new(RMA_ORDER_BASE + u64::try_from(now).unwrap()).unwrap(),
            reference: new.reference.clone(),
            customer: new.customer.clone(),
            status: OrderStatus::Created,
            tracking_number: None,
            received_at: None,
            processed_at: None,
            shipped_at: None,
            public_fields: new.public_fields,
            declared: new.declared.clone(),
            meta: Meta::new(ctx.at),
        })
    });
    repo
}

#[test]
fn an_rma_request_publishes_its_progress_and_takes_the_clocks_seconds() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = RepairService::new(ports(storing(seen.clone())));
    let new = NewOrder {
        customer: Customer::default(),
        declared: declared(),
        ..NewOrder::default()
    };
    let order = service.create_rma(&new, &meta("MANAGER")).unwrap();
    assert_eq!(order.id.to_string(), "o800000001765101600");
    assert_eq!(rma_code(order.id).unwrap().to_string(), "RMA17651016002K");
    assert_eq!(rma_code(OrderId::new(42).unwrap()), None);
    let public: Vec<&str> = order.public_fields.iter().map(|f| f.as_str()).collect();
    assert_eq!(
        public,
        [
            "status",
            "reference",
            "tracking_number",
            "received_at",
            "shipped_at"
        ]
    );
    let seen = seen.lock().unwrap();
    let (stored, now, ctx) = &seen[0];
    assert_eq!(*now, NOW);
    assert_eq!(stored.declared, declared());
    assert_eq!(ctx.actor, "apikey:3");

    // Public fields the request names are kept as they are.
    let mut chosen = new.clone();
    chosen.public_fields = [PublicOrderField::Status].into_iter().collect();
    drop(seen);
    let order = service.create_rma(&chosen, &meta("MANAGER")).unwrap();
    assert_eq!(order.public_fields.iter().count(), 1);
}

#[test]
fn making_an_rma_request_needs_orders_manage() {
    let mut repo = MockRepairRepository::new();
    repo.expect_create_rma().never();
    let service = RepairService::new(ports(repo));
    for role in ["PICKER", "TECHNICIAN", "read"] {
        match service.create_rma(&NewOrder::default(), &meta(role)) {
            Err(AppError::Forbidden { permission, .. }) => {
                assert_eq!(permission, "orders.manage", "{role}")
            }
            other => panic!("{role}: {other:?}"),
        }
    }
}
