//! Shared DTO building blocks: PATCH fields that tell absent from null, the validation collector
//! that turns a request DTO into domain values with every field error at once, pages, and the
//! response shapes several resources share (contents, location, history, boxes).

use chrono::{DateTime, Utc};
use eckwms_application::Page;
use eckwms_application::ports::{ContentEntry, Location, PathStep};
use eckwms_domain::{
    DomainError, FieldError, IdError, LedgerEntry, Movable, ObjectId, Parent, StorageBox, Text,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::problem::{ApiError, ProblemField};

// ---------------------------------------------------------------- PATCH fields

/// A PATCH field: absent (leave as is), `null` (clear), or a value.
///
/// Use with `#[serde(default)]` so that a missing field stays [`Field::Absent`].
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Field::Value(value),
            None => Field::Null,
        })
    }
}

// ---------------------------------------------------------------- validation

/// Collects field errors while a DTO becomes domain values; fails once with all of them.
///
/// Helpers return `None` (or a neutral value) for an invalid field after recording its error,
/// so callers must call [`Check::finish`] before using what they got.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<ProblemField>,
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ApiError::field(field, message));
    }

    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.errors.push(crate::problem::field(e));
                None
            }
        }
    }

    /// Records the errors of a domain constructor.
    pub fn domain<T>(&mut self, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(DomainError::Invalid(fields)) => {
                self.errors
                    .extend(fields.into_iter().map(crate::problem::field));
                None
            }
            Err(DomainError::Rule(message)) => {
                self.push("body", message);
                None
            }
        }
    }

    pub fn text<const N: usize>(&mut self, field: &str, value: String) -> Option<Text<N>> {
        self.take(Text::new(field, value))
    }

    pub fn opt_text<const N: usize>(
        &mut self,
        field: &str,
        value: Option<String>,
    ) -> Option<Text<N>> {
        value.and_then(|v| self.text(field, v))
    }

    /// A PATCH text that may be cleared with `null`: `None` = leave, `Some(None)` = clear.
    pub fn patch_nullable_text<const N: usize>(
        &mut self,
        field: &str,
        value: Field<String>,
    ) -> Option<Option<Text<N>>> {
        match value {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Value(v) => self.text(field, v).map(Some),
        }
    }

    /// A PATCH value that cannot be cleared: `null` is an error.
    pub fn patch_value<T>(&mut self, field: &str, value: Field<T>) -> Option<T> {
        match value {
            Field::Absent => None,
            Field::Null => {
                self.push(field, "must not be null");
                None
            }
            Field::Value(v) => Some(v),
        }
    }

    /// An id naming a box or a place.
    pub fn parent(&mut self, field: &str, raw: &str) -> Option<Parent> {
        let id: ObjectId = self.id(field, raw)?;
        match Parent::try_from(id) {
            Ok(parent) => Some(parent),
            Err(_) => {
                self.push(field, "must be a box or place id");
                None
            }
        }
    }

    /// An id naming an item or a box.
    pub fn movable(&mut self, field: &str, raw: &str) -> Option<Movable> {
        let id: ObjectId = self.id(field, raw)?;
        match Movable::try_from(id) {
            Ok(movable) => Some(movable),
            Err(_) => {
                self.push(field, "must be an item or box id");
                None
            }
        }
    }

    /// Any typed id (`ItemId`, `BoxId`, ...).
    pub fn id<T: std::str::FromStr<Err = IdError>>(&mut self, field: &str, raw: &str) -> Option<T> {
        match raw.parse::<T>() {
            Ok(id) => Some(id),
            Err(e) => {
                self.push(field, e.to_string());
                None
            }
        }
    }

    /// A positive integer id (warehouses, racks).
    pub fn positive(&mut self, field: &str, value: i64) -> Option<i64> {
        if value >= 1 {
            Some(value)
        } else {
            self.push(field, "must be a positive integer");
            None
        }
    }

    pub fn finish(&self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// The validation problem for what was collected.
    pub fn error(&self) -> ApiError {
        ApiError::validation(self.errors.clone())
    }
}

// ---------------------------------------------------------------- lists

/// One page of a list; pass `next_cursor` as `cursor` to get the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOut<T: ToSchema> {
    pub items: Vec<T>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> PageOut<T> {
    pub fn from_page<S>(page: Page<S>, map: impl Fn(S) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(map).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// A complete (unpaginated) list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOut<T: ToSchema> {
    pub items: Vec<T>,
}

// ---------------------------------------------------------------- shared responses

#[derive(Debug, Serialize, ToSchema)]
pub struct BoxOut {
    #[schema(example = "b000000000000000042")]
    pub id: String,
    pub name: Option<String>,
    /// The box or place this box is in.
    pub parent: Option<String>,
    /// The order this box belongs to.
    pub order: Option<String>,
    /// Extra barcodes.
    pub barcodes: Vec<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StorageBox> for BoxOut {
    fn from(b: StorageBox) -> Self {
        Self {
            id: b.id.to_string(),
            name: b.name.map(Text::into_string),
            parent: b.parent.map(|p| p.to_string()),
            order: b.order.map(|o| o.to_string()),
            barcodes: b
                .barcodes
                .as_slice()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            version: b.meta.version,
            created_at: b.meta.created_at,
            updated_at: b.meta.updated_at,
        }
    }
}

/// Kind of a movable object.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovableKind {
    Item,
    Box,
}

/// Kind of a container.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContainerKind {
    Box,
    Place,
}

