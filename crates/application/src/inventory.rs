//! Inventory use cases: warehouses, racks, places, boxes, items, orders, moves, history.

use std::sync::Arc;

use eckwms_domain::{ActionKind, MoveError};
use eckwms_domain::{
    BoxId, BoxPatch, Item, ItemAction, ItemId, ItemPatch, LedgerEntry, Movable, NewBox, NewItem,
    NewOrder, NewPlace, NewRack, NewWarehouse, Note, ObjectId, Order, OrderId, OrderPatch, Parent,
    Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, StorageBox, Warehouse, WarehouseId,
    WarehousePatch, movement::moves,
};

use crate::error::{AppError, AppResult};
use crate::ports::{
    BoxFilter, BoxRepository, Clock, ContentEntry, Expected, IdempotencyKeyRef, ItemFilter,
    ItemRepository, LedgerRepository, Location, MoveCommand, MoveOutcome, MoveRepository,
    OrderFilter, OrderRepository, PageQuery, PlaceFilter, PlaceRepository, RackWithPlaces,
    RecordedAction, SingleMoves, UnitOfWork, WarehouseRepository, WriteContext,
};

/// Default and largest page sizes of every list.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// Validates a page request: `limit` defaults to 50 and must be 1..=500.
pub fn page_query<C>(after: Option<C>, limit: Option<i64>) -> AppResult<PageQuery<C>> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
        Some(_) => {
            return Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
    };
    Ok(PageQuery { after, limit })
}

