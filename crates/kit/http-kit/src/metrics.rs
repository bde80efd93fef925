//! Prometheus metrics, the same way in both services: the `metrics` facade records (here, in
//! the request-id middleware, and in the wings that count their own events), the
//! `metrics-exporter-prometheus` recorder keeps the values, and a listener of its own
//! (`metrics.bind`) serves `GET /metrics` in the Prometheus text format.
//!
//! With `metrics.bind` empty (the default) no recorder is installed: the facade's calls then go
//! to its no-op recorder, and the request path skips even building the labels ([`enabled`]).
//!
//! Metrics a wing computes from the database rather than counts (pool state, the ledger's head)
//! are read when Prometheus scrapes: a [`Scrape`] runs its readers off the async threads, then
//! renders.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Deserialize;

/// The `[metrics]` section of both services' configuration.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// `host:port` of the metrics listener; empty: no metrics at all.
    pub bind: String,
}

impl MetricsSettings {
    /// The address to bind, or `None` when metrics are off.
    pub fn bind(&self) -> Option<&str> {
        Some(self.bind.trim()).filter(|b| !b.is_empty())
    }
}

/// Requests answered, by method, route template and status.
pub const HTTP_REQUESTS: &str = "eckwms_http_requests_total";
/// Seconds from a request's arrival to its response, by method and route template.
pub const HTTP_DURATION: &str = "eckwms_http_request_duration_seconds";
/// The route label of a request no route matched (404s, scans of random paths): one value,
/// never the path, so that the number of series stays bounded.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Upper bounds of the latency histogram's buckets, in seconds: from 1 ms (a read from memory)
/// to 10 s (a request held by a lock or a slow client).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets between scrapes (the exporter
/// keeps raw samples until then).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The media type of the Prometheus text format.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether this process records metrics (a recorder is installed).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A reader run at each scrape, before rendering: sets gauges from the current state.
type Reader = Box<dyn Fn() + Send + Sync>;

/// The installed recorder and the readers that run at each scrape.
pub struct Scrape {
    handle: PrometheusHandle,
    readers: Vec<Reader>,
}

impl Scrape {
    /// Installs the process-wide recorder. Once per process: a second call fails.
    pub fn install() -> Result<Self, String> {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .map_err(|e| e.to_string())?
            .install_recorder()
            .map_err(|e| e.to_string())?;
        ENABLED.store(true, Ordering::Relaxed);
        describe();
        Ok(Self {
            handle,
            readers: Vec::new(),
        })
    }

    /// Adds a reader run at each scrape, on a blocking thread (it may read the database).
    #[must_use]
    pub fn reading(mut self, reader: impl Fn() + Send + Sync + 'static) -> Self {
        self.readers.push(Box::new(reader));
        self
    }

    /// Runs the readers, then renders every metric.
    pub fn render(&self) -> String {
        for reader in &self.readers {
            reader();
        }
        self.handle.render()
    }
}

fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency, by method and route template"
    );
}

/// Records one answered request (called by the request-id middleware). `route`: the matched
/// route template, `None` when no route matched.
pub fn record_request(method: &Method, route: Option<&str>, status: StatusCode, elapsed: Duration) {
    let route = route.unwrap_or(UNMATCHED_ROUTE).to_owned();
    let method = method_label(method);
    metrics::counter!(
        HTTP_REQUESTS,
        "method" => method,
        "route" => route.clone(),
        "status" => status_label(status),
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
}

/// A method from a fixed set: a client's invented method would add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The status as its three digits, without allocating for the common ones.
fn status_label(status: StatusCode) -> metrics::SharedString {
    const COMMON: &[(u16, &str)] = &[
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (409, "409"),
        (412, "412"),
        (422, "422"),
        (429, "429"),
        (500, "500"),
        (503, "503"),
    ];
    match COMMON.iter().find(|(code, _)| *code == status.as_u16()) {
        Some((_, label)) => metrics::SharedString::const_str(label),
        None => metrics::SharedString::from(status.as_u16().to_string()),
    }
}

/// Starts the metrics listener on `bind`: `GET /metrics` and nothing else, no keys (bind it
/// to an address only the monitoring reaches). One worker; call inside the actix system.
/// Returns the server (run it, stop it with the API's) and its bound addresses.
pub fn listen(bind: &str, scrape: Scrape) -> std::io::Result<(Server, Vec<SocketAddr>)> {
    let scrape = web::Data::new(scrape);
    let handle = scrape.handle.clone();
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(UPKEEP_INTERVAL);
        loop {
            interval.tick().await;
            handle.run_upkeep();
        }
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(scrape.clone())
            .route("/metrics", web::get().to(serve))
            .default_service(web::to(HttpResponse::NotFound))
    })
    .workers(1)
    .disable_signals()
    .bind(bind)?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}

async fn serve(scrape: web::Data<Scrape>) -> HttpResponse {
    match web::block(move || scrape.render()).await {
        Ok(body) => HttpResponse::Ok().content_type(TEXT_FORMAT).body(body),
        Err(e) => {
            tracing::warn!(error = %e, "rendering the metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Runs the metrics listener beside the API until the API stops, then stops it. `api`: the
/// API server's run future, e.g. `serve::until_signalled(...)`.
pub async fn alongside<F: Future>(metrics: Option<Server>, api: F) -> F::Output {
    let Some(metrics) = metrics else {
        return api.await;
    };
    let handle = metrics.handle();
    let running = actix_web::rt::spawn(metrics);
    let out = api.await;
    handle.stop(false).await;
    let _ = running.await;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_methods_have_bounded_labels() {
        assert_eq!(&*status_label(StatusCode::OK), "200");
        assert_eq!(&*status_label(StatusCode::IM_A_TEAPOT), "418");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }

    #[test]
    fn an_empty_bind_turns_metrics_off() {
        let off = MetricsSettings { bind: "  ".into() };
        assert_eq!(off.bind(), None);
        let on = MetricsSettings {
            bind: "127.0.0.1:9100".into(),
        };
        assert_eq!(on.bind(), Some("127.0.0.1:9100"));
    }
}
