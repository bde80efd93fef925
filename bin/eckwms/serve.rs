//! The HTTP server: bootstrap key, background purge, TLS, graceful shutdown.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpServer, web};
use anyhow::Context;
use eckwms_adapter_db::Database;
use eckwms_adapter_http::{CookieSecure, HttpSettings, HttpState, build_app_with};
use eckwms_application::devices::DevicePurge;
use eckwms_application::{
    DeviceService, GlobalLinkService, IdempotencyService, RelayPuller, RelayService, ScanService,
    Services, SessionService, SystemService, WebhookService,
};
use eckwms_http_kit::metrics::Scrape;

use crate::settings::{CookieSecureConfig, Settings};

/// How often expired idempotency keys, idle scan sessions, ended login sessions, old failed
/// logins, expired device challenges, the recorded signatures of scanners' writes that can no
/// longer be accepted and the operators idle on scanners are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// Serves the API (and the metrics, when `metrics.bind` is set) until a signal stops it.
/// `link`: the link to the global service, whose heartbeat runs while the server does.
pub fn run(
    settings: Settings,
    services: Services,
    link: GlobalLinkService,
    db: &Arc<Database>,
) -> anyhow::Result<()> {
    let concurrent_calls = db.concurrent_calls();
    write_bootstrap_key(&services, &settings.auth.bootstrap_key_file)?;
    let scrape = settings
        .metrics
        .bind()
        .map(|_| {
            metrics_scrape(
                db.clone(),
                services.system.clone(),
                services.relay.clone(),
                services.webhooks.clone(),
            )
        })
        .transpose()?;
    // Made now rather than at the first pairing request: a fault shows at start.
    let identity = services.labels.identity()?;
    tracing::info!(instance_id = %identity.instance_id, "instance identity");
    warn_of_serial_conflicts(&services);
    let http = HttpSettings {
        body_limit: settings.http.body_limit,
        idempotency_wait: Duration::from_secs(settings.idempotency.wait_secs),
        concurrent_calls,
        // The same bound as a wait for a pooled connection: a turn is one.
        turn_wait: Duration::from_secs(settings.database.connect_timeout_secs),
        hash_workers: settings.auth.hash_workers(),
        client_address_header: Some(settings.http.client_address_header.trim().to_owned())
            .filter(|h| !h.is_empty()),
        cookie_secure: match settings.auth.cookie_secure {
            CookieSecureConfig::Auto => CookieSecure::Auto,
            CookieSecureConfig::Always => CookieSecure::Always,
            CookieSecureConfig::Never => CookieSecure::Never,
        },
    };
    let puller = if settings.relay.enabled {
        Some(crate::relay::puller(db, &settings, &services)?)
    } else {
        None
    };
    let idempotency = services.idempotency.clone();
    let scans = services.scans.clone();
    let sessions = services.sessions.clone();
    let devices = services.devices.clone();
    let webhooks = services.webhooks.clone();
    let state = HttpState::new(services, http, env!("CARGO_PKG_VERSION"));
    actix_web::rt::System::new().block_on(serve(
        settings,
        state,
        scrape,
        Housekeeping {
            idempotency,
            scans,
            sessions,
            devices,
        },
        link,
        puller,
        webhooks,
    ))
}

/// Installs the metrics recorder and the readers of the values read at each scrape.
///
/// The registration point of the metrics that wings read rather than count: the pool, the
/// ledger's head, the relay's backlog, and the webhooks' lag per subscription and disabled
/// subscriptions.
fn metrics_scrape(
    db: Arc<Database>,
    system: SystemService,
    relay: RelayService,
    webhooks: WebhookService,
) -> anyhow::Result<Scrape> {
    let scrape = Scrape::install().map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
    eckwms_db_kit::pool::describe_pool_metrics();
    eckwms_application::metrics::describe();
    eckwms_application::relay::metrics::describe();
    eckwms_application::webhooks::describe_metrics();
    let webhook_head = system.clone();
    Ok(scrape
        .reading(move || db.record_pool_metrics())
        .reading(
            move || match (webhook_head.ledger_head(), webhooks.states()) {
                (Ok(head), Ok(subscriptions)) => {
                    eckwms_application::webhooks::record_metrics(head, &subscriptions)
                }
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "metrics: the webhooks' state could not be read")
                }
            },
        )
        .reading(move || match system.ledger_head() {
            Ok(seq) => eckwms_application::metrics::record_ledger_head(seq),
            Err(e) => tracing::warn!(error = %e, "metrics: the ledger's head could not be read"),
        })
        .reading(move || match relay.backlog() {
            Ok(backlog) => eckwms_application::relay::metrics::record_backlog(backlog),
            Err(e) => tracing::warn!(error = %e, "metrics: the relay's backlog could not be read"),
        }))
}

/// Most serial conflicts named one by one in the start-up log; `eckwms verify` lists all.
const LOGGED_SERIAL_CONFLICTS: usize = 20;

