//! The repair wing: RMA requests (their numbers and declared devices, and the items their
//! linked boxes hold), and the pages of the service report. Mounted twice, as a module
//! of `sqlite` and of `pg` (see `sqlite.rs`).

use std::collections::{HashMap, HashSet};

use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::BigInt;
use eckwms_application::ports::{MovedOrder, ServiceReportFilter, ServiceReportPage};
use eckwms_domain::repair::reconcile::{FoundItem, MAX_FOUND_ITEMS};
use eckwms_domain::repair::report::{ReportedItem, ReportedOrder};
use eckwms_domain::repair::{Declared, RMA_ORDER_BASE, is_rma_order};

use super::*;

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// How many numbers a request tries before giving up: each one skipped is an order a scan of a
/// printed code made before (at most one per second of the past).
const RMA_ATTEMPTS: usize = 1000;

/// The next RMA number: max(last + 1, `now`), in one statement that also holds the counter's
/// row until the transaction ends.
fn next_rma_number(c: &mut Conn, now: i64) -> Result<i64, DbError> {
    let sql = format!(
        "UPDATE rma_numbers SET last_value = CASE WHEN last_value + 1 > {p1} \
         THEN last_value + 1 ELSE {p2} END WHERE one RETURNING last_value AS value",
        p1 = bind_param(1),
        p2 = bind_param(2),
    );
    let next: Number = diesel::sql_query(sql)
        .bind::<BigInt, _>(now)
        .bind::<BigInt, _>(now)
        .get_result(c)?;
    Ok(next.value)
}

/// Stores a new RMA request: the order of the next free RMA number at `now` (Unix seconds)
/// with its declared devices, and its ledger row.
pub(crate) fn create_rma(
    c: &mut Conn,
    new: &NewOrder,
    now: i64,
    ctx: &WriteContext,
) -> Result<Order, DbError> {
    for _ in 0..RMA_ATTEMPTS {
        let number = next_rma_number(c, now)?;
        let id = u64::try_from(number)
            .ok()
            .and_then(|n| OrderId::new(RMA_ORDER_BASE + n).ok())
            .ok_or_else(|| DbError::corrupt(format!("RMA number {number}")))?;
        c.lock_rows(Locked::Orders, &[id.to_string()])?;
        let taken: Option<String> = orders::table
            .find(id.to_string())
            .select(orders::id)
            .first(c)
            .optional()?;
        if taken.is_none() {
            return insert_order(c, id, new, ctx);
        }
    }
    Err(DbError::corrupt(
        "no free RMA number in a thousand after the last one",
    ))
}

/// The declared devices of these orders (RMA requests; others have none), by order id.
pub(crate) fn load_declared(
    c: &mut Conn,
    orders: &[OrderId],
) -> Result<HashMap<OrderId, Declared>, DbError> {
    let ids: Vec<String> = orders
        .iter()
        .filter(|id| is_rma_order(**id))
        .map(ToString::to_string)
        .collect();
    let mut found: HashMap<OrderId, Vec<_>> = HashMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows: Vec<DeclaredRow> = rma_declared::table
            .filter(rma_declared::order_id.eq_any(chunk))
            .order((rma_declared::order_id, rma_declared::position))
            .select(DeclaredRow::as_select())
            .load(c)?;
        for row in rows {
            let order = typed::<OrderId>(&row.order_id)?;
            found.entry(order).or_default().push(row.into_domain()?);
        }
    }
    Ok(found
        .into_iter()
        .map(|(id, devices)| (id, Declared::from_stored(devices)))
        .collect())
}

/// Attaches their declared devices to orders read from `orders`.
pub(crate) fn with_declared(c: &mut Conn, mut orders: Vec<Order>) -> Result<Vec<Order>, DbError> {
    let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
    let mut declared = load_declared(c, &ids)?;
    for order in &mut orders {
        if let Some(devices) = declared.remove(&order.id) {
            order.declared = devices;
        }
    }
    Ok(orders)
}

/// Replaces the order's declared devices.
pub(crate) fn store_declared(
    c: &mut Conn,
    order: OrderId,
    declared: &Declared,
) -> Result<(), DbError> {
    diesel::delete(rma_declared::table.filter(rma_declared::order_id.eq(order.to_string())))
        .execute(c)?;
    for chunk in DeclaredRow::from_domain(order, declared).chunks(INSERT_CHUNK / 5) {
        diesel::insert_into(rma_declared::table)
            .values(chunk)
            .execute(c)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct FoundRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    serial: Option<String>,
}

#[derive(QueryableByName)]
struct FoundBarcodeRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    item_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    barcode: String,
}

