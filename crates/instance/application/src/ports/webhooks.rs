//! The webhooks' ports: the subscriptions with their cursors and leases, and the HTTP sender
//! of a delivery. The events a delivery carries are read through the events' port
//! ([`EventRepository`](super::EventRepository)), from the subscription's cursor.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use eckwms_domain::{
    LedgerEntry, Subscription, SubscriptionPatch, WebhookId, WebhookSecret, WebhookUrl,
};
#[cfg(feature = "mock")]
use mockall::automock;

use super::{AuditEntry, Expected};
use crate::error::AppResult;

/// A subscription taken for a delivery: the row as the lease was taken, and its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeasedSubscription {
    pub subscription: Subscription,
    pub secret: WebhookSecret,
}

/// What a failed delivery leaves on its subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryFailure {
    /// Failures in a row, this one included.
    pub failures: u32,
    pub error: String,
    pub at: DateTime<Utc>,
    /// No delivery before this.
    pub next_attempt_at: DateTime<Utc>,
    /// The subscription is disabled (`webhooks.max_failures` reached).
    pub disable: bool,
}

#[cfg_attr(feature = "mock", automock)]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new subscription with its secret, and the audit entry, in one transaction.
    fn create_webhook(
        &self,
        subscription: &Subscription,
        secret: &WebhookSecret,
        audit: &AuditEntry,
    ) -> AppResult<()>;
    /// Every subscription, oldest first.
    fn list_webhooks(&self) -> AppResult<Vec<Subscription>>;
    /// The subscription, or 404.
    fn get_webhook(&self, id: &WebhookId) -> AppResult<Subscription>;
    /// Applies the patch (see [`Subscription::patched`]) when `expected` holds; an update that
    /// changes nothing writes nothing (the audit entry included).
    fn update_webhook(
        &self,
        id: &WebhookId,
        expected: Expected,
        patch: &SubscriptionPatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<Subscription>;
    fn delete_webhook(
        &self,
        id: &WebhookId,
        expected: Expected,
        audit: &AuditEntry,
    ) -> AppResult<()>;
    /// Sets the cursor (a replay: the next delivery starts after `cursor`), a new version.
    fn set_webhook_cursor(
        &self,
        id: &WebhookId,
        cursor: i64,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<Subscription>;

    /// The ids of the enabled subscriptions whose backoff is over at `now`.
    fn due_webhooks(&self, now: DateTime<Utc>) -> AppResult<Vec<WebhookId>>;
    /// Takes (or renews) the subscription's lease for `holder` until `until`, in one
    /// conditional UPDATE: only when it is enabled, due at `now`, and its lease is free,
    /// expired or already `holder`'s. `None` when it was not taken. Of two processes taking
    /// one lease at once, at most one gets it.
    fn take_webhook_lease(
        &self,
        id: &WebhookId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<Option<LeasedSubscription>>;
    /// A delivery succeeded: the cursor goes from `from` to `to`, the failures and the last
    /// error are forgotten; only while `holder` holds the lease and the cursor is still
    /// `from` (a replay in between wins). Whether it was recorded.
    fn record_webhook_success(
        &self,
        id: &WebhookId,
        holder: &str,
        from: i64,
        to: i64,
    ) -> AppResult<bool>;
    /// A delivery failed: only while `holder` holds the lease. Whether it was recorded.
    fn record_webhook_failure(
        &self,
        id: &WebhookId,
        holder: &str,
        failure: &DeliveryFailure,
    ) -> AppResult<bool>;
    /// Gives the lease up (a worker stopping), if `holder` holds it.
    fn release_webhook_lease(&self, id: &WebhookId, holder: &str) -> AppResult<()>;
}

/// One delivery's content: the events and the names of the users who made them, as the
/// events' stream shows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookBatch {
    pub events: Vec<LedgerEntry>,
    pub actor_names: HashMap<String, String>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait WebhookSender: Send + Sync {
    /// POSTs the batch to `url`, signed with `secret` at `t` (unix seconds). `Ok` for a 2xx
    /// answer; otherwise why not (the status, a refused address, a timeout), a text that
    /// never holds the secret.
    fn send(
        &self,
        url: &WebhookUrl,
        secret: &WebhookSecret,
        t: i64,
        batch: &WebhookBatch,
    ) -> Result<(), String>;
}
