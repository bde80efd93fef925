//! The webhooks wing's port: subscriptions, cursors and leases.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    AuditEntry, DeliveryFailure, Expected, LeasedSubscription, WebhookRepository,
};
use eckwms_db_kit::on_conn;
use eckwms_domain::{Subscription, SubscriptionPatch, WebhookId, WebhookSecret};

use crate::pool::Database;
use crate::tx::write_tx;

impl WebhookRepository for Database {
    fn create_webhook(
        &self,
        subscription: &Subscription,
        secret: &WebhookSecret,
        audit: &AuditEntry,
    ) -> AppResult<()> {
        write_tx!(self, None, create_webhook(subscription, secret, audit))
    }
    fn list_webhooks(&self) -> AppResult<Vec<Subscription>> {
        on_conn!(self, list_webhooks())
    }
    fn get_webhook(&self, id: &WebhookId) -> AppResult<Subscription> {
        on_conn!(self, get_webhook(id))
    }
    fn update_webhook(
        &self,
        id: &WebhookId,
        expected: Expected,
        patch: &SubscriptionPatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<Subscription> {
        write_tx!(self, None, update_webhook(id, expected, patch, at, audit))
    }
    fn delete_webhook(
        &self,
        id: &WebhookId,
        expected: Expected,
        audit: &AuditEntry,
    ) -> AppResult<()> {
        write_tx!(self, None, delete_webhook(id, expected, audit))
    }
    fn set_webhook_cursor(
        &self,
        id: &WebhookId,
        cursor: i64,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<Subscription> {
        write_tx!(self, None, set_webhook_cursor(id, cursor, at, audit))
    }
    fn due_webhooks(&self, now: DateTime<Utc>) -> AppResult<Vec<WebhookId>> {
        on_conn!(self, due_webhooks(now))
    }
    fn take_webhook_lease(
        &self,
        id: &WebhookId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<Option<LeasedSubscription>> {
        write_tx!(self, None, take_webhook_lease(id, holder, now, until))
    }
    fn record_webhook_success(
        &self,
        id: &WebhookId,
        holder: &str,
        from: i64,
        to: i64,
    ) -> AppResult<bool> {
        write_tx!(self, None, record_webhook_success(id, holder, from, to))
    }
    fn record_webhook_failure(
        &self,
        id: &WebhookId,
        holder: &str,
        failure: &DeliveryFailure,
    ) -> AppResult<bool> {
        write_tx!(self, None, record_webhook_failure(id, holder, failure))
    }
    fn release_webhook_lease(&self, id: &WebhookId, holder: &str) -> AppResult<()> {
        write_tx!(self, None, release_webhook_lease(id, holder))
    }
}
