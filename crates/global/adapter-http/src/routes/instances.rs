//! Instances: registration with an enrollment token, heartbeats with the instance key, and
//! the pairing tokens an instance makes for its scanners.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use eckwms_global_application::InstanceView;
use eckwms_global_domain::Report;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HttpState;
use crate::dto::{InstanceOut, TokenOut, rfc3339};
use crate::extract::{
    client_addr, enrollment_token, instance_key, parse_json, parse_json_or_default, read_body, run,
};
use crate::problem::ApiError;
use crate::routes::no_store;
use crate::schema;

/// What an instance reports (reference section 8).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterInstanceIn {
    /// The instance's UUID (dashes optional).
    #[schema(value_type = schema::InstanceUuid)]
    pub instance_id: String,
    /// Ed25519 public key, 64 hex digits or standard base64.
    #[schema(value_type = schema::ServerKeyText)]
    pub server_public_key: String,
    /// LAN addresses (at most 16).
    #[serde(default)]
    #[schema(value_type = schema::LocalIpList)]
    pub local_ips: Vec<String>,
    /// The instance's HTTP port on those addresses.
    #[schema(value_type = schema::Port)]
    pub port: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredOut {
    #[serde(flatten)]
    pub instance: InstanceOut,
    /// The instance's API key: shown this once, stored only hashed.
    pub api_key: String,
}

fn report_of(body: &RegisterInstanceIn) -> Result<Report, ApiError> {
    Report::new(
        &body.instance_id,
        &body.server_public_key,
        &body.local_ips,
        body.port,
    )
    .map_err(|errors| {
        ApiError::validation(
            errors
                .into_iter()
                .map(|e| ApiError::field(e.field, e.message))
                .collect(),
        )
    })
}

/// Registers an instance (`X-Enrollment-Token`: 201 with its `apiKey`, shown once) or takes
/// its heartbeat (its key in `Authorization: Bearer` or `X-Internal-Api-Key`: 200). Either
/// updates the reported addresses, port, public key, public address and last-seen.
#[utoipa::path(
    tag = "instances",
    request_body = RegisterInstanceIn,
    security(("enrollment_token" = []), ("instance_key" = [])),
    responses(
        (status = 201, description = "Registered; the key is shown only here", body = RegisteredOut),
        (status = 200, description = "Heartbeat taken", body = InstanceOut),
        (status = 401, description = "No, an unknown or an expired token or key (`enrollment_token_invalid`, `enrollment_token_expired`, `invalid_instance_key`)", body = crate::problem::Problem),
        (status = 403, description = "Another instance's record (`not_your_instance`) or a disabled instance (`instance_disabled`)", body = crate::problem::Problem),
        (status = 409, description = "`enrollment_token_used`, `instance_exists`", body = crate::problem::Problem),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/INTERNAL/REGISTER-INSTANCE")]
pub async fn register_instance(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let token = enrollment_token(req.headers())?.map(str::to_owned);
    let key = instance_key(req.headers())?.map(str::to_owned);
    if token.is_some() && key.is_some() {
        return Err(crate::problem::ambiguous_credentials(
            "send either X-Enrollment-Token (registration) or the instance key (heartbeat), not both",
        ));
    }
    if token.is_none() && key.is_none() {
        return Err(ApiError::unauthenticated(
            "an enrollment token (X-Enrollment-Token) or the instance key (Authorization: Bearer) is required",
        ));
    }
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: RegisterInstanceIn = parse_json(&req, &body)?;
    let report = report_of(&input)?;
    let addr = client_addr(&req, &state.settings.trusted_proxies);
    if let Some(token) = token {
        let (instance, issued) =
            run(&state, move |s| s.instances.register(&token, report, addr)).await?;
        let out = RegisteredOut {
            instance: InstanceOut::from(InstanceView {
                instance,
                online: true,
            }),
            api_key: issued.secret,
        };
        return Ok(no_store(HttpResponse::Created()).json(out));
    }
    let key = key.unwrap_or_default();
    let view = run(&state, move |s| {
        let instance = s.instances.heartbeat(&key, report, addr)?;
        Ok(InstanceView {
            instance,
            online: true,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(InstanceOut::from(view)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PairingTokenIn {
    /// Lifetime in seconds (default 900, at most `instances.max_pairing_ttl_secs`).
    #[schema(minimum = 1)]
    pub ttl_secs: Option<i64>,
}

/// A pairing token of the calling instance, for its pairing QR: a scanner that presents it
/// (`X-Pairing-Token`) to discovery gets the instance's LAN addresses. Usable until it
/// expires.
#[utoipa::path(
    tag = "instances",
    request_body(content = Option<PairingTokenIn>, description = "May be empty: the defaults"),
    security(("instance_key" = [])),
    responses(
        (status = 201, description = "The token, shown once", body = TokenOut),
        (status = 401, description = "`invalid_instance_key`", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/INTERNAL/PAIRING-TOKEN")]
pub async fn pairing_token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let key = instance_key(req.headers())?
        .map(str::to_owned)
        .ok_or_else(|| ApiError::unauthenticated("the instance key is required"))?;
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: PairingTokenIn = parse_json_or_default(&req, &body)?;
    // Seconds beyond what a duration holds are out of range like any too long a life: the
    // use case refuses them (422), never a panic here.
    let secs = input.ttl_secs.unwrap_or(900);
    let ttl = Duration::try_seconds(secs).unwrap_or(if secs < 0 {
        Duration::MIN
    } else {
        Duration::MAX
    });
    let issued = run(&state, move |s| s.instances.create_pairing_token(&key, ttl)).await?;
    Ok(no_store(HttpResponse::Created()).json(TokenOut {
        token: issued.secret,
        expires_at: issued.expires_at.map(rfc3339),
    }))
}
