//! Table rows and their conversion to and from domain values (the same on both backends).
//!
//! Every insertable row has `treat_none_as_default_value = false`: a `None` is inserted as NULL
//! rather than left to the column's default, so the text of an INSERT does not depend on which
//! fields are `None` and diesel keeps it as a cached prepared statement on both backends.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use eckwms_application::ports::{ApiKey, LabelPrint, ScanAction, ScanRecord, Scope, StoredSession};
use eckwms_domain::scanning::WorkingSet;
use eckwms_domain::{
    ActionKind, Attributes, Barcodes, BoxId, ChangeKind, Customer, IdError, Item, ItemAction,
    ItemId, LedgerEntry, Meta, ObjectId, Order, OrderId, OrderPublicFields, OrderStatus, Parent,
    Place, PlaceId, PublicOrderField, Rack, RackCell, RackId, RackLayout, StorageBox, Text,
    Warehouse, WarehouseId,
};
use serde_json::Value;

use crate::error::DbError;
use crate::schema::{
    api_keys, boxes, item_actions, items, label_prints, ledger, orders, places, racks,
    scan_sessions, scans, warehouses,
};

pub(crate) fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub(crate) fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t)
}

/// A stored text, read under the rules it was written with (`Text::from_stored`): a name
/// stored before the stricter rules of `Text::new` still reads.
pub(crate) fn text<const N: usize>(field: &str, value: String) -> Result<Text<N>, DbError> {
    Text::from_stored(field, value)
        .map_err(|e| DbError::corrupt(format!("{}: {}", e.field, e.message)))
}

pub(crate) fn opt_text<const N: usize>(
    field: &str,
    value: Option<String>,
) -> Result<Option<Text<N>>, DbError> {
    value.map(|v| text(field, v)).transpose()
}

fn opt_string<const N: usize>(value: &Option<Text<N>>) -> Option<String> {
    value.as_ref().map(|t| t.as_str().to_owned())
}

pub(crate) fn object_id(value: &str) -> Result<ObjectId, DbError> {
    ObjectId::parse(value).map_err(|e| DbError::corrupt(format!("id {value:?}: {e}")))
}

pub(crate) fn typed<T: TryFrom<ObjectId>>(value: &str) -> Result<T, DbError> {
    T::try_from(object_id(value)?)
        .map_err(|_| DbError::corrupt(format!("id {value:?} of the wrong kind")))
}

fn number(value: i64, what: &str) -> Result<u64, DbError> {
    u64::try_from(value).map_err(|_| DbError::corrupt(format!("negative {what}")))
}

/// `(parent_box, parent_place)` columns of a location.
pub(crate) fn parent_columns(parent: Option<Parent>) -> (Option<String>, Option<String>) {
    match parent {
        None => (None, None),
        Some(Parent::Box(b)) => (Some(b.to_string()), None),
        Some(Parent::Place(p)) => (None, Some(p.to_string())),
    }
}

pub(crate) fn parent_from(
    parent_box: Option<&str>,
    parent_place: Option<&str>,
) -> Result<Option<Parent>, DbError> {
    match (parent_box, parent_place) {
        (None, None) => Ok(None),
        (Some(b), None) => Ok(Some(Parent::Box(typed(b)?))),
        (None, Some(p)) => Ok(Some(Parent::Place(typed(p)?))),
        (Some(_), Some(_)) => Err(DbError::corrupt("object with two parents")),
    }
}

fn meta(version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Meta {
    Meta {
        version,
        created_at: from_db(created_at),
        updated_at: from_db(updated_at),
    }
}

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
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

// ---------------------------------------------------------------- boxes and items

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
            barcodes: Barcodes::from_stored("barcodes", barcodes)
                .map_err(|e| DbError::corrupt(e.message))?,
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
            barcodes: Barcodes::from_stored("barcodes", barcodes)
                .map_err(|e| DbError::corrupt(e.message))?,
            parent: parent_from(self.parent_box.as_deref(), self.parent_place.as_deref())?,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, Debug)]
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
        })
    }
}

