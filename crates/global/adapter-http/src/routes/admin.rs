//! Operator routes, authenticated with the admin key of the configuration
//! (`Authorization: Bearer <admin key>`).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use eckwms_device_protocol::{DeviceId, DeviceStatus};
use eckwms_global_domain::relay::parse_batch;
use eckwms_global_domain::{InstanceId, InstanceStatus, Tier};
use eckwms_http_kit::decimal_i64;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HttpState;
use crate::dto::{DeviceOut, InstanceOut, ScanOut, TokenOut, rfc3339};
use crate::extract::{bearer, parse_json, read_body, run};
use crate::problem::{ApiError, from_app};
use crate::routes::no_store;
use crate::schema;

fn admin(req: &HttpRequest, state: &HttpState) -> Result<(), ApiError> {
    let presented = bearer(req.headers())?;
    state.services.admin.check(presented).map_err(from_app)
}

fn instance_id(text: &str) -> Result<InstanceId, ApiError> {
    InstanceId::parse(text).map_err(|m| ApiError::invalid_id(vec![ApiError::field("id", m)]))
}

/// A device id from the path: 400 `invalid_id` like an instance id, before anything runs.
fn device_id(text: &str) -> Result<String, ApiError> {
    DeviceId::parse(text)
        .map(|id| id.as_str().to_owned())
        .map_err(|m| ApiError::invalid_id(vec![ApiError::field("id", m)]))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollIn {
    #[schema(value_type = schema::InstanceNameText)]
    pub name: String,
    /// `free` (default) or `paid`.
    #[schema(value_type = Option<schema::TierName>)]
    pub tier: Option<String>,
}

/// A one-time enrollment token for a new instance (also `eckwms-global instance enroll`).
#[utoipa::path(
    tag = "admin",
    request_body = EnrollIn,
    security(("admin_key" = [])),
    responses(
        (status = 201, description = "The token, shown once", body = TokenOut),
        (status = 401, description = "`invalid_admin_key`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/ADMIN/ENROLLMENTS")]
pub async fn enroll(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: EnrollIn = parse_json(&req, &body)?;
    let tier = Tier::parse(input.tier.as_deref().unwrap_or("free"))
        .map_err(|m| ApiError::validation(vec![ApiError::field("tier", m)]))?;
    let issued = run(&state, move |s| s.instances.enroll(&input.name, tier)).await?;
    Ok(no_store(HttpResponse::Created()).json(TokenOut {
        token: issued.secret,
        expires_at: issued.expires_at.map(rfc3339),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstancesOut {
    pub instances: Vec<InstanceOut>,
}

/// Every instance, by name, with `online`.
#[utoipa::path(
    tag = "admin",
    security(("admin_key" = [])),
    responses((status = 200, description = "Instances", body = InstancesOut))
)]
#[get("/ECK/API/ADMIN/INSTANCES")]
pub async fn list_instances(
    req: HttpRequest,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let views = run(&state, |s| s.instances.list()).await?;
    Ok(HttpResponse::Ok().json(InstancesOut {
        instances: views.into_iter().map(InstanceOut::from).collect(),
    }))
}

#[utoipa::path(
    tag = "admin",
    params(("id" = schema::InstanceUuid, Path, description = "instance UUID")),
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The instance", body = InstanceOut),
        (status = 404, description = "`not_found`", body = crate::problem::Problem)
    )
)]
#[get("/ECK/API/ADMIN/INSTANCES/{id}")]
pub async fn get_instance(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let id = instance_id(&path)?;
    let view = run(&state, move |s| s.instances.get(&id)).await?;
    Ok(HttpResponse::Ok().json(InstanceOut::from(view)))
}

async fn set_status(
    req: &HttpRequest,
    path: &str,
    state: &HttpState,
    status: InstanceStatus,
) -> Result<HttpResponse, ApiError> {
    admin(req, state)?;
    let id = instance_id(path)?;
    let view = run(state, move |s| s.instances.set_status(&id, status)).await?;
    Ok(HttpResponse::Ok().json(InstanceOut::from(view)))
}

/// Disables an instance: its key stops working, discovery and the proxy stop serving it.
#[utoipa::path(
    tag = "admin",
    params(("id" = schema::InstanceUuid, Path, description = "instance UUID")),
    security(("admin_key" = [])),
    responses((status = 200, description = "Disabled", body = InstanceOut))
)]
#[post("/ECK/API/ADMIN/INSTANCES/{id}/DISABLE")]
pub async fn disable_instance(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    set_status(&req, &path, &state, InstanceStatus::Disabled).await
}

