//! The scanning rows: scans and scanner sessions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_application::ports::{ScanAction, ScanRecord, StoredSession};
use eckwms_domain::scanning::WorkingSet;
use eckwms_domain::{BoxId, IdError, ItemId, ObjectId, PlaceId};

use super::{from_db, object_id, to_db};
use crate::error::DbError;
use crate::schema::{scan_sessions, scans};

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
}
