//! The relay wing: the state of the puller of the global service's scan relay.

use actix_web::http::header;
use actix_web::{HttpResponse, get};
use chrono::{DateTime, Utc};
use eckwms_application::ports::RelayError;
use eckwms_application::relay::RelayStatus;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Ctx;
use crate::problem::ApiError;

/// Registers the relay's route under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(status);
}

/// The relay's puller: whether it works, what waits, what went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelayStatusOut {
    /// Whether the instance is enrolled with a global service (`eckwms global enroll`);
    /// without it nothing is pulled.
    pub enrolled: bool,
    /// Whether a process of the instance holds the puller's lease now (one pulls at a time).
    pub holder_alive: bool,
    /// Until when the puller's lease runs (renewed each round).
    pub lease_until: Option<DateTime<Utc>>,
    /// The last pull from the global service.
    pub last_pull_at: Option<DateTime<Utc>>,
    /// The last confirmation the global service accepted.
    pub last_confirm_at: Option<DateTime<Utc>>,
    /// Relayed scans applied through the scan flow (replays of a `msg_id` included).
    pub applied: i64,
    /// Relayed scans refused for good (recorded and confirmed, never tried again).
    pub errors: i64,
    /// The last failure of a round (the global service or the database unavailable), and when;
    /// the puller backs off and tries again.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Scans waiting: `global_backlog` plus `inbox`.
    pub backlog: i64,
    /// The scans the global service still held for this instance after the last pull (`null`
    /// before the first pull, or when the global service does not say).
    pub global_backlog: Option<i64>,
    /// Scans pulled and not yet confirmed.
    pub inbox: i64,
    /// The newest relayed scans refused for good, newest first (at most 20).
    pub recent_errors: Vec<RelayErrorOut>,
}

/// A relayed scan refused for good.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelayErrorOut {
    /// The global service's id of the scan.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub device_id: String,
    pub msg_id: String,
    pub barcode: String,
    /// The problem code: `device_not_active` (the device is unknown here, pending or
    /// blocked), `forbidden` (its role may not scan), `validation_failed`, `msg_id_reused`, ...
    pub code: String,
    pub message: String,
}

impl From<RelayError> for RelayErrorOut {
    fn from(e: RelayError) -> Self {
        Self {
            id: e.id,
            at: e.at,
            device_id: e.device_id,
            msg_id: e.msg_id,
            barcode: e.barcode,
            code: e.code,
            message: e.message,
        }
    }
}

impl From<RelayStatus> for RelayStatusOut {
    fn from(s: RelayStatus) -> Self {
        let backlog = s.backlog();
        let state = s.state;
        Self {
            enrolled: s.enrolled,
            holder_alive: s.holder_alive,
            lease_until: state.lease_until,
            last_pull_at: state.last_pull_at,
            last_confirm_at: state.last_confirm_at,
            applied: state.applied,
            errors: state.errors,
            last_error: state.last_error,
            last_error_at: state.last_error_at,
            backlog,
            global_backlog: state.backlog,
            inbox: s.inbox,
            recent_errors: s.recent_errors.into_iter().map(Into::into).collect(),
        }
    }
}

/// The state of the relay's puller: enrolled or not, whether a process pulls, the last pull
/// and confirmation, the scans applied and refused, the backlog and the recent errors.
#[utoipa::path(
    tag = "relay",
    responses((status = 200, description = "The relay's state", body = RelayStatusOut))
)]
#[get("/relay/status")]
pub async fn status(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let actor = ctx.meta.actor.clone();
    let status = ctx.services.run(move |s| s.relay.status(&actor)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RelayStatusOut::from(status)))
}
