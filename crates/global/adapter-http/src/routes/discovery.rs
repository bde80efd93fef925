//! Discovery: where a scanner reaches an instance.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use eckwms_global_application::{Caller, InstanceInfo};
use eckwms_global_domain::InstanceId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HttpState;
use crate::dto::rfc3339;
use crate::extract::{device_request, instance_key, pairing_token, parse_json, read_body, run};
use crate::problem::ApiError;
use crate::schema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub url: String,
    /// `LOCAL_LAN` or `GLOBAL_PROXY`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Lower first.
    pub priority: u32,
    pub reason: &'static str,
}

/// The reference's shape, plus `online`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceInfoOut {
    pub instance_id: String,
    pub name: String,
    pub tier: &'static str,
    pub server_public_key: String,
    /// LAN addresses first (only for callers that belong to the instance), the proxy last.
    pub candidates: Vec<CandidateOut>,
    pub last_seen: String,
    pub online: bool,
}

impl From<InstanceInfo> for InstanceInfoOut {
    fn from(info: InstanceInfo) -> Self {
        let i = info.instance;
        Self {
            instance_id: i.id.to_string(),
            name: i.name.as_str().to_owned(),
            tier: i.tier.as_str(),
            server_public_key: i.server_public_key.as_hex().to_owned(),
            candidates: info
                .candidates
                .into_iter()
                .map(|c| CandidateOut {
                    url: c.url,
                    kind: c.kind.as_str(),
                    priority: c.priority,
                    reason: c.reason,
                })
                .collect(),
            last_seen: rfc3339(info.last_seen),
            online: info.online,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InstanceInfoIn {
    #[serde(alias = "instanceId")]
    #[schema(value_type = schema::InstanceUuid)]
    pub instance_id: String,
}

fn parse_id(text: &str) -> Result<InstanceId, ApiError> {
    InstanceId::parse(text)
        .map_err(|m| ApiError::invalid_id(vec![ApiError::field("instance_id", m)]))
}

/// The caller's proof: the instance key, a pairing token or a device signature, at most one
/// of them (two are 400 `ambiguous_credentials`: none is preferred silently); none:
/// anonymous.
async fn answer(
    req: &HttpRequest,
    state: &HttpState,
    id: InstanceId,
    body: &[u8],
) -> Result<HttpResponse, ApiError> {
    let headers = req.headers();
    let key = instance_key(headers)?.map(str::to_owned);
    let pairing = pairing_token(headers)?.map(str::to_owned);
    let device = device_request(req)?;
    if [key.is_some(), pairing.is_some(), device.is_some()]
        .into_iter()
        .filter(|&present| present)
        .count()
        > 1
    {
        return Err(crate::problem::ambiguous_credentials(
            "send one proof of belonging: the instance key, a pairing token or a device \
             signature",
        ));
    }
    let body = body.to_vec();
    let info = run(state, move |s| {
        let caller = if let Some(key) = &key {
            Caller::InstanceKey(key)
        } else if let Some(token) = &pairing {
            Caller::PairingToken(token)
        } else if let Some(device) = &device {
            Caller::Device(device.signed(&body))
        } else {
            Caller::Anonymous
        };
        s.discovery.info(&id, &caller)
    })
    .await?;
    Ok(HttpResponse::Ok().json(InstanceInfoOut::from(info)))
}

/// Where the instance can be reached. Anonymous callers get the proxy candidate only; the
/// instance's key, its pairing token (`X-Pairing-Token`) or the signature of one of its
/// active devices also get its LAN addresses.
#[utoipa::path(
    tag = "discovery",
    params(("id" = schema::InstanceUuid, Path, description = "instance UUID")),
    security((), ("instance_key" = []), ("pairing_token" = []), ("device_signature" = [])),
    responses(
        (status = 200, description = "Candidates", body = InstanceInfoOut),
        (status = 401, description = "A proof was offered and does not hold", body = crate::problem::Problem),
        (status = 404, description = "No such active instance (`not_found`)", body = crate::problem::Problem)
    )
)]
#[get("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{id}")]
pub async fn get_instance_info(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    answer(&req, &state, id, b"").await
}

/// The same, with the id in the body `{"instance_id": "..."}` (the original's form).
#[utoipa::path(
    tag = "discovery",
    request_body = InstanceInfoIn,
    security((), ("instance_key" = []), ("pairing_token" = []), ("device_signature" = [])),
    responses(
        (status = 200, description = "Candidates", body = InstanceInfoOut),
        (status = 401, description = "A proof was offered and does not hold", body = crate::problem::Problem),
        (status = 404, description = "No such active instance (`not_found`)", body = crate::problem::Problem)
    )
)]
#[post("/ECK/API/INTERNAL/GET-INSTANCE-INFO")]
pub async fn post_instance_info(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.settings.body_limit).await?;
    let input: InstanceInfoIn = parse_json(&req, &body)?;
    let id = InstanceId::parse(&input.instance_id)
        .map_err(|m| ApiError::validation(vec![ApiError::field("instance_id", m)]))?;
    answer(&req, &state, id, &body).await
}
