//! The devices wing: a scanner's pairing (a challenge, then its signed registration) on the
//! scanner routes under `/ECK/API`, and the admins' registry under `/api/v1/devices`
//! (`devices.manage`).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::devices::{
    DevicePatchInput, OperatorName, RegisterDeviceInput, Registered,
};
use eckwms_application::ports::DeviceFilter;
use eckwms_domain::devices::{Device, DeviceId, DeviceStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::{Check, Field, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, anonymous_meta, app_state, ok_with_etag};
use crate::problem::ApiError;
use crate::schema;

/// Registers the admins' routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_devices)
        .service(get_device)
        .service(update_device)
        .service(delete_device);
}

/// Registers the scanners' routes in the `/ECK/API` scope.
pub fn configure_eck_api(cfg: &mut ServiceConfig) {
    cfg.service(challenge)
        .service(register)
        .service(device_status)
        .service(operator_login)
        .service(operator_logout);
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A device id of the path: 400 `invalid_id`.
fn path_device(raw: &str) -> Result<DeviceId, ApiError> {
    DeviceId::parse(raw).map_err(|m| ApiError::invalid_id(vec![ApiError::field("id", m)]))
}

// ---------------------------------------------------------------- pairing (the scanner's side)

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeOut {
    /// Sign it into the registration message; single use.
    #[schema(value_type = schema::NonceText)]
    pub nonce: String,
    pub expires_at: String,
}

/// A single-use nonce for one registration, valid for 5 minutes.
#[utoipa::path(
    tag = "devices",
    security(()),
    responses((status = 201, description = "A fresh nonce", body = ChallengeOut))
)]
#[post("/DEVICE/CHALLENGE")]
pub async fn challenge(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let state = app_state(&req)?;
    let (nonce, expires_at) = state.calls.run(|s| s.devices.challenge()).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(ChallengeOut {
            nonce,
            expires_at: rfc3339(expires_at),
        }))
}

/// The pairing request: the device signs the UTF-8 bytes of
/// `{"deviceId":"…","devicePublicKey":"…","nonce":"…"}` with its Ed25519 key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterDeviceIn {
    #[schema(value_type = schema::DeviceIdText)]
    pub device_id: String,
    #[schema(value_type = schema::NameText)]
    pub device_name: String,
    /// Ed25519 public key, standard base64 (exactly as signed).
    #[schema(value_type = schema::DeviceKeyText)]
    pub device_public_key: String,
    /// From `POST /ECK/API/DEVICE/CHALLENGE`.
    #[schema(value_type = schema::NonceText)]
    pub nonce: String,
    /// Base64 signature of the message by `devicePublicKey`.
    #[schema(value_type = schema::SignatureText)]
    pub signature: String,
    /// When the device is known with another key: the old key's signature of the same message.
    #[schema(value_type = Option<schema::SignatureText>)]
    pub old_key_signature: Option<String>,
    /// The instance of the pairing QR; when given, it must be this one (else 404).
    #[schema(value_type = Option<schema::InstanceUuid>)]
    pub instance_id: Option<String>,
}

/// A registered device, as the device is told.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceOut {
    #[schema(value_type = schema::DeviceIdText)]
    pub device_id: String,
    /// This instance (hyphenated, lower case).
    pub instance_id: String,
    pub device_name: String,
    /// Ed25519, standard base64.
    pub device_public_key: String,
    /// `pending` until an admin sets it `active` (or `blocked`).
    #[schema(value_type = schema::DeviceStatusName)]
    pub status: &'static str,
    pub registered_at: String,
    pub updated_at: String,
}

impl From<Registered> for DeviceOut {
    fn from(r: Registered) -> Self {
        let d = r.device;
        Self {
            device_id: d.id.as_str().to_owned(),
            instance_id: r.instance_id,
            device_name: d.name.into_string(),
            device_public_key: d.public_key.as_str().to_owned(),
            status: d.status.as_str(),
            registered_at: rfc3339(d.registered_at),
            updated_at: rfc3339(d.updated_at),
        }
    }
}

