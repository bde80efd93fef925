//! Orders, and the boxes linked to them. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`).

use eckwms_domain::repair::RMA_ORDER_BASE;

use super::*;

pub(crate) fn load_order(c: &mut Conn, id: OrderId) -> Result<Order, DbError> {
    let order = orders::table
        .find(id.to_string())
        .select(OrderRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("order", id))?
        .into_domain()?;
    let mut found = with_declared(c, vec![order])?;
    found
        .pop()
        .ok_or_else(|| DbError::corrupt("an order went missing"))
}

pub(crate) fn create_order(
    c: &mut Conn,
    new: &NewOrder,
    ctx: &WriteContext,
) -> Result<Order, DbError> {
    let id = new_id(c, "order", OrderId::new)?;
    insert_order(c, id, new, ctx)
}

/// Stores a new order under an id the caller chose (allocated, or read from a label).
pub(crate) fn insert_order(
    c: &mut Conn,
    id: OrderId,
    new: &NewOrder,
    ctx: &WriteContext,
) -> Result<Order, DbError> {
    let order = Order {
        id,
        reference: new.reference.clone(),
        customer: new.customer.clone(),
        status: OrderStatus::Created,
        tracking_number: new.tracking_number.clone(),
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: new.public_fields,
        declared: new.declared.clone(),
        meta: Meta::new(ctx.at),
    };
    diesel::insert_into(orders::table)
        .values(OrderRow::from_domain(&order))
        .execute(c)?;
    if !order.declared.is_empty() {
        store_declared(c, id, &order.declared)?;
    }
    append(
        c,
        ctx,
        &[Change::created(order.id.object_id(), state_of(&order))],
    )?;
    Ok(order)
}

pub(crate) fn get_order(c: &mut Conn, id: OrderId) -> Result<Order, DbError> {
    load_order(c, id)
}