/// The boxes linked to the order (`{p1}`) and those nested in them at any depth. UNION, not
/// UNION ALL: a linked box inside another linked box is walked once.
fn linked_tree(p1: &str) -> String {
    format!(
        "WITH RECURSIVE tree(id) AS ( \
             SELECT id FROM boxes WHERE order_id = {p1} \
             UNION SELECT b.id FROM boxes b JOIN tree t ON b.parent_box = t.id)"
    )
}

/// The items in the order's linked boxes, nested ones included, in id order, at most `limit`,
/// with their serials and barcodes: two queries (the items, then their barcodes), one each
/// whatever the number of items.
pub(crate) fn found_items(
    c: &mut Conn,
    order: OrderId,
    limit: usize,
) -> Result<Vec<FoundItem>, DbError> {
    let key = order.to_string();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let items_below = format!(
        "SELECT id, serial FROM items WHERE parent_box IN (SELECT id FROM tree) \
         ORDER BY id LIMIT {p2}",
        p2 = bind_param(2),
    );
    let rows: Vec<FoundRow> = diesel::sql_query(format!(
        "{tree} {items_below}",
        tree = linked_tree(&bind_param(1))
    ))
    .bind::<diesel::sql_types::Text, _>(&key)
    .bind::<BigInt, _>(limit)
    .load(c)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let barcodes: Vec<FoundBarcodeRow> = diesel::sql_query(format!(
        "{tree}, found AS ({items_below}) \
         SELECT item_id, barcode FROM item_barcodes WHERE item_id IN (SELECT id FROM found) \
         ORDER BY item_id, position",
        tree = linked_tree(&bind_param(1))
    ))
    .bind::<diesel::sql_types::Text, _>(&key)
    .bind::<BigInt, _>(limit)
    .load(c)?;
    let mut by_item: HashMap<String, Vec<Code>> = HashMap::new();
    for row in barcodes {
        by_item
            .entry(row.item_id)
            .or_default()
            .push(text("barcode", row.barcode)?);
    }
    rows.into_iter()
        .map(|row| {
            Ok(FoundItem {
                id: typed::<ItemId>(&row.id)?,
                serial: opt_text("serial", row.serial)?,
                barcodes: by_item.remove(&row.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// The orders a move concerns (see `RepairTx::lock_orders_of_move`): the boxes below the moved
/// boxes are walked level by level (a query per level of nesting), the boxes above the boxes
/// the items left by their chains; then one query finds their orders, and the orders are
/// locked and read. Such moves (onto a place with a role) are few: the cost is not the
/// moves' hot path.
pub(crate) fn lock_orders_of_move(
    c: &mut Conn,
    moved_boxes: &[BoxId],
    left: &[(ItemId, BoxId)],
) -> Result<Vec<MovedOrder>, DbError> {
    // Every box whose order the move concerns, with the moved object that carried it (the
    // first to reach it: moved boxes, then items, in the order given).
    let mut via: HashMap<String, Movable> = HashMap::new();
    for id in moved_boxes {
        via.entry(id.to_string()).or_insert(Movable::Box(*id));
    }
    let mut frontier: Vec<String> = moved_boxes.iter().map(ToString::to_string).collect();
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for chunk in frontier.chunks(INSERT_CHUNK) {
            let children: Vec<(String, Option<String>)> = boxes::table
                .filter(boxes::parent_box.eq_any(chunk))
                .select((boxes::id, boxes::parent_box))
                .load(c)?;
            for (child, parent) in children {
                let carrier = parent.as_ref().and_then(|p| via.get(p)).copied();
                if let Some(carrier) = carrier
                    && !via.contains_key(&child)
                {
                    via.insert(child.clone(), carrier);
                    next.push(child);
                }
            }
        }
        frontier = next;
    }
    // Items that left one box share its chain: it is walked once (the first item carries it).
    let mut walked: HashSet<BoxId> = HashSet::new();
    for (item, from) in left {
        if !walked.insert(*from) {
            continue;
        }
        for above in box_chain(c, *from)?.0 {
            via.entry(above.to_string()).or_insert(Movable::Item(*item));
        }
    }
    let keys: Vec<String> = via.keys().cloned().collect();
    // (the carrier's place among the moved objects, order, carrier)
    let mut linked: Vec<(usize, String, Movable)> = Vec::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows: Vec<(String, Option<String>)> = boxes::table
            .filter(boxes::id.eq_any(chunk))
            .filter(boxes::order_id.is_not_null())
            .select((boxes::id, boxes::order_id))
            .load(c)?;
        for (box_key, order) in rows {
            if let (Some(order), Some(carrier)) = (order, via.get(&box_key)) {
                linked.push((rank(carrier, moved_boxes, left), order, *carrier));
            }
        }
    }
    // An order reached through several moved objects is carried by the first one given.
    linked.sort_by_key(|(rank, _, _)| *rank);
    let mut orders: BTreeMap<String, Movable> = BTreeMap::new();
    for (_, order, carrier) in linked {
        orders.entry(order).or_insert(carrier);
    }
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let order_keys: Vec<String> = orders.keys().cloned().collect();
    c.lock_rows(Locked::Orders, &order_keys)?;
    let mut found = Vec::with_capacity(order_keys.len());
    for chunk in order_keys.chunks(INSERT_CHUNK) {
        let statuses: Vec<(String, String)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::status))
            .order(orders::id)
            .load(c)?;
        for (id, status) in statuses {
            let carrier = orders
                .get(&id)
                .copied()
                .ok_or_else(|| DbError::corrupt(format!("order {id} read but not asked for")))?;
            found.push(MovedOrder {
                order: typed::<OrderId>(&id)?,
                status: OrderStatus::parse(&status)
                    .ok_or_else(|| DbError::corrupt(format!("status {status:?}")))?,
                via: carrier,
            });
        }
    }
    Ok(found)
}

/// Those of `items` with a recorded `result` action.
pub(crate) fn items_with_result(c: &mut Conn, items: &[ItemId]) -> Result<Vec<ItemId>, DbError> {
    let keys: Vec<String> = items.iter().map(ToString::to_string).collect();
    let mut found = Vec::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let ids: Vec<String> = item_actions::table
            .filter(item_actions::item_id.eq_any(chunk))
            .filter(item_actions::kind.eq("result"))
            .select(item_actions::item_id)
            .distinct()
            .load(c)?;
        for id in ids {
            found.push(typed::<ItemId>(&id)?);
        }
    }
    found.sort();
    Ok(found)
}

/// The orders linked to the item's box or to any box above it, in id order.
pub(crate) fn orders_holding(c: &mut Conn, item: ItemId) -> Result<Vec<OrderId>, DbError> {
    let Some(Parent::Box(first)) = parent_of(c, Movable::Item(item))? else {
        return Ok(Vec::new());
    };
    let chain: Vec<String> = box_chain(c, first)?
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut orders: Vec<String> = Vec::new();
    for chunk in chain.chunks(INSERT_CHUNK) {
        let linked: Vec<Option<String>> = boxes::table
            .filter(boxes::id.eq_any(chunk))
            .filter(boxes::order_id.is_not_null())
            .select(boxes::order_id)
            .load(c)?;
        orders.extend(linked.into_iter().flatten());
    }
    orders.sort();
    orders.dedup();
    orders.iter().map(|id| typed::<OrderId>(id)).collect()
}

/// Where a moved object stands among those given: moved boxes first, then items.
fn rank(object: &Movable, moved_boxes: &[BoxId], left: &[(ItemId, BoxId)]) -> usize {
    match object {
        Movable::Box(id) => moved_boxes.iter().position(|b| b == id),
        Movable::Item(id) => left
            .iter()
            .position(|(i, _)| i == id)
            .map(|p| p + moved_boxes.len()),
    }
    .unwrap_or(usize::MAX)
}

impl eckwms_application::ports::RepairTx for Unit<'_> {
    fn lock_orders_of_move(
        &mut self,
        boxes: &[BoxId],
        left: &[(ItemId, BoxId)],
    ) -> AppResult<Vec<MovedOrder>> {
        self.run(|c| lock_orders_of_move(c, boxes, left))
    }
}

