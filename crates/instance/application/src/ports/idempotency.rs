//! Idempotency keys: the claim of a request, and the response kept for its retries.

use chrono::{DateTime, Utc};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdempotencyState {
    /// Claimed; the request is running.
    Pending,
    /// Its effect committed; the response is being stored.
    Applied,
    /// The response is stored.
    Completed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    /// The body as sent, byte for byte: a PDF sheet is not text.
    pub body: Vec<u8>,
    /// The headers the route set (ETag, Location, Content-Disposition, ...), as name/value
    /// pairs in the order sent.
    pub headers: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub state: IdempotencyState,
    pub response: Option<StoredResponse>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This caller owns the key now and must run the request.
    Claimed,
    /// The key was claimed before.
    Existing(IdempotencyRecord),
}

#[cfg_attr(feature = "mock", automock)]
pub trait IdempotencyRepository: Send + Sync {
    fn claim(
        &self,
        key: &IdempotencyKeyRef,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> AppResult<Claim>;
    /// Takes over a claim still pending since `claimed_at` (its owner died before any effect);
    /// true when this caller now owns it.
    fn take_over(
        &self,
        key: &IdempotencyKeyRef,
        claimed_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> AppResult<bool>;
    fn complete(&self, key: &IdempotencyKeyRef, response: &StoredResponse) -> AppResult<()>;
    /// Drops a claim whose request had no effect (still pending), so the key can be used again.
    fn release(&self, key: &IdempotencyKeyRef) -> AppResult<()>;
    fn purge_before(&self, cutoff: DateTime<Utc>) -> AppResult<u64>;
}