/// Items written before the serial rule held may share a serial they cannot be told apart by:
/// the rule refuses every new such item, and these stay until someone fixes them. Said once
/// at start, so that an operator learns of them without running `eckwms verify`.
fn warn_of_serial_conflicts(services: &Services) {
    match services.catalog.serial_conflicts() {
        Ok(conflicts) if conflicts.is_empty() => {}
        Ok(conflicts) => {
            tracing::warn!(
                serials = conflicts.len(),
                "items share a serial they cannot be told apart by (written before the serial \
                 rule): give them class codes or correct their serials; `eckwms verify` lists \
                 them all"
            );
            for conflict in conflicts.iter().take(LOGGED_SERIAL_CONFLICTS) {
                tracing::warn!(%conflict, "serial conflict");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not look for serial conflicts"),
    }
}

/// The services whose leftovers the hourly purge deletes.
struct Housekeeping {
    idempotency: IdempotencyService,
    scans: ScanService,
    sessions: SessionService,
    devices: DeviceService,
}

async fn serve(
    settings: Settings,
    state: HttpState,
    scrape: Option<Scrape>,
    purge: Housekeeping,
    link: GlobalLinkService,
    puller: Option<RelayPuller>,
    webhooks: WebhookService,
) -> anyhow::Result<()> {
    let Housekeeping {
        idempotency,
        scans,
        sessions,
        devices,
    } = purge;
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(PURGE_INTERVAL);
        loop {
            interval.tick().await;
            let idempotency = idempotency.clone();
            match web::block(move || idempotency.purge()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(deleted = n, "purged expired idempotency keys"),
                Ok(Err(e)) => tracing::warn!(error = %e, "idempotency purge failed"),
                Err(e) => tracing::warn!(error = %e, "idempotency purge did not run"),
            }
            let scans = scans.clone();
            match web::block(move || scans.purge_sessions()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(deleted = n, "purged idle scan sessions"),
                Ok(Err(e)) => tracing::warn!(error = %e, "scan session purge failed"),
                Err(e) => tracing::warn!(error = %e, "scan session purge did not run"),
            }
            let sessions = sessions.clone();
            match web::block(move || sessions.purge()).await {
                Ok(Ok((0, 0))) => {}
                Ok(Ok((ended, failures))) => tracing::info!(
                    sessions = ended,
                    failed_logins = failures,
                    "purged ended sessions and old failed logins"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "session purge failed"),
                Err(e) => tracing::warn!(error = %e, "session purge did not run"),
            }
            let devices = devices.clone();
            match web::block(move || devices.purge()).await {
                Ok(Ok(purged)) if purged == DevicePurge::default() => {}
                Ok(Ok(purged)) => tracing::info!(
                    challenges = purged.challenges,
                    signatures = purged.signatures,
                    operators = purged.operators,
                    "purged expired device challenges, recorded signatures and idle operators"
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "device purge failed"),
                Err(e) => tracing::warn!(error = %e, "device purge did not run"),
            }
        }
    });

    let http = &settings.http;
    let mut server =
        HttpServer::new(move || build_app_with(state.clone(), eckwms_adapter_web::configure))
            .keep_alive(Duration::from_secs(http.keep_alive_secs))
            .client_request_timeout(Duration::from_secs(http.request_timeout_secs))
            .shutdown_timeout(http.shutdown_timeout_secs);
    if http.workers > 0 {
        server = server.workers(http.workers);
    }
    let server = if http.tls_cert.is_empty() {
        server
            .bind(&http.bind)
            .with_context(|| format!("binding {}", http.bind))?
    } else {
        let tls = tls_config(&http.tls_cert, &http.tls_key)?;
        server
            .bind_rustls_0_23(&http.bind, tls)
            .with_context(|| format!("binding {} (TLS)", http.bind))?
    };
    let scheme = if http.tls_cert.is_empty() {
        "http"
    } else {
        "https"
    };
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
    // Our own signal handling (eckwms_http_kit::serve): a SIGTERM drains in-flight requests
    // for shutdown_timeout_secs, then exits.
    let addrs = server.addrs();
    // The port reported to the global service: configured, else the one listened on.
    let port = settings
        .global
        .reported_port(&http.bind)
        .or_else(|| addrs.first().map(|a| a.port()))
        .unwrap_or(0);
    // Stops when dropped, after the server.
    let _heartbeat = crate::global::start_heartbeat(
        link.with_port(port),
        Duration::from_secs(settings.global.heartbeat_secs),
    )?;
    // Stops when dropped, after the server: the relay's puller, once the instance is enrolled.
    let _puller = puller
        .map(|puller| {
            crate::relay::start(
                puller,
                settings.relay.poll(),
                Duration::from_secs(settings.relay.lease_secs),
            )
        })
        .transpose()?;
    // Stops when dropped, after the server: its leases are given up for another process.
    let _webhooks =
        crate::webhooks::start(webhooks, Duration::from_millis(settings.webhooks.poll_ms))?;
    let server = server.disable_signals().run();
    eckwms_http_kit::metrics::alongside(
        metrics,
        eckwms_http_kit::serve::until_signalled(server, &addrs, scheme),
    )
    .await?;
    Ok(())
}

/// On first start (no API key at all) creates an admin key and writes it to an owner-only file.
fn write_bootstrap_key(services: &Services, path: &str) -> anyhow::Result<()> {
    let Some(created) = services.api_keys.create_first_admin_key()? else {
        return Ok(());
    };
    let path = Path::new(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing the admin key to {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An existing file keeps its mode on open: tighten it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    writeln!(file, "{}", created.secret)?;
    tracing::warn!(
        path = %path.display(),
        key_id = created.key.id,
        "no API key existed: created an admin key and wrote it to this file (owner-only); keep it safe"
    );
    Ok(())
}

fn tls_config(cert: &str, key: &str) -> anyhow::Result<rustls::ServerConfig> {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(cert).with_context(|| format!("opening {cert}"))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("reading certificates from {cert}"))?;
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(key).with_context(|| format!("opening {key}"))?,
    ))
    .with_context(|| format!("reading the private key from {key}"))?
    .with_context(|| format!("no private key in {key}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("invalid TLS certificate or key")?;
    Ok(config)
}
