//! The labels' rows: the record of printed labels.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_application::ports::LabelPrint;

use super::to_db;
use crate::error::DbError;
use crate::schema::label_prints;

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
