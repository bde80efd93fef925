//! Warehouses, racks and places. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`).

use super::*;

pub(crate) fn load_warehouse(c: &mut Conn, id: WarehouseId) -> Result<Warehouse, DbError> {
    warehouses::table
        .find(id.0)
        .select(WarehouseRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("warehouse", id))?
        .into_domain()
}

pub(crate) fn create_warehouse(
    c: &mut Conn,
    new: &NewWarehouse,
    ctx: &WriteContext,
) -> Result<Warehouse, DbError> {
    let id = new_id(c, "warehouse", |n| Ok(WarehouseId(n as i64)))?;
    let warehouse = Warehouse {
        id,
        name: new.name.clone(),
        id_offset: new.id_offset,
        meta: Meta::new(ctx.at),
    };
    diesel::insert_into(warehouses::table)
        .values(WarehouseRow::from_domain(&warehouse))
        .execute(c)?;
    Ok(warehouse)
}

pub(crate) fn get_warehouse(c: &mut Conn, id: WarehouseId) -> Result<Warehouse, DbError> {
    load_warehouse(c, id)
}

pub(crate) fn list_warehouses(
    c: &mut Conn,
    page: &PageQuery<WarehouseId>,
) -> Result<Vec<Warehouse>, DbError> {
    let mut query = warehouses::table
        .select(WarehouseRow::as_select())
        .order(warehouses::id)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(warehouses::id.gt(after.0));
    }
    query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(WarehouseRow::into_domain)
        .collect()
}

pub(crate) fn update_warehouse(
    c: &mut Conn,
    id: WarehouseId,
    expected: Expected,
    patch: &WarehousePatch,
    ctx: &WriteContext,
) -> Result<Warehouse, DbError> {
    c.lock_rows(Locked::Warehouses, &[id.0.to_string()])?;
    let mut warehouse = load_warehouse(c, id)?;
    expected.check(warehouse.meta.version)?;
    let before = warehouse.clone();
    warehouse.apply(patch.clone());
    if warehouse != before {
        warehouse.meta.touch(ctx.at);
        diesel::update(warehouses::table.find(id.0))
            .set(WarehouseRow::from_domain(&warehouse))
            .execute(c)?;
    }
    Ok(warehouse)
}

pub(crate) fn delete_warehouse(
    c: &mut Conn,
    id: WarehouseId,
    expected: Expected,
    _ctx: &WriteContext,
) -> Result<(), DbError> {
    c.lock_rows(Locked::Warehouses, &[id.0.to_string()])?;
    let warehouse = load_warehouse(c, id)?;
    expected.check(warehouse.meta.version)?;
    let place: Option<String> = places::table
        .filter(places::warehouse_id.eq(id.0))
        .select(places::id)
        .first(c)
        .optional()?;
    let rack: Option<i64> = racks::table
        .filter(racks::warehouse_id.eq(id.0))
        .select(racks::id)
        .first(c)
        .optional()?;
    if place.is_some() || rack.is_some() {
        return Err(AppError::refused(
            ProblemCode::NotEmpty,
            format!("warehouse {id} still has places or racks"),
        )
        .into());
    }
    diesel::delete(warehouses::table.find(id.0)).execute(c)?;
    Ok(())
}

pub(crate) fn load_rack(c: &mut Conn, id: RackId) -> Result<Rack, DbError> {
    racks::table
        .find(id.0)
        .select(RackRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("rack", id))?
        .into_domain()
}

