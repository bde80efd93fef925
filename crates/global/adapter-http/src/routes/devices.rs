//! Device pairing: a challenge, then the signed registration (reference section 4 with the
//! server's nonce).

use actix_web::{HttpRequest, HttpResponse, post, web};
use eckwms_global_application::RegisterDevice;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HttpState;
use crate::dto::{DeviceOut, rfc3339};
use crate::extract::{parse_json, read_body, run};
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