pub(crate) fn list_orders(
    c: &mut Conn,
    filter: &OrderFilter,
    page: &PageQuery<OrderId>,
) -> Result<Vec<Order>, DbError> {
    let mut query = orders::table
        .select(OrderRow::as_select())
        .order(orders::id)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(text) = &filter.text {
        query = query.filter(
            lower(orders::reference.assume_not_null())
                .like(contains_pattern(text))
                .escape('\\'),
        );
    }
    if let Some(before) = filter.received_before {
        query = query.filter(orders::received_at.lt(to_db(before)));
    }
    if filter.arrived_rma {
        // Ids have one width, so the RMA range is a range of their text.
        let first_rma = OrderId::new(RMA_ORDER_BASE)
            .map_err(|e| DbError::corrupt(format!("the first RMA order id: {e}")))?;
        query = query
            .filter(orders::id.ge(first_rma.to_string()))
            .filter(orders::received_at.is_not_null());
    }
    if filter.declares_devices {
        query = query.filter(orders::id.eq_any(rma_declared::table.select(rma_declared::order_id)));
    }
    if let Some(after) = page.after {
        query = query.filter(orders::id.gt(after.to_string()));
    }
    let orders = query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(OrderRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    with_declared(c, orders)
}

pub(crate) fn update_order(
    c: &mut Conn,
    id: OrderId,
    expected: Expected,
    patch: &OrderPatch,
    ctx: &WriteContext,
) -> Result<Order, DbError> {
    c.lock_rows(Locked::Orders, &[id.to_string()])?;
    let mut order = load_order(c, id)?;
    expected.check(order.meta.version)?;
    let before = state_of(&order);
    order.apply(patch.clone(), ctx.at)?;
    let changes = diff(&before, &state_of(&order));
    if !changes.is_empty() {
        order.meta.touch(ctx.at);
        diesel::update(orders::table.find(id.to_string()))
            .set(OrderRow::from_domain(&order))
            .execute(c)?;
        if changes.contains_key("declared") {
            store_declared(c, id, &order.declared)?;
        }
        append(c, ctx, &[Change::updated(id.object_id(), changes)])?;
    }
    Ok(order)
}

pub(crate) fn delete_order(
    c: &mut Conn,
    id: OrderId,
    expected: Expected,
    ctx: &WriteContext,
) -> Result<(), DbError> {
    c.lock_rows(Locked::Orders, &[id.to_string()])?;
    let order = load_order(c, id)?;
    expected.check(order.meta.version)?;
    let linked: Option<String> = boxes::table
        .filter(boxes::order_id.eq(id.to_string()))
        .select(boxes::id)
        .first(c)
        .optional()?;
    if let Some(b) = linked {
        return Err(AppError::refused(
            ProblemCode::NotEmpty,
            format!("box {b} is still linked to order {id}"),
        )
        .into());
    }
    diesel::delete(orders::table.find(id.to_string())).execute(c)?;
    append(
        c,
        ctx,
        &[Change::deleted(id.object_id(), state_of(&order), None)],
    )?;
    Ok(())
}

/// Locks and loads an order and a box, for linking.
pub(crate) fn order_and_box(
    c: &mut Conn,
    order: OrderId,
    box_id: BoxId,
) -> Result<StorageBox, DbError> {
    c.lock_rows(Locked::Orders, &[order.to_string()])?;
    c.lock_rows(Locked::Boxes, &[box_id.to_string()])?;
    load_order(c, order)?;
    load_box(c, box_id)
}

/// Stores the box's new order and records the change (`Linked` to `order`, or `Unlinked`).
pub(crate) fn set_box_order(
    c: &mut Conn,
    mut boxed: StorageBox,
    order: Option<OrderId>,
    ctx: &WriteContext,
) -> Result<StorageBox, DbError> {
    let previous = boxed.order;
    boxed.order = order;
    boxed.meta.touch(ctx.at);
    diesel::update(boxes::table.find(boxed.id.to_string()))
        .set(BoxRow::from_domain(&boxed))
        .execute(c)?;
    let change = Change {
        object: boxed.id.object_id(),
        kind: if order.is_some() {
            ChangeKind::Linked
        } else {
            ChangeKind::Unlinked
        },
        from: previous.map(|o| o.object_id()),
        to: order.map(|o| o.object_id()),
        data: serde_json::Value::Null,
    };
    append(c, ctx, &[change])?;
    Ok(boxed)
}

/// Links (or re-links) a box to an order; one ledger row names the previous and the new order.
pub(crate) fn link_box(
    c: &mut Conn,
    order: OrderId,
    box_id: BoxId,
    ctx: &WriteContext,
) -> Result<StorageBox, DbError> {
    let boxed = order_and_box(c, order, box_id)?;
    if boxed.order == Some(order) {
        return Ok(boxed);
    }
    set_box_order(c, boxed, Some(order), ctx)
}

pub(crate) fn unlink_box(
    c: &mut Conn,
    order: OrderId,
    box_id: BoxId,
    ctx: &WriteContext,
) -> Result<StorageBox, DbError> {
    let boxed = order_and_box(c, order, box_id)?;
    if boxed.order != Some(order) {
        return Err(AppError::refused(
            ProblemCode::NotLinked,
            format!("box {box_id} is not linked to order {order}"),
        )
        .into());
    }
    set_box_order(c, boxed, None, ctx)
}

/// Orders inside a unit of work.
impl eckwms_application::ports::OrdersTx for Unit<'_> {
    fn create_with_id(
        &mut self,
        id: OrderId,
        new: &NewOrder,
        ctx: &WriteContext,
    ) -> AppResult<Order> {
        self.run(|c| {
            keep_counter_above(c, id.object_id())?;
            insert_order(c, id, new, ctx)
        })
    }

    fn link_box(
        &mut self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        self.run(|c| link_box(c, order, box_id, ctx))
    }

    fn update_order(
        &mut self,
        id: OrderId,
        patch: &OrderPatch,
        ctx: &WriteContext,
    ) -> AppResult<Order> {
        self.run(|c| update_order(c, id, Expected::Any, patch, ctx))
    }
}
