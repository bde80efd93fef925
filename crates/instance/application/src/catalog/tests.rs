//! The catalog's use cases against mocked ports.

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::*;
use crate::ports::{
    MockBoxRepository, MockClock, MockItemRepository, MockPlaceRepository, MockWarehouseRepository,
};

struct Mocks {
    items: MockItemRepository,
}

impl Mocks {
    fn new() -> Self {
        Self {
            items: MockItemRepository::new(),
        }
    }

    fn service(self) -> CatalogService {
        let mut clock = MockClock::new();
        clock
            .expect_now()
            .returning(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
        CatalogService::new(CatalogPorts {
            warehouses: Arc::new(MockWarehouseRepository::new()),
            places: Arc::new(MockPlaceRepository::new()),
            boxes: Arc::new(MockBoxRepository::new()),
            items: Arc::new(self.items),
            clock: Arc::new(clock),
        })
    }
}

#[test]
fn lists_return_a_cursor_only_when_more_rows_exist() {
    let mut mocks = Mocks::new();
    mocks
        .items
        .expect_list_items()
        .withf(|_, page| page.limit == 3)
        .returning(|_, page| {
            let rows = if page.after.is_none() { 3 } else { 1 };
            Ok((1..=rows)
                .map(|n| Item {
                    id: ItemId::new(n).unwrap(),
                    serial: None,
                    class_code: None,
                    name: None,
                    condition: None,
                    attributes: Default::default(),
                    barcodes: Default::default(),
                    parent: None,
                    meta: eckwms_domain::Meta::new(Utc::now()),
                })
                .collect())
        });
    let service = mocks.service();
    let first = service
        .list_items(
            &crate::access::Actor::console(),
            &ItemFilter::default(),
            &PageQuery {
                after: None,
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.next_cursor.as_deref(), Some("i000000000000000002"));
    let last = service
        .list_items(
            &crate::access::Actor::console(),
            &ItemFilter::default(),
            &PageQuery {
                after: Some(ItemId::new(2).unwrap()),
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.next_cursor, None);
}

/// A change needs `write`, whichever adapter asks: a read key is refused before the store is
/// reached (the mocks expect nothing: any call would panic).
#[test]
fn a_read_key_changes_nothing() {
    let meta = RequestMeta {
        actor: crate::access::Actor::seeded_key(1, "reader", "read"),
        request_id: None,
        idempotency: None,
        address: None,
    };
    let result = Mocks::new()
        .service()
        .create_item(&eckwms_domain::NewItem::default(), &meta);
    assert!(matches!(
        result,
        Err(crate::error::AppError::Forbidden { .. })
    ));
}
