#![doc = include_str!("../README.md")]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use eckwms_application::Services;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp, scope};

pub mod auth;
pub mod calls;
pub mod dto;
pub mod extract;
pub mod global_client;
pub mod idempotency;
pub mod openapi;
pub mod permissions;
pub mod problem;
pub mod relay_client;
pub mod request_id;
pub mod routes;
pub mod schema;
pub mod webhook_client;
// Test support: a failing unwrap there is a broken test set-up, and it panics as such.
#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::new_without_default)]
pub mod testing;

#[cfg(test)]
mod tests;

pub use calls::Calls;
pub use problem::{ApiError, Problem, ProblemField};

/// Limits and waits of the HTTP layer.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// How long a request waits for another request with the same idempotency key to finish.
    pub idempotency_wait: Duration,
    /// Service calls that run at once; the others wait their turn (see [`Calls`]).
    pub concurrent_calls: usize,
    /// How long a call waits for its turn before the request fails with 503.
    pub turn_wait: Duration,
    /// Password and PIN hashes computed at once (logins, new secrets); the others wait their
    /// turn, holding no thread and no database connection.
    pub hash_workers: usize,
    /// The header holding the client's address when a proxy (nginx) forwards the requests,
    /// such as `X-Real-IP`; `None`: the peer's address.
    pub client_address_header: Option<String>,
    /// When the session cookie gets `Secure`.
    pub cookie_secure: CookieSecure,
}

/// When the session cookie is marked `Secure` (sent over HTTPS only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSecure {
    /// When the request came over HTTPS (directly, or as `X-Forwarded-Proto` or `Forwarded`
    /// say behind a proxy).
    Auto,
    Always,
    Never,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            idempotency_wait: Duration::from_secs(10),
            concurrent_calls: 16,
            turn_wait: Duration::from_secs(5),
            hash_workers: 1,
            client_address_header: None,
            cookie_secure: CookieSecure::Auto,
        }
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub calls: Calls,
    pub settings: HttpSettings,
    /// Reported by `/ECK/HEALTH`.
    pub version: &'static str,
}

impl HttpState {
    pub fn new(services: Services, settings: HttpSettings, version: &'static str) -> Self {
        process_started();
        Self {
            calls: Calls::new(
                services,
                settings.concurrent_calls,
                settings.hash_workers,
                settings.turn_wait,
            ),
            settings,
            version,
        }
    }
}

/// When the process started serving: fixed by the first [`HttpState::new`] or [`build_app`],
/// read for the uptime of `/ECK/HEALTH`.
pub fn process_started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// Registers every documented route; used by [`build_app`] and [`openapi`] alike.
fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(openapi::BaseDoc::openapi())
        .service(routes::system::health)
        .service(routes::system::ready)
        .service(routes::system::eck_health)
        // Before the `/ECK/API` scope (whose auth would claim it): signed by the global
        // service instead of an API key.
        .configure(routes::public::configure)
        .service(
            scope::scope("/api/v1")
                .configure(routes::configure)
                .wrap(from_fn(idempotency::middleware))
                .wrap(from_fn(auth::middleware)),
        )
        .service(
            scope::scope("/ECK/API")
                .configure(routes::configure_eck_api)
                .wrap(from_fn(auth::middleware)),
        )
}

/// The generated OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = register(App::new().into_utoipa_app()).split_for_parts();
    openapi::complete(&mut doc);
    doc
}

/// What the API's document says, made once per process and shared by every worker's app (each
/// of them would otherwise complete, serialize and index a document of its own: about 1 MiB
/// more memory per worker): the document served, the table of its routes for the 404/405
/// fallback, and the table of what each route requires.
struct Described {
    document: web::Data<openapi::ApiDocument>,
    routes: web::Data<openapi::RouteTable>,
    permissions: web::Data<permissions::PermissionTable>,
}

impl Described {
    /// The shared tables; `doc` (the routes' document, as registering them made it) is
    /// completed the first time only, and dropped.
    #[allow(clippy::type_complexity)]
    fn of(
        doc: utoipa::openapi::OpenApi,
    ) -> (
        web::Data<openapi::ApiDocument>,
        web::Data<openapi::RouteTable>,
        web::Data<permissions::PermissionTable>,
    ) {
        static DESCRIBED: OnceLock<Described> = OnceLock::new();
        let described = DESCRIBED.get_or_init(move || {
            let mut doc = doc;
            openapi::complete(&mut doc);
            let routes = openapi::RouteTable::from_document(&doc);
            let json = doc.to_json().unwrap_or_else(|e| {
                tracing::error!(error = %e, "the OpenAPI document does not serialize");
                "{}".to_owned()
            });
            Described {
                document: web::Data::new(openapi::ApiDocument { json }),
                routes: web::Data::new(routes),
                permissions: web::Data::new(permissions::PermissionTable::new()),
            }
        });
        (
            described.document.clone(),
            described.routes.clone(),
            described.permissions.clone(),
        )
    }
}

/// The complete application with all middleware, for `HttpServer::new` and for tests.
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
    build_app_with(state, |_| {})
}

/// [`build_app`] with more routes outside the API's scopes and document: the web UI's pages
/// (`pages` registers them; they authenticate their viewers themselves). A path no route
/// claims still gets the API's problem+json 404.
pub fn build_app_with(
    state: HttpState,
    pages: impl FnOnce(&mut web::ServiceConfig),
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
    let (app, doc) = register(App::new().into_utoipa_app()).split_for_parts();
    let (document, routes, permissions) = Described::of(doc);
    let body_limit = state.settings.body_limit;
    app.app_data(web::Data::new(state))
        .app_data(document)
        .app_data(routes)
        .app_data(permissions)
        .app_data(extract::json_config(body_limit))
        .app_data(extract::path_config())
        .app_data(extract::query_config())
        .configure(pages)
        .default_service(web::to(openapi::fallback))
        .wrap(from_fn(request_id::middleware))
}