/// Registers a device (new devices are `pending` until an admin sets them `active`), or
/// changes a known device's key (with `oldKeySignature`) or name. A registration is refused
/// when replayed: its nonce is spent with it.
#[utoipa::path(
    tag = "devices",
    security(()),
    responses(
        (status = 200, description = "Registered", body = DeviceOut),
        (status = 401, description = "The signature does not verify (`invalid_signature`)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`instanceId` names another instance (`not_found`)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The nonce is unknown, spent or expired \
            (`challenge_invalid`: also a replayed registration), another key without the old \
            one's signature (`device_key_change_unproven`), or the device changed meanwhile \
            (`device_changed`)", body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[post("/DEVICE/REGISTER")]
pub async fn register(
    req: HttpRequest,
    body: Json<RegisterDeviceIn>,
) -> Result<HttpResponse, ApiError> {
    let RegisterDeviceIn {
        device_id,
        device_name,
        device_public_key,
        nonce,
        signature,
        old_key_signature,
        instance_id,
    } = body.into_inner();
    let input = RegisterDeviceInput {
        device_id,
        device_name,
        device_public_key,
        nonce,
        signature,
        old_key_signature,
        instance_id,
    };
    let state = app_state(&req)?;
    let meta = anonymous_meta(&req);
    let registered = state
        .calls
        .run(move |s| s.devices.register(&input, &meta))
        .await?;
    Ok(HttpResponse::Ok().json(DeviceOut::from(registered)))
}

/// What a scanner learns of itself.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStatusOut {
    #[schema(value_type = schema::DeviceIdText)]
    pub device_id: String,
    /// `pending` until an admin approves it; then `active` (or `blocked`).
    #[schema(value_type = schema::DeviceStatusName)]
    pub status: &'static str,
    /// The role its requests act with; `null`: none (an operator must log in to act).
    #[schema(value_type = Option<schema::RoleName>)]
    pub role: Option<String>,
    pub name: String,
}

/// A scanner's own status, signed by it, whatever its status: a `pending` scanner polls here
/// until an admin approves it.
#[utoipa::path(
    tag = "devices",
    security(("device_signature" = [])),
    params(("id" = schema::DeviceIdText, Path, description = "The scanner's own id")),
    responses(
        (status = 200, description = "The scanner's status", body = DeviceStatusOut),
        (status = 401, description = "No valid signature (`invalid_device_signature`, \
            `stale_device_signature`), or one of another device",
            body = crate::problem::Problem, content_type = "application/problem+json")
    )
)]
#[get("/DEVICE/{id}/STATUS")]
pub async fn device_status(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path_device(&id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let device = services.run(move |s| s.devices.status(&actor, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(DeviceStatusOut {
            device_id: device.id.as_str().to_owned(),
            status: device.status.as_str(),
            role: device.role,
            name: device.name.into_string(),
        }))
}

// ---------------------------------------------------------------- operators

/// The longest username, badge text or PIN read: anything longer names nobody.
const MAX_LOGIN_TEXT: usize = 1024;

/// Who logs in on the scanner: a username or a scanned badge, and the PIN.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorLoginIn {
    /// The username, in any case.
    #[schema(value_type = Option<schema::Username>)]
    pub username: Option<String>,
    /// The text of a scanned badge: the label of the user's id (ECK label code, either
    /// version) or the id itself.
    #[schema(value_type = Option<schema::ScannedText>)]
    pub badge: Option<String>,
    #[schema(value_type = schema::Pin)]
    pub pin: String,
}

/// The operator as the scanner shows them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorUserOut {
    #[schema(value_type = schema::UserId)]
    pub id: String,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = schema::RoleName)]
    pub role: String,
}

/// An operator logged in on a scanner.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorOut {
    #[schema(value_type = schema::DeviceIdText)]
    pub device_id: String,
    pub user: OperatorUserOut,
    /// What the scanner's requests may do now: the operator's role's permissions, limited to
    /// the scanner's role's when it has one.
    #[schema(value_type = Vec<schema::PermissionName>)]
    pub permissions: Vec<String>,
}

