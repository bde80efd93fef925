//! The catalog's rows: warehouses, racks, places, boxes, items and their actions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_domain::repair::{Outcome, RepairResult};
use eckwms_domain::{
    ActionKind, Attributes, Barcodes, BoxId, Item, ItemAction, ItemId, OrderId, Place, PlaceId,
    Rack, RackCell, RackId, RackLayout, StorageBox, Warehouse, WarehouseId,
};
use serde_json::Value;

use super::{
    from_db, meta, number, opt_string, opt_text, parent_columns, parent_from, text, to_db, typed,
};
use crate::error::DbError;
use crate::schema::{boxes, item_actions, items, places, racks, repair_results, warehouses};

// ---------------------------------------------------------------- warehouses, racks, places

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = warehouses, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct WarehouseRow {
    pub id: i64,
    pub name: String,
    pub id_offset: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WarehouseRow {
    pub fn from_domain(w: &Warehouse) -> Self {
        Self {
            id: w.id.0,
            name: w.name.as_str().to_owned(),
            id_offset: w.id_offset as i64,
            version: w.meta.version,
            created_at: to_db(w.meta.created_at),
            updated_at: to_db(w.meta.updated_at),
        }
    }

    pub fn into_domain(self) -> Result<Warehouse, DbError> {
        Ok(Warehouse {
            id: WarehouseId(self.id),
            name: text("name", self.name)?,
            id_offset: number(self.id_offset, "id offset")?,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = racks, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct RackRow {
    pub id: i64,
    pub warehouse_id: i64,
    pub name: String,
    pub prefix: Option<String>,
    pub column_count: i32,
    pub row_count: i32,
    pub start_index: i64,
    pub sort_order: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    pub rotation: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RackRow {
    pub fn from_domain(r: &Rack) -> Self {
        Self {
            id: r.id.0,
            warehouse_id: r.warehouse_id.0,
            name: r.name.as_str().to_owned(),
            prefix: opt_string(&r.prefix),
            column_count: r.layout.columns() as i32,
            row_count: r.layout.rows() as i32,
            start_index: r.layout.start_index() as i64,
            sort_order: r.sort_order,
            pos_x: r.pos_x,
            pos_y: r.pos_y,
            rotation: r.rotation,
            version: r.meta.version,
            created_at: to_db(r.meta.created_at),
            updated_at: to_db(r.meta.updated_at),
        }
    }

    pub fn into_domain(self) -> Result<Rack, DbError> {
        Ok(Rack {
            id: RackId(self.id),
            warehouse_id: WarehouseId(self.warehouse_id),
            name: text("name", self.name)?,
            prefix: opt_text("prefix", self.prefix)?,
            layout: RackLayout::new(
                i64::from(self.column_count),
                i64::from(self.row_count),
                self.start_index,
            )
            .map_err(DbError::corrupt)?,
            sort_order: self.sort_order,
            pos_x: self.pos_x,
            pos_y: self.pos_y,
            rotation: self.rotation,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = places, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct PlaceRow {
    pub id: String,
    pub warehouse_id: i64,
    pub name: String,
    pub rack_id: Option<i64>,
    pub rack_index: Option<i32>,
    pub rack_column: Option<i32>,
    pub rack_row: Option<i32>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PlaceRow {
    pub fn from_domain(p: &Place) -> Self {
        Self {
            id: p.id.to_string(),
            warehouse_id: p.warehouse_id.0,
            name: p.name.as_str().to_owned(),
            rack_id: p.rack.map(|c| c.rack_id.0),
            rack_index: p.rack.map(|c| c.index as i32),
            rack_column: p.rack.map(|c| c.column as i32),
            rack_row: p.rack.map(|c| c.row as i32),
            version: p.meta.version,
            created_at: to_db(p.meta.created_at),
            updated_at: to_db(p.meta.updated_at),
        }
    }

    pub fn into_domain(self) -> Result<Place, DbError> {
        let rack = match (
            self.rack_id,
            self.rack_index,
            self.rack_column,
            self.rack_row,
        ) {
            (Some(rack_id), Some(index), Some(column), Some(row)) => Some(RackCell {
                rack_id: RackId(rack_id),
                index: index as u32,
                column: column as u32,
                row: row as u32,
            }),
            _ => None,
        };
        Ok(Place {
            id: typed::<PlaceId>(&self.id)?,
            warehouse_id: WarehouseId(self.warehouse_id),
            name: text("name", self.name)?,
            rack,
            // Read apart, from `place_roles`.
            role: None,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

// ---------------------------------------------------------------- boxes and items

/// The barcodes of a box or an item as stored, in position order.
fn stored_barcodes(barcodes: Vec<String>) -> Result<Barcodes, DbError> {
    Barcodes::from_stored("barcodes", barcodes).map_err(|e| DbError::corrupt(e.message))
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = boxes, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct BoxRow {
    pub id: String,
    pub name: Option<String>,
    pub parent_box: Option<String>,
    pub parent_place: Option<String>,
    pub order_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl BoxRow {
    pub fn from_domain(b: &StorageBox) -> Self {
        let (parent_box, parent_place) = parent_columns(b.parent);
        Self {
            id: b.id.to_string(),
            name: opt_string(&b.name),
            parent_box,
            parent_place,
            order_id: b.order.map(|o| o.to_string()),
            version: b.meta.version,
            created_at: to_db(b.meta.created_at),
            updated_at: to_db(b.meta.updated_at),
        }
    }

    pub fn into_domain(self, barcodes: Vec<String>) -> Result<StorageBox, DbError> {
        Ok(StorageBox {
            id: typed::<BoxId>(&self.id)?,
            name: opt_text("name", self.name)?,
            parent: parent_from(self.parent_box.as_deref(), self.parent_place.as_deref())?,
            order: self.order_id.as_deref().map(typed::<OrderId>).transpose()?,
            barcodes: stored_barcodes(barcodes)?,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = items, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct ItemRow {
    pub id: String,
    pub serial: Option<String>,
    pub class_code: Option<String>,
    pub name: Option<String>,
    pub condition: Option<String>,
    pub attributes: String,
    pub parent_box: Option<String>,
    pub parent_place: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ItemRow {
    pub fn from_domain(i: &Item) -> Self {
        let (parent_box, parent_place) = parent_columns(i.parent);
        Self {
            id: i.id.to_string(),
            serial: opt_string(&i.serial),
            class_code: opt_string(&i.class_code),
            name: opt_string(&i.name),
            condition: opt_string(&i.condition),
            attributes: Value::Object(i.attributes.as_map().clone()).to_string(),
            parent_box,
            parent_place,
            version: i.meta.version,
            created_at: to_db(i.meta.created_at),
            updated_at: to_db(i.meta.updated_at),
        }
    }

    pub fn into_domain(self, barcodes: Vec<String>) -> Result<Item, DbError> {
        let attributes: Value = serde_json::from_str(&self.attributes).map_err(DbError::corrupt)?;
        Ok(Item {
            id: typed::<ItemId>(&self.id)?,
            serial: opt_text("serial", self.serial)?,
            class_code: opt_text("class_code", self.class_code)?,
            name: opt_text("name", self.name)?,
            condition: opt_text("condition", self.condition)?,
            attributes: Attributes::new("attributes", attributes)
                .map_err(|e| DbError::corrupt(e.message))?,
            barcodes: stored_barcodes(barcodes)?,
            parent: parent_from(self.parent_box.as_deref(), self.parent_place.as_deref())?,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

// QueryableByName: the service report reads actions with raw SQL (`sql/repair.rs`).
#[derive(Queryable, QueryableByName, Selectable, Insertable, Debug)]
#[diesel(table_name = item_actions, treat_none_as_default_value = false)]
pub(crate) struct ActionRow {
    pub seq: i64,
    pub item_id: String,
    pub kind: String,
    pub message: String,
    pub at: NaiveDateTime,
    pub actor: String,
}

impl ActionRow {
    pub fn into_domain(self) -> Result<ItemAction, DbError> {
        Ok(ItemAction {
            kind: ActionKind::parse(&self.kind)
                .ok_or_else(|| DbError::corrupt(format!("action kind {:?}", self.kind)))?,
            message: text("message", self.message)?,
            at: from_db(self.at),
            actor: self.actor,
            // Read apart, from `repair_results`.
            result: None,
        })
    }
}

/// The outcome, parts and warranty of a `result` action.
#[derive(Queryable, QueryableByName, Selectable, Insertable, Debug)]
#[diesel(table_name = repair_results, treat_none_as_default_value = false)]
pub(crate) struct RepairResultRow {
    pub seq: i64,
    pub outcome: String,
    pub parts: String,
    pub warranty: bool,
}

impl RepairResultRow {
    pub fn from_domain(seq: i64, r: &RepairResult) -> Self {
        let parts: Vec<&str> = r.parts.iter().map(|p| p.as_str()).collect();
        Self {
            seq,
            outcome: r.outcome.as_str().to_owned(),
            parts: serde_json::to_string(&parts).unwrap_or_else(|_| "[]".into()),
            warranty: r.warranty,
        }
    }

    pub fn into_domain(self) -> Result<RepairResult, DbError> {
        let outcome = Outcome::parse(&self.outcome)
            .ok_or_else(|| DbError::corrupt(format!("repair outcome {:?}", self.outcome)))?;
        let lines: Vec<String> = serde_json::from_str(&self.parts).map_err(DbError::corrupt)?;
        let parts = lines
            .into_iter()
            .map(|line| text("parts", line))
            .collect::<Result<_, _>>()?;
        Ok(RepairResult {
            outcome,
            parts,
            warranty: self.warranty,
        })
    }
}
