//! The webhooks wing: subscriptions that receive the ledger's changes by HTTP POST, and the
//! delivery a worker runs for each of them.
//!
//! The ledger is the outbox: a delivery reads the events' stream from the subscription's
//! cursor ([`EventRepository::events_after`]), so nothing rolled back is ever sent and nothing
//! committed is lost by a crash. The cursor moves only after the receiver answered 2xx, so a
//! delivery is at least once; each event carries its ledger `seq` for the receiver to
//! deduplicate by. One worker at a time delivers to a subscription: the one holding its lease.

use std::sync::Arc;
use std::time::Duration;

use eckwms_address_policy::AddressPolicy;
use eckwms_domain::access::Permission;
use eckwms_domain::webhooks::backoff;
use eckwms_domain::{
    EventFilter, FieldError, Subscription, SubscriptionPatch, WebhookId, WebhookSecret, WebhookUrl,
};

use crate::common::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::ports::{
    Clock, DeliveryFailure, EventQuery, EventRepository, Expected, SecretSource, UserRepository,
    WebhookBatch, WebhookRepository, WebhookSender,
};

#[cfg(test)]
mod tests;

/// What the wing is allowed and how it delivers (`[webhooks]` of the settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Which addresses a subscription may point to.
    pub policy: AddressPolicy,
    /// Failures in a row after which a subscription is disabled.
    pub max_failures: u32,
    /// Events per delivery when a subscription names no number, and the most it may name.
    pub default_batch: u32,
    pub max_batch: u32,
    /// How long a worker's lease on a subscription lasts (longer than one delivery's timeout).
    pub lease: Duration,
    /// The wait after a first failure, doubled after each further one up to the cap.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            policy: AddressPolicy::default(),
            max_failures: 10,
            default_batch: 100,
            max_batch: 500,
            lease: Duration::from_secs(30),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(300),
        }
    }
}

/// A new subscription as asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWebhookInput {
    pub url: String,
    pub filter: EventFilter,
    pub batch_size: Option<i64>,
}

/// A change as asked for; `None` leaves a field as it is. The filter's two halves are
/// replaced one at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookPatchInput {
    pub url: Option<String>,
    pub kinds: Option<Vec<eckwms_domain::IdKind>>,
    pub changes: Option<Vec<eckwms_domain::ChangeKind>>,
    pub batch_size: Option<i64>,
    pub enabled: Option<bool>,
}

/// A subscription just created, with its secret: the only answer that carries it.
#[derive(Debug)]
pub struct CreatedWebhook {
    pub subscription: Subscription,
    pub secret: WebhookSecret,
}

/// What one turn of delivery did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Another worker holds the lease, or the subscription is disabled, gone or backing off.
    NotTaken,
    /// Nothing new to send (the cursor may have passed over events the filter leaves out).
    Idle,
    /// The receiver took this many events; the cursor moved past them.
    Delivered(usize),
    /// The receiver took them, but the cursor could not move: the lease was lost or a replay
    /// moved the cursor meanwhile. They will be sent again (at least once).
    NotRecorded,
    /// The delivery failed; the subscription waits, or is disabled.
    Failed { failures: u32, disabled: bool },
}

/// The ports the webhooks wing uses.
#[derive(Clone)]
pub struct WebhookPorts {
    pub webhooks: Arc<dyn WebhookRepository>,
    pub events: Arc<dyn EventRepository>,
    /// The names of the users in the events, as the stream shows them.
    pub users: Arc<dyn UserRepository>,
    pub sender: Arc<dyn WebhookSender>,
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<dyn SecretSource>,
}

#[derive(Clone)]
pub struct WebhookService {
    ports: WebhookPorts,
    settings: WebhookSettings,
}

