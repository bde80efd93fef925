//! The floor plan: each rack's places and how many of them hold something, and a rack's places
//! cell by cell, both reads. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`). The same SQL on both backends: `EXISTS` on the indexes
//! `boxes_by_parent_place` and `items_by_parent_place`, the places found by
//! `places_by_warehouse` or `places_by_rack`.

use eckwms_application::ports::{PlaceOccupancy, RackOccupancy};

use super::*;

/// Whether the place `p` holds something: a box, or an item directly on it (an item in a box
/// is there through its box).
const HOLDS_SOMETHING: &str = "(EXISTS (SELECT 1 FROM boxes b WHERE b.parent_place = p.id) \
     OR EXISTS (SELECT 1 FROM items i WHERE i.parent_place = p.id))";

#[derive(QueryableByName)]
struct RackCountsRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rack_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    places: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    occupied: i64,
}

#[derive(QueryableByName)]
struct OccupiedRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// The racks of the warehouse, then one grouped count over its places: two queries whatever
/// the number of racks.
pub(crate) fn floor_racks(
    c: &mut Conn,
    warehouse: WarehouseId,
) -> Result<Vec<RackOccupancy>, DbError> {
    let racks: Vec<Rack> = racks::table
        .filter(racks::warehouse_id.eq(warehouse.0))
        .order((racks::sort_order, racks::id))
        .select(RackRow::as_select())
        .load(c)?
        .into_iter()
        .map(RackRow::into_domain)
        .collect::<Result<_, _>>()?;
    if racks.is_empty() {
        return Ok(Vec::new());
    }
    // SUM of an integer is a bigint on PostgreSQL and an integer on SQLite: BigInt on both.
    let counts: Vec<RackCountsRow> = diesel::sql_query(format!(
        "SELECT p.rack_id AS rack_id, COUNT(*) AS places, \
             COALESCE(SUM(CASE WHEN {HOLDS_SOMETHING} THEN 1 ELSE 0 END), 0) AS occupied \
         FROM places p WHERE p.warehouse_id = {p1} AND p.rack_id IS NOT NULL \
         GROUP BY p.rack_id",
        p1 = bind_param(1),
    ))
    .bind::<diesel::sql_types::BigInt, _>(warehouse.0)
    .load(c)?;
    let by_rack: BTreeMap<i64, (i64, i64)> = counts
        .into_iter()
        .map(|row| (row.rack_id, (row.places, row.occupied)))
        .collect();
    Ok(racks
        .into_iter()
        .map(|rack| {
            let (places, occupied) = by_rack.get(&rack.id.0).copied().unwrap_or((0, 0));
            RackOccupancy {
                rack,
                places,
                occupied,
            }
        })
        .collect())
}

/// The rack's places in cell order (with their roles, as every read of places), then the ids
/// of those that hold something: two queries.
pub(crate) fn rack_places(c: &mut Conn, rack: RackId) -> Result<Vec<PlaceOccupancy>, DbError> {
    let places: Vec<Place> = places::table
        .left_join(place_roles::table)
        .filter(places::rack_id.eq(rack.0))
        .select((PlaceRow::as_select(), place_roles::role.nullable()))
        .order((places::rack_index, places::id))
        .load(c)?
        .into_iter()
        .map(place_of)
        .collect::<Result<_, _>>()?;
    if places.is_empty() {
        return Ok(Vec::new());
    }
    let occupied: std::collections::BTreeSet<String> = diesel::sql_query(format!(
        "SELECT p.id AS id FROM places p WHERE p.rack_id = {p1} AND {HOLDS_SOMETHING}",
        p1 = bind_param(1),
    ))
    .bind::<diesel::sql_types::BigInt, _>(rack.0)
    .load::<OccupiedRow>(c)?
    .into_iter()
    .map(|row| row.id)
    .collect();
    Ok(places
        .into_iter()
        .map(|place| PlaceOccupancy {
            occupied: occupied.contains(&place.id.to_string()),
            place,
        })
        .collect())
}
