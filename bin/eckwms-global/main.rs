//! `eckwms-global`: the ECKWMS global service (instance registry, discovery, device pairing,
//! scan relay, public label page) and its operator commands.
//!
//! Composition root: configuration -> tracing -> database (migrations) -> services -> HTTP.

mod serve;
mod settings;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use eckwms_db_kit::pool::{RELEASE_WAIT, close_when_released};
use eckwms_global_adapter_db::{Database, redact_url};
use eckwms_global_adapter_http::public_fetcher::HttpPublicFetcher;
use eckwms_global_application::{
    AdminKey, DeviceService, DiscoveryService, InstanceService, InstanceSettings, OsSecrets,
    PublicPageService, RelayService, Services, SystemClock, SystemService, TargetMemory,
    load_identity,
};
use eckwms_global_domain::Tier;

use crate::settings::Settings;

#[derive(Parser)]
#[command(name = "eckwms-global", version, about = "ECKWMS global service")]
struct Cli {
    /// A configuration file layered over config/global.toml and config/global.<ECKWMS_GLOBAL_ENV>.toml
    /// (also ECKWMS_GLOBAL_CONFIG).
    #[arg(long, global = true)]
    config: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print this service's Ed25519 public key (made on first use), alone on standard
    /// output: instances configure it as `global.public_key`.
    Identity,
    /// Manage instances.
    Instance {
        #[command(subcommand)]
        command: InstanceCommand,
    },
}

#[derive(Subcommand)]
enum InstanceCommand {
    /// Create a one-time enrollment token and print it, alone, on standard output.
    Enroll {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "free")]
        tier: TierArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TierArg {
    Free,
    Paid,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("eckwms-global: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    init_tracing(&settings)?;
    let command = cli.command.unwrap_or(Command::Serve);
    let mut db_settings = settings.database.db_settings();
    db_settings.open_all_at_start = matches!(command, Command::Serve);
    let db = Arc::new(
        Database::connect(&db_settings)
            .with_context(|| format!("opening {}", redact_url(settings.database.url.expose())))?,
    );
    let applied = db.run_migrations()?;
    for version in &applied {
        tracing::info!(%version, "applied migration");
    }
    let services = build_services(&db, &settings)?;
    match command {
        Command::Serve => {
            tracing::info!(
                backend = db.backend_name(),
                database = %redact_url(settings.database.url.expose()),
                "database ready"
            );
            if settings.auth.admin_key.is_blank() {
                tracing::warn!("auth.admin_key is empty: the operator routes refuse every request");
            }
            serve::run(settings, services, &db)?;
            if !close_when_released(db) {
                tracing::warn!(
                    "the database was still in use {RELEASE_WAIT:?} after the server stopped; \
                     exiting without closing it"
                );
            }
        }
        Command::Migrate => println!("{} migration(s) applied", applied.len()),
        Command::Identity => println!("{}", services.public.public_key_hex()),
        Command::Instance {
            command: InstanceCommand::Enroll { name, tier },
        } => {
            let tier = match tier {
                TierArg::Free => Tier::Free,
                TierArg::Paid => Tier::Paid,
            };
            let issued = services.instances.enroll(&name, tier)?;
            tracing::info!(name = %name, tier = tier.as_str(), "enrollment token created");
            println!("{}", issued.secret);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn build_services(db: &Arc<Database>, settings: &Settings) -> anyhow::Result<Services> {
    let clock = Arc::new(SystemClock);
    let identity = load_identity(db.as_ref(), &OsSecrets, clock.as_ref())
        .context("loading the global identity")?;
    let proxy = settings.proxy_settings()?;
    let public = PublicPageService::new(
        Arc::new(settings.labels.ring()?),
        db.clone(),
        db.clone(),
        Arc::new(HttpPublicFetcher::new(
            proxy.policy(),
            settings.public_page.fetch_limits(),
        )),
        clock.clone(),
        Arc::new(identity),
        settings.public_page.page_settings(),
    );
    let secrets = Arc::new(OsSecrets);
    let i = &settings.instances;
    let instance_settings = InstanceSettings {
        enrollment_ttl: chrono::Duration::hours(i.enrollment_ttl_hours),
        offline_after: chrono::Duration::seconds(i.offline_after_secs),
        max_pairing_ttl: chrono::Duration::seconds(i.max_pairing_ttl_secs),
    };
    let devices = DeviceService::new(db.clone(), db.clone(), clock.clone(), secrets.clone());
    // Shared: the proxy routes from it, the instance service forgets what it changes.
    let targets = Arc::new(TargetMemory::new(chrono::Duration::milliseconds(
        i.proxy_memory_ms,
    )));
    Ok(Services {
        instances: InstanceService::new(db.clone(), clock.clone(), secrets, instance_settings)
            .with_target_memory(targets.clone()),
        discovery: DiscoveryService::new(
            db.clone(),
            devices.clone(),
            clock.clone(),
            settings
                .service
                .public_url
                .trim()
                .trim_end_matches('/')
                .to_owned(),
            instance_settings.offline_after,
        )
        .with_target_memory(targets),
        devices,
        relay: RelayService::new(
            db.clone(),
            db.clone(),
            clock,
            chrono::Duration::seconds(settings.relay.lease_secs),
        ),
        public,
        system: SystemService::new(db.clone()),
        admin: AdminKey::new(Some(settings.auth.admin_key.expose())),
    })
}

fn init_tracing(settings: &Settings) -> anyhow::Result<()> {
    eckwms_http_kit::logging::init(&settings.log).map_err(|e| anyhow::anyhow!(e))
}
