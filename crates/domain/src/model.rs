//! Entities of the inventory core and the changes they accept.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{DomainError, FieldError, Validation};
use crate::id::{
    BoxId, IdError, IdKind, ItemId, MAX_ID_NUMBER, ObjectId, OrderId, PlaceId, RackId, WarehouseId,
};
use crate::order_public::OrderPublicFields;
use crate::text::{Code, Name, Note};

/// Where an item or box is: inside a box, or at a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Parent {
    Box(BoxId),
    Place(PlaceId),
}

impl Parent {
    pub fn object_id(self) -> ObjectId {
        match self {
            Parent::Box(id) => id.object_id(),
            Parent::Place(id) => id.object_id(),
        }
    }
}

impl TryFrom<ObjectId> for Parent {
    type Error = IdError;
    fn try_from(id: ObjectId) -> Result<Self, IdError> {
        match id.kind() {
            IdKind::Box => Ok(Parent::Box(BoxId::try_from(id)?)),
            IdKind::Place => Ok(Parent::Place(PlaceId::try_from(id)?)),
            found => Err(IdError::WrongKind {
                expected: IdKind::Box,
                found,
            }),
        }
    }
}

impl fmt::Display for Parent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.object_id().fmt(f)
    }
}

impl FromStr for Parent {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Parent::try_from(ObjectId::parse(s)?)
    }
}

impl Serialize for Parent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Parent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Something that can be moved: an item or a box. Places never move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Movable {
    Box(BoxId),
    Item(ItemId),
}

impl Movable {
    pub fn object_id(self) -> ObjectId {
        match self {
            Movable::Item(id) => id.object_id(),
            Movable::Box(id) => id.object_id(),
        }
    }
}

impl TryFrom<ObjectId> for Movable {
    type Error = IdError;
    fn try_from(id: ObjectId) -> Result<Self, IdError> {
        match id.kind() {
            IdKind::Item => Ok(Movable::Item(ItemId::try_from(id)?)),
            IdKind::Box => Ok(Movable::Box(BoxId::try_from(id)?)),
            found => Err(IdError::WrongKind {
                expected: IdKind::Item,
                found,
            }),
        }
    }
}

impl fmt::Display for Movable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.object_id().fmt(f)
    }
}

/// Fields shared by every stored entity: optimistic-concurrency version and timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Meta {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    pub fn touch(&mut self, at: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = at;
    }
}

// ---------------------------------------------------------------- warehouses and racks

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub id: WarehouseId,
    pub name: Name,
    /// Added to rack cell numbers to give the place ids of this warehouse.
    pub id_offset: u64,
    pub meta: Meta,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWarehouse {
    pub name: Name,
    pub id_offset: u64,
}

impl NewWarehouse {
    pub fn new(name: Name, id_offset: u64) -> Result<Self, DomainError> {
        if id_offset > MAX_ID_NUMBER {
            return Err(DomainError::invalid("id_offset", "must fit 18 digits"));
        }
        Ok(Self { name, id_offset })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WarehousePatch {
    pub name: Option<Name>,
}

impl Warehouse {
    pub fn apply(&mut self, patch: WarehousePatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
    }
}

/// The cell grid of a rack: `columns x rows` cells numbered from `start_index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RackLayout {
    columns: u32,
    rows: u32,
    start_index: u64,
}

/// A rack may hold at most this many cells (each becomes a place).
pub const MAX_RACK_CELLS: u64 = 10_000;

/// One cell of a rack, as reference section 1 defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RackCell {
    pub rack_id: RackId,
    /// Cell index within the rack, from 0.
    pub index: u32,
    pub column: u32,
    pub row: u32,
}

impl RackLayout {
    pub fn new(columns: i64, rows: i64, start_index: i64) -> Result<Self, DomainError> {
        let mut v = Validation::new();
        v.range("columns", columns, 1, 1000);
        v.range("rows", rows, 1, 1000);
        v.range("start_index", start_index, 0, MAX_ID_NUMBER as i64);
        v.finish()?;
        let layout = Self {
            columns: columns as u32,
            rows: rows as u32,
            start_index: start_index as u64,
        };
        if layout.cell_count() > MAX_RACK_CELLS {
            return Err(DomainError::invalid(
                "rows",
                format!("a rack has at most {MAX_RACK_CELLS} cells (columns x rows)"),
            ));
        }
        Ok(layout)
    }

