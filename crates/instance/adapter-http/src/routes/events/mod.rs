//! The change events: the ledger as a stream, read from a cursor, with a bounded long poll.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::rt::time::Instant;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use eckwms_application::AppError;
use eckwms_application::EventsRequest;
use eckwms_application::events::{MAX_LIMIT, MAX_WAIT_SECS};
use eckwms_application::ports::EventPage;
use eckwms_domain::{ChangeKind, EventFilter, IdKind, LedgerEntry};
use eckwms_http_kit::decimal_i64;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Ctx, QueryCheck};
use crate::problem::{ApiError, from_app};
use crate::routes::movement::history::ChangeOut;

/// How often a waiting reader looks for new events. Each look is one short read off the
/// async threads; between looks the request holds no thread and no connection.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Registers the events' route under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(events);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// The cursor: events with a ledger seq above it are returned. 0 (the default) reads from
    /// the start; pass the `next` of the previous answer.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after: Option<String>,
    /// How many events at most, 1 to 500 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Seconds to wait for a first event when there is none yet, 0 to 30 (default 0: answer
    /// at once). The answer comes as soon as there is one; after the wait it is empty.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 30)]
    pub wait: Option<String>,
    /// Only changes of these kinds of object, comma-separated: `place`, `box`, `item`,
    /// `order` (default: all).
    #[param(value_type = Option<String>, example = "item,box")]
    pub kind: Option<String>,
    /// Only these changes, comma-separated: `created`, `updated`, `moved`, `action`,
    /// `linked`, `unlinked`, `deleted` (default: all).
    #[param(value_type = Option<String>, example = "moved")]
    pub change: Option<String>,
}

/// The kind of object a change is about.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventObjectKind {
    Place,
    Box,
    Item,
    Order,
}

impl EventObjectKind {
    fn of(kind: IdKind) -> Option<Self> {
        Some(match kind {
            IdKind::Place => Self::Place,
            IdKind::Box => Self::Box,
            IdKind::Item => Self::Item,
            IdKind::Order => Self::Order,
            IdKind::User | IdKind::Label => return None,
        })
    }
}

/// One change: a ledger row, as an object's history shows it, with its object's kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// The ledger seq: unique, ascending in the stream; the key to deduplicate by.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The object changed.
    pub object: String,
    /// Its kind (`null` only for a kind of object the ledger does not record today).
    pub kind: Option<EventObjectKind>,
    pub change: ChangeOut,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Who made the change: `user:u…`, `apikey:<id>`, `device:<id>`, `console`, with
    /// `/device:<id>` for a change made through a scanner.
    pub actor: String,
    /// The display name of the user in `actor`, when a user made the change.
    pub actor_name: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// The scan that caused the change (`GET /api/v1/scans/{id}`), when a scan did.
    pub scan_id: Option<i64>,
    /// Created/deleted: the full state; updated: the changed fields; action: the action;
    /// `null` for the other changes (moved, linked, unlinked).
    #[schema(value_type = Option<Object>)]
    pub data: Value,
}

impl From<LedgerEntry> for EventOut {
    fn from(e: LedgerEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            object: e.object.to_string(),
            kind: EventObjectKind::of(e.object.kind()),
            change: e.kind.into(),
            from: e.from.map(|id| id.to_string()),
            to: e.to.map(|id| id.to_string()),
            actor: e.actor,
            actor_name: None,
            reason: e.reason,
            request_id: e.request_id,
            scan_id: e.scan_id,
            data: e.data,
        }
    }
}

/// One page of the stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsOut {
    /// The events after the cursor, ascending by `seq`.
    pub events: Vec<EventOut>,
    /// The `after` of the next request. Every event up to it that the filters want has been
    /// returned, and none can appear later; it also passes over events the filters leave out.
    pub next: i64,
}