pub(crate) fn create_rack(
    c: &mut Conn,
    new: &NewRack,
    ctx: &WriteContext,
) -> Result<RackWithPlaces, DbError> {
    let warehouse = warehouses::table
        .find(new.warehouse_id.0)
        .select(WarehouseRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| {
            AppError::invalid(
                "warehouse_id",
                format!("warehouse {} does not exist", new.warehouse_id),
            )
        })?
        .into_domain()?;
    let place_ids = new.layout.place_ids(warehouse.id_offset)?;
    let keys: Vec<String> = place_ids.iter().map(ToString::to_string).collect();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let taken: Option<String> = places::table
            .filter(places::id.eq_any(chunk))
            .select(places::id)
            .order(places::id)
            .first(c)
            .optional()?;
        if let Some(taken) = taken {
            return Err(AppError::refused(
                ProblemCode::PlaceIdTaken,
                format!(
                    "place {taken} already exists: choose another start index or warehouse offset"
                ),
            )
            .into());
        }
    }
    let rack = Rack {
        id: new_id(c, "rack", |n| Ok(RackId(n as i64)))?,
        warehouse_id: new.warehouse_id,
        name: new.name.clone(),
        prefix: new.prefix.clone(),
        layout: new.layout,
        sort_order: new.sort_order,
        pos_x: new.pos_x,
        pos_y: new.pos_y,
        rotation: new.rotation,
        meta: Meta::new(ctx.at),
    };
    diesel::insert_into(racks::table)
        .values(RackRow::from_domain(&rack))
        .execute(c)?;
    let mut places = Vec::with_capacity(place_ids.len());
    for (index, id) in place_ids.iter().enumerate() {
        let cell = rack.layout.cell(rack.id, index as u32);
        places.push(Place {
            id: *id,
            warehouse_id: rack.warehouse_id,
            name: rack_place_name(&rack.name, rack.prefix.as_ref(), cell)?,
            rack: Some(cell),
            role: None,
            meta: Meta::new(ctx.at),
        });
    }
    let rows: Vec<PlaceRow> = places.iter().map(PlaceRow::from_domain).collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        diesel::insert_into(places::table)
            .values(chunk)
            .execute(c)?;
    }
    let changes: Vec<Change> = places
        .iter()
        .map(|p| Change::created(p.id.object_id(), state_of(p)))
        .collect();
    append(c, ctx, &changes)?;
    Ok(RackWithPlaces {
        rack,
        places: place_ids,
    })
}

pub(crate) fn get_rack(c: &mut Conn, id: RackId) -> Result<Rack, DbError> {
    load_rack(c, id)
}

pub(crate) fn list_racks(
    c: &mut Conn,
    warehouse: Option<WarehouseId>,
    page: &PageQuery<RackId>,
) -> Result<Vec<Rack>, DbError> {
    let mut query = racks::table
        .select(RackRow::as_select())
        .order(racks::id)
        .into_boxed();
    if let Some(w) = warehouse {
        query = query.filter(racks::warehouse_id.eq(w.0));
    }
    if let Some(after) = page.after {
        query = query.filter(racks::id.gt(after.0));
    }
    query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(RackRow::into_domain)
        .collect()
}

pub(crate) fn update_rack(
    c: &mut Conn,
    id: RackId,
    expected: Expected,
    patch: &RackPatch,
    ctx: &WriteContext,
) -> Result<Rack, DbError> {
    c.lock_rows(Locked::Racks, &[id.0.to_string()])?;
    let mut rack = load_rack(c, id)?;
    expected.check(rack.meta.version)?;
    let before = rack.clone();
    rack.apply(patch.clone());
    if rack != before {
        rack.meta.touch(ctx.at);
        diesel::update(racks::table.find(id.0))
            .set(RackRow::from_domain(&rack))
            .execute(c)?;
    }
    Ok(rack)
}

pub(crate) fn delete_rack(
    c: &mut Conn,
    id: RackId,
    expected: Expected,
    ctx: &WriteContext,
) -> Result<(), DbError> {
    c.lock_rows(Locked::Racks, &[id.0.to_string()])?;
    let rack = load_rack(c, id)?;
    expected.check(rack.meta.version)?;
    let places: Vec<Place> = places::table
        .left_join(place_roles::table)
        .filter(places::rack_id.eq(id.0))
        .select((PlaceRow::as_select(), place_roles::role.nullable()))
        .order(places::id)
        .load(c)?
        .into_iter()
        .map(place_of)
        .collect::<Result<_, _>>()?;
    let keys: Vec<String> = places.iter().map(|p| p.id.to_string()).collect();
    c.lock_rows(Locked::Places, &keys)?;
    for place in &places {
        ensure_empty(c, Parent::Place(place.id))?;
    }
    for chunk in keys.chunks(INSERT_CHUNK) {
        diesel::delete(place_roles::table.filter(place_roles::place_id.eq_any(chunk)))
            .execute(c)?;
        diesel::delete(places::table.filter(places::id.eq_any(chunk))).execute(c)?;
    }
    diesel::delete(racks::table.find(id.0)).execute(c)?;
    let changes: Vec<Change> = places
        .iter()
        .map(|p| Change::deleted(p.id.object_id(), state_of(p), None))
        .collect();
    append(c, ctx, &changes)?;
    Ok(())
}

pub(crate) fn load_place(c: &mut Conn, id: PlaceId) -> Result<Place, DbError> {
    let found = places::table
        .left_join(place_roles::table)
        .filter(places::id.eq(id.to_string()))
        .select((PlaceRow::as_select(), place_roles::role.nullable()))
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("place", id))?;
    place_of(found)
}

