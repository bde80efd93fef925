//! The access port: API keys.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{ApiKey, ApiKeyRepository, IdempotencyKeyRef, NewApiKey};

use crate::pool::Database;
use crate::tx::write_tx;
use eckwms_db_kit::on_conn;

impl ApiKeyRepository for Database {
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey> {
        write_tx!(self, idempotency.as_ref(), insert_api_key(key))
    }
    fn insert_first_api_key(&self, key: &NewApiKey) -> AppResult<Option<ApiKey>> {
        write_tx!(self, None, insert_first_api_key(key))
    }
    fn find_api_key(&self, key_id: &str) -> AppResult<Option<(ApiKey, String)>> {
        on_conn!(self, find_api_key(key_id))
    }
    fn list_api_keys(&self) -> AppResult<Vec<ApiKey>> {
        on_conn!(self, list_api_keys())
    }
    fn revoke_api_key(
        &self,
        id: i64,
        at: DateTime<Utc>,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey> {
        write_tx!(self, idempotency.as_ref(), revoke_api_key(id, at))
    }
    fn touch_api_key(&self, id: i64, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, touch_api_key(id, at))
    }
}
