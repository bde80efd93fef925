//! The forwarding engine of the global service's routing proxy
//! (`/ECK/PROXY/{instance_id}/{path...}`).
//!
//! The route that mounts it stays in charge of who may use the proxy and where a request goes:
//! it authenticates the caller, resolves the instance from the registry, checks the legacy
//! `X-eckWMS-Target-Url` header (if present) against that instance's registered candidates,
//! builds an [`Upstream`] from the registered record, asks the [`RateLimiter`], and then hands
//! the request to [`Forwarder::forward`]. This crate never takes a target from the client.
//!
//! ```no_run
//! use actix_web::{HttpRequest, HttpResponse, web};
//! use eckwms_global_proxy::{Forwarder, RateLimiter, Scheme, remainder_after_segments};
//!
//! async fn proxy(
//!     req: HttpRequest,
//!     payload: web::Payload,
//!     forwarder: web::Data<Forwarder>,
//!     limiter: web::Data<RateLimiter>,
//! ) -> HttpResponse {
//!     // 1. authenticate; 2. resolve the instance (here: a registered 203.0.113.5:3100).
//!     let instance_id = "0b0e6f7c";
//!     let upstream = match forwarder.upstream(Scheme::Http, [203, 0, 113, 5].into(), 3100) {
//!         Ok(upstream) => upstream,
//!         Err(refusal) => return actix_web::ResponseError::error_response(
//!             &eckwms_global_proxy::ProxyError::TargetRefused(refusal)),
//!     };
//!     // 3. rate limits.
//!     if let Some(client) = forwarder.client_ip(&req) {
//!         if let Err(limited) = limiter.check(instance_id, client) {
//!             return actix_web::ResponseError::error_response(&limited);
//!         }
//!     }
//!     // 4. forward.
//!     let rest = remainder_after_segments(req.path(), 3);
//!     forwarder.forward(&req, payload, &upstream, rest).await
//! }
//! ```

mod body;
mod connect;
pub mod fetch;
mod forward;
mod headers;
pub mod path;
pub mod policy;
mod problem;
mod ratelimit;
mod settings;
mod upstream;

pub use fetch::{FetchError, FetchLimits};
pub use forward::{Forwarder, UPSTREAM_ERRORS};
pub use headers::{LEGACY_TARGET_HEADER, VIA_PSEUDONYM, client_ip};
pub use path::{PathError, check_path, remainder_after_segments};
pub use policy::{AddressPolicy, Cidr, Refusal};
pub use problem::ProxyError;
pub use ratelimit::RateLimiter;
pub use settings::{Limit, ProxySettings, RateLimitSettings, SettingsError};
pub use upstream::{Scheme, Upstream, parse_origin};