impl WebhookService {
    pub fn new(ports: WebhookPorts, settings: WebhookSettings) -> Self {
        Self { ports, settings }
    }

    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// Needs [`Permission::CoreAdmin`]. The secret is drawn here and answered once.
    pub fn create(&self, input: &NewWebhookInput, meta: &RequestMeta) -> AppResult<CreatedWebhook> {
        meta.actor.require(Permission::CoreAdmin)?;
        let mut errors = Vec::new();
        let url = self.url(&input.url).map_err(|e| errors.push(e)).ok();
        let batch_size = self
            .batch_size(input.batch_size)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(url), Some(batch_size)) = (url, batch_size) else {
            return Err(AppError::Invalid(errors));
        };
        let mut id = [0u8; 8];
        self.ports.secrets.fill(&mut id)?;
        let mut secret = [0u8; 32];
        self.ports.secrets.fill(&mut secret)?;
        let secret = WebhookSecret::from_random(secret);
        let now = self.ports.clock.now();
        let subscription = Subscription {
            id: WebhookId::from_random(id),
            url,
            filter: input.filter.clone(),
            batch_size,
            enabled: true,
            failures: 0,
            last_error: None,
            last_error_at: None,
            cursor: 0,
            next_attempt_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let audit = meta.audit(
            "webhook_created",
            &*self.ports.clock,
            Some(format!("webhook:{}", subscription.id)),
            Some(serde_json::json!({ "url": subscription.url.as_str() })),
        );
        self.ports
            .webhooks
            .create_webhook(&subscription, &secret, &audit)?;
        Ok(CreatedWebhook {
            subscription,
            secret,
        })
    }

    /// Needs [`Permission::CoreAdmin`].
    pub fn list(&self, meta: &RequestMeta) -> AppResult<Vec<Subscription>> {
        meta.actor.require(Permission::CoreAdmin)?;
        self.ports.webhooks.list_webhooks()
    }

    /// Needs [`Permission::CoreAdmin`].
    pub fn get(&self, id: &WebhookId, meta: &RequestMeta) -> AppResult<Subscription> {
        meta.actor.require(Permission::CoreAdmin)?;
        self.ports.webhooks.get_webhook(id)
    }

