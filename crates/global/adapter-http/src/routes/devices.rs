//! Device pairing: a challenge, then the signed registration (reference section 4 with the
//! server's nonce); and the instances' publication of their devices, which the records here
//! follow.

use actix_web::{HttpRequest, HttpResponse, post, put, web};
use eckwms_global_application::{PublishDevice, RegisterDevice};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HttpState;
use crate::dto::{DeviceOut, rfc3339};
use crate::extract::{instance_key, parse_json, read_body, run};
use crate::problem::ApiError;
use crate::schema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeOut {
    /// Sign it into the registration message; single use.
    pub nonce: String,
    pub expires_at: String,
}

/// A single-use nonce for one registration, valid for 5 minutes.
#[utoipa::path(
    tag = "devices",
    responses((status = 201, description = "A fresh nonce", body = ChallengeOut))
)]
#[post("/ECK/API/DEVICE/CHALLENGE")]
pub async fn challenge(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    let (nonce, expires_at) = run(&state, |s| s.devices.challenge()).await?;
    Ok(HttpResponse::Created().json(ChallengeOut {
        nonce,
        expires_at: rfc3339(expires_at),
    }))
}

/// The pairing request: the device signs the UTF-8 bytes of
/// `{"deviceId":"…","devicePublicKey":"…","nonce":"…"}` with its Ed25519 key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterDeviceIn {
    /// The instance the device pairs with (from the pairing QR).
    #[schema(value_type = schema::InstanceUuid)]
    pub instance_id: String,
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
}

/// Registers a device (new devices start `pending` until an operator sets them `active`), or
/// changes a known device's key (with `oldKeySignature`) or name.
#[utoipa::path(
    tag = "devices",
    request_body = RegisterDeviceIn,
    responses(
        (status = 200, description = "Registered", body = DeviceOut),
        (status = 401, description = "The signature does not verify (`invalid_signature`)", body = crate::problem::Problem),
        (status = 404, description = "No such active instance", body = crate::problem::Problem),
        (status = 409, description = "`challenge_invalid` (unknown, used or expired nonce), `device_key_change_unproven`, `device_changed`", body = crate::problem::Problem),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/DEVICE/REGISTER")]
pub async fn register(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: RegisterDeviceIn = parse_json(&req, &body)?;
    let command = RegisterDevice {
        instance_id: input.instance_id,
        device_id: input.device_id,
        device_name: input.device_name,
        device_public_key: input.device_public_key,
        nonce: input.nonce,
        signature: input.signature,
        old_key_signature: input.old_key_signature,
    };
    let device = run(&state, move |s| s.devices.register(&command)).await?;
    Ok(HttpResponse::Ok().json(DeviceOut::from(device)))
}

/// One device as its instance publishes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishedDeviceIn {
    #[schema(value_type = schema::DeviceIdText)]
    pub device_id: String,
    #[schema(value_type = schema::NameText)]
    pub device_name: String,
    /// Ed25519 public key, standard base64.
    #[schema(value_type = schema::DeviceKeyText)]
    pub device_public_key: String,
    /// As the instance decided: only `active` devices post scans and see LAN addresses.
    #[schema(value_type = schema::DeviceStatusName)]
    pub status: String,
}

/// Every device of the calling instance.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishDevicesIn {
    /// At most 10000, each id once.
    #[schema(max_items = 10000)]
    pub devices: Vec<PublishedDeviceIn>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishedOut {
    /// The devices the publication named.
    pub devices: usize,
    /// Records created or changed.
    pub changed: usize,
    /// The instance's other records, now `pending`.
    pub withdrawn: usize,
    /// Devices left alone: registered for another instance.
    pub skipped: Vec<String>,
}

/// The calling instance publishes its devices (it is their source of truth): their records
/// here take the published keys, names and statuses, devices it does not name wait as
/// `pending`, and devices registered for another instance are left alone. Sent after each
/// heartbeat.
#[utoipa::path(
    tag = "devices",
    request_body = PublishDevicesIn,
    security(("instance_key" = [])),
    responses(
        (status = 200, description = "The records follow the publication", body = PublishedOut),
        (status = 401, description = "`invalid_instance_key`", body = crate::problem::Problem),
        (status = 403, description = "`instance_disabled`", body = crate::problem::Problem),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = crate::problem::Problem)
    )
)]
#[put("/ECK/API/INTERNAL/DEVICES")]
pub async fn publish(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let key = instance_key(req.headers())?
        .map(str::to_owned)
        .ok_or_else(|| ApiError::unauthenticated("the instance key is required"))?;
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: PublishDevicesIn = parse_json(&req, &body)?;
    let devices: Vec<PublishDevice> = input
        .devices
        .into_iter()
        .map(|d| PublishDevice {
            device_id: d.device_id,
            device_name: d.device_name,
            device_public_key: d.device_public_key,
            status: d.status,
        })
        .collect();
    let published = run(&state, move |s| {
        let me = s.instances.authenticate(&key)?;
        s.devices.publish(&me, &devices)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PublishedOut {
        devices: published.devices,
        changed: published.changed,
        withdrawn: published.withdrawn,
        skipped: published
            .skipped
            .iter()
            .map(|id| id.as_str().to_owned())
            .collect(),
    }))
}
