//! The access rows: API keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_application::ports::{ApiKey, Scope};

use super::from_db;
use crate::error::DbError;
use crate::schema::api_keys;

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