#[utoipa::path(
    tag = "admin",
    params(("id" = schema::InstanceUuid, Path, description = "instance UUID")),
    security(("admin_key" = [])),
    responses((status = 200, description = "Enabled", body = InstanceOut))
)]
#[post("/ECK/API/ADMIN/INSTANCES/{id}/ENABLE")]
pub async fn enable_instance(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    set_status(&req, &path, &state, InstanceStatus::Active).await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedOut {
    #[serde(flatten)]
    pub instance: InstanceOut,
    /// The new key, shown this once; the old one no longer works.
    pub api_key: String,
}

/// A new API key for the instance (shown once); the old key stops working at once.
#[utoipa::path(
    tag = "admin",
    params(("id" = schema::InstanceUuid, Path, description = "instance UUID")),
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The new key", body = RotatedOut),
        (status = 404, description = "`not_found`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/ADMIN/INSTANCES/{id}/ROTATE-KEY")]
pub async fn rotate_key(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let id = instance_id(&path)?;
    let (view, issued) = run(&state, move |s| s.instances.rotate_key(&id)).await?;
    Ok(no_store(HttpResponse::Ok()).json(RotatedOut {
        instance: view.into(),
        api_key: issued.secret,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScansQuery {
    /// Text, read by [`decimal_i64`]: serde would also take `05` and `+5`.
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RelayScansOut {
    pub scans: Vec<ScanOut>,
}

/// The instance's relayed scans in any state, oldest first (`?limit=`, 1 to 500, default
/// 100): to see what waits, what is leased and how often it was delivered.
#[utoipa::path(
    tag = "admin",
    params(
        ("id" = schema::InstanceUuid, Path, description = "instance UUID"),
        ("limit" = Option<schema::BatchSize>, Query, description = "1 to 500, default 100")
    ),
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "Scans", body = RelayScansOut),
        (status = 404, description = "`not_found`", body = crate::problem::Problem)
    )
)]
#[get("/ECK/API/ADMIN/INSTANCES/{id}/SCANS")]
pub async fn list_scans(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let id = instance_id(&path)?;
    let query = web::Query::<ScansQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid_query(vec![ApiError::field("query", e.to_string())]))?;
    let limit = match query.limit.as_deref() {
        None => 100,
        Some(raw) => decimal_i64(raw).ok_or_else(|| {
            ApiError::invalid_query(vec![ApiError::field(
                "limit",
                "must be an integer, without + or leading zeros",
            )])
        })?,
    };
    // A query out of range is a bad query (400), as for every other query parameter.
    parse_batch(limit).map_err(|m| ApiError::invalid_query(vec![ApiError::field("limit", m)]))?;
    let scans = run(&state, move |s| {
        let view = s.instances.get(&id)?;
        s.relay.list(&view.instance, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RelayScansOut {
        scans: scans.into_iter().map(ScanOut::from).collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DevicesQuery {
    pub instance_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DevicesOut {
    pub devices: Vec<DeviceOut>,
}

/// Devices, of one instance (`?instanceId=`) or all.
#[utoipa::path(
    tag = "admin",
    params(("instanceId" = Option<schema::InstanceUuid>, Query, description = "only this instance's devices")),
    security(("admin_key" = [])),
    responses((status = 200, description = "Devices", body = DevicesOut))
)]
#[get("/ECK/API/ADMIN/DEVICES")]
pub async fn list_devices(
    req: HttpRequest,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let query = web::Query::<DevicesQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid_query(vec![ApiError::field("query", e.to_string())]))?;
    let instance = match &query.instance_id {
        Some(text) => Some(
            InstanceId::parse(text)
                .map_err(|m| ApiError::invalid_query(vec![ApiError::field("instanceId", m)]))?,
        ),
        None => None,
    };
    let devices = run(&state, move |s| s.devices.list(instance)).await?;
    Ok(HttpResponse::Ok().json(DevicesOut {
        devices: devices.into_iter().map(DeviceOut::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatusIn {
    /// `pending`, `active` or `blocked`.
    #[schema(value_type = schema::DeviceStatusName)]
    pub status: String,
}

/// Sets a device's status: only `active` devices post scans and see LAN addresses.
#[utoipa::path(
    tag = "admin",
    params(("id" = schema::DeviceIdText, Path, description = "device id")),
    request_body = DeviceStatusIn,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The device", body = DeviceOut),
        (status = 404, description = "`not_found`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/ADMIN/DEVICES/{id}/STATUS")]
pub async fn set_device_status(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let id = device_id(&path)?;
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: DeviceStatusIn = parse_json(&req, &body)?;
    let status = DeviceStatus::parse(&input.status)
        .map_err(|m| ApiError::validation(vec![ApiError::field("status", m)]))?;
    let device = run(&state, move |s| s.devices.set_status(&id, status)).await?;
    Ok(HttpResponse::Ok().json(DeviceOut::from(device)))
}

/// Removes a device, so that it can register again with a new key (it starts `pending`).
#[utoipa::path(
    tag = "admin",
    params(("id" = schema::DeviceIdText, Path, description = "device id")),
    security(("admin_key" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "`not_found`", body = crate::problem::Problem)
    )
)]
#[delete("/ECK/API/ADMIN/DEVICES/{id}")]
pub async fn remove_device(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let id = device_id(&path)?;
    run(&state, move |s| s.devices.remove(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
