//! `eckwms`: the ECKWMS instance service and its operator commands.
//!
//! Composition root: configuration -> tracing -> database (migrations) -> services -> HTTP.

mod serve;
mod settings;

use eckwms_application::ProblemCode;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use eckwms_adapter_db::{Database, redact_url};
use eckwms_application::ports::Scope;
use eckwms_application::{
    Actor, ApiKeyService, AppError, CatalogPorts, CatalogService, IdempotencyService, LabelService,
    MovementPorts, MovementService, OrderPorts, OrderService, OsSecrets, PublicService,
    ScanService, ScanSettings, Services, SystemClock, SystemService,
};
use eckwms_db_kit::pool::{RELEASE_WAIT, close_when_released};

use crate::settings::Settings;

#[derive(Parser)]
#[command(name = "eckwms", version, about = "ECKWMS instance service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API keys.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Replay the ledger and compare it with the stored state; exit 0 only if they match.
    Verify,
}

/// The longest life `apikey create` gives a key: 100 years. A key meant to live longer is one
/// without expiry (leave the option out); much longer, and no date could be written for it.
const MAX_EXPIRES_IN_DAYS: i64 = 36_500;

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Create a key and print it, alone, on standard output (it is shown only this once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// Days until the key expires, 1 to 36500 (never when omitted).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=MAX_EXPIRES_IN_DAYS))]
        expires_in_days: Option<u32>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by its numeric id.
    Revoke { id: i64 },
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeArg {
    Read,
    Write,
    Admin,
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Self {
        match s {
            ScopeArg::Read => Scope::Read,
            ScopeArg::Write => Scope::Write,
            ScopeArg::Admin => Scope::Admin,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Printed, not traced: the failure may come before tracing is set up.
            eprintln!("eckwms: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load()?;
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
            serve::run(settings, services, db.concurrent_calls())?;
            if !close_when_released(db) {
                tracing::warn!(
                    "the database was still in use {RELEASE_WAIT:?} after the server stopped; \
                     exiting without closing it"
                );
            }
        }
        Command::Migrate => {
            println!("{} migration(s) applied", applied.len());
        }
        Command::Apikey { command } => return apikey(&services.api_keys, command),
        Command::Verify => {
            let report = services.system.verify()?;
            println!(
                "ledger entries: {}, objects: {}, problems: {}",
                report.ledger_entries,
                report.objects,
                report.problems.len()
            );
            for problem in &report.problems {
                println!("  {problem}");
            }
            return Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn apikey(keys: &ApiKeyService, command: ApikeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        ApikeyCommand::Create {
            name,
            scope,
            expires_in_days,
        } => {
            let expires_at = expires_in_days
                .map(|days| {
                    chrono::Duration::try_days(i64::from(days))
                        .and_then(|d| chrono::Utc::now().checked_add_signed(d))
                        .ok_or_else(|| anyhow::anyhow!("--expires-in-days {days}: out of range"))
                })
                .transpose()?;
            let created = keys.create(&Actor::Console, &name, scope.into(), expires_at, None)?;
            tracing::info!(id = created.key.id, name = %created.key.name, "API key created");
            println!("{}", created.secret);
        }
        ApikeyCommand::List => {
            println!(
                "{:>5}  {:<16}  {:<6}  {:<20}  {:<20}  name",
                "id", "key id", "scope", "created", "status"
            );
            for key in keys.list(&Actor::Console)? {
                let status = match (key.revoked_at, key.expires_at) {
                    (Some(at), _) => format!("revoked {}", at.format("%Y-%m-%d")),
                    (None, Some(at)) if at <= chrono::Utc::now() => {
                        format!("expired {}", at.format("%Y-%m-%d"))
                    }
                    (None, Some(at)) => format!("until {}", at.format("%Y-%m-%d")),
                    (None, None) => "active".into(),
                };
                println!(
                    "{:>5}  {:<16}  {:<6}  {:<20}  {:<20}  {}",
                    key.id,
                    key.key_id,
                    key.scope.as_str(),
                    key.created_at.format("%Y-%m-%d %H:%M:%S"),
                    status,
                    key.name
                );
            }
        }
        ApikeyCommand::Revoke { id } => {
            // The rule of the API holds here too: the operator makes the next admin key first
            // (one command), so no moment exists in which nobody can administer over HTTP.
            let key = keys
                .revoke(&Actor::Console, id, None)
                .map_err(|e| match e {
                    AppError::Refused {
                        code: ProblemCode::LastAdminKey,
                        ..
                    } => anyhow::anyhow!(
                        "{e} (eckwms apikey create --name NAME --scope admin makes one)"
                    ),
                    other => other.into(),
                })?;
            println!("revoked key {} ({})", key.id, key.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn build_services(db: &Arc<Database>, settings: &Settings) -> anyhow::Result<Services> {
    let clock = Arc::new(SystemClock);
    let decoder = Arc::new(settings.decoder()?);
    let scans = ScanService::new(
        db.clone(),
        db.clone(),
        decoder.clone(),
        clock.clone(),
        ScanSettings {
            session_idle: chrono::Duration::seconds(
                i64::try_from(settings.scan.session_idle_secs).unwrap_or(i64::MAX / 1000),
            ),
        },
    );
    let global_url = Some(settings.pairing.global_url.trim().to_owned()).filter(|u| !u.is_empty());
    let labels = LabelService::new(
        db.clone(),
        db.clone(),
        decoder,
        Arc::new(OsSecrets),
        clock.clone(),
        settings.labels.layout(),
        global_url,
    );
    let public = PublicService::new(
        labels.clone(),
        db.clone(),
        db.clone(),
        clock.clone(),
        eckwms_application::public::parse_global_key(&settings.global.public_key)
            .map_err(|e| anyhow::anyhow!(e))?,
    );
    let catalog = CatalogService::new(CatalogPorts {
        warehouses: db.clone(),
        places: db.clone(),
        boxes: db.clone(),
        items: db.clone(),
        clock: clock.clone(),
    });
    let orders = OrderService::new(OrderPorts {
        orders: db.clone(),
        clock: clock.clone(),
    });
    let movement = MovementService::new(MovementPorts {
        moves: db.clone(),
        ledger: db.clone(),
        unit: db.clone(),
        single_moves: db.single_moves(),
        boxes: db.clone(),
        places: db.clone(),
        clock: clock.clone(),
    });
    Ok(Services {
        catalog,
        orders,
        movement,
        api_keys: ApiKeyService::new(db.clone(), clock.clone(), Arc::new(OsSecrets))
            .remembering_keys_for(chrono::Duration::milliseconds(
                // At most a minute (settings.rs checks it).
                i64::try_from(settings.auth.key_memory_ms).unwrap_or(0),
            )),
        idempotency: IdempotencyService::new(
            db.clone(),
            clock,
            settings.idempotency.retention_hours,
        ),
        system: SystemService::new(db.clone(), db.clone()),
        scans,
        labels,
        public,
    })
}

fn init_tracing(settings: &Settings) -> anyhow::Result<()> {
    eckwms_http_kit::logging::init(&settings.log).map_err(|e| anyhow::anyhow!(e))
}
