//! The movement's rows: the ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_domain::{ChangeKind, LedgerEntry};

use super::{from_db, object_id};
use crate::error::DbError;
use crate::schema::ledger;

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
