//! Table rows and their conversion to and from domain values (the same on both backends), one
//! file per wing; the helpers every row uses are here, and every row is reached as
//! `crate::rows::X`.
//!
//! Every insertable row has `treat_none_as_default_value = false`: a `None` is inserted as NULL
//! rather than left to the column's default, so the text of an INSERT does not depend on which
//! fields are `None` and diesel keeps it as a cached prepared statement on both backends.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use eckwms_domain::{Meta, ObjectId, Parent, Text};

use crate::error::DbError;

mod access;
mod catalog;
mod devices;
mod labels;
mod movement;
mod orders;
mod scanning;
mod webhooks;

pub(crate) use access::*;
pub(crate) use catalog::*;
pub(crate) use devices::*;
pub(crate) use labels::*;
pub(crate) use movement::*;
pub(crate) use orders::*;
pub(crate) use scanning::*;
pub(crate) use webhooks::*;

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

pub(super) fn opt_string<const N: usize>(value: &Option<Text<N>>) -> Option<String> {
    value.as_ref().map(|t| t.as_str().to_owned())
}

pub(crate) fn object_id(value: &str) -> Result<ObjectId, DbError> {
    ObjectId::parse(value).map_err(|e| DbError::corrupt(format!("id {value:?}: {e}")))
}

pub(crate) fn typed<T: TryFrom<ObjectId>>(value: &str) -> Result<T, DbError> {
    T::try_from(object_id(value)?)
        .map_err(|_| DbError::corrupt(format!("id {value:?} of the wrong kind")))
}

pub(super) fn number(value: i64, what: &str) -> Result<u64, DbError> {
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

pub(super) fn meta(version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Meta {
    Meta {
        version,
        created_at: from_db(created_at),
        updated_at: from_db(updated_at),
    }
}
