//! The idempotency port: the claims of `Idempotency-Key`s and their stored responses.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{Claim, IdempotencyKeyRef, IdempotencyRepository, StoredResponse};

use crate::pool::Database;
use crate::tx::write_tx;

impl IdempotencyRepository for Database {
    fn claim(
        &self,
        key: &IdempotencyKeyRef,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> AppResult<Claim> {
        write_tx!(self, None, claim_idempotency_key(key, fingerprint, at))
    }
    fn take_over(
        &self,
        key: &IdempotencyKeyRef,
        claimed_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> AppResult<bool> {
        write_tx!(self, None, take_over_idempotency_key(key, claimed_at, at))
    }
    fn complete(&self, key: &IdempotencyKeyRef, response: &StoredResponse) -> AppResult<()> {
        write_tx!(self, None, complete_idempotency_key(key, response))
    }
    fn release(&self, key: &IdempotencyKeyRef) -> AppResult<()> {
        write_tx!(self, None, release_idempotency_key(key))
    }
    fn purge_before(&self, cutoff: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_idempotency_keys(cutoff))
    }
}
