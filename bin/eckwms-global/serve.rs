//! The HTTP server: scheduled retention, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpServer, web};
use anyhow::Context;
use eckwms_global_adapter_db::Database;
use eckwms_global_adapter_http::routes::proxy::ProxyEngine;
use eckwms_global_adapter_http::{HttpSettings, HttpState, build_app};
use eckwms_global_application::{InstanceService, Services};
use eckwms_http_kit::metrics::Scrape;
use eckwms_http_kit::turns::Turns;

use crate::settings::Settings;

/// Serves the API (and the metrics, when `metrics.bind` is set) until a signal stops it.
pub fn run(settings: Settings, services: Services, db: &Arc<Database>) -> anyhow::Result<()> {
    let concurrent_calls = db.concurrent_calls();
    let scrape = settings
        .metrics
        .bind()
        .map(|_| metrics_scrape(db.clone(), services.instances.clone()))
        .transpose()?;
    let http = HttpSettings {
        body_limit: settings.http.body_limit,
        trusted_proxies: settings.http.trusted_proxies()?,
        version: env!("CARGO_PKG_VERSION"),
    };
    let proxy = settings.proxy_settings()?;
    let forwarder = eckwms_global_proxy::Forwarder::new(proxy.clone())
        .map_err(|e| anyhow::anyhow!("proxy.{}: {}", e.field, e.message))?;
    let engine = ProxyEngine {
        forwarder: web::Data::new(forwarder),
        limiter: web::Data::new(eckwms_global_proxy::RateLimiter::new(&proxy)),
    };
    let state = HttpState {
        services,
        turns: Turns::new(
            concurrent_calls,
            Duration::from_secs(settings.database.connect_timeout_secs),
        ),
        settings: http,
        proxy: Some(engine),
    };
    actix_web::rt::System::new().block_on(serve(settings, state, scrape))
}

/// Installs the metrics recorder and the readers of the values read at each scrape: the pool,
/// and the instances by state (online, offline, disabled) with the oldest heartbeat's age.
fn metrics_scrape(db: Arc<Database>, instances: InstanceService) -> anyhow::Result<Scrape> {
    let scrape = Scrape::install().map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
    eckwms_db_kit::pool::describe_pool_metrics();
    eckwms_global_application::metrics::describe();
    metrics::describe_counter!(
        eckwms_global_proxy::UPSTREAM_ERRORS,
        "proxied requests the instance failed, by kind (refused, unavailable, timeout)"
    );
    Ok(scrape
        .reading(move || db.record_pool_metrics())
        .reading(move || match instances.counts() {
            Ok(counts) => counts.record(),
            Err(e) => tracing::warn!(error = %e, "metrics: the instances could not be read"),
        }))
}

/// Retention of the relay (free tier), the purge of expired tokens and challenges and of old
/// cached public views, every
/// `relay.retention_interval_secs` (first run at start).
fn spawn_housekeeping(services: Services, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(every);
        loop {
            interval.tick().await;
            let s = services.clone();
            match web::block(move || {
                Ok::<_, eckwms_global_application::AppError>((
                    s.relay.run_retention()?,
                    s.instances.purge_expired_tokens()?,
                    s.devices.purge_challenges()?,
                    s.public.purge()?,
                ))
            })
            .await
            {
                Ok(Ok((scans, tokens, challenges, views))) => {
                    if scans + tokens + challenges + views > 0 {
                        tracing::info!(scans, tokens, challenges, views, "retention deleted");
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "retention failed"),
                Err(e) => tracing::warn!(error = %e, "retention did not run"),
            }
        }
    });
}

async fn serve(settings: Settings, state: HttpState, scrape: Option<Scrape>) -> anyhow::Result<()> {
    spawn_housekeeping(
        state.services.clone(),
        Duration::from_secs(settings.relay.retention_interval_secs),
    );
    let http = &settings.http;
    let mut server = HttpServer::new(move || build_app(state.clone()))
        .keep_alive(Duration::from_secs(http.keep_alive_secs))
        .client_request_timeout(Duration::from_secs(http.request_timeout_secs))
        .shutdown_timeout(http.shutdown_timeout_secs);
    if http.workers > 0 {
        server = server.workers(http.workers);
    }
    let server = server
        .bind(&http.bind)
        .with_context(|| format!("binding {}", http.bind))?;
    let metrics = match (settings.metrics.bind(), scrape) {
        (Some(bind), Some(scrape)) => {
            let (server, addrs) = eckwms_http_kit::metrics::listen(bind, scrape)
                .with_context(|| format!("binding metrics.bind {bind}"))?;
            for addr in &addrs {
                tracing::info!(address = %addr, "metrics listening");
            }
            Some(server)
        }
        _ => None,
    };
    // Our own signal handling (eckwms_http_kit::serve), as the instance service's.
    let addrs = server.addrs();
    let server = server.disable_signals().run();
    eckwms_http_kit::metrics::alongside(
        metrics,
        eckwms_http_kit::serve::until_signalled(server, &addrs, "http"),
    )
    .await?;
    Ok(())
}
