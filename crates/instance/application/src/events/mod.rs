//! The events wing: the ledger as a stream of changes for integrators, in commit order and
//! without gaps, read page by page from a cursor (a ledger seq), optionally filtered by object
//! kind and change. The waiting of a long poll is the adapter's (it must not hold a thread
//! while it waits); each of its reads is one call of [`EventService::events`].

use std::sync::Arc;

use eckwms_domain::access::Permission;
use eckwms_domain::{EventFilter, FieldError};

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{EventPage, EventQuery, EventRepository};

#[cfg(test)]
mod tests;

/// Events per page when the caller names no number, and the most it may ask for.
pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 500;
/// The longest a reader may ask to wait for the first event, in seconds.
pub const MAX_WAIT_SECS: u32 = 30;

/// A read of the stream, validated: the query and how long to wait for a first event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventsRequest {
    query: EventQuery,
    wait_secs: u32,
}

impl EventsRequest {
    /// Refuses, all at once: an `after` below 0, a `limit` outside 1 to [`MAX_LIMIT`]
    /// (default [`DEFAULT_LIMIT`]), a `wait` outside 0 to [`MAX_WAIT_SECS`] (default 0).
    pub fn new(
        after: Option<i64>,
        limit: Option<i64>,
        wait: Option<i64>,
        filter: EventFilter,
    ) -> AppResult<Self> {
        let mut errors = Vec::new();
        let after = match after {
            None => 0,
            Some(n) if n >= 0 => n,
            Some(_) => {
                errors.push(FieldError::new("after", "must be 0 or a ledger seq"));
                0
            }
        };
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
            Some(_) => {
                errors.push(FieldError::new(
                    "limit",
                    format!("must be between 1 and {MAX_LIMIT}"),
                ));
                DEFAULT_LIMIT
            }
        };
        let wait_secs = match wait {
            None => 0,
            Some(n) if (0..=i64::from(MAX_WAIT_SECS)).contains(&n) => n as u32,
            Some(_) => {
                errors.push(FieldError::new(
                    "wait",
                    format!("must be between 0 and {MAX_WAIT_SECS} seconds"),
                ));
                0
            }
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(Self {
            query: EventQuery {
                after,
                limit,
                filter,
            },
            wait_secs,
        })
    }

    pub fn query(&self) -> &EventQuery {
        &self.query
    }

    /// How long to wait for a first event; 0 answers at once.
    pub fn wait_secs(&self) -> u32 {
        self.wait_secs
    }

    /// The same read continued after `next` (the cursor of an empty page), so that a reader
    /// still waiting does not read again what its filter passed over. A cursor never goes
    /// back.
    pub fn continued(mut self, next: i64) -> Self {
        self.query.after = self.query.after.max(next);
        self
    }
}

/// The ports the events wing reads through.
#[derive(Clone)]
pub struct EventPorts {
    pub events: Arc<dyn EventRepository>,
}

#[derive(Clone)]
pub struct EventService {
    ports: EventPorts,
}

impl EventService {
    pub fn new(ports: EventPorts) -> Self {
        Self { ports }
    }

    /// One page of the stream after the request's cursor, without waiting; needs
    /// [`Permission::InventoryView`] (the stream shows what the histories of objects show).
    pub fn events(&self, actor: &Actor, request: &EventsRequest) -> AppResult<EventPage> {
        actor.require(Permission::InventoryView)?;
        let query = &request.query;
        let page = self.ports.events.events_after(query)?;
        check_page(query, &page)?;
        Ok(page)
    }
}

/// What a page promises its reader, checked before it leaves: ascending seqs above the
/// cursor, each row wanted by the filter, no more than asked for, a cursor that does not go
/// back and covers every row returned.
fn check_page(query: &EventQuery, page: &EventPage) -> AppResult<()> {
    let mut last = query.after;
    for event in &page.events {
        if event.seq <= last || !query.filter.matches(event) {
            return Err(AppError::internal(anyhow::anyhow!(
                "events: row {} out of order or not matching after {last}",
                event.seq
            )));
        }
        last = event.seq;
    }
    if page.events.len() > query.limit as usize || page.next < last {
        return Err(AppError::internal(anyhow::anyhow!(
            "events: {} rows for {} asked, next {} below {last}",
            page.events.len(),
            query.limit,
            page.next
        )));
    }
    Ok(())
}
