//! The scan relay: devices post scans for their instance; the instance pulls and confirms.

use actix_web::{HttpRequest, HttpResponse, post, web};
use eckwms_device_protocol::SignatureRefusal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HttpState;
use crate::dto::ScanOut;
use crate::extract::{
    device_request, instance_key, parse_json, parse_json_or_default, read_body, run,
    signature_refused,
};
use crate::problem::ApiError;
use crate::schema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelayScanIn {
    /// The device's id of this scan: a retry carries the same one.
    #[schema(value_type = schema::MsgIdText)]
    pub msg_id: String,
    #[schema(value_type = schema::BarcodeText)]
    pub barcode: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelayedOut {
    #[serde(flatten)]
    pub scan: ScanOut,
    /// True when this `msgId` was already stored (nothing new was stored).
    pub duplicate: bool,
}

/// A scan for the device's instance, kept until the instance pulls and confirms it. Signed by
/// an active device (`X-Device-Id`, `X-Device-Timestamp`, `X-Device-Signature`).
#[utoipa::path(
    tag = "relay",
    request_body = RelayScanIn,
    security(("device_signature" = [])),
    responses(
        (status = 202, description = "Stored (or already stored)", body = RelayedOut),
        (status = 401, description = "`invalid_device_signature`, `stale_device_signature`", body = crate::problem::Problem),
        (status = 403, description = "`device_not_active`", body = crate::problem::Problem),
        (status = 409, description = "`msg_id_reused`, `instance_unavailable`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/RELAY/SCANS")]
pub async fn post_scan(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.settings.body_limit).await?;
    let signed =
        device_request(&req)?.ok_or_else(|| signature_refused(SignatureRefusal::Missing))?;
    let input: RelayScanIn = parse_json(&req, &body)?;
    let (scan, created) = run(&state, move |s| {
        let device = s.devices.authenticate(&signed.signed(&body))?;
        s.relay.post(&device, &input.msg_id, &input.barcode)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(RelayedOut {
        scan: scan.into(),
        duplicate: !created,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PullIn {
    /// 1 to 500 (default 100).
    #[schema(value_type = Option<schema::BatchSize>)]
    pub limit: Option<i64>,
    /// True when the caller holds none of the scans it pulled before and did not confirm (it
    /// lost them: it restarted, or an answer did not arrive): they are handed out again now,
    /// oldest first with the others, rather than when their leases end. Default false.
    pub reclaim: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PulledOut {
    /// The leased scans, oldest first.
    pub scans: Vec<ScanOut>,
    /// The calling instance's scans still open after this pull, not counting those of this
    /// answer: waiting, or leased earlier and not confirmed.
    #[schema(minimum = 0)]
    pub backlog: i64,
}

fn require_key(req: &HttpRequest) -> Result<String, ApiError> {
    instance_key(req.headers())?
        .map(str::to_owned)
        .ok_or_else(|| ApiError::unauthenticated("the instance key is required"))
}

/// Leases up to `limit` waiting scans to the calling instance, oldest first. A scan not
/// confirmed before its `leaseUntil` is handed out again. `backlog`: the instance's scans
/// still open after this pull, not counting those of this answer.
#[utoipa::path(
    tag = "relay",
    request_body(content = Option<PullIn>, description = "May be empty: the defaults"),
    security(("instance_key" = [])),
    responses(
        (status = 200, description = "The leased scans (maybe none) and the backlog after them", body = PulledOut),
        (status = 401, description = "`invalid_instance_key`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/INTERNAL/RELAY/PULL")]
pub async fn pull(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let key = require_key(&req)?;
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: PullIn = parse_json_or_default(&req, &body)?;
    let pulled = run(&state, move |s| {
        let me = s.instances.authenticate(&key)?;
        s.relay.pull(
            &me,
            input.limit.unwrap_or(100),
            input.reclaim.unwrap_or(false),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(PulledOut {
        scans: pulled.scans.into_iter().map(ScanOut::from).collect(),
        backlog: pulled.backlog,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIn {
    /// Ids of pulled scans (1 to 500).
    #[schema(min_items = 1, max_items = 500)]
    pub ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmedOut {
    /// The ids that are confirmed (now or before); the others were not the caller's or were
    /// never pulled.
    pub confirmed: Vec<i64>,
}

/// Confirms pulled scans: they are never handed out again.
#[utoipa::path(
    tag = "relay",
    request_body = ConfirmIn,
    security(("instance_key" = [])),
    responses(
        (status = 200, description = "Confirmed ids", body = ConfirmedOut),
        (status = 401, description = "`invalid_instance_key`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/INTERNAL/RELAY/CONFIRM")]
pub async fn confirm(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let key = require_key(&req)?;
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: ConfirmIn = parse_json(&req, &body)?;
    let confirmed = run(&state, move |s| {
        let me = s.instances.authenticate(&key)?;
        s.relay.confirm(&me, &input.ids)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConfirmedOut { confirmed }))
}
