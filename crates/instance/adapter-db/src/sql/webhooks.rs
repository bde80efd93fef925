//! The webhooks wing: subscriptions, their cursors and the leases of the workers delivering to
//! them. Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).
//!
//! An administrator's change writes the subscription's own columns under its version; a
//! worker writes the delivery columns (cursor, failures, last error, next attempt) and the
//! lease, each in one conditional UPDATE naming the lease holder, so that neither overwrites
//! the other and two workers never both deliver for one subscription.

use eckwms_application::ports::{DeliveryFailure, LeasedSubscription};
use eckwms_domain::{Subscription, SubscriptionPatch, WebhookId, WebhookSecret};

use super::*;

pub(crate) fn create_webhook(
    c: &mut Conn,
    subscription: &Subscription,
    secret: &WebhookSecret,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    let s = subscription;
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(s.id.as_str()),
            webhooks::secret.eq(secret.expose()),
            WebhookChange::from_domain(s),
            webhooks::failures.eq(0),
            webhooks::cursor_seq.eq(s.cursor),
            webhooks::created_at.eq(to_db(s.created_at)),
        ))
        .execute(c)?;
    audit(c, entry)
}

pub(crate) fn list_webhooks(c: &mut Conn) -> Result<Vec<Subscription>, DbError> {
    webhooks::table
        .select(WebhookRow::as_select())
        .order((webhooks::created_at, webhooks::id))
        .load(c)?
        .into_iter()
        .map(WebhookRow::into_domain)
        .collect()
}

pub(crate) fn get_webhook(c: &mut Conn, id: &WebhookId) -> Result<Subscription, DbError> {
    webhooks::table
        .find(id.as_str())
        .select(WebhookRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| DbError::from(AppError::not_found("webhook", id)))?
        .into_domain()
}