/// The ledger as a stream of changes, in commit order without gaps: an event is returned
/// only once every event with a lower seq is committed or will never exist, so a reader that
/// follows `next` sees every change exactly once, in order. With `wait`, a long poll.
#[utoipa::path(
    tag = "events",
    params(EventsParams),
    responses((status = 200, description = "One page of the stream (empty when there is nothing new after the wait)", body = EventsOut))
)]
#[get("/events")]
pub async fn events(ctx: Ctx, params: web::Query<EventsParams>) -> Result<HttpResponse, ApiError> {
    let mut request = events_request(params.into_inner())?;
    let deadline = Instant::now() + Duration::from_secs(u64::from(request.wait_secs()));
    let (page, names) = loop {
        let (actor, read) = (ctx.meta.actor.clone(), request.clone());
        let (page, names) = ctx
            .services
            .run(move |s| {
                let page = s.events.events(&actor, &read)?;
                let names = if page.events.is_empty() {
                    HashMap::new()
                } else {
                    s.users
                        .actor_names(page.events.iter().map(|e| e.actor.as_str()))?
                };
                Ok((page, names))
            })
            .await?;
        let now = Instant::now();
        if !page.events.is_empty() || now >= deadline {
            break (page, names);
        }
        // Nothing yet: go on after what was passed over, without holding a thread.
        request = request.continued(page.next);
        actix_web::rt::time::sleep(POLL_INTERVAL.min(deadline - now)).await;
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(EventsOut::named(page, &names)))
}

impl EventsOut {
    /// The page as JSON, with the users' names as an object's history has them.
    fn named(page: EventPage, names: &HashMap<String, String>) -> Self {
        let found = page
            .events
            .into_iter()
            .map(|e| {
                let mut event = EventOut::from(e);
                event.actor_name = names.get(&event.actor).cloned();
                event
            })
            .collect();
        Self {
            events: found,
            next: page.next,
        }
    }
}

/// The request, with every problem of the query at once (400 `invalid_query`); the ranges
/// are the use case's ([`EventsRequest::new`]).
fn events_request(params: EventsParams) -> Result<EventsRequest, ApiError> {
    let mut check = QueryCheck::new();
    let mut number = |field: &str, raw: Option<&str>, range: &str| match raw.map(decimal_i64) {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => {
            check.reject(
                field,
                format!("must be an integer {range}, without + or leading zeros"),
            );
            None
        }
    };
    let after = number("after", params.after.as_deref(), "of 0 or more");
    let limit = number(
        "limit",
        params.limit.as_deref(),
        &format!("from 1 to {MAX_LIMIT}"),
    );
    let wait = number(
        "wait",
        params.wait.as_deref(),
        &format!("from 0 to {MAX_WAIT_SECS}"),
    );
    let objects = list(&mut check, "kind", params.kind.as_deref(), |name| {
        object_kind(name).ok_or("must be place, box, item or order, comma-separated")
    });
    let changes = list(&mut check, "change", params.change.as_deref(), |name| {
        ChangeKind::parse(name).ok_or(
            "must be created, updated, moved, action, linked, unlinked or deleted, \
             comma-separated",
        )
    });
    let filter = match EventFilter::new(objects, changes) {
        Ok(filter) => filter,
        Err(e) => {
            check.reject("kind", e.to_string());
            EventFilter::all()
        }
    };
    let request = EventsRequest::new(after, limit, wait, filter);
    if let Err(AppError::Invalid(fields)) = &request {
        for field in fields {
            check.reject(&field.field, field.message.clone());
        }
    }
    check.finish()?;
    request.map_err(from_app)
}

/// The object kinds the stream can be filtered by, as the query names them.
fn object_kind(name: &str) -> Option<IdKind> {
    Some(match name {
        "place" => IdKind::Place,
        "box" => IdKind::Box,
        "item" => IdKind::Item,
        "order" => IdKind::Order,
        _ => return None,
    })
}

/// A comma-separated list of names, each read by `read`; an empty list or entry is refused.
fn list<T>(
    check: &mut QueryCheck,
    field: &str,
    raw: Option<&str>,
    read: impl Fn(&str) -> Result<T, &'static str>,
) -> Vec<T> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for name in raw.split(',') {
        match read(name) {
            Ok(value) => values.push(value),
            Err(message) => {
                check.reject(field, message);
                return Vec::new();
            }
        }
    }
    values
}