/// Log an operator in on the scanner that signs, with their username or badge and their PIN;
/// the scanner's requests then act for them (limited to the scanner's role). Whoever was
/// logged in there is logged out. Every failure is the same 401; failures are throttled per
/// user and per scanner.
#[utoipa::path(
    tag = "devices",
    security(("device_signature" = [])),
    responses(
        (status = 200, description = "Logged in", body = OperatorOut),
        (status = 401, description = "The user or the PIN is wrong, the user is inactive or \
            has no PIN (`invalid_credentials`: one answer for all), or no valid signature \
            (`invalid_device_signature`, `stale_device_signature`)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this user or on this scanner \
            (`rate_limited`); `Retry-After` says when to try again",
            body = crate::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    )
)]
#[post("/DEVICE/LOGIN")]
pub async fn operator_login(
    ctx: Ctx,
    body: Json<OperatorLoginIn>,
) -> Result<HttpResponse, ApiError> {
    let OperatorLoginIn {
        username,
        badge,
        pin,
    } = body.into_inner();
    let mut c = Check::new();
    let who = match (username, badge) {
        (Some(name), None) => Some(OperatorName::Username(name)),
        (None, Some(badge)) => Some(OperatorName::Badge(badge)),
        _ => {
            c.push("username", "give username or badge");
            c.push("badge", "give username or badge");
            None
        }
    };
    let long = |text: &str| text.len() > MAX_LOGIN_TEXT;
    if let Some(OperatorName::Username(text) | OperatorName::Badge(text)) = &who
        && long(text)
    {
        c.push(
            if matches!(who, Some(OperatorName::Username(_))) {
                "username"
            } else {
                "badge"
            },
            format!("must be at most {MAX_LOGIN_TEXT} bytes"),
        );
    }
    if pin.is_empty() || long(&pin) {
        c.push("pin", format!("must be 1 to {MAX_LOGIN_TEXT} bytes"));
    }
    c.finish()?;
    let Some(who) = who else {
        return Err(c.error());
    };
    let Ctx { services, meta } = ctx;
    let begun = meta.clone();
    let attempt = services
        .run(move |s| s.devices.begin_operator_login(&who, &begun))
        .await?;
    let (attempt, verified) = services
        .hash(move |passwords, _| {
            let verified = attempt.verify(passwords, &pin);
            Ok((attempt, verified))
        })
        .await?;
    let device_id = meta
        .actor
        .device_id()
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default();
    let logged_in = services
        .run(move |s| s.devices.finish_operator_login(attempt, verified, &meta))
        .await?;
    let user = logged_in.user;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(OperatorOut {
            device_id,
            user: OperatorUserOut {
                id: user.id.to_string(),
                username: user.username,
                display_name: user.display_name,
                role: user.role,
            },
            permissions: logged_in
                .actor
                .permissions()
                .list()
                .into_iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
        }))
}