// ---------------------------------------------------------------- orders

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = orders, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct OrderRow {
    pub id: String,
    pub reference: Option<String>,
    pub customer: String,
    pub status: String,
    pub tracking_number: Option<String>,
    pub received_at: Option<NaiveDateTime>,
    pub processed_at: Option<NaiveDateTime>,
    pub shipped_at: Option<NaiveDateTime>,
    pub public_fields: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An order's public fields as stored: their names separated by spaces, in the fixed order
/// (`"status tracking_number"`); empty when nothing is public.
fn public_fields_text(fields: &OrderPublicFields) -> String {
    fields
        .iter()
        .map(PublicOrderField::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads [`public_fields_text`]; an unknown name is damage, reported rather than skipped.
fn public_fields_from(text: &str) -> Result<OrderPublicFields, DbError> {
    text.split_ascii_whitespace()
        .map(|name| {
            PublicOrderField::parse(name)
                .ok_or_else(|| DbError::corrupt(format!("public order field {name:?}")))
        })
        .collect()
}

impl OrderRow {
    pub fn from_domain(o: &Order) -> Self {
        Self {
            id: o.id.to_string(),
            reference: opt_string(&o.reference),
            customer: serde_json::to_string(&o.customer).unwrap_or_else(|_| "{}".into()),
            status: o.status.as_str().to_owned(),
            tracking_number: opt_string(&o.tracking_number),
            received_at: o.received_at.map(to_db),
            processed_at: o.processed_at.map(to_db),
            shipped_at: o.shipped_at.map(to_db),
            public_fields: public_fields_text(&o.public_fields),
            version: o.meta.version,
            created_at: to_db(o.meta.created_at),
            updated_at: to_db(o.meta.updated_at),
        }
    }

    pub fn into_domain(self) -> Result<Order, DbError> {
        let fields: serde_json::Map<String, Value> =
            serde_json::from_str(&self.customer).map_err(DbError::corrupt)?;
        let get = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
        let customer = Customer {
            company: opt_text("company", get("company"))?,
            person: opt_text("person", get("person"))?,
            street: opt_text("street", get("street"))?,
            house_number: opt_text("house_number", get("house_number"))?,
            postal_code: opt_text("postal_code", get("postal_code"))?,
            city: opt_text("city", get("city"))?,
            country: opt_text("country", get("country"))?,
            email: opt_text("email", get("email"))?,
            invoice_email: opt_text("invoice_email", get("invoice_email"))?,
            phone: opt_text("phone", get("phone"))?,
            reseller: opt_text("reseller", get("reseller"))?,
        };
        Ok(Order {
            id: typed::<OrderId>(&self.id)?,
            reference: opt_text("reference", self.reference)?,
            customer,
            status: OrderStatus::parse(&self.status)
                .ok_or_else(|| DbError::corrupt(format!("status {:?}", self.status)))?,
            tracking_number: opt_text("tracking_number", self.tracking_number)?,
            received_at: self.received_at.map(from_db),
            processed_at: self.processed_at.map(from_db),
            shipped_at: self.shipped_at.map(from_db),
            public_fields: public_fields_from(&self.public_fields)?,
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

// ---------------------------------------------------------------- ledger

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = ledger, treat_none_as_default_value = false)]
pub(crate) struct LedgerRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub object_id: String,
    pub change: String,
    pub from_id: Option<String>,
    pub to_id: Option<String>,
    pub actor: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub scan_id: Option<i64>,
    pub data: String,
}

impl LedgerRow {
    pub fn into_domain(self) -> Result<LedgerEntry, DbError> {
        Ok(LedgerEntry {
            seq: self.seq,
            at: from_db(self.at),
            object: object_id(&self.object_id)?,
            kind: ChangeKind::parse(&self.change)
                .ok_or_else(|| DbError::corrupt(format!("change {:?}", self.change)))?,
            from: self.from_id.as_deref().map(object_id).transpose()?,
            to: self.to_id.as_deref().map(object_id).transpose()?,
            actor: self.actor,
            reason: self.reason,
            request_id: self.request_id,
            scan_id: self.scan_id,
            data: serde_json::from_str(&self.data).map_err(DbError::corrupt)?,
        })
    }
}

// ---------------------------------------------------------------- API keys

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
pub(crate) struct ApiKeyRow {
    pub id: i64,
    pub key_id: String,
    pub secret_hash: String,
    pub name: String,
    pub scope: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

impl ApiKeyRow {
    pub fn into_domain(self) -> Result<(ApiKey, String), DbError> {
        let key = ApiKey {
            id: self.id,
            key_id: self.key_id,
            name: self.name,
            scope: Scope::parse(&self.scope)
                .ok_or_else(|| DbError::corrupt(format!("scope {:?}", self.scope)))?,
            created_at: from_db(self.created_at),
            expires_at: self.expires_at.map(from_db),
            revoked_at: self.revoked_at.map(from_db),
            last_used_at: self.last_used_at.map(from_db),
        };
        Ok((key, self.secret_hash))
    }
}

// ---------------------------------------------------------------- scanning

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = scans, treat_none_as_default_value = false)]
pub(crate) struct ScanRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub owner: String,
    pub actor: String,
    pub device_id: Option<String>,
    pub msg_id: String,
    pub barcode: String,
    pub resolution: String,
    pub object_id: Option<String>,
    pub action: String,
    pub answer: String,
}

impl ScanRow {
    pub fn from_domain(r: &ScanRecord) -> Self {
        Self {
            id: r.id,
            at: to_db(r.at),
            owner: r.owner.clone(),
            actor: r.actor.clone(),
            device_id: r.device_id.clone(),
            msg_id: r.msg_id.clone(),
            barcode: r.barcode.clone(),
            resolution: r.resolution.clone(),
            object_id: r.object.map(|o| o.to_string()),
            action: r.action.as_str().to_owned(),
            answer: r.answer.clone(),
        }
    }

    pub fn into_domain(self, ledger_seqs: Vec<i64>) -> Result<ScanRecord, DbError> {
        Ok(ScanRecord {
            id: self.id,
            at: from_db(self.at),
            owner: self.owner,
            actor: self.actor,
            device_id: self.device_id,
            msg_id: self.msg_id,
            barcode: self.barcode,
            resolution: self.resolution,
            object: self.object_id.as_deref().map(object_id).transpose()?,
            action: ScanAction::parse(&self.action)
                .ok_or_else(|| DbError::corrupt(format!("scan action {:?}", self.action)))?,
            answer: self.answer,
            ledger_seqs,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = scan_sessions, treat_none_as_default_value = false)]
pub(crate) struct SessionRow {
    pub owner: String,
    pub items: String,
    pub boxes: String,
    pub places: String,
    pub updated_at: NaiveDateTime,
}

impl SessionRow {
    pub fn from_domain(s: &StoredSession) -> Result<Self, DbError> {
        Ok(Self {
            owner: s.owner.clone(),
            items: set_text(&s.set.items),
            boxes: set_text(&s.set.boxes),
            places: set_text(&s.set.places),
            updated_at: to_db(s.updated_at),
        })
    }

    pub fn into_domain(self) -> Result<StoredSession, DbError> {
        Ok(StoredSession {
            owner: self.owner,
            set: WorkingSet {
                items: set_ids(&self.items, ItemId::new)?,
                boxes: set_ids(&self.boxes, BoxId::new)?,
                places: set_ids(&self.places, PlaceId::new)?,
            },
            updated_at: from_db(self.updated_at),
        })
    }
}

/// A list of a working set as stored: the ids' numbers, separated by spaces (the column names
/// the kind). A set holds up to `scan::MAX_SET` ids and every scan of its device reads and writes
/// it, so it is kept small: 500 boxes fit in one page of the database.
fn set_text<T: Copy + Into<ObjectId>>(ids: &[T]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(ids.len() * 8);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        // Writing into a String cannot fail.
        let _ = write!(text, "{}", (*id).into().number());
    }
    text
}

/// Reads [`set_text`]; also the JSON arrays of ids that sessions held before it.
fn set_ids<T>(text: &str, id: fn(u64) -> Result<T, IdError>) -> Result<Vec<T>, DbError>
where
    T: serde::de::DeserializeOwned,
{
    if text.starts_with('[') {
        return serde_json::from_str(text).map_err(DbError::corrupt);
    }
    text.split_ascii_whitespace()
        .map(|number| {
            let number = number.parse::<u64>().map_err(DbError::corrupt)?;
            id(number).map_err(DbError::corrupt)
        })
        .collect()
}

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = label_prints, treat_none_as_default_value = false)]
pub(crate) struct LabelPrintRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub kind: String,
    pub reprint: bool,
    pub format: String,
    pub object_ids: String,
}