/// A place read as every read of places reads it: its row left-joined with its role
/// (`place_roles`), in one query.
pub(crate) fn place_of((row, role): (PlaceRow, Option<String>)) -> Result<Place, DbError> {
    let mut place = row.into_domain()?;
    place.role = role.as_deref().map(parse_role).transpose()?;
    Ok(place)
}

/// Stores the place's role (none: no row).
fn store_role(c: &mut Conn, place: &Place) -> Result<(), DbError> {
    let id = place.id.to_string();
    diesel::delete(place_roles::table.find(&id)).execute(c)?;
    if let Some(role) = place.role {
        diesel::insert_into(place_roles::table)
            .values((
                place_roles::place_id.eq(&id),
                place_roles::role.eq(role.as_str()),
            ))
            .execute(c)?;
    }
    Ok(())
}

pub(crate) fn create_place(
    c: &mut Conn,
    new: &NewPlace,
    ctx: &WriteContext,
) -> Result<Place, DbError> {
    let exists = warehouses::table
        .find(new.warehouse_id.0)
        .select(warehouses::id)
        .first::<i64>(c)
        .optional()?;
    if exists.is_none() {
        return Err(AppError::invalid(
            "warehouse_id",
            format!("warehouse {} does not exist", new.warehouse_id),
        )
        .into());
    }
    // Rack cells take fixed place numbers; the counter skips over them.
    let mut id = new_id(c, "place", PlaceId::new)?;
    let mut skipped = 0;
    while places::table
        .find(id.to_string())
        .select(places::id)
        .first::<String>(c)
        .optional()?
        .is_some()
    {
        skipped += 1;
        if skipped > eckwms_domain::MAX_RACK_CELLS {
            return Err(DbError::corrupt(
                "place counter runs into a long range of taken ids",
            ));
        }
        id = new_id(c, "place", PlaceId::new)?;
    }
    let place = Place {
        id,
        warehouse_id: new.warehouse_id,
        name: new.name.clone(),
        rack: None,
        role: None,
        meta: Meta::new(ctx.at),
    };
    diesel::insert_into(places::table)
        .values(PlaceRow::from_domain(&place))
        .execute(c)?;
    append(c, ctx, &[Change::created(id.object_id(), state_of(&place))])?;
    Ok(place)
}

pub(crate) fn get_place(c: &mut Conn, id: PlaceId) -> Result<Place, DbError> {
    load_place(c, id)
}

pub(crate) fn list_places(
    c: &mut Conn,
    filter: &PlaceFilter,
    page: &PageQuery<PlaceId>,
) -> Result<Vec<Place>, DbError> {
    let mut query = places::table
        .left_join(place_roles::table)
        .select((PlaceRow::as_select(), place_roles::role.nullable()))
        .order(places::id)
        .into_boxed();
    if let Some(w) = filter.warehouse {
        query = query.filter(places::warehouse_id.eq(w.0));
    }
    if let Some(r) = filter.rack {
        query = query.filter(places::rack_id.eq(r.0));
    }
    if let Some(role) = filter.role {
        query = query.filter(place_roles::role.eq(role.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(places::id.gt(after.to_string()));
    }
    query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(place_of)
        .collect()
}

pub(crate) fn update_place(
    c: &mut Conn,
    id: PlaceId,
    expected: Expected,
    patch: &PlacePatch,
    ctx: &WriteContext,
) -> Result<Place, DbError> {
    c.lock_rows(Locked::Places, &[id.to_string()])?;
    let mut place = load_place(c, id)?;
    expected.check(place.meta.version)?;
    let before = state_of(&place);
    place.apply(patch.clone());
    let changes = diff(&before, &state_of(&place));
    if !changes.is_empty() {
        place.meta.touch(ctx.at);
        diesel::update(places::table.find(id.to_string()))
            .set(PlaceRow::from_domain(&place))
            .execute(c)?;
        if changes.contains_key("role") {
            store_role(c, &place)?;
        }
        append(c, ctx, &[Change::updated(id.object_id(), changes)])?;
    }
    Ok(place)
}

pub(crate) fn delete_place(
    c: &mut Conn,
    id: PlaceId,
    expected: Expected,
    ctx: &WriteContext,
) -> Result<(), DbError> {
    c.lock_rows(Locked::Places, &[id.to_string()])?;
    let place = load_place(c, id)?;
    expected.check(place.meta.version)?;
    ensure_empty(c, Parent::Place(id))?;
    diesel::delete(place_roles::table.find(id.to_string())).execute(c)?;
    diesel::delete(places::table.find(id.to_string())).execute(c)?;
    append(
        c,
        ctx,
        &[Change::deleted(id.object_id(), state_of(&place), None)],
    )?;
    Ok(())
}
