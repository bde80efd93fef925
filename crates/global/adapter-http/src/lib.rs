#![doc = include_str!("../README.md")]

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use eckwms_global_application::Services;
use eckwms_http_kit::request_id;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp};

pub mod dto;
pub mod extract;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod public_fetcher;
pub mod routes;
pub mod schema;

#[cfg(test)]
mod tests;

/// Limits and trust of the HTTP layer.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes (larger: 413).
    pub body_limit: usize,
    /// Peers whose `X-Forwarded-For` is believed (the nginx in front).
    pub trusted_proxies: Vec<IpAddr>,
    /// Reported by `/ECK/HEALTH`.
    pub version: &'static str,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            trusted_proxies: Vec::new(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub services: Services,
    /// The turns of the calls into the database: as many at once as the pool has connections,
    /// the others waiting in arrival order (`eckwms_http_kit::turns`).
    pub turns: eckwms_http_kit::turns::Turns,
    pub settings: HttpSettings,
    /// The forwarding engine of `/ECK/PROXY/...`; `None`: those paths answer 404.
    pub proxy: Option<routes::proxy::ProxyEngine>,
}

/// When the process started serving, for the uptime of `/ECK/HEALTH`.
pub fn process_started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// Registers every documented route; used by [`build_app`] and [`openapi`] alike.
fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    use routes::{admin, devices, discovery, instances, public, relay, system};
    app.openapi(openapi::BaseDoc::openapi())
        .service(system::health)
        .service(system::ready)
        .service(system::eck_health)
        .service(system::openapi_json)
        .service(public::identity)
        .service(instances::register_instance)
        .service(instances::pairing_token)
        .service(discovery::get_instance_info)
        .service(discovery::post_instance_info)
        .service(devices::challenge)
        .service(devices::register)
        .service(devices::publish)
        .service(relay::post_scan)
        .service(relay::pull)
        .service(relay::confirm)
        .service(admin::enroll)
        .service(admin::list_instances)
        .service(admin::get_instance)
        .service(admin::disable_instance)
        .service(admin::enable_instance)
        .service(admin::rotate_key)
        .service(admin::list_scans)
        .service(admin::list_devices)
        .service(admin::set_device_status)
        .service(admin::remove_device)
}

/// The generated OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = register(App::new().into_utoipa_app()).split_for_parts();
    openapi::complete(&mut doc);
    doc
}

/// The complete application with its middleware, for `HttpServer::new` and for tests. The
/// proxy routes (any method) and the label page (`GET /ECK/{code}`, HTML), neither in the
/// OpenAPI document, come before the fallback.
pub fn build_app(
    state: HttpState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    process_started();
    // The proxy scope comes first: actix tries routes in registration order, and a proxied
    // request would otherwise be matched against every pattern route of the API before it
    // (regular expressions; about 5 % of the proxy's CPU).
    let proxy_first = App::new().configure(routes::proxy::configure);
    let (app, mut doc) = register(proxy_first.into_utoipa_app()).split_for_parts();
    openapi::complete(&mut doc);
    let routes = openapi::RouteTable::from_document(&doc);
    let json = doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document does not serialize");
        "{}".to_owned()
    });
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(openapi::ApiDocument { json }))
        .app_data(web::Data::new(routes))
        .configure(routes::public::configure)
        .default_service(web::to(openapi::fallback))
        .wrap(from_fn(request_id::middleware))
}
