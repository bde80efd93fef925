//! The system wing: liveness, readiness, the compatibility health check of the original, and
//! the API document.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::HttpState;
use crate::openapi::ApiDocument;
use crate::problem::{ApiError, ProblemCode};

/// Registers the system route under `/api/v1`; the probes outside it are registered in `lib.rs`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(openapi_json);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOut {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up. Touches no database.
#[utoipa::path(
    tag = "system",
    security(()),
    responses((status = 200, description = "Alive", body = StatusOut, example = json!({"status": "ok"})))
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(StatusOut { status: "ok" })
}

/// The database is reachable and every migration is applied.
#[utoipa::path(
    tag = "system",
    security(()),
    responses(
        (status = 200, description = "Ready", body = StatusOut, example = json!({"status": "ready"})),
        (status = 503, description = "Not ready (`not_ready`)", body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    let readiness = state.calls.run(|s| Ok(s.system.readiness())).await?;
    if readiness.ready() {
        return Ok(HttpResponse::Ok().json(StatusOut { status: "ready" }));
    }
    let detail = if !readiness.database {
        "the database is unreachable".to_owned()
    } else {
        format!(
            "migrations pending: {}",
            readiness.pending_migrations.join(", ")
        )
    };
    Err(ApiError::from_code(ProblemCode::NotReady, detail).with_retry_after())
}

/// `healthy` or `degraded`, as the original global service reported it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseStatus {
    Connected,
    Disconnected,
}

/// The health report deployed scanners read (`/ECK/HEALTH`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EckHealthOut {
    pub status: HealthStatus,
    #[schema(example = "eckwms")]
    pub service: &'static str,
    /// RFC 3339.
    pub timestamp: String,
    /// Seconds since the process started.
    pub uptime: f64,
    pub database: DatabaseStatus,
    pub version: &'static str,
}

/// Compatibility health check of the original service.
///
/// The check waits for a call turn like any request. When none comes within the wait (every
/// turn stays taken: the instance is overloaded), the database cannot be reached in time, as
/// when no pooled connection comes: degraded, answered in this route's own JSON, never as
/// the problem of the turn's timeout. A load balancer needs only the status; the scanners
/// that read the body always get the one shape. Jumping the queue instead would report
/// `healthy` for an instance that cannot serve a request within the wait.
#[utoipa::path(
    tag = "system",
    security(()),
    responses(
        (status = 200, description = "Healthy", body = EckHealthOut),
        (status = 503, description = "Degraded: the database cannot be reached, or not in time (no connection or no call turn within `database.connect_timeout_secs`)", body = EckHealthOut)
    )
)]
#[get("/ECK/HEALTH")]
pub async fn eck_health(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    let reachable = match state.calls.run(|s| Ok(s.system.database_reachable())).await {
        Ok(reachable) => reachable,
        // No turn in time (logged by the call as `service unavailable`).
        Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => false,
        Err(e) => return Err(e),
    };
    let (status, code, database) = if reachable {
        (
            HealthStatus::Healthy,
            StatusCode::OK,
            DatabaseStatus::Connected,
        )
    } else {
        (
            HealthStatus::Degraded,
            StatusCode::SERVICE_UNAVAILABLE,
            DatabaseStatus::Disconnected,
        )
    };
    Ok(HttpResponse::build(code).json(EckHealthOut {
        status,
        service: "eckwms",
        timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        uptime: crate::process_started().elapsed().as_secs_f64(),
        database,
        version: state.version,
    }))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let doc = req
        .app_data::<web::Data<ApiDocument>>()
        .ok_or_else(|| ApiError::internal(&"the API document is not registered"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.json.clone()))
}