/// Log out the operator of the scanner that signs (also when nobody is logged in there).
#[utoipa::path(
    tag = "devices",
    security(("device_signature" = [])),
    responses((status = 204, description = "Nobody is logged in on the scanner now"))
)]
#[post("/DEVICE/LOGOUT")]
pub async fn operator_logout(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.devices.operator_logout(&meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------- the registry (admins)

/// A registered device, as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedDeviceOut {
    #[schema(value_type = schema::DeviceIdText)]
    pub id: String,
    #[schema(value_type = schema::NameText)]
    pub name: String,
    /// Ed25519, standard base64: what its requests are signed with.
    pub public_key: String,
    #[schema(value_type = schema::DeviceStatusName)]
    pub status: &'static str,
    /// The role its requests act with (limited to it when an operator is logged in on it);
    /// `null`: none of its own.
    #[schema(value_type = Option<schema::RoleName>)]
    pub role: Option<String>,
    pub version: i64,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its last signed request (written at most once a minute).
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl From<Device> for ManagedDeviceOut {
    fn from(d: Device) -> Self {
        Self {
            id: d.id.as_str().to_owned(),
            name: d.name.into_string(),
            public_key: d.public_key.as_str().to_owned(),
            status: d.status.as_str(),
            role: d.role,
            version: d.version,
            registered_at: d.registered_at,
            updated_at: d.updated_at,
            last_seen_at: d.last_seen_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeviceListQuery {
    /// Only devices with this status.
    #[param(value_type = Option<schema::DeviceStatusName>)]
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::DeviceIdText>)]
    pub cursor: Option<String>,
}

/// List devices by id, all or of one status (`pending` ones wait for an admin).
#[utoipa::path(
    tag = "devices",
    params(DeviceListQuery),
    responses((status = 200, description = "One page of devices", body = PageOut<ManagedDeviceOut>))
)]
#[get("/devices")]
pub async fn list_devices(
    ctx: Ctx,
    query: web::Query<DeviceListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let status = match q.status.as_deref().map(DeviceStatus::parse) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(message)) => {
            check.reject("status", message);
            None
        }
    };
    let cursor = match q.cursor.as_deref().map(DeviceId::parse) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(message)) => {
            check.reject("cursor", message);
            None
        }
    };
    let page = check.page(cursor, q.limit.as_deref())?;
    let filter = DeviceFilter { status };
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.devices.list(&actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, ManagedDeviceOut::from)))
}

/// One device.
#[utoipa::path(
    tag = "devices",
    params(("id" = schema::DeviceIdText, Path, description = "Device id")),
    responses((status = 200, description = "The device and its version", body = ManagedDeviceOut,
        headers(("ETag" = String))))
)]
#[get("/devices/{id}")]
pub async fn get_device(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path_device(&id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let device = services.run(move |s| s.devices.get(&actor, &id)).await?;
    Ok(ok_with_etag(device.version).json(ManagedDeviceOut::from(device)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeviceIn {
    /// `active` approves the device (its signed requests are then accepted), `blocked` refuses
    /// them, `pending` sends it back to wait. Not `null`.
    #[serde(default)]
    #[schema(value_type = schema::DeviceStatusName)]
    pub status: Field<String>,
    /// The role its requests act with (you must hold every permission it grants); `null` takes
    /// it away.
    #[serde(default)]
    #[schema(value_type = Option<schema::RoleName>, nullable)]
    pub role: Field<String>,
    /// Not `null`.
    #[serde(default)]
    #[schema(value_type = schema::NameText)]
    pub name: Field<String>,
}

impl UpdateDeviceIn {
    fn into_input(self) -> Result<DevicePatchInput, ApiError> {
        let mut c = Check::new();
        let status = c.patch_value("status", self.status);
        let name = c.patch_value("name", self.name);
        c.finish()?;
        Ok(DevicePatchInput {
            name,
            status,
            role: match self.role {
                Field::Absent => None,
                Field::Null => Some(None),
                Field::Value(role) => Some(Some(role)),
            },
        })
    }
}

/// Approve, block or rename a device, or give it a role (or take it away). You cannot manage a
/// device whose role grants a permission you lack.
#[utoipa::path(
    tag = "devices",
    params(
        ("id" = schema::DeviceIdText, Path, description = "Device id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The changed device", body = ManagedDeviceOut,
        headers(("ETag" = String))))
)]
#[patch("/devices/{id}")]
pub async fn update_device(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<UpdateDeviceIn>,
) -> Result<HttpResponse, ApiError> {
    let id = path_device(&id)?;
    let input = body.into_inner().into_input()?;
    let Ctx { services, meta } = ctx;
    let device = services
        .run(move |s| s.devices.update(&id, if_match.0, &input, &meta))
        .await?;
    Ok(ok_with_etag(device.version).json(ManagedDeviceOut::from(device)))
}

/// Remove a device. It may then register anew (with any key), `pending` again.
#[utoipa::path(
    tag = "devices",
    params(
        ("id" = schema::DeviceIdText, Path, description = "Device id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 204, description = "Removed"))
)]
#[delete("/devices/{id}")]
pub async fn delete_device(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = path_device(&id)?;
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.devices.delete(&id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
