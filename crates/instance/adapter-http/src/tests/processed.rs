//! The `processed` step over HTTP: a status change to `processed` of an RMA request is
//! refused until its repair is done; with `repair.auto_processed` the completing result sets it.

use eckwms_domain::repair::reconcile::FoundItem;
use eckwms_domain::repair::{Declared, DeclaredInput, RMA_ORDER_BASE};
use eckwms_domain::{Code, ItemId, Order, OrderId, OrderStatus};
use serde_json::json;

use super::*;

const ORDER: &str = "o800000001765101600";

/// The RMA request `ORDER` declaring SN-1, in `status`.
fn request(status: OrderStatus) -> Order {
    let input = [DeclaredInput {
        serial: "SN-1".into(),
        description: None,
    }];
    Order {
        id: OrderId::new(RMA_ORDER_BASE + 1_765_101_600).unwrap(),
        reference: None,
        customer: Default::default(),
        status,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: Default::default(),
        declared: Declared::new("declared", &input).unwrap(),
        meta: meta(3),
    }
}

/// Item 1 with serial SN-1 is in the request's boxes.
fn found_device(m: &mut Mocks) {
    m.repair.expect_found_items().returning(|_, _| {
        Ok(vec![FoundItem {
            id: ItemId::new(1).unwrap(),
            serial: Some(Code::new("serial", "SN-1").unwrap()),
            barcodes: vec![],
        }])
    });
}

#[actix_rt::test]
async fn an_rma_request_is_not_processed_before_its_devices_have_results() {
    for (status, with_result, expected) in [
        (OrderStatus::Created, true, 409),
        (OrderStatus::Received, false, 409),
        (OrderStatus::Received, true, 200),
    ] {
        let mut m = Mocks::new();
        m.orders
            .expect_get_order()
            .returning(move |_| Ok(request(status)));
        found_device(&mut m);
        m.repair
            .expect_items_with_result()
            .returning(move |items| Ok(if with_result { items.to_vec() } else { vec![] }));
        m.orders
            .expect_update_order()
            .times(usize::from(expected == 200))
            .returning(|_, _, _, _| Ok(request(OrderStatus::Processed)));
        let state = m.state();
        let reply = call(
            &state,
            patch_json(
                &format!("/api/v1/orders/{ORDER}"),
                WRITE_KEY,
                json!({"status": "processed"}),
            )
            .insert_header(("If-Match", "*")),
        )
        .await;
        if expected == 409 {
            reply.assert_problem(409, "repair_unfinished");
        } else {
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            assert_eq!(reply.json()["status"], "processed");
        }
    }
}

#[actix_rt::test]
async fn with_auto_processing_the_completing_result_processes_the_request() {
    for auto in [false, true] {
        let mut m = Mocks::new();
        m.auto_processed = auto;
        m.items
            .expect_add_item_action()
            .times(1)
            .returning(|_, action, _| Ok(action.clone()));
        m.repair
            .expect_orders_holding()
            .times(usize::from(auto))
            .returning(|_| Ok(vec![OrderId::new(RMA_ORDER_BASE + 1_765_101_600).unwrap()]));
        m.orders
            .expect_get_order()
            .returning(|_| Ok(request(OrderStatus::Received)));
        found_device(&mut m);
        m.repair
            .expect_items_with_result()
            .returning(|items| Ok(items.to_vec()));
        m.orders
            .expect_update_order()
            .times(usize::from(auto))
            .withf(|_, _, patch, ctx| {
                patch.status == Some(OrderStatus::Processed)
                    && ctx.reason.as_deref() == Some("every matched device has a result")
            })
            .returning(|_, _, _, _| Ok(request(OrderStatus::Processed)));
        let state = m.state();
        let reply = call(
            &state,
            post_json(
                "/api/v1/items/i000000000000000001/actions",
                WRITE_KEY,
                json!({"type": "result", "message": "new battery", "outcome": "repaired"}),
            ),
        )
        .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    }
}