fn movable_kind(m: Movable) -> MovableKind {
    match m {
        Movable::Item(_) => MovableKind::Item,
        Movable::Box(_) => MovableKind::Box,
    }
}

fn container_kind(p: Parent) -> ContainerKind {
    match p {
        Parent::Box(_) => ContainerKind::Box,
        Parent::Place(_) => ContainerKind::Place,
    }
}

/// One object inside a container.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentEntryOut {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: MovableKind,
    pub name: Option<String>,
    pub parent: String,
}

impl From<ContentEntry> for ContentEntryOut {
    fn from(e: ContentEntry) -> Self {
        Self {
            id: e.object.to_string(),
            kind: movable_kind(e.object),
            name: e.name,
            parent: e.parent.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PathStepOut {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ContainerKind,
    pub name: Option<String>,
}

impl From<PathStep> for PathStepOut {
    fn from(s: PathStep) -> Self {
        Self {
            id: s.container.to_string(),
            kind: container_kind(s.container),
            name: s.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseRefOut {
    pub id: i64,
    pub name: String,
}

/// Where an object is: its containers from the innermost up to the place, and the warehouse.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    pub object: String,
    pub path: Vec<PathStepOut>,
    pub place: Option<String>,
    pub warehouse: Option<WarehouseRefOut>,
}

impl From<Location> for LocationOut {
    fn from(l: Location) -> Self {
        Self {
            object: l.object.to_string(),
            path: l.path.into_iter().map(PathStepOut::from).collect(),
            place: l.place.map(|p| p.to_string()),
            warehouse: l.warehouse.map(|w| WarehouseRefOut {
                id: w.id.0,
                name: w.name.into_string(),
            }),
        }
    }
}

/// What a ledger row records.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOut {
    Created,
    Updated,
    Moved,
    Action,
    Linked,
    Unlinked,
    Deleted,
}

impl From<eckwms_domain::ChangeKind> for ChangeOut {
    fn from(k: eckwms_domain::ChangeKind) -> Self {
        use eckwms_domain::ChangeKind as K;
        match k {
            K::Created => ChangeOut::Created,
            K::Updated => ChangeOut::Updated,
            K::Moved => ChangeOut::Moved,
            K::Action => ChangeOut::Action,
            K::Linked => ChangeOut::Linked,
            K::Unlinked => ChangeOut::Unlinked,
            K::Deleted => ChangeOut::Deleted,
        }
    }
}

/// One ledger row touching an object.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryOut {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub object: String,
    pub change: ChangeOut,
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// The scan that caused the change (`GET /api/v1/scans/{id}`), when a scan did.
    pub scan_id: Option<i64>,
    /// Created/deleted: the full state; updated: the changed fields; action: the action;
    /// `null` for the other changes (moved, linked, unlinked).
    #[schema(value_type = Option<Object>)]
    pub data: Value,
}

impl From<LedgerEntry> for HistoryEntryOut {
    fn from(e: LedgerEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            object: e.object.to_string(),
            change: e.kind.into(),
            from: e.from.map(|id| id.to_string()),
            to: e.to.map(|id| id.to_string()),
            actor: e.actor,
            reason: e.reason,
            request_id: e.request_id,
            scan_id: e.scan_id,
            data: e.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Patch {
        #[serde(default)]
        name: Field<String>,
    }

    #[test]
    fn field_tells_absent_from_null() {
        let absent: Patch = serde_json::from_str("{}").unwrap();
        let null: Patch = serde_json::from_str(r#"{"name": null}"#).unwrap();
        let value: Patch = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!(absent.name, Field::Absent);
        assert_eq!(null.name, Field::Null);
        assert_eq!(value.name, Field::Value("x".to_owned()));
    }

    #[test]
    fn check_collects_every_error() {
        let mut c = Check::new();
        let name: Option<eckwms_domain::Name> = c.text("name", String::new());
        let parent = c.parent("parent", "i000000000000000001");
        let moving = c.movable("objects[2]", "p000000000000000001");
        assert!(name.is_none() && parent.is_none() && moving.is_none());
        let e = c.finish().unwrap_err();
        let fields: Vec<_> = e.errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "parent", "objects[2]"]);
    }
}
