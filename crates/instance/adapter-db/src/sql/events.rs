//! The events: the ledger read as a stream, up to a horizon below which every number is
//! settled (committed, or never to exist). Mounted twice, as a module of `sqlite` and of `pg`
//! (see `sqlite.rs`). How each backend finds its horizon is `BackendOps::ledger_horizon`
//! (docs/DATABASE.md, "The events stream").

use eckwms_application::ports::{EventPage, EventQuery};
use eckwms_domain::{EventFilter, IdKind};

use super::*;
use crate::repos::LedgerHorizon;

/// The next page of the stream after `query.after`. `known` holds the highest horizon this
/// process has established: every ledger number at or below it is settled for good, so rows
/// up to it are read without asking for a new one. A new horizon is asked for only when that
/// read leaves the page short and committed rows lie beyond it.
pub(crate) fn events_after(
    c: &mut Conn,
    known: &LedgerHorizon,
    query: &EventQuery,
) -> Result<EventPage, DbError> {
    let mut horizon = known.known();
    let mut events = rows_between(c, query.after, horizon, query.limit, &query.filter)?;
    if events.len() < query.limit as usize {
        let head = ledger_head(c)?;
        if head > horizon.max(query.after)
            && let Some(settled) = known.covering(head, || Ok(c.ledger_horizon()?))?
        {
            // The short read above holds every wanted row up to the old horizon.
            let from = horizon.max(query.after);
            let rest = query.limit - events.len() as u32;
            horizon = horizon.max(settled);
            events.extend(rows_between(c, from, horizon, rest, &query.filter)?);
        }
    }
    let next = match events.last() {
        Some(last) if events.len() == query.limit as usize => last.seq,
        // A short page holds every wanted row up to the horizon.
        _ => horizon.max(query.after),
    };
    Ok(EventPage { events, next })
}

/// The largest committed ledger number (0 for an empty ledger): one step into the primary key.
fn ledger_head(c: &mut Conn) -> Result<i64, DbError> {
    let head: Option<i64> = ledger::table
        .select(diesel::dsl::max(ledger::seq))
        .first(c)?;
    Ok(head.unwrap_or(0))
}

/// The rows with `after < seq <= until` that `filter` wants, ascending, at most `limit`.
fn rows_between(
    c: &mut Conn,
    after: i64,
    until: i64,
    limit: u32,
    filter: &EventFilter,
) -> Result<Vec<LedgerEntry>, DbError> {
    if until <= after || limit == 0 {
        return Ok(Vec::new());
    }
    let mut query = ledger::table
        .filter(ledger::seq.gt(after))
        .filter(ledger::seq.le(until))
        .order(ledger::seq)
        .limit(i64::from(limit))
        .select(LedgerRow::as_select())
        .into_boxed();
    if let [first, ..] = filter.objects() {
        // Four patterns always (an id's first letter is its kind), the first one repeated for
        // the kinds not named: one shape of statement, prepared once.
        let pattern = |i: usize| -> String {
            let kind: IdKind = filter.objects().get(i).copied().unwrap_or(*first);
            format!("{}%", kind.letter())
        };
        query = query.filter(
            ledger::object_id
                .like(pattern(0))
                .or(ledger::object_id.like(pattern(1)))
                .or(ledger::object_id.like(pattern(2)))
                .or(ledger::object_id.like(pattern(3))),
        );
    }
    if !filter.changes().is_empty() {
        let changes: Vec<&str> = filter.changes().iter().map(|k| k.as_str()).collect();
        query = query.filter(ledger::change.eq_any(changes));
    }
    query
        .load(c)?
        .into_iter()
        .map(LedgerRow::into_domain)
        .collect()
}
