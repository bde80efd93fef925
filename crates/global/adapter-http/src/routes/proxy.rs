//! `ANY /ECK/PROXY/{instance_id}/{path...}`: the routing proxy, mounted on the forwarding
//! engine of `eckwms-global-proxy`.
//!
//! This route decides where a request goes, from the registry only: the instance must be
//! registered and active; the upstream is its public address (where its last heartbeat came
//! from) and port. The legacy `X-eckWMS-Target-Url` header is honoured only when it equals one
//! of the instance's registered LAN candidates, and the upstream is then built from the
//! registered record, not from the header. The engine refuses loopback, link-local, metadata
//! and (unless allowed) private addresses, limits rates per instance and per client, and
//! streams both bodies.
//!
//! Callers are not authenticated here: the instance authenticates its own API (API keys,
//! device signatures) behind the proxy, as it does on its LAN, and the body is streamed, so a
//! signature over it cannot be checked before forwarding.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use eckwms_global_domain::InstanceId;
use eckwms_global_proxy::{
    Forwarder, LEGACY_TARGET_HEADER, ProxyError, RateLimiter, Scheme, parse_origin,
    remainder_after_segments,
};

use crate::HttpState;
use crate::extract::run;
use crate::problem::{ApiError, from_app};

/// The engine, shared by every worker.
#[derive(Clone)]
pub struct ProxyEngine {
    pub forwarder: web::Data<Forwarder>,
    pub limiter: web::Data<RateLimiter>,
}

/// Mounts the proxy routes (any method).
pub fn configure(cfg: &mut web::ServiceConfig) {
    // A prefix, not a `{path:.*}` pattern: matching that regular expression on every request
    // was about 7 % of the proxy's CPU.
    cfg.service(web::scope("/ECK/PROXY").default_service(web::to(proxy)));
}

async fn proxy(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    match prepare(&req, &state).await {
        Ok((engine, upstream)) => {
            let rest = remainder_after_segments(req.path(), 3);
            engine
                .forwarder
                .forward(&req, payload, &upstream, rest)
                .await
        }
        Err(response) => response,
    }
}

async fn prepare(
    req: &HttpRequest,
    state: &HttpState,
) -> Result<(ProxyEngine, eckwms_global_proxy::Upstream), HttpResponse> {
    let Some(engine) = state.proxy.clone() else {
        return Err(ApiError::route_not_found(req.path()).error_response());
    };
    // `/ECK/PROXY/{instance_id}` and `/ECK/PROXY/{instance_id}/{path...}`.
    let raw_id = req
        .path()
        .strip_prefix("/ECK/PROXY/")
        .and_then(|rest| rest.split('/').next())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::route_not_found(req.path()).error_response())?;
    let id = InstanceId::parse(raw_id).map_err(|m| {
        ApiError::invalid_id(vec![ApiError::field("instance_id", m)]).error_response()
    })?;
    // A flood from one client is turned away before the registry is asked.
    let client = engine.forwarder.client_ip(req);
    if let Some(client) = client
        && let Err(limited) = engine.limiter.check_client(client)
    {
        return Err(limited.error_response());
    }
    let legacy = match req.headers().get(LEGACY_TARGET_HEADER) {
        None => None,
        Some(value) => {
            let parsed = value
                .to_str()
                .ok()
                .and_then(parse_origin)
                .filter(|(scheme, _, _)| *scheme == Scheme::Http);
            match parsed {
                Some((_, ip, port)) => Some((ip, port)),
                None => {
                    return Err(ApiError::invalid_header(
                        "X-eckWMS-Target-Url",
                        "must be http://<registered address>:<port> of this instance",
                    )
                    .error_response());
                }
            }
        }
    };
    let bucket = id.to_string();
    // An instance read lately is routed from memory, on this thread (see TargetMemory).
    let remembered = state
        .services
        .discovery
        .proxy_target_from_memory(&id, legacy);
    let (ip, port) = match remembered {
        Some(target) => target.map_err(|e| from_app(e).error_response())?,
        None => run(state, move |s| s.discovery.proxy_target(&id, legacy))
            .await
            .map_err(|e| e.error_response())?,
    };
    let upstream = engine
        .forwarder
        .upstream(Scheme::Http, ip, port)
        .map_err(|refusal| ProxyError::TargetRefused(refusal).error_response())?;
    // Only registered instances get a bucket.
    if let Err(limited) = engine.limiter.check_instance(&bucket) {
        return Err(limited.error_response());
    }
    Ok((engine, upstream))
}
