//! Liveness, readiness, the original's health report, and the API document.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::HttpState;
use crate::extract::run;
use crate::openapi::ApiDocument;
use crate::problem::{ApiError, ProblemCode};

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOut {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up. Touches no database.
#[utoipa::path(tag = "system", responses((status = 200, description = "Alive", body = StatusOut)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(StatusOut { status: "ok" })
}

/// The database answers and every migration is applied.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Ready", body = StatusOut),
        (status = 503, description = "Not ready (`not_ready`)", body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    match run(&state, |s| s.system.ready()).await {
        Ok(()) => Ok(HttpResponse::Ok().json(StatusOut { status: "ready" })),
        Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => Err(ApiError::from_code(
            ProblemCode::NotReady,
            "the database is unreachable or not migrated",
        )
        .with_retry_after()),
        Err(e) => Err(e),
    }
}

/// The health report of the original global service (`/ECK/HEALTH`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EckHealthOut {
    /// `healthy` or `degraded`.
    #[schema(example = "healthy")]
    pub status: &'static str,
    #[schema(example = "eckwms-global")]
    pub service: &'static str,
    /// RFC 3339.
    pub timestamp: String,
    /// Seconds since the process started.
    pub uptime: f64,
    /// `connected` or `disconnected`.
    pub database: &'static str,
    pub version: &'static str,
}

/// Health in the original's shape: 200 `healthy`, or 503 `degraded` when the database does
/// not answer.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Healthy", body = EckHealthOut),
        (status = 503, description = "Degraded", body = EckHealthOut)
    )
)]
#[get("/ECK/HEALTH")]
pub async fn eck_health(state: web::Data<HttpState>) -> HttpResponse {
    let connected = run(&state, |s| s.system.ready()).await.is_ok();
    let (code, status, database) = if connected {
        (StatusCode::OK, "healthy", "connected")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "degraded", "disconnected")
    };
    HttpResponse::build(code).json(EckHealthOut {
        status,
        service: "eckwms-global",
        timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        uptime: crate::process_started().elapsed().as_secs_f64(),
        database,
        version: state.settings.version,
    })
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
#[get("/ECK/API/openapi.json")]
pub async fn openapi_json(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let doc = req
        .app_data::<web::Data<ApiDocument>>()
        .ok_or_else(|| ApiError::internal(&"the API document is not registered"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.json.clone()))
}