/// One page of a list and the cursor of the next, if there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Runs a list query for one more row than asked, to know whether a next page exists.
pub(crate) fn paginate<C, T>(
    page: &PageQuery<C>,
    fetch: impl FnOnce(&PageQuery<C>) -> AppResult<Vec<T>>,
    cursor_of: impl Fn(&T) -> String,
) -> AppResult<Page<T>>
where
    C: Clone,
{
    let probe = PageQuery {
        after: page.after.clone(),
        limit: page.limit + 1,
    };
    let mut items = fetch(&probe)?;
    let next_cursor = if items.len() > page.limit as usize {
        items.truncate(page.limit as usize);
        items.last().map(cursor_of)
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// The checks of a move that need no database; REST moves and scans both pass them.
pub fn check_move(command: &MoveCommand) -> AppResult<()> {
    if command.objects.len() > moves::MAX_MOVE_BATCH {
        return Err(AppError::invalid(
            "objects",
            format!("at most {} objects per move", moves::MAX_MOVE_BATCH),
        ));
    }
    moves::check_distinct(command.objects.iter().copied())?;
    if let Parent::Box(target) = command.to
        && command.objects.contains(&Movable::Box(target))
    {
        return Err(MoveError::IntoItself(target).into());
    }
    Ok(())
}

/// Who is asking, under which request, and with which idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMeta {
    pub actor: String,
    pub request_id: Option<String>,
    pub idempotency: Option<IdempotencyKeyRef>,
}

/// The repositories the inventory needs.
#[derive(Clone)]
pub struct InventoryPorts {
    pub warehouses: Arc<dyn WarehouseRepository>,
    pub places: Arc<dyn PlaceRepository>,
    pub boxes: Arc<dyn BoxRepository>,
    pub items: Arc<dyn ItemRepository>,
    pub orders: Arc<dyn OrderRepository>,
    pub moves: Arc<dyn MoveRepository>,
    pub ledger: Arc<dyn LedgerRepository>,
    /// The transactions of moves.
    pub unit: Arc<dyn UnitOfWork>,
    /// The moves of one object without a transaction, where the backend offers them.
    pub single_moves: Option<Arc<dyn SingleMoves>>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct InventoryService {
    ports: InventoryPorts,
}

impl InventoryService {
    pub fn new(ports: InventoryPorts) -> Self {
        Self { ports }
    }

    fn ctx(&self, meta: &RequestMeta, reason: Option<&Note>) -> WriteContext {
        WriteContext {
            actor: meta.actor.clone(),
            at: self.ports.clock.now(),
            request_id: meta.request_id.clone(),
            reason: reason.map(|r| r.as_str().to_owned()),
            scan: None,
            idempotency: meta.idempotency.clone(),
        }
    }

    // ------------------------------------------------------------ warehouses and racks

    pub fn create_warehouse(&self, new: &NewWarehouse, meta: &RequestMeta) -> AppResult<Warehouse> {
        self.ports
            .warehouses
            .create_warehouse(new, &self.ctx(meta, None))
    }

    pub fn get_warehouse(&self, id: WarehouseId) -> AppResult<Warehouse> {
        self.ports.warehouses.get_warehouse(id)
    }

    pub fn list_warehouses(&self, page: &PageQuery<WarehouseId>) -> AppResult<Page<Warehouse>> {
        paginate(
            page,
            |p| self.ports.warehouses.list_warehouses(p),
            |w| w.id.to_string(),
        )
    }

    pub fn update_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        patch: &WarehousePatch,
        meta: &RequestMeta,
    ) -> AppResult<Warehouse> {
        self.ports
            .warehouses
            .update_warehouse(id, expected, patch, &self.ctx(meta, None))
    }

    pub fn delete_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.ports
            .warehouses
            .delete_warehouse(id, expected, &self.ctx(meta, None))
    }

    pub fn create_rack(&self, new: &NewRack, meta: &RequestMeta) -> AppResult<RackWithPlaces> {
        self.ports
            .warehouses
            .create_rack(new, &self.ctx(meta, None))
    }

    pub fn get_rack(&self, id: RackId) -> AppResult<Rack> {
        self.ports.warehouses.get_rack(id)
    }

    pub fn list_racks(
        &self,
        warehouse: Option<WarehouseId>,
        page: &PageQuery<RackId>,
    ) -> AppResult<Page<Rack>> {
        paginate(
            page,
            |p| self.ports.warehouses.list_racks(warehouse, p),
            |r| r.id.to_string(),
        )
    }

    pub fn update_rack(
        &self,
        id: RackId,
        expected: Expected,
        patch: &RackPatch,
        meta: &RequestMeta,
    ) -> AppResult<Rack> {
        self.ports
            .warehouses
            .update_rack(id, expected, patch, &self.ctx(meta, None))
    }

    pub fn delete_rack(&self, id: RackId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        self.ports
            .warehouses
            .delete_rack(id, expected, &self.ctx(meta, None))
    }

    // ------------------------------------------------------------ places

    pub fn create_place(&self, new: &NewPlace, meta: &RequestMeta) -> AppResult<Place> {
        self.ports.places.create_place(new, &self.ctx(meta, None))
    }

    pub fn get_place(&self, id: PlaceId) -> AppResult<Place> {
        self.ports.places.get_place(id)
    }

    pub fn list_places(
        &self,
        filter: &PlaceFilter,
        page: &PageQuery<PlaceId>,
    ) -> AppResult<Page<Place>> {
        paginate(
            page,
            |q| self.ports.places.list_places(filter, q),
            |p| p.id.to_string(),
        )
    }

    pub fn update_place(
        &self,
        id: PlaceId,
        expected: Expected,
        patch: &PlacePatch,
        meta: &RequestMeta,
    ) -> AppResult<Place> {
        self.ports
            .places
            .update_place(id, expected, patch, &self.ctx(meta, None))
    }

    pub fn delete_place(
        &self,
        id: PlaceId,
        expected: Expected,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.ports
            .places
            .delete_place(id, expected, &self.ctx(meta, None))
    }

    // ------------------------------------------------------------ boxes

    pub fn create_box(&self, new: &NewBox, meta: &RequestMeta) -> AppResult<StorageBox> {
        self.ports.boxes.create_box(new, &self.ctx(meta, None))
    }

    pub fn get_box(&self, id: BoxId) -> AppResult<StorageBox> {
        self.ports.boxes.get_box(id)
    }

    pub fn list_boxes(
        &self,
        filter: &BoxFilter,
        page: &PageQuery<BoxId>,
    ) -> AppResult<Page<StorageBox>> {
        paginate(
            page,
            |q| self.ports.boxes.list_boxes(filter, q),
            |b| b.id.to_string(),
        )
    }

    pub fn update_box(
        &self,
        id: BoxId,
        expected: Expected,
        patch: &BoxPatch,
        meta: &RequestMeta,
    ) -> AppResult<StorageBox> {
        self.ports
            .boxes
            .update_box(id, expected, patch, &self.ctx(meta, None))
    }

    pub fn delete_box(&self, id: BoxId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        self.ports
            .boxes
            .delete_box(id, expected, &self.ctx(meta, None))
    }

    // ------------------------------------------------------------ items

    pub fn create_item(&self, new: &NewItem, meta: &RequestMeta) -> AppResult<Item> {
        self.ports.items.create_item(new, &self.ctx(meta, None))
    }

    pub fn get_item(&self, id: ItemId) -> AppResult<Item> {
        self.ports.items.get_item(id)
    }

    pub fn list_items(
        &self,
        filter: &ItemFilter,
        page: &PageQuery<ItemId>,
    ) -> AppResult<Page<Item>> {
        paginate(
            page,
            |q| self.ports.items.list_items(filter, q),
            |i| i.id.to_string(),
        )
    }

    pub fn update_item(
        &self,
        id: ItemId,
        expected: Expected,
        patch: &ItemPatch,
        meta: &RequestMeta,
    ) -> AppResult<Item> {
        self.ports
            .items
            .update_item(id, expected, patch, &self.ctx(meta, None))
    }

    pub fn delete_item(&self, id: ItemId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        self.ports
            .items
            .delete_item(id, expected, &self.ctx(meta, None))
    }

    /// Items that share a serial they cannot be told apart by (data from before the rule).
    pub fn serial_conflicts(
        &self,
    ) -> AppResult<Vec<eckwms_domain::catalog::serial::SerialConflict>> {
        self.ports.items.serial_conflicts()
    }

    /// Records a repair action (check, cause, result, note) on an item.
    pub fn add_item_action(
        &self,
        id: ItemId,
        kind: ActionKind,
        message: Note,
        meta: &RequestMeta,
    ) -> AppResult<ItemAction> {
        let ctx = self.ctx(meta, None);
        let action = ItemAction {
            kind,
            message,
            at: ctx.at,
            actor: ctx.actor.clone(),
        };
        self.ports.items.add_item_action(id, &action, &ctx)
    }

    /// One page of the item's actions, oldest first; the cursor is an action's ledger `seq`.
    pub fn list_item_actions(
        &self,
        id: ItemId,
        page: &PageQuery<i64>,
    ) -> AppResult<Page<RecordedAction>> {
        paginate(
            page,
            |q| self.ports.items.list_item_actions(id, q),
            |a| a.seq.to_string(),
        )
    }

    // ------------------------------------------------------------ orders

    pub fn create_order(&self, new: &NewOrder, meta: &RequestMeta) -> AppResult<Order> {
        self.ports.orders.create_order(new, &self.ctx(meta, None))
    }

    pub fn get_order(&self, id: OrderId) -> AppResult<Order> {
        self.ports.orders.get_order(id)
    }

    pub fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageQuery<OrderId>,
    ) -> AppResult<Page<Order>> {
        paginate(
            page,
            |q| self.ports.orders.list_orders(filter, q),
            |o| o.id.to_string(),
        )
    }

    pub fn update_order(
        &self,
        id: OrderId,
        expected: Expected,
        patch: &OrderPatch,
        meta: &RequestMeta,
    ) -> AppResult<Order> {
        self.ports
            .orders
            .update_order(id, expected, patch, &self.ctx(meta, None))
    }

    pub fn delete_order(
        &self,
        id: OrderId,
        expected: Expected,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.ports
            .orders
            .delete_order(id, expected, &self.ctx(meta, None))
    }

    pub fn link_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        meta: &RequestMeta,
    ) -> AppResult<StorageBox> {
        self.ports
            .orders
            .link_box(order, box_id, &self.ctx(meta, None))
    }

    pub fn unlink_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        meta: &RequestMeta,
    ) -> AppResult<StorageBox> {
        self.ports
            .orders
            .unlink_box(order, box_id, &self.ctx(meta, None))
    }

    // ------------------------------------------------------------ moves and whereabouts

    /// Moves one or several objects atomically. Rejects empty, oversized and duplicate batches
    /// before touching the store.
    pub fn move_objects(
        &self,
        command: &MoveCommand,
        reason: Option<&Note>,
        meta: &RequestMeta,
    ) -> AppResult<Vec<MoveOutcome>> {
        check_move(command)?;
        let ctx = self.ctx(meta, reason);
        if let Some(single) = &self.ports.single_moves
            && let Some(outcomes) = crate::moving::single(single.as_ref(), command, &ctx)?
        {
            return Ok(outcomes);
        }
        let command = command.clone();
        self.ports.unit.write(ctx.idempotency.clone(), move |tx| {
            crate::moving::apply(tx, &command, &ctx)
        })
    }

    pub fn contents(
        &self,
        container: Parent,
        recursive: bool,
        page: &PageQuery<ObjectId>,
    ) -> AppResult<Page<ContentEntry>> {
        // The container must exist: an empty page for a typo would mislead.
        match container {
            Parent::Box(id) => drop(self.ports.boxes.get_box(id)?),
            Parent::Place(id) => drop(self.ports.places.get_place(id)?),
        }
        paginate(
            page,
            |q| self.ports.moves.contents(container, recursive, q),
            |e| e.object.to_string(),
        )
    }

    pub fn location(&self, object: Movable) -> AppResult<Location> {
        self.ports.moves.location(object)
    }

    /// The ledger rows of an object, also after it was deleted; 404 for an id never used.
    pub fn history(&self, object: ObjectId, page: &PageQuery<i64>) -> AppResult<Page<LedgerEntry>> {
        let result = paginate(
            page,
            |q| self.ports.ledger.history(object, q),
            |e| e.seq.to_string(),
        )?;
        if result.items.is_empty()
            && page.after.is_none()
            && !self.ports.ledger.object_known(object)?
        {
            return Err(AppError::not_found(object.kind().as_str(), object));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        Located, MockBoxRepository, MockClock, MockItemRepository, MockLedgerRepository,
        MockMoveRepository, MockOrderRepository, MockPlaceRepository, MockUnitOfWork,
        MockWarehouseRepository, TxMocks,
    };
    use chrono::{TimeZone, Utc};

    struct Mocks {
        boxes: MockBoxRepository,
        places: MockPlaceRepository,
        items: MockItemRepository,
        moves: MockMoveRepository,
        ledger: MockLedgerRepository,
        unit: MockUnitOfWork,
    }

    impl Mocks {
        fn new() -> Self {
            Self {
                boxes: MockBoxRepository::new(),
                places: MockPlaceRepository::new(),
                items: MockItemRepository::new(),
                moves: MockMoveRepository::new(),
                ledger: MockLedgerRepository::new(),
                unit: MockUnitOfWork::new(),
            }
        }

        fn service(self) -> InventoryService {
            let mut clock = MockClock::new();
            clock
                .expect_now()
                .returning(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
            InventoryService::new(InventoryPorts {
                warehouses: Arc::new(MockWarehouseRepository::new()),
                places: Arc::new(self.places),
                boxes: Arc::new(self.boxes),
                items: Arc::new(self.items),
                orders: Arc::new(MockOrderRepository::new()),
                moves: Arc::new(self.moves),
                ledger: Arc::new(self.ledger),
                unit: Arc::new(self.unit),
                single_moves: None,
                clock: Arc::new(clock),
            })
        }
    }

    fn meta() -> RequestMeta {
        RequestMeta {
            actor: "apikey:1".into(),
            request_id: Some("req-1".into()),
            idempotency: None,
        }
    }

    fn item(n: u64) -> Movable {
        Movable::Item(ItemId::new(n).unwrap())
    }

    fn boxed(n: u64) -> Movable {
        Movable::Box(BoxId::new(n).unwrap())
    }

    #[test]
    fn page_limits_are_validated() {
        assert_eq!(page_query::<i64>(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(page_query::<i64>(None, Some(500)).unwrap().limit, 500);
        for bad in [0, -1, 501, i64::MAX] {
            assert!(matches!(
                page_query::<i64>(None, Some(bad)),
                Err(AppError::Invalid(_))
            ));
        }
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

    #[test]
    fn history_of_an_unknown_id_is_not_found() {
        let mut mocks = Mocks::new();
        mocks.ledger.expect_history().returning(|_, _| Ok(vec![]));
        mocks.ledger.expect_object_known().returning(|_| Ok(false));
        let id = ObjectId::parse("i000000000000000009").unwrap();
        let result = mocks.service().history(
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
            Parent::Place(PlaceId::new(1).unwrap()),
            false,
            &PageQuery {
                after: None,
                limit: 10,
            },
        );
        assert!(matches!(result, Err(AppError::NotFound { .. })));
    }
}
