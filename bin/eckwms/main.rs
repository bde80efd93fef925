//! `eckwms`: the ECKWMS instance service and its operator commands.
//!
//! Composition root: configuration -> tracing -> database (migrations) -> services -> HTTP.

mod global;
mod relay;
mod serve;
mod settings;
mod webhooks;

use eckwms_application::ProblemCode;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use eckwms_adapter_db::{Database, redact_url};
use eckwms_application::access::passwords::Passwords;
use eckwms_application::access::{NewUserInput, UserPatchInput};
use eckwms_application::ports::{Expected, PageQuery};
use eckwms_application::{
    Actor, ApiKeyService, AppError, AuditService, CatalogPorts, CatalogService, DevicePorts,
    DeviceService, EventPorts, EventService, IdempotencyService, LabelService, LookupService,
    MovementPorts, MovementService, OrderPorts, OrderService, OsSecrets, OverviewPorts,
    OverviewService, PublicService, RequestMeta, RoleService, ScanService, ScanSettings, Services,
    SessionService, SystemClock, SystemService, UserService,
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
    /// Manage users (the people who log in).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Replay the ledger and compare it with the stored state; exit 0 only if they match.
    Verify,
    /// Copy the SQLite database, consistent as of one moment, while the service serves it
    /// (PostgreSQL: use pg_dump, see docs/deploy/README.md).
    Backup {
        /// The file to write; an existing file is never overwritten.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// The link to the global service.
    Global {
        #[command(subcommand)]
        command: GlobalCommand,
    },
}

#[derive(Subcommand)]
enum GlobalCommand {
    /// Register this instance with the global service (once) and store the instance key it
    /// issues; `serve` then sends heartbeats.
    Enroll {
        /// The global service's URL, e.g. https://eckwms.example.com.
        #[arg(long)]
        url: String,
        /// The enrollment token of `eckwms-global instance enroll`.
        #[arg(long)]
        token: String,
        /// Enroll again although the instance is enrolled (with a new token).
        #[arg(long)]
        force: bool,
    },
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
        /// The key's role: `read`, `write` or `admin` (the scopes keys had), or any role.
        #[arg(long, alias = "scope")]
        role: String,
        /// Days until the key expires, 1 to 36500 (never when omitted).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=MAX_EXPIRES_IN_DAYS))]
        expires_in_days: Option<u32>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by its numeric id.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input (one line) when it is not a
    /// terminal; otherwise one is generated and printed once.
    Create {
        #[arg(long)]
        username: String,
        /// A seeded role (SUPER_ADMIN, MANAGER, INBOUND, PICKER, TECHNICIAN) or one of yours.
        #[arg(long)]
        role: String,
        /// The name people read; the username when omitted.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List users.
    List,
    /// Give a user a new password (ends their sessions): read from standard input when it is
    /// not a terminal, else generated and printed once.
    ResetPassword { username: String },
    /// Make a user inactive (ends their sessions) or active again.
    SetActive {
        username: String,
        #[arg(value_enum)]
        state: ActiveArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ActiveArg {
    Active,
    Inactive,
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
    if let Command::Backup { out } = &command {
        // Before the migrations and the seeding below: a backup writes nothing to the
        // database it copies.
        return backup(&settings, out);
    }
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
    let seeded = services.roles.seed()?;
    if seeded > 0 {
        tracing::info!(roles = seeded, "seeded roles");
    }
    match command {
        Command::Serve => {
            tracing::info!(
                backend = db.backend_name(),
                database = %redact_url(settings.database.url.expose()),
                "database ready"
            );
            let port = settings
                .global
                .reported_port(&settings.http.bind)
                .unwrap_or(0);
            let link = global::service(&db, &settings, &services, port)?;
            serve::run(settings, services, link, &db)?;
            if !close_when_released(db) {
                tracing::warn!(
                    "the database was still in use {RELEASE_WAIT:?} after the server stopped; \
                     exiting without closing it"
                );
            }
        }
        // Answered before the database was opened.
        Command::Backup { .. } => {}
        Command::Migrate => {
            println!("{} migration(s) applied", applied.len());
        }
        Command::Apikey { command } => return apikey(&services.api_keys, command),
        Command::User { command } => return user(&services, command),
        Command::Global {
            command: GlobalCommand::Enroll { url, token, force },
        } => return global::enroll(&db, &settings, &services, &url, &token, force),
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

fn backup(settings: &Settings, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let done = eckwms_adapter_db::backup(&settings.database.db_settings(), out)
        .with_context(|| format!("backing up to {}", out.display()))?;
    println!("{}: {} bytes", out.display(), done.bytes);
    if done.pending_migrations > 0 {
        println!(
            "the copy lacks {} migration(s) of this eckwms; a service of this version applies them when it starts on it",
            done.pending_migrations
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn apikey(keys: &ApiKeyService, command: ApikeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        ApikeyCommand::Create {
            name,
            role,
            expires_in_days,
        } => {
            let expires_at = expires_in_days
                .map(|days| {
                    chrono::Duration::try_days(i64::from(days))
                        .and_then(|d| chrono::Utc::now().checked_add_signed(d))
                        .ok_or_else(|| anyhow::anyhow!("--expires-in-days {days}: out of range"))
                })
                .transpose()?;
            let created = keys.create(&name, &role, expires_at, &RequestMeta::console())?;
            tracing::info!(id = created.key.id, name = %created.key.name, "API key created");
            println!("{}", created.secret);
        }
        ApikeyCommand::List => {
            println!(
                "{:>5}  {:<16}  {:<12}  {:<20}  {:<20}  name",
                "id", "key id", "role", "created", "status"
            );
            for key in keys.list(&Actor::console())? {
                let status = match (key.revoked_at, key.expires_at) {
                    (Some(at), _) => format!("revoked {}", at.format("%Y-%m-%d")),
                    (None, Some(at)) if at <= chrono::Utc::now() => {
                        format!("expired {}", at.format("%Y-%m-%d"))
                    }
                    (None, Some(at)) => format!("until {}", at.format("%Y-%m-%d")),
                    (None, None) => "active".into(),
                };
                println!(
                    "{:>5}  {:<16}  {:<12}  {:<20}  {:<20}  {}",
                    key.id,
                    key.key_id,
                    key.role,
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
                .revoke(id, &RequestMeta::console())
                .map_err(|e| match e {
                    AppError::Refused {
                        code: ProblemCode::LastAdminKey,
                        ..
                    } => anyhow::anyhow!(
                        "{e} (eckwms apikey create --name NAME --role admin makes one)"
                    ),
                    other => other.into(),
                })?;
            println!("revoked key {} ({})", key.id, key.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A password for the command line: one line of standard input when it is not a terminal (a
/// pipe, a file), else generated and printed once.
fn password_for_cli(users: &UserService) -> anyhow::Result<(String, bool)> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((users.generate_password()?, true));
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!(
            "standard input held no password (send one line, or run in a terminal to have one generated)"
        );
    }
    Ok((password, false))
}

fn user(services: &Services, command: UserCommand) -> anyhow::Result<ExitCode> {
    let console = RequestMeta::console();
    let users = &services.users;
    match command {
        UserCommand::Create {
            username,
            role,
            display_name,
        } => {
            let (password, generated) = password_for_cli(users)?;
            let secrets = UserService::hash_secrets(
                &services.passwords,
                &*services.secrets,
                Some(&password),
                None,
            )?;
            let input = NewUserInput {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
            };
            let user = users.create(&input, secrets, &console)?;
            tracing::info!(id = %user.id, username = %user.username, "user created");
            eprintln!(
                "created user {} ({}), role {}",
                user.id, user.username, user.role
            );
            if generated {
                println!("{password}");
            }
        }
        UserCommand::List => {
            println!(
                "{:<19}  {:<24}  {:<12}  {:<8}  {:<20}  display name",
                "id", "username", "role", "active", "last login"
            );
            let mut after = None;
            loop {
                let page = users.list(&Actor::console(), &PageQuery { after, limit: 500 })?;
                for u in &page.items {
                    println!(
                        "{:<19}  {:<24}  {:<12}  {:<8}  {:<20}  {}",
                        u.id,
                        u.username,
                        u.role,
                        if u.active { "yes" } else { "no" },
                        u.last_login_at
                            .map(|at| at.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_else(|| "never".into()),
                        u.display_name
                    );
                }
                match (page.items.last(), page.next_cursor) {
                    (Some(last), Some(_)) => after = Some(last.id),
                    _ => break,
                }
            }
        }
        UserCommand::ResetPassword { username } => {
            let user = users.find_by_username(&username)?;
            let (password, generated) = password_for_cli(users)?;
            let secrets = UserService::hash_secrets(
                &services.passwords,
                &*services.secrets,
                Some(&password),
                None,
            )?;
            users.set_secrets(user.id, Expected::Any, secrets, &console)?;
            eprintln!(
                "new password for {} ({}); their sessions have ended",
                user.username, user.id
            );
            if generated {
                println!("{password}");
            }
        }
        UserCommand::SetActive { username, state } => {
            let user = users.find_by_username(&username)?;
            let input = UserPatchInput {
                active: Some(matches!(state, ActiveArg::Active)),
                ..UserPatchInput::default()
            };
            let user = users.update(user.id, Expected::Any, &input, &console)?;
            eprintln!(
                "{} ({}) is {}",
                user.username,
                user.id,
                if user.active {
                    "active"
                } else {
                    "inactive; their sessions have ended"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn build_services(db: &Arc<Database>, settings: &Settings) -> anyhow::Result<Services> {
    let clock = Arc::new(SystemClock);
    let secrets: Arc<dyn eckwms_application::ports::SecretSource> = Arc::new(OsSecrets);
    let passwords = Arc::new(
        Passwords::new(settings.auth.hash_params(), &OsSecrets).map_err(|e| {
            anyhow::anyhow!("auth.hash_memory_kib, hash_iterations, hash_parallelism: {e}")
        })?,
    );
    let roles = RoleService::new(db.clone(), clock.clone());
    let users = UserService::new(db.clone(), roles.clone(), clock.clone(), secrets.clone());
    let sessions = SessionService::new(
        db.clone(),
        db.clone(),
        db.clone(),
        clock.clone(),
        secrets.clone(),
        settings.auth.sessions(),
    );
    let audit = AuditService::new(db.clone(), clock.clone());
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
    // The lookup reads texts with the scans' keys.
    let lookup = LookupService::new(db.clone(), decoder.clone());
    let global_url = Some(settings.pairing.global_url.trim().to_owned()).filter(|u| !u.is_empty());
    let labels = LabelService::new(
        db.clone(),
        db.clone(),
        decoder.clone(),
        Arc::new(OsSecrets),
        clock.clone(),
        settings.labels.layout(),
        global_url,
    );
    // Keys and scanners verified lately are checked from memory this long; at most a minute
    // (settings.rs checks it).
    let key_memory =
        chrono::Duration::milliseconds(i64::try_from(settings.auth.key_memory_ms).unwrap_or(0));
    let devices = DeviceService::new(
        DevicePorts {
            devices: db.clone(),
            roles: db.clone(),
            // The instance of the pairing QR.
            instance: Arc::new(labels.clone()),
            users: db.clone(),
            logins: db.clone(),
            audit: db.clone(),
            decoder: decoder.clone(),
            clock: clock.clone(),
            secrets: secrets.clone(),
        },
        settings.auth.devices(),
    )
    .remembering_signers_for(key_memory);
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
    let repair =
        eckwms_application::repair::RepairService::new(eckwms_application::repair::RepairPorts {
            repair: db.clone(),
            orders: db.clone(),
            labels: labels.clone(),
            clock: clock.clone(),
        })
        .processing_automatically(settings.repair.auto_processed);
    let orders = OrderService::new(OrderPorts {
        orders: db.clone(),
        clock: clock.clone(),
        status_rules: vec![Arc::new(repair.clone())],
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
    let overview = OverviewService::new(OverviewPorts {
        overview: db.clone(),
        clock: clock.clone(),
    });
    let events = EventService::new(EventPorts { events: db.clone() });
    let webhooks = eckwms_application::WebhookService::new(
        eckwms_application::WebhookPorts {
            webhooks: db.clone(),
            events: db.clone(),
            users: db.clone(),
            sender: Arc::new(eckwms_adapter_http::webhook_client::HttpWebhookSender::new(
                settings.webhooks.policy(),
                std::time::Duration::from_secs(settings.webhooks.timeout_secs),
            )?),
            clock: clock.clone(),
            secrets: secrets.clone(),
        },
        settings.webhooks.service_settings(),
    );
    Ok(Services {
        catalog,
        orders,
        overview,
        events,
        webhooks,
        repair,
        movement,
        api_keys: ApiKeyService::new(db.clone(), db.clone(), clock.clone(), Arc::new(OsSecrets))
            .remembering_keys_for(key_memory),
        idempotency: IdempotencyService::new(
            db.clone(),
            clock,
            settings.idempotency.retention_hours,
        ),
        system: SystemService::new(db.clone(), db.clone()),
        scans,
        lookup,
        labels,
        public,
        roles,
        users,
        sessions,
        audit,
        devices,
        passwords,
        secrets,
        relay: eckwms_application::RelayService::new(relay::ports(db)),
    })
}

fn init_tracing(settings: &Settings) -> anyhow::Result<()> {
    eckwms_http_kit::logging::init(&settings.log).map_err(|e| anyhow::anyhow!(e))
}
