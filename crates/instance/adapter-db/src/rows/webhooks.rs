//! The webhooks wing's row: a subscription without its secret and its lease.

use diesel::prelude::*;
use eckwms_domain::webhooks::{filter_from_text, filter_to_text};
use eckwms_domain::{Subscription, WebhookId, WebhookUrl};

use super::{from_db, to_db};
use crate::error::DbError;
use crate::schema::webhooks;

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = webhooks)]
pub(crate) struct WebhookRow {
    pub id: String,
    pub url: String,
    pub filter: String,
    pub batch_size: i32,
    pub enabled: bool,
    pub failures: i32,
    pub last_error: Option<String>,
    pub last_error_at: Option<chrono::NaiveDateTime>,
    pub cursor_seq: i64,
    pub next_attempt_at: Option<chrono::NaiveDateTime>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// The columns an administrator's change writes: the subscription's own, not the delivery's
/// (cursor, failures, errors, next attempt) nor the lease, which the workers write.
#[derive(AsChangeset, Insertable, Debug)]
#[diesel(table_name = webhooks)]
pub(crate) struct WebhookChange {
    pub url: String,
    pub filter: String,
    pub batch_size: i32,
    pub enabled: bool,
    pub version: i64,
    pub updated_at: chrono::NaiveDateTime,
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl WebhookChange {
    pub(crate) fn from_domain(s: &Subscription) -> Self {
        Self {
            url: s.url.as_str().to_owned(),
            filter: filter_to_text(&s.filter),
            batch_size: count(s.batch_size),
            enabled: s.enabled,
            version: s.version,
            updated_at: to_db(s.updated_at),
        }
    }
}

impl WebhookRow {
    pub(crate) fn into_domain(self) -> Result<Subscription, DbError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            DbError::corrupt(format!("webhooks.{what} of {}: {e}", self.id))
        };
        Ok(Subscription {
            id: WebhookId::parse(&self.id).map_err(|e| corrupt("id", &e))?,
            url: WebhookUrl::parse(&self.url).map_err(|e| corrupt("url", &e))?,
            filter: filter_from_text(&self.filter).map_err(|e| corrupt("filter", &e))?,
            batch_size: u32::try_from(self.batch_size).map_err(|e| corrupt("batch_size", &e))?,
            enabled: self.enabled,
            failures: u32::try_from(self.failures).map_err(|e| corrupt("failures", &e))?,
            last_error: self.last_error.clone(),
            last_error_at: self.last_error_at.map(from_db),
            cursor: self.cursor_seq,
            next_attempt_at: self.next_attempt_at.map(from_db),
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
            version: self.version,
        })
    }
}
