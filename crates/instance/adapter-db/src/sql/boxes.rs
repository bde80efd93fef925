//! Boxes. Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

pub(crate) fn load_box(c: &mut Conn, id: BoxId) -> Result<StorageBox, DbError> {
    let row = boxes::table
        .find(id.to_string())
        .select(BoxRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("box", id))?;
    boxes_with_barcodes(c, vec![row])?
        .pop()
        .ok_or_else(|| DbError::corrupt("box vanished"))
}

pub(crate) fn create_box(
    c: &mut Conn,
    new: &NewBox,
    ctx: &WriteContext,
) -> Result<StorageBox, DbError> {
    if let Some(parent) = new.parent {
        ensure_container(c, parent, "parent")?;
    }
    let id = new_id(c, "box", BoxId::new)?;
    insert_box(c, id, new, ctx)
}

/// Stores a new box under an id the caller chose (allocated, or read from a label).
pub(crate) fn insert_box(
    c: &mut Conn,
    id: BoxId,
    new: &NewBox,
    ctx: &WriteContext,
) -> Result<StorageBox, DbError> {
    let boxed = StorageBox {
        id,
        name: new.name.clone(),
        parent: new.parent,
        order: None,
        barcodes: new.barcodes.clone(),
        meta: Meta::new(ctx.at),
    };
    diesel::insert_into(boxes::table)
        .values(BoxRow::from_domain(&boxed))
        .execute(c)?;
    if !boxed.barcodes.is_empty() {
        write_box_barcodes(c, &boxed)?;
    }
    append(
        c,
        ctx,
        &[Change::created(boxed.id.object_id(), state_of(&boxed))
            .within(boxed.parent.map(Parent::object_id))],
    )?;
    Ok(boxed)
}

pub(crate) fn get_box(c: &mut Conn, id: BoxId) -> Result<StorageBox, DbError> {
    load_box(c, id)
}

pub(crate) fn list_boxes(
    c: &mut Conn,
    filter: &BoxFilter,
    page: &PageQuery<BoxId>,
) -> Result<Vec<StorageBox>, DbError> {
    let mut query = boxes::table
        .select(BoxRow::as_select())
        .order(boxes::id)
        .into_boxed();
    match filter.parent {
        Some(Parent::Box(b)) => query = query.filter(boxes::parent_box.eq(b.to_string())),
        Some(Parent::Place(p)) => query = query.filter(boxes::parent_place.eq(p.to_string())),
        None => {}
    }
    if let Some(order) = filter.order {
        query = query.filter(boxes::order_id.eq(order.to_string()));
    }
    if !filter.order_status.is_empty() {
        let statuses: Vec<&str> = filter.order_status.iter().map(|s| s.as_str()).collect();
        let orders_in = orders::table
            .filter(orders::status.eq_any(statuses))
            .select(orders::id.nullable());
        query = query.filter(boxes::order_id.eq_any(orders_in));
    }
    if let Some(after) = page.after {
        query = query.filter(boxes::id.gt(after.to_string()));
    }
    let rows = query.limit(i64::from(page.limit)).load(c)?;
    boxes_with_barcodes(c, rows)
}

pub(crate) fn update_box(
    c: &mut Conn,
    id: BoxId,
    expected: Expected,
    patch: &BoxPatch,
    ctx: &WriteContext,
) -> Result<StorageBox, DbError> {
    c.lock_rows(Locked::Boxes, &[id.to_string()])?;
    let mut boxed = load_box(c, id)?;
    expected.check(boxed.meta.version)?;
    let before = state_of(&boxed);
    let barcodes_before = boxed.barcodes.clone();
    boxed.apply(patch.clone());
    let changes = diff(&before, &state_of(&boxed));
    if !changes.is_empty() {
        boxed.meta.touch(ctx.at);
        diesel::update(boxes::table.find(id.to_string()))
            .set(BoxRow::from_domain(&boxed))
            .execute(c)?;
        if boxed.barcodes != barcodes_before {
            write_box_barcodes(c, &boxed)?;
        }
        append(c, ctx, &[Change::updated(id.object_id(), changes)])?;
    }
    Ok(boxed)
}

pub(crate) fn delete_box(
    c: &mut Conn,
    id: BoxId,
    expected: Expected,
    ctx: &WriteContext,
) -> Result<(), DbError> {
    c.lock_rows(Locked::Boxes, &[id.to_string()])?;
    let boxed = load_box(c, id)?;
    expected.check(boxed.meta.version)?;
    ensure_empty(c, Parent::Box(id))?;
    if let Some(order) = boxed.order {
        return Err(AppError::refused(
            ProblemCode::LinkedToOrder,
            format!("box {id} is linked to order {order}: unlink it first"),
        )
        .into());
    }
    diesel::delete(boxes::table.find(id.to_string())).execute(c)?;
    let parent = boxed.parent.map(Parent::object_id);
    append(
        c,
        ctx,
        &[Change::deleted(id.object_id(), state_of(&boxed), parent)],
    )?;
    Ok(())
}

/// Boxes inside a unit of work.
impl eckwms_application::ports::BoxesTx for Unit<'_> {
    fn create_with_id(
        &mut self,
        id: BoxId,
        new: &NewBox,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        self.run(|c| {
            keep_counter_above(c, id.object_id())?;
            insert_box(c, id, new, ctx)
        })
    }

    fn update(
        &mut self,
        id: BoxId,
        expected: Expected,
        patch: &BoxPatch,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        self.run(|c| update_box(c, id, expected, patch, ctx))
    }
}
