//! Shared DTO building blocks: PATCH fields that tell absent from null, the validation collector
//! that turns a request DTO into domain values with every field error at once, pages and the
//! query of a page of ledger rows, and the one response shape two wings share (boxes: catalog and
//! orders). A wing's own shapes live in its `routes/<wing>/` files.

use chrono::{DateTime, Utc};
use eckwms_application::Page;
use eckwms_domain::{
    DomainError, FieldError, IdError, Movable, ObjectId, Parent, StorageBox, Text,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::problem::{ApiError, ProblemField};
use crate::schema;

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

/// The query of a page of ledger rows: an object's history (movement) and an item's repair
/// actions (catalog).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (a sequence number).
    #[param(value_type = Option<schema::Serial>)]
    pub cursor: Option<String>,
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