    pub fn columns(self) -> u32 {
        self.columns
    }
    pub fn rows(self) -> u32 {
        self.rows
    }
    pub fn start_index(self) -> u64 {
        self.start_index
    }

    pub fn cell_count(self) -> u64 {
        u64::from(self.columns) * u64::from(self.rows)
    }

    /// Column and row of the cell with this index: `index % columns`, `index / columns % rows`.
    pub fn cell(self, rack_id: RackId, index: u32) -> RackCell {
        RackCell {
            rack_id,
            index,
            column: index % self.columns,
            row: index / self.columns % self.rows,
        }
    }

    /// Place ids of all cells for a warehouse offset, in cell order.
    pub fn place_ids(self, warehouse_offset: u64) -> Result<Vec<PlaceId>, DomainError> {
        let first = warehouse_offset
            .checked_add(self.start_index)
            .filter(|first| first.saturating_add(self.cell_count()) <= MAX_ID_NUMBER + 1)
            .ok_or_else(|| {
                DomainError::invalid(
                    "start_index",
                    "warehouse offset + start index + cells must fit 18 digits",
                )
            })?;
        (0..self.cell_count())
            .map(|i| {
                PlaceId::new(first + i)
                    .map_err(|e| DomainError::invalid("start_index", e.to_string()))
            })
            .collect()
    }
}