    /// Needs [`Permission::CoreAdmin`]. Enabling a disabled subscription forgets its failures.
    pub fn update(
        &self,
        id: &WebhookId,
        expected: Expected,
        input: &WebhookPatchInput,
        meta: &RequestMeta,
    ) -> AppResult<Subscription> {
        meta.actor.require(Permission::CoreAdmin)?;
        let mut errors = Vec::new();
        let url = input
            .url
            .as_deref()
            .map(|u| self.url(u))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let batch_size = match input.batch_size {
            None => None,
            some => self.batch_size(some).map_err(|e| errors.push(e)).ok(),
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let filter = if input.kinds.is_some() || input.changes.is_some() {
            let current = self.ports.webhooks.get_webhook(id)?;
            let kinds = input
                .kinds
                .clone()
                .unwrap_or_else(|| current.filter.objects().to_vec());
            let changes = input
                .changes
                .clone()
                .unwrap_or_else(|| current.filter.changes().to_vec());
            Some(
                EventFilter::new(kinds, changes)
                    .map_err(|e| AppError::invalid("kinds", e.to_string()))?,
            )
        } else {
            None
        };
        let patch = SubscriptionPatch {
            url,
            filter,
            batch_size,
            enabled: input.enabled,
        };
        let audit = meta.audit(
            "webhook_changed",
            &*self.ports.clock,
            Some(format!("webhook:{id}")),
            Some(serde_json::json!({
                "url": patch.url.as_ref().map(WebhookUrl::as_str),
                "filter": patch.filter.is_some(),
                "batch_size": patch.batch_size,
                "enabled": patch.enabled,
            })),
        );
        let now = self.ports.clock.now();
        self.ports
            .webhooks
            .update_webhook(id, expected, &patch, now, &audit)
    }

    /// Needs [`Permission::CoreAdmin`].
    pub fn delete(&self, id: &WebhookId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        meta.actor.require(Permission::CoreAdmin)?;
        let audit = meta.audit(
            "webhook_deleted",
            &*self.ports.clock,
            Some(format!("webhook:{id}")),
            None,
        );
        self.ports.webhooks.delete_webhook(id, expected, &audit)
    }

    /// Needs [`Permission::CoreAdmin`]: the next delivery starts at `from_seq` (1 or more), so
    /// everything from there is sent again.
    pub fn replay(
        &self,
        id: &WebhookId,
        from_seq: i64,
        meta: &RequestMeta,
    ) -> AppResult<Subscription> {
        meta.actor.require(Permission::CoreAdmin)?;
        if from_seq < 1 {
            return Err(AppError::invalid(
                "from_seq",
                "must be a ledger seq, 1 or more",
            ));
        }
        let audit = meta.audit(
            "webhook_replayed",
            &*self.ports.clock,
            Some(format!("webhook:{id}")),
            Some(serde_json::json!({ "from_seq": from_seq })),
        );
        let now = self.ports.clock.now();
        self.ports
            .webhooks
            .set_webhook_cursor(id, from_seq - 1, now, &audit)
    }

    // ------------------------------------------------------------------------- delivery

    /// The subscriptions a worker should try now (enabled, not backing off).
    pub fn due(&self) -> AppResult<Vec<WebhookId>> {
        self.ports.webhooks.due_webhooks(self.ports.clock.now())
    }

    /// Every subscription, for the metrics (the worker's own reading, no actor).
    pub fn states(&self) -> AppResult<Vec<Subscription>> {
        self.ports.webhooks.list_webhooks()
    }

    /// One turn of delivery for `holder` (a worker's name): takes or renews the lease, reads
    /// the next batch after the cursor, sends it, and records the outcome under the lease.
    pub fn deliver_next(&self, id: &WebhookId, holder: &str) -> AppResult<DeliveryOutcome> {
        let now = self.ports.clock.now();
        let until = now + chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
        let Some(leased) = self
            .ports
            .webhooks
            .take_webhook_lease(id, holder, now, until)?
        else {
            return Ok(DeliveryOutcome::NotTaken);
        };
        let subscription = &leased.subscription;
        let from = subscription.cursor;
        let page = self.ports.events.events_after(&EventQuery {
            after: from,
            limit: subscription.batch_size.clamp(1, self.settings.max_batch),
            filter: subscription.filter.clone(),
        })?;
        if page.events.is_empty() {
            if page.next > from {
                // Passed over rows the filter leaves out: nothing to send, but no need to
                // read them again.
                self.ports
                    .webhooks
                    .record_webhook_success(id, holder, from, page.next)?;
            }
            return Ok(DeliveryOutcome::Idle);
        }
        let count = page.events.len();
        let actor_names = crate::access::actor_names(
            self.ports.users.as_ref(),
            page.events.iter().map(|e| e.actor.as_str()),
        )?;
        let batch = WebhookBatch {
            events: page.events,
            actor_names,
        };
        let t = now.timestamp();
        match self
            .ports
            .sender
            .send(&subscription.url, &leased.secret, t, &batch)
        {
            Ok(()) => {
                let recorded = self
                    .ports
                    .webhooks
                    .record_webhook_success(id, holder, from, page.next)?;
                Ok(if recorded {
                    DeliveryOutcome::Delivered(count)
                } else {
                    DeliveryOutcome::NotRecorded
                })
            }
            Err(error) => {
                let failures = subscription.failures.saturating_add(1);
                let disable = failures >= self.settings.max_failures;
                let wait = backoff(
                    failures,
                    self.settings.backoff_base,
                    self.settings.backoff_cap,
                    self.jitter()?,
                );
                let at = self.ports.clock.now();
                let failure = DeliveryFailure {
                    failures,
                    error: truncated(&error),
                    at,
                    next_attempt_at: at + chrono::Duration::from_std(wait).unwrap_or_default(),
                    disable,
                };
                self.ports
                    .webhooks
                    .record_webhook_failure(id, holder, &failure)?;
                if disable {
                    tracing::warn!(webhook = %id, failures, error = %failure.error, "webhook disabled after failing deliveries");
                }
                Ok(DeliveryOutcome::Failed {
                    failures,
                    disabled: disable,
                })
            }
        }
    }

    /// Gives up `holder`'s lease (a worker stopping), so another process need not wait it out.
    pub fn release(&self, id: &WebhookId, holder: &str) -> AppResult<()> {
        self.ports.webhooks.release_webhook_lease(id, holder)
    }

    /// A worker's name for its leases: random, so two processes never share one.
    pub fn worker_name(&self) -> AppResult<String> {
        let mut bytes = [0u8; 8];
        self.ports.secrets.fill(&mut bytes)?;
        Ok(format!(
            "worker-{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ))
    }

    fn url(&self, text: &str) -> Result<WebhookUrl, FieldError> {
        let url = WebhookUrl::parse(text).map_err(|e| FieldError::new("url", e))?;
        if let Some(ip) = url.literal_ip() {
            self.settings.policy.check(ip).map_err(|refusal| {
                FieldError::new(
                    "url",
                    format!(
                        "must not point to a {} address (refused by the address policy)",
                        refusal.code().replace('_', "-")
                    ),
                )
            })?;
        }
        Ok(url)
    }

    fn batch_size(&self, asked: Option<i64>) -> Result<u32, FieldError> {
        match asked {
            None => Ok(self.settings.default_batch.min(self.settings.max_batch)),
            Some(n) if (1..=i64::from(self.settings.max_batch)).contains(&n) => Ok(n as u32),
            Some(_) => Err(FieldError::new(
                "batch_size",
                format!("must be between 1 and {}", self.settings.max_batch),
            )),
        }
    }

    /// A number from 0 to 1, from the secure source (a backoff's jitter).
    fn jitter(&self) -> AppResult<f64> {
        let mut bytes = [0u8; 4];
        self.ports.secrets.fill(&mut bytes)?;
        Ok(f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX))
    }
}

/// Longest last error kept.
const MAX_ERROR_LEN: usize = 500;

fn truncated(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((at, _)) => format!("{}…", &error[..at]),
        None => error.to_owned(),
    }
}

// ------------------------------------------------------------------------------- metrics

/// Ledger rows not yet delivered to a subscription (the ledger's head minus its cursor), by
/// `subscription`, read at each scrape.
pub const LAG_METRIC: &str = "eckwms_webhook_lag_events";
/// Subscriptions disabled (after `webhooks.max_failures` failed deliveries, or by hand).
pub const DISABLED_METRIC: &str = "eckwms_webhooks_disabled";
/// 1 when a subscription is disabled, else 0, by `subscription` (what an alert names).
pub const SUBSCRIPTION_DISABLED_METRIC: &str = "eckwms_webhook_disabled";

/// Describes the webhooks' metrics for the scrape output.
pub fn describe_metrics() {
    metrics::describe_gauge!(
        LAG_METRIC,
        "ledger rows after a webhook subscription's cursor (head minus cursor), by subscription"
    );
    metrics::describe_gauge!(DISABLED_METRIC, "webhook subscriptions disabled");
    metrics::describe_gauge!(
        SUBSCRIPTION_DISABLED_METRIC,
        "1 when a webhook subscription is disabled, else 0, by subscription"
    );
}

/// Sets [`LAG_METRIC`] and [`SUBSCRIPTION_DISABLED_METRIC`] of each subscription (the lag
/// against the ledger's `head`), and [`DISABLED_METRIC`].
pub fn record_metrics(head: i64, subscriptions: &[Subscription]) {
    let mut disabled = 0u32;
    for s in subscriptions {
        if !s.enabled {
            disabled += 1;
        }
        metrics::gauge!(SUBSCRIPTION_DISABLED_METRIC, "subscription" => s.id.as_str().to_owned())
            .set(if s.enabled { 0.0 } else { 1.0 });
        // Exact up to 2^53 rows.
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!(LAG_METRIC, "subscription" => s.id.as_str().to_owned())
            .set((head - s.cursor).max(0) as f64);
    }
    metrics::gauge!(DISABLED_METRIC).set(f64::from(disabled));
}
