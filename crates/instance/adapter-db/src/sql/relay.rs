//! The relay wing: the puller's lease and figures (`relay_state`, one row), the inbox of pulled
//! scans (`relay_inbox`) and the scans refused for good (`relay_errors`). Mounted twice, as a
//! module of `sqlite` and of `pg` (see `sqlite.rs`).

use eckwms_application::ports::{InboxScan, RelayError, RelayOutcome, RelayState, RelayedScan};

use super::*;

/// Errors kept for the status: the newest this many.
const KEPT_ERRORS: i64 = 1000;

/// Takes or renews the lease: one conditional `UPDATE` of the one row, which concurrent takers
/// run one after another (SQLite's writer; PostgreSQL's row lock, after which the condition is
/// evaluated again on the row the winner committed).
pub(crate) fn take_relay_lease(
    c: &mut Conn,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbError> {
    let taken = diesel::update(
        relay_state::table.filter(relay_state::id.eq(1)).filter(
            relay_state::holder
                .is_null()
                .or(relay_state::holder.eq(holder))
                .or(relay_state::lease_until.is_null())
                .or(relay_state::lease_until.lt(to_db(now))),
        ),
    )
    .set((
        relay_state::holder.eq(holder),
        relay_state::lease_until.eq(to_db(until)),
    ))
    .execute(c)?;
    Ok(taken == 1)
}

pub(crate) fn release_relay_lease(c: &mut Conn, holder: &str) -> Result<(), DbError> {
    diesel::update(relay_state::table.filter(relay_state::holder.eq(holder)))
        .set((
            relay_state::holder.eq(None::<String>),
            relay_state::lease_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(c)?;
    Ok(())
}

type InboxRow = (
    i64,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    Option<String>,
);

pub(crate) fn relay_inbox(c: &mut Conn, limit: usize) -> Result<Vec<InboxScan>, DbError> {
    let rows: Vec<InboxRow> = relay_inbox::table
        .order(relay_inbox::id)
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((
            relay_inbox::id,
            relay_inbox::device_id,
            relay_inbox::msg_id,
            relay_inbox::barcode,
            relay_inbox::received_at,
            relay_inbox::outcome,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(id, device_id, msg_id, barcode, received_at, outcome)| {
            let outcome = outcome
                .map(|o| {
                    RelayOutcome::parse(&o)
                        .ok_or_else(|| DbError::corrupt(format!("relay_inbox.outcome {o:?}")))
                })
                .transpose()?;
            Ok(InboxScan {
                scan: RelayedScan {
                    id,
                    device_id,
                    msg_id,
                    barcode,
                    received_at: from_db(received_at),
                },
                outcome,
            })
        })
        .collect()
}

/// Adds the scans not in the inbox yet (run in a write transaction); how many were new.
pub(crate) fn add_to_relay_inbox(
    c: &mut Conn,
    scans: &[RelayedScan],
    at: DateTime<Utc>,
    backlog: &Option<i64>,
) -> Result<usize, DbError> {
    let mut added = 0;
    for scan in scans {
        added += diesel::insert_into(relay_inbox::table)
            .values((
                relay_inbox::id.eq(scan.id),
                relay_inbox::device_id.eq(&scan.device_id),
                relay_inbox::msg_id.eq(&scan.msg_id),
                relay_inbox::barcode.eq(&scan.barcode),
                relay_inbox::received_at.eq(to_db(scan.received_at)),
                relay_inbox::pulled_at.eq(to_db(at)),
            ))
            .on_conflict(relay_inbox::id)
            .do_nothing()
            .execute(c)?;
    }
    diesel::update(relay_state::table.filter(relay_state::id.eq(1)))
        .set((
            relay_state::last_pull_at.eq(to_db(at)),
            relay_state::backlog.eq(*backlog),
        ))
        .execute(c)?;
    Ok(added)
}

/// Marks the outcomes (of rows without one), keeps the errors, counts both (run in a write
/// transaction).
pub(crate) fn record_relay_outcomes(
    c: &mut Conn,
    outcomes: &[(i64, RelayOutcome)],
    errors: &[RelayError],
) -> Result<(), DbError> {
    let (mut applied, mut refused) = (0_i64, 0_i64);
    for (id, outcome) in outcomes {
        let marked = diesel::update(
            relay_inbox::table
                .filter(relay_inbox::id.eq(*id))
                .filter(relay_inbox::outcome.is_null()),
        )
        .set(relay_inbox::outcome.eq(outcome.as_str()))
        .execute(c)?;
        let marked = i64::try_from(marked).unwrap_or(0);
        match outcome {
            RelayOutcome::Applied => applied += marked,
            RelayOutcome::Refused => refused += marked,
        }
    }
    for e in errors {
        diesel::insert_into(relay_errors::table)
            .values((
                relay_errors::id.eq(e.id),
                relay_errors::at.eq(to_db(e.at)),
                relay_errors::device_id.eq(&e.device_id),
                relay_errors::msg_id.eq(&e.msg_id),
                relay_errors::barcode.eq(&e.barcode),
                relay_errors::code.eq(&e.code),
                relay_errors::message.eq(&e.message),
            ))
            .on_conflict(relay_errors::id)
            .do_nothing()
            .execute(c)?;
    }
    if !errors.is_empty() {
        // Only the newest are kept.
        let cut: Option<i64> = relay_errors::table
            .order(relay_errors::id.desc())
            .offset(KEPT_ERRORS)
            .select(relay_errors::id)
            .first(c)
            .optional()?;
        if let Some(cut) = cut {
            diesel::delete(relay_errors::table.filter(relay_errors::id.le(cut))).execute(c)?;
        }
    }
    if applied > 0 || refused > 0 {
        diesel::update(relay_state::table.filter(relay_state::id.eq(1)))
            .set((
                relay_state::applied.eq(relay_state::applied + applied),
                relay_state::errors.eq(relay_state::errors + refused),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// The confirmed scans leave the inbox (run in a write transaction).
pub(crate) fn relay_confirmed(c: &mut Conn, ids: &[i64], at: DateTime<Utc>) -> Result<(), DbError> {
    diesel::delete(relay_inbox::table.filter(relay_inbox::id.eq_any(ids))).execute(c)?;
    diesel::update(relay_state::table.filter(relay_state::id.eq(1)))
        .set(relay_state::last_confirm_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

pub(crate) fn record_relay_failure(
    c: &mut Conn,
    message: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(relay_state::table.filter(relay_state::id.eq(1)))
        .set((
            relay_state::last_error.eq(message),
            relay_state::last_error_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
}

type StateRow = (
    Option<String>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<i64>,
    i64,
    i64,
    Option<String>,
    Option<chrono::NaiveDateTime>,
);

pub(crate) fn relay_state(c: &mut Conn) -> Result<RelayState, DbError> {
    let row: Option<StateRow> = relay_state::table
        .find(1)
        .select((
            relay_state::holder,
            relay_state::lease_until,
            relay_state::last_pull_at,
            relay_state::last_confirm_at,
            relay_state::backlog,
            relay_state::applied,
            relay_state::errors,
            relay_state::last_error,
            relay_state::last_error_at,
        ))
        .first(c)
        .optional()?;
    let Some((
        holder,
        lease_until,
        last_pull_at,
        last_confirm_at,
        backlog,
        applied,
        errors,
        last_error,
        last_error_at,
    )) = row
    else {
        return Err(DbError::corrupt("relay_state has no row"));
    };
    Ok(RelayState {
        holder,
        lease_until: lease_until.map(from_db),
        last_pull_at: last_pull_at.map(from_db),
        last_confirm_at: last_confirm_at.map(from_db),
        backlog,
        applied,
        errors,
        last_error,
        last_error_at: last_error_at.map(from_db),
    })
}

pub(crate) fn relay_inbox_len(c: &mut Conn) -> Result<i64, DbError> {
    Ok(relay_inbox::table.count().get_result(c)?)
}

type ErrorRow = (
    i64,
    chrono::NaiveDateTime,
    String,
    String,
    String,
    String,
    String,
);

pub(crate) fn recent_relay_errors(c: &mut Conn, limit: usize) -> Result<Vec<RelayError>, DbError> {
    let rows: Vec<ErrorRow> = relay_errors::table
        .order((relay_errors::at.desc(), relay_errors::id.desc()))
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((
            relay_errors::id,
            relay_errors::at,
            relay_errors::device_id,
            relay_errors::msg_id,
            relay_errors::barcode,
            relay_errors::code,
            relay_errors::message,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, at, device_id, msg_id, barcode, code, message)| RelayError {
                id,
                at: from_db(at),
                device_id,
                msg_id,
                barcode,
                code,
                message,
            },
        )
        .collect())
}