type Backend = <Conn as diesel::Connection>::Backend;

/// The boxes linked to any of `count` orders (placeholders `1..=count`) and those nested in
/// them at any depth, each with the order it was reached from: the trees [`linked_tree`] walks,
/// for several orders in one query. A box nested in another order's box is in both trees, as
/// each order's reconciliation reads it.
fn linked_trees(count: usize) -> String {
    let params: Vec<String> = (1..=count).map(bind_param).collect();
    format!(
        "WITH RECURSIVE tree(id, order_id) AS ( \
             SELECT id, order_id FROM boxes WHERE order_id IN ({params}) \
             UNION SELECT b.id, t.order_id FROM boxes b JOIN tree t ON b.parent_box = t.id)",
        params = params.join(", ")
    )
}

/// The items of the trees of [`linked_trees`], each with the order whose tree holds it.
const ITEMS_IN_TREES: &str = "tree t JOIN items i ON i.parent_box = t.id";

/// `sql` with the orders' ids bound to its first placeholders, in order.
fn for_orders(sql: String, orders: &[String]) -> BoxedSqlQuery<'static, Backend, SqlQuery> {
    let mut query = diesel::sql_query(sql).into_boxed::<Backend>();
    for id in orders {
        query = query.bind::<diesel::sql_types::Text, _>(id.clone());
    }
    query
}