/// Name of the place in a rack cell: prefix, then 1-based row and column.
pub fn rack_place_name(
    rack_name: &Name,
    prefix: Option<&Code>,
    cell: RackCell,
) -> Result<Name, FieldError> {
    let head = prefix.map_or(rack_name.as_str(), Code::as_str);
    let text = format!("{head}-{:02}-{:02}", cell.row + 1, cell.column + 1);
    let truncated: String = text.chars().take(200).collect();
    Name::new("name", truncated)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rack {
    pub id: RackId,
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub prefix: Option<Code>,
    pub layout: RackLayout,
    pub sort_order: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    /// Degrees, 0..360.
    pub rotation: i32,
    pub meta: Meta,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRack {
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub prefix: Option<Code>,
    pub layout: RackLayout,
    pub sort_order: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    pub rotation: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RackPatch {
    pub name: Option<Name>,
    pub sort_order: Option<i32>,
    pub pos_x: Option<i32>,
    pub pos_y: Option<i32>,
    pub rotation: Option<i32>,
}

pub fn check_rotation(field: &str, rotation: i32) -> Result<(), FieldError> {
    if (0..360).contains(&rotation) {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be between 0 and 359 degrees"))
    }
}

impl Rack {
    pub fn apply(&mut self, patch: RackPatch) {
        if let Some(v) = patch.name {
            self.name = v;
        }
        if let Some(v) = patch.sort_order {
            self.sort_order = v;
        }
        if let Some(v) = patch.pos_x {
            self.pos_x = v;
        }
        if let Some(v) = patch.pos_y {
            self.pos_y = v;
        }
        if let Some(v) = patch.rotation {
            self.rotation = v;
        }
    }
}

// ---------------------------------------------------------------- places, boxes, items

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub id: PlaceId,
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub rack: Option<RackCell>,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPlace {
    pub warehouse_id: WarehouseId,
    pub name: Name,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacePatch {
    pub name: Option<Name>,
}

impl Place {
    pub fn apply(&mut self, patch: PlacePatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageBox {
    pub id: BoxId,
    pub name: Option<Name>,
    pub parent: Option<Parent>,
    pub order: Option<OrderId>,
    /// Left out of the state while empty, so that box states recorded before boxes had
    /// barcodes replay unchanged.
    #[serde(skip_serializing_if = "Barcodes::is_empty")]
    pub barcodes: Barcodes,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewBox {
    pub name: Option<Name>,
    pub parent: Option<Parent>,
    pub barcodes: Barcodes,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoxPatch {
    pub name: Option<Option<Name>>,
    pub barcodes: Option<Barcodes>,
}

impl StorageBox {
    pub fn apply(&mut self, patch: BoxPatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(barcodes) = patch.barcodes {
            self.barcodes = barcodes;
        }
    }
}

/// Free attributes of an item: a JSON object of bounded size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Attributes(Map<String, Value>);

pub const MAX_ATTRIBUTES_BYTES: usize = 16 * 1024;

impl Attributes {
    pub fn new(field: &str, value: Value) -> Result<Self, FieldError> {
        let Value::Object(map) = value else {
            return Err(FieldError::new(field, "must be a JSON object"));
        };
        if map.len() > 100 {
            return Err(FieldError::new(field, "must have at most 100 keys"));
        }
        if let Some(key) = map.keys().find(|k| k.is_empty() || k.chars().count() > 100) {
            return Err(FieldError::new(
                field,
                format!("key {key:?} must have 1 to 100 characters"),
            ));
        }
        if Value::Object(map.clone()).to_string().len() > MAX_ATTRIBUTES_BYTES {
            return Err(FieldError::new(
                field,
                format!("must serialize to at most {MAX_ATTRIBUTES_BYTES} bytes"),
            ));
        }
        Ok(Self(map))
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

/// Extra barcodes of an item or a box: unique, ordered as given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Barcodes(Vec<Code>);

pub const MAX_BARCODES: usize = 50;

impl Barcodes {
    pub fn new(field: &str, values: Vec<String>) -> Result<Self, FieldError> {
        if values.len() > MAX_BARCODES {
            return Err(FieldError::new(
                field,
                format!("must have at most {MAX_BARCODES} entries"),
            ));
        }
        let mut seen = BTreeSet::new();
        let mut codes = Vec::with_capacity(values.len());
        for (i, value) in values.into_iter().enumerate() {
            let code = Code::new(&format!("{field}[{i}]"), value)?;
            if !seen.insert(code.clone()) {
                return Err(FieldError::new(format!("{field}[{i}]"), "is a duplicate"));
            }
            codes.push(code);
        }
        Ok(Self(codes))
    }

    /// Barcodes read back from storage: each under the rules it was written with
    /// ([`Code::from_stored`]), no duplicate check (they were checked when written).
    pub fn from_stored(field: &str, values: Vec<String>) -> Result<Self, FieldError> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Code::from_stored(&format!("{field}[{i}]"), value))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn as_slice(&self) -> &[Code] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|c| c.as_str() == code)
    }

    /// These barcodes and one more at the end; refused when that would exceed the limit.
    /// Adding one already present changes nothing.
    pub fn with(&self, field: &str, code: Code) -> Result<Self, FieldError> {
        if self.0.contains(&code) {
            return Ok(self.clone());
        }
        if self.0.len() >= MAX_BARCODES {
            return Err(FieldError::new(
                field,
                format!("must have at most {MAX_BARCODES} entries"),
            ));
        }
        let mut codes = self.0.clone();
        codes.push(code);
        Ok(Self(codes))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: ItemId,
    pub serial: Option<Code>,
    pub class_code: Option<Code>,
    pub name: Option<Name>,
    pub condition: Option<Code>,
    pub attributes: Attributes,
    pub barcodes: Barcodes,
    pub parent: Option<Parent>,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewItem {
    pub serial: Option<Code>,
    pub class_code: Option<Code>,
    pub name: Option<Name>,
    pub condition: Option<Code>,
    pub attributes: Attributes,
    pub barcodes: Barcodes,
    pub parent: Option<Parent>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemPatch {
    pub serial: Option<Option<Code>>,
    pub class_code: Option<Option<Code>>,
    pub name: Option<Option<Name>>,
    pub condition: Option<Option<Code>>,
    pub attributes: Option<Attributes>,
    pub barcodes: Option<Barcodes>,
}

impl Item {
    pub fn apply(&mut self, patch: ItemPatch) {
        if let Some(v) = patch.serial {
            self.serial = v;
        }
        if let Some(v) = patch.class_code {
            self.class_code = v;
        }
        if let Some(v) = patch.name {
            self.name = v;
        }
        if let Some(v) = patch.condition {
            self.condition = v;
        }
        if let Some(v) = patch.attributes {
            self.attributes = v;
        }
        if let Some(v) = patch.barcodes {
            self.barcodes = v;
        }
    }
}

/// Repair work recorded on an item (reference section 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Check,
    Cause,
    Result,
    Note,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Check => "check",
            ActionKind::Cause => "cause",
            ActionKind::Result => "result",
            ActionKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "check" => Some(ActionKind::Check),
            "cause" => Some(ActionKind::Cause),
            "result" => Some(ActionKind::Result),
            "note" => Some(ActionKind::Note),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemAction {
    pub kind: ActionKind,
    pub message: Note,
    pub at: DateTime<Utc>,
    pub actor: String,
}

// ---------------------------------------------------------------- orders

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Created,
    Received,
    Processed,
    Shipped,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Received => "received",
            OrderStatus::Processed => "processed",
            OrderStatus::Shipped => "shipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "created" => Some(OrderStatus::Created),
            "received" => Some(OrderStatus::Received),
            "processed" => Some(OrderStatus::Processed),
            "shipped" => Some(OrderStatus::Shipped),
            _ => None,
        }
    }
}

/// Customer fields of an order (reference section 7); all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub company: Option<Name>,
    pub person: Option<Name>,
    pub street: Option<Name>,
    pub house_number: Option<Code>,
    pub postal_code: Option<Code>,
    pub city: Option<Name>,
    pub country: Option<Name>,
    pub email: Option<Name>,
    pub invoice_email: Option<Name>,
    pub phone: Option<Code>,
    pub reseller: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: OrderId,
    pub reference: Option<Code>,
    pub customer: Customer,
    pub status: OrderStatus,
    pub tracking_number: Option<Code>,
    pub received_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
    pub shipped_at: Option<DateTime<Utc>>,
    /// What the public label page may show. Left out of the state while empty, so that order
    /// states recorded before orders could be published replay unchanged.
    #[serde(skip_serializing_if = "OrderPublicFields::is_empty")]
    pub public_fields: OrderPublicFields,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewOrder {
    pub reference: Option<Code>,
    pub customer: Customer,
    pub tracking_number: Option<Code>,
    pub public_fields: OrderPublicFields,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderPatch {
    pub reference: Option<Option<Code>>,
    pub customer: Option<Customer>,
    pub status: Option<OrderStatus>,
    pub tracking_number: Option<Option<Code>>,
    /// Replaces the whole set.
    pub public_fields: Option<OrderPublicFields>,
}

impl Order {
    /// Applies a patch; the status only moves forward (created -> received -> processed -> shipped),
    /// and each step reached records its time.
    pub fn apply(&mut self, patch: OrderPatch, at: DateTime<Utc>) -> Result<(), DomainError> {
        if let Some(status) = patch.status {
            if status < self.status {
                return Err(DomainError::invalid(
                    "status",
                    format!(
                        "cannot go back from {} to {}",
                        self.status.as_str(),
                        status.as_str()
                    ),
                ));
            }
            if status > self.status {
                for step in [
                    OrderStatus::Received,
                    OrderStatus::Processed,
                    OrderStatus::Shipped,
                ] {
                    if step > self.status && step <= status {
                        let slot = match step {
                            OrderStatus::Received => &mut self.received_at,
                            OrderStatus::Processed => &mut self.processed_at,
                            _ => &mut self.shipped_at,
                        };
                        slot.get_or_insert(at);
                    }
                }
                self.status = status;
            }
        }
        if let Some(v) = patch.reference {
            self.reference = v;
        }
        if let Some(v) = patch.customer {
            self.customer = v;
        }
        if let Some(v) = patch.tracking_number {
            self.tracking_number = v;
        }
        if let Some(v) = patch.public_fields {
            self.public_fields = v;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rack_cells_follow_the_reference_formula() {
        let layout = RackLayout::new(4, 3, 100).unwrap();
        assert_eq!(layout.cell_count(), 12);
        let cell = layout.cell(RackId(1), 6);
        assert_eq!((cell.column, cell.row), (2, 1));
        let ids = layout.place_ids(1000).unwrap();
        assert_eq!(ids.len(), 12);
        assert_eq!(ids[0].to_string(), "p000000000000001100");
        assert_eq!(ids[11].number(), 1111);
    }

    #[test]
    fn rack_layout_rejects_absurd_sizes() {
        assert!(RackLayout::new(0, 3, 0).is_err());
        assert!(RackLayout::new(1000, 1000, 0).is_err());
        assert!(RackLayout::new(3, 3, -1).is_err());
        let top = RackLayout::new(10, 10, MAX_ID_NUMBER as i64 - 50).unwrap();
        assert!(top.place_ids(0).is_err());
    }

    #[test]
    fn rack_place_names_use_prefix_row_column() {
        let name = Name::new("n", "Rack A").unwrap();
        let prefix = Code::new("p", "A").unwrap();
        let cell = RackLayout::new(4, 3, 0).unwrap().cell(RackId(1), 5);
        assert_eq!(
            rack_place_name(&name, Some(&prefix), cell)
                .unwrap()
                .as_str(),
            "A-02-02"
        );
        assert_eq!(
            rack_place_name(&name, None, cell).unwrap().as_str(),
            "Rack A-02-02"
        );
    }

    /// A new order, created at `t0`, with nothing set.
    fn new_order(t0: DateTime<Utc>) -> Order {
        Order {
            id: OrderId::new(1).unwrap(),
            reference: None,
            customer: Customer::default(),
            status: OrderStatus::Created,
            tracking_number: None,
            received_at: None,
            processed_at: None,
            shipped_at: None,
            public_fields: OrderPublicFields::default(),
            meta: Meta::new(t0),
        }
    }

    #[test]
    fn order_status_moves_forward_and_stamps_each_step() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut order = new_order(t0);
        let patch = OrderPatch {
            status: Some(OrderStatus::Processed),
            ..OrderPatch::default()
        };
        order.apply(patch, t0).unwrap();
        assert_eq!(order.status, OrderStatus::Processed);
        assert_eq!(order.received_at, Some(t0));
        assert_eq!(order.processed_at, Some(t0));
        assert_eq!(order.shipped_at, None);
        let back = OrderPatch {
            status: Some(OrderStatus::Received),
            ..OrderPatch::default()
        };
        assert!(order.apply(back, t0).is_err());
    }

    #[test]
    fn a_patch_replaces_the_public_fields_and_the_state_omits_an_empty_set() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut order = new_order(t0);
        let before = crate::ledger::state_of(&order);
        assert!(!before.contains_key("public_fields"));
        let chosen = |names: &[&str]| {
            let names = names.iter().map(|n| (*n).to_owned()).collect();
            OrderPublicFields::new("public_fields", names).unwrap()
        };
        let publish = OrderPatch {
            public_fields: Some(chosen(&["tracking_number", "status"])),
            ..OrderPatch::default()
        };
        order.apply(publish, t0).unwrap();
        assert_eq!(
            crate::ledger::state_of(&order)["public_fields"],
            serde_json::json!(["status", "tracking_number"])
        );
        let replace = OrderPatch {
            public_fields: Some(chosen(&["shipped_at"])),
            ..OrderPatch::default()
        };
        order.apply(replace, t0).unwrap();
        assert_eq!(order.public_fields, chosen(&["shipped_at"]));
        // A patch without the field keeps the set.
        order.apply(OrderPatch::default(), t0).unwrap();
        assert_eq!(order.public_fields, chosen(&["shipped_at"]));
        let clear = OrderPatch {
            public_fields: Some(OrderPublicFields::default()),
            ..OrderPatch::default()
        };
        order.apply(clear, t0).unwrap();
        assert_eq!(crate::ledger::state_of(&order), before);
    }

    #[test]
    fn barcodes_and_attributes_are_bounded() {
        assert!(Barcodes::new("barcodes", vec!["A".into(), "A".into()]).is_err());
        assert!(Barcodes::new("barcodes", vec!["".into()]).is_err());
        assert!(Barcodes::new("barcodes", (0..51).map(|i| i.to_string()).collect()).is_err());
        assert!(Attributes::new("attributes", serde_json::json!([1])).is_err());
        assert!(
            Attributes::new("attributes", serde_json::json!({"a": "x".repeat(20000)})).is_err()
        );
        assert!(Attributes::new("attributes", serde_json::json!({"colour": "red"})).is_ok());
    }
}