impl LabelPrintRow {
    pub fn from_domain(p: &LabelPrint) -> Result<Self, DbError> {
        let ids: Vec<String> = p.objects.iter().map(ToString::to_string).collect();
        Ok(Self {
            id: p.id,
            at: to_db(p.at),
            actor: p.actor.clone(),
            kind: p.kind.as_str().to_owned(),
            reprint: p.reprint,
            format: p.format.clone(),
            object_ids: serde_json::to_string(&ids).map_err(DbError::corrupt)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_set_lists_are_numbers_and_older_json_lists_still_read() {
        let boxes = vec![
            BoxId::new(42).unwrap(),
            BoxId::new(700_000_000_000_000_001).unwrap(),
        ];
        let text = set_text(&boxes);
        assert_eq!(text, "42 700000000000000001");
        assert_eq!(set_ids(&text, BoxId::new).unwrap(), boxes);
        assert_eq!(set_text::<BoxId>(&[]), "");
        assert!(set_ids(" ", BoxId::new).unwrap().is_empty());
        let legacy = r#"["b000000000000000042","b700000000000000001"]"#;
        assert_eq!(set_ids(legacy, BoxId::new).unwrap(), boxes);
        // Damage is reported, not skipped.
        assert!(set_ids("42 x", BoxId::new).is_err());
        assert!(set_ids("10000000000000000000", BoxId::new).is_err());
        assert!(set_ids(r#"["i000000000000000042"]"#, BoxId::new).is_err());
    }

    #[test]
    fn public_order_fields_are_names_separated_by_spaces() {
        let fields: OrderPublicFields = [PublicOrderField::ShippedAt, PublicOrderField::Status]
            .into_iter()
            .collect();
        let text = public_fields_text(&fields);
        assert_eq!(text, "status shipped_at");
        assert_eq!(public_fields_from(&text).unwrap(), fields);
        assert_eq!(public_fields_text(&OrderPublicFields::default()), "");
        assert!(public_fields_from("").unwrap().is_empty());
        // Damage is reported, not skipped; the customer never reads as a field.
        assert!(public_fields_from("status customer").is_err());
    }
}