/// A barcode of an item in an order's tree.
#[derive(QueryableByName)]
struct ReportBarcodeRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    order_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    item_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    barcode: String,
}

/// An action of an item in an order's tree.
#[derive(QueryableByName)]
struct ReportActionRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    order_id: String,
    #[diesel(embed)]
    action: ActionRow,
}

#[derive(QueryableByName)]
struct PerOrder {
    #[diesel(sql_type = diesel::sql_types::Text)]
    order_id: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct ReportItemRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    order_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    serial: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    class_code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    condition: Option<String>,
}

/// Per order of `orders`, how many rows `select` counts (`order_id`, `n`).
fn per_order(
    c: &mut Conn,
    sql: String,
    orders: &[String],
) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<PerOrder> = for_orders(sql, orders).load(c)?;
    Ok(rows.into_iter().map(|r| (r.order_id, r.n)).collect())
}

/// A page of the service report (see `RepairRepository::service_report_page`): eight
/// queries whatever the page's size (the requests tried, their items and declared devices
/// counted, the requests taken with their declared devices, their items, the items' barcodes,
/// actions and results), one when no request follows. The barcodes and actions are read by
/// joins that keep the order whose tree holds the item, so an item in two orders' trees (a
/// linked box inside another order's box) is reported with each.
pub(crate) fn service_report_page(
    c: &mut Conn,
    filter: &ServiceReportFilter,
    after: Option<OrderId>,
    max_orders: usize,
    max_rows: usize,
) -> Result<ServiceReportPage, DbError> {
    let max_orders = max_orders.max(1);
    let first_rma = OrderId::new(RMA_ORDER_BASE).map_err(DbError::corrupt)?;
    let mut query = orders::table
        .select(OrderRow::as_select())
        .filter(orders::id.ge(first_rma.to_string()))
        .order(orders::id)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(orders::id.gt(after.to_string()));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(orders::received_at.ge(to_db(from)));
    }
    if let Some(to) = filter.received_to {
        query = query.filter(orders::received_at.lt(to_db(to)));
    }
    let limit = i64::try_from(max_orders.saturating_add(1)).unwrap_or(i64::MAX);
    let mut tried: Vec<OrderRow> = query.limit(limit).load(c)?;
    let mut more = tried.len() > max_orders;
    tried.truncate(max_orders);
    if tried.is_empty() {
        return Ok(ServiceReportPage::default());
    }
    // How many rows each would write at most: its items and its declared devices.
    let ids: Vec<String> = tried.iter().map(|o| o.id.clone()).collect();
    let items = per_order(
        c,
        format!(
            "{tree} SELECT t.order_id AS order_id, COUNT(*) AS n \
             FROM items i JOIN tree t ON i.parent_box = t.id GROUP BY t.order_id",
            tree = linked_trees(ids.len())
        ),
        &ids,
    )?;
    let params: Vec<String> = (1..=ids.len()).map(bind_param).collect();
    let declared = per_order(
        c,
        format!(
            "SELECT order_id, COUNT(*) AS n FROM rma_declared WHERE order_id IN ({}) \
             GROUP BY order_id",
            params.join(", ")
        ),
        &ids,
    )?;
    let mut rows = 0usize;
    let mut taken = 0;
    for id in &ids {
        let found = items.get(id).copied().unwrap_or(0);
        if usize::try_from(found).unwrap_or(usize::MAX) > MAX_FOUND_ITEMS {
            return Err(AppError::refused(
                ProblemCode::ReconciliationTooLarge,
                format!(
                    "the boxes linked to {id} hold more than {MAX_FOUND_ITEMS} items: unlink \
                     the boxes that are not the customer's parcel"
                ),
            )
            .into());
        }
        let size = usize::try_from(found + declared.get(id).copied().unwrap_or(0)).unwrap_or(0);
        if taken > 0 && rows.saturating_add(size) > max_rows {
            more = true;
            break;
        }
        rows = rows.saturating_add(size);
        taken += 1;
    }
    tried.truncate(taken);
    let ids = &ids[..taken];
    let orders = tried
        .into_iter()
        .map(OrderRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    let orders = with_declared(c, orders)?;
    let tree = linked_trees(ids.len());
    let item_rows: Vec<ReportItemRow> = for_orders(
        format!(
            "{tree} SELECT t.order_id AS order_id, i.id AS id, i.serial AS serial, \
             i.class_code AS class_code, i.name AS name, i.\"condition\" AS condition \
             FROM items i JOIN tree t ON i.parent_box = t.id ORDER BY t.order_id, i.id"
        ),
        ids,
    )
    .load(c)?;
    let barcodes: Vec<ReportBarcodeRow> = for_orders(
        format!(
            "{tree} SELECT t.order_id AS order_id, b.item_id AS item_id, b.barcode AS barcode \
             FROM {ITEMS_IN_TREES} JOIN item_barcodes b ON b.item_id = i.id \
             ORDER BY t.order_id, b.item_id, b.position"
        ),
        ids,
    )
    .load(c)?;
    let actions: Vec<ReportActionRow> = for_orders(
        format!(
            "{tree} SELECT t.order_id AS order_id, a.seq, a.item_id, a.kind, a.message, a.at, \
             a.actor FROM {ITEMS_IN_TREES} JOIN item_actions a ON a.item_id = i.id \
             ORDER BY t.order_id, a.item_id, a.seq"
        ),
        ids,
    )
    .load(c)?;
    let results: Vec<RepairResultRow> = for_orders(
        format!(
            "{tree} SELECT r.seq, r.outcome, r.parts, r.warranty FROM {ITEMS_IN_TREES} \
             JOIN item_actions a ON a.item_id = i.id JOIN repair_results r ON r.seq = a.seq"
        ),
        ids,
    )
    .load(c)?;
    // An item in two trees reads its results twice: one is kept.
    let mut result_of = HashMap::with_capacity(results.len());
    for row in results {
        result_of.insert(row.seq, row.into_domain()?);
    }
    let mut barcodes_of: HashMap<(String, String), Vec<Code>> = HashMap::new();
    for row in barcodes {
        barcodes_of
            .entry((row.order_id, row.item_id))
            .or_default()
            .push(text("barcode", row.barcode)?);
    }
    let mut actions_of: HashMap<(String, String), Vec<ItemAction>> = HashMap::new();
    for row in actions {
        let key = (row.order_id, row.action.item_id.clone());
        let seq = row.action.seq;
        let mut action = row.action.into_domain()?;
        action.result = result_of.get(&seq).cloned();
        actions_of.entry(key).or_default().push(action);
    }
    let mut items_of: HashMap<String, Vec<ReportedItem>> = HashMap::new();
    for row in item_rows {
        let key = (row.order_id, row.id);
        let item = ReportedItem {
            found: FoundItem {
                id: typed::<ItemId>(&key.1)?,
                serial: opt_text("serial", row.serial)?,
                barcodes: barcodes_of.remove(&key).unwrap_or_default(),
            },
            name: opt_text("name", row.name)?,
            class_code: opt_text("class_code", row.class_code)?,
            condition: opt_text("condition", row.condition)?,
            actions: actions_of.remove(&key).unwrap_or_default(),
        };
        items_of.entry(key.0).or_default().push(item);
    }
    let orders = orders
        .into_iter()
        .map(|order| ReportedOrder {
            items: items_of.remove(&order.id.to_string()).unwrap_or_default(),
            order,
        })
        .collect();
    Ok(ServiceReportPage { orders, more })
}