pub(crate) fn update_webhook(
    c: &mut Conn,
    id: &WebhookId,
    expected: Expected,
    patch: &SubscriptionPatch,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<Subscription, DbError> {
    let current = get_webhook(c, id)?;
    expected.check(current.version)?;
    let (next, changed) = current.patched(patch, at);
    if !changed {
        return Ok(current);
    }
    let written = diesel::update(
        webhooks::table
            .find(id.as_str())
            .filter(webhooks::version.eq(current.version)),
    )
    .set(WebhookChange::from_domain(&next))
    .execute(c)?;
    if written == 0 {
        // Another change came in between the read and the write.
        let now = get_webhook(c, id)?;
        return Err(AppError::PreconditionFailed {
            current: now.version,
        }
        .into());
    }
    if next.enabled && !current.enabled {
        diesel::update(webhooks::table.find(id.as_str()))
            .set((
                webhooks::failures.eq(0),
                webhooks::last_error.eq(None::<String>),
                webhooks::last_error_at.eq(None::<chrono::NaiveDateTime>),
                webhooks::next_attempt_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(c)?;
    }
    audit(c, entry)?;
    get_webhook(c, id)
}

pub(crate) fn delete_webhook(
    c: &mut Conn,
    id: &WebhookId,
    expected: Expected,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    let current = get_webhook(c, id)?;
    expected.check(current.version)?;
    let deleted = diesel::delete(
        webhooks::table
            .find(id.as_str())
            .filter(webhooks::version.eq(current.version)),
    )
    .execute(c)?;
    if deleted == 0 {
        return Err(AppError::PreconditionFailed {
            current: get_webhook(c, id)?.version,
        }
        .into());
    }
    audit(c, entry)
}

pub(crate) fn set_webhook_cursor(
    c: &mut Conn,
    id: &WebhookId,
    cursor: i64,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<Subscription, DbError> {
    let updated = diesel::update(webhooks::table.find(id.as_str()))
        .set((
            webhooks::cursor_seq.eq(cursor),
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    if updated == 0 {
        return Err(AppError::not_found("webhook", id).into());
    }
    audit(c, entry)?;
    get_webhook(c, id)
}

pub(crate) fn due_webhooks(c: &mut Conn, now: DateTime<Utc>) -> Result<Vec<WebhookId>, DbError> {
    let now = to_db(now);
    webhooks::table
        .filter(webhooks::enabled.eq(true))
        .filter(
            webhooks::next_attempt_at
                .is_null()
                .or(webhooks::next_attempt_at.le(now)),
        )
        .order((webhooks::created_at, webhooks::id))
        .select(webhooks::id)
        .load::<String>(c)?
        .into_iter()
        .map(|id| WebhookId::parse(&id).map_err(|e| DbError::corrupt(format!("webhooks.id: {e}"))))
        .collect()
}

pub(crate) fn take_webhook_lease(
    c: &mut Conn,
    id: &WebhookId,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<LeasedSubscription>, DbError> {
    let now = to_db(now);
    // One statement: of two takers at once, the second finds the first's lease (PostgreSQL
    // evaluates the condition again on the row the first wrote; SQLite has one writer).
    let taken = diesel::update(
        webhooks::table
            .find(id.as_str())
            .filter(webhooks::enabled.eq(true))
            .filter(
                webhooks::next_attempt_at
                    .is_null()
                    .or(webhooks::next_attempt_at.le(now)),
            )
            .filter(
                webhooks::lease_holder
                    .is_null()
                    .or(webhooks::lease_until.lt(now))
                    .or(webhooks::lease_holder.eq(holder)),
            ),
    )
    .set((
        webhooks::lease_holder.eq(holder),
        webhooks::lease_until.eq(to_db(until)),
    ))
    .execute(c)?;
    if taken == 0 {
        return Ok(None);
    }
    let (row, secret): (WebhookRow, String) = webhooks::table
        .find(id.as_str())
        .select((WebhookRow::as_select(), webhooks::secret))
        .first(c)?;
    Ok(Some(LeasedSubscription {
        subscription: row.into_domain()?,
        // The message names the column, never the value.
        secret: WebhookSecret::parse(&secret)
            .map_err(|e| DbError::corrupt(format!("webhooks.secret of {id}: {e}")))?,
    }))
}

pub(crate) fn record_webhook_success(
    c: &mut Conn,
    id: &WebhookId,
    holder: &str,
    from: i64,
    to: i64,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        webhooks::table
            .find(id.as_str())
            .filter(webhooks::lease_holder.eq(holder))
            .filter(webhooks::cursor_seq.eq(from)),
    )
    .set((
        webhooks::cursor_seq.eq(to),
        webhooks::failures.eq(0),
        webhooks::next_attempt_at.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(c)?;
    Ok(updated == 1)
}

pub(crate) fn record_webhook_failure(
    c: &mut Conn,
    id: &WebhookId,
    holder: &str,
    failure: &DeliveryFailure,
) -> Result<bool, DbError> {
    let target = webhooks::table
        .find(id.as_str())
        .filter(webhooks::lease_holder.eq(holder));
    let failures = i32::try_from(failure.failures).unwrap_or(i32::MAX);
    let values = (
        webhooks::failures.eq(failures),
        webhooks::last_error.eq(Some(failure.error.as_str())),
        webhooks::last_error_at.eq(Some(to_db(failure.at))),
        webhooks::next_attempt_at.eq(Some(to_db(failure.next_attempt_at))),
    );
    let updated = if failure.disable {
        diesel::update(target)
            .set((
                values,
                webhooks::enabled.eq(false),
                webhooks::lease_holder.eq(None::<String>),
                webhooks::lease_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(c)?
    } else {
        diesel::update(target).set(values).execute(c)?
    };
    Ok(updated == 1)
}

pub(crate) fn release_webhook_lease(
    c: &mut Conn,
    id: &WebhookId,
    holder: &str,
) -> Result<(), DbError> {
    diesel::update(
        webhooks::table
            .find(id.as_str())
            .filter(webhooks::lease_holder.eq(holder)),
    )
    .set((
        webhooks::lease_holder.eq(None::<String>),
        webhooks::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(c)?;
    Ok(())
}
