//! `eckwms-bench`: the benchmark harness behind `make bench`.
//!
//! Seeds a large SQLite database (100k items, 1M ledger rows, a place with 1,000 items) and a
//! small one (~10k ledger rows) through the repository API, starts the release `eckwms serve`
//! on each as a child process, loads it over loopback HTTP with its own load generator, does
//! the same for the moves on a fresh PostgreSQL database when a server answers, compares
//! `GET /health` with a bare actix-web handler, reads the web UI's dashboard and a box's page
//! with a session cookie on the large database, benchmarks the global service (`eckwms-global`:
//! discovery lookups, and its routing proxy against direct access to an `eckwms`), and writes
//! every figure to a Markdown report.

mod bare;
mod checks;
mod codes;
mod floor;
mod fmt;
mod global;
mod load;
mod logins;
mod pg;
mod postgres;
mod relay;
mod repair;
mod report;
mod rng;
mod runner;
mod scanners;
mod seed;
mod server;
mod sqlite;
mod sys;
mod ui;
mod webhooks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::checks::combined_rate;
use crate::fmt::{fmt_ms, fmt_rate, group};
use crate::postgres::PgRun;
use crate::report::{Check, Report, Section};
use crate::rng::Rng;
use crate::runner::{Log, Runner, WorkDir, bearer, mib, sibling};
use crate::seed::Seeded;
use crate::server::Server;
use crate::sys::Machine;

#[derive(Parser, Debug)]
#[command(
    name = "eckwms-bench",
    about = "Seeds databases, loads a release eckwms over HTTP, writes docs/BENCHMARKS.md"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Where the Markdown report is written.
    #[arg(long, default_value = "docs/BENCHMARKS.md")]
    out: PathBuf,
    /// The eckwms binary to benchmark (default: `eckwms` next to this executable).
    #[arg(long)]
    eckwms: Option<PathBuf>,
    /// Measured seconds of every load phase.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Unmeasured warm-up seconds before every load phase.
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// Items of the large database.
    #[arg(long, default_value_t = 100_000)]
    items: usize,
    /// Ledger rows of the large database (at least).
    #[arg(long, default_value_t = 1_000_000)]
    ledger_rows: u64,
    /// Ledger rows of the small database (at least).
    #[arg(long, default_value_t = 10_000)]
    small_ledger_rows: u64,
    /// Items put into the place whose contents are read.
    #[arg(long, default_value_t = 1_000)]
    contents_objects: usize,
    /// Orders of the PostgreSQL database, read by phase O1.
    #[arg(long, default_value_t = 1_000)]
    pg_orders: usize,
    /// Threads (connections) of the PostgreSQL floor F2 (default: as many as the service's
    /// default pool, `eckwms_db_kit::pool::auto_pool_size` of this machine's CPUs).
    #[arg(long)]
    pg_floor_threads: Option<usize>,
    /// After the PostgreSQL phases, run the order reads, the hot set and the moves again on
    /// servers with these `database.pool_size`s, one after the other (e.g. `5,16,5,16`), to
    /// compare pool sizes in one run.
    #[arg(long, value_delimiter = ',')]
    pg_pools: Vec<u32>,
    /// Concurrent clients of the moves phases.
    #[arg(long, default_value_t = 32)]
    move_clients: usize,
    /// Concurrent clients of both `GET /health` phases.
    #[arg(long, default_value_t = 32)]
    health_clients: usize,
    /// Concurrent clients of the read phases (contents, list, history).
    #[arg(long, default_value_t = 4)]
    read_clients: usize,
    /// OS threads of the load generator (one single-threaded runtime and HTTP client each).
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Seconds the service idles after startup before its resident memory is read.
    #[arg(long, default_value_t = 5)]
    idle_secs: u64,
    /// PostgreSQL admin URL (default: ECKWMS_TEST_PG_URL, else the local server if it answers).
    #[arg(long)]
    pg_url: Option<String>,
    /// Skip PostgreSQL.
    #[arg(long)]
    no_pg: bool,
    /// Measure PostgreSQL moves over TCP only (by default the service uses the server's Unix
    /// socket when it has one, and TCP is measured after it for information).
    #[arg(long)]
    pg_tcp: bool,
    /// Items of the PostgreSQL database (default: as many as the large SQLite one).
    #[arg(long)]
    pg_items: Option<usize>,
    /// Seconds after which PostgreSQL seeding stops adding move rounds (the ledger stays smaller).
    #[arg(long, default_value_t = 240)]
    pg_seed_budget_secs: u64,
    /// Writer threads seeding PostgreSQL.
    #[arg(long, default_value_t = 4)]
    pg_seed_threads: usize,
    /// Keep the temporary work directory (databases, server logs).
    #[arg(long)]
    keep: bool,
    /// Run only the two moves phases (for work on write throughput). The report then holds
    /// only their checks, so it must go elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long)]
    moves_only: bool,
    /// Run only the global service's section (discovery, proxy against direct; about two
    /// minutes). The report must go elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long, conflicts_with = "moves_only")]
    global_only: bool,
    /// Run only the logins section (logins/s, and `GET /health` and moves with and without a
    /// flood of logins; on SQLite, and on PostgreSQL when a server answers; about three
    /// minutes). The report must go elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long, conflicts_with_all = ["moves_only", "global_only"])]
    logins_only: bool,
    /// Run only the repair section (the reconciliation of a request of 500 devices, and the
    /// service report CSV of 10,000 and 100,000 rows with the service's memory; on SQLite;
    /// about two minutes). The report must go elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long, conflicts_with_all = ["moves_only", "global_only", "logins_only"])]
    repair_only: bool,
    /// Run only the web UI section (the dashboard and a box's page, read with a session
    /// cookie, on the large SQLite database seeded for it; a few minutes). The report must go
    /// elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long, conflicts_with_all = ["moves_only", "global_only", "logins_only", "repair_only"])]
    ui_only: bool,
    /// Run only the webhooks section (the delivery of a backlog of 100,000 ledger rows to a
    /// receiver on loopback, and the lag while the service takes 1,000 moves/s; on SQLite;
    /// about a minute). The report must go elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long, conflicts_with_all = ["moves_only", "global_only", "logins_only", "repair_only", "ui_only"])]
    webhooks_only: bool,
    /// Run only the relay section (scans buffered at the global service's relay, applied by an
    /// instance that starts with a backlog of 20,000; both services on SQLite; about a minute
    /// plus seeding). The report must go elsewhere than docs/BENCHMARKS.md (`--out`).
    #[arg(long, conflicts_with_all = ["moves_only", "global_only", "logins_only", "repair_only", "ui_only", "webhooks_only"])]
    relay_only: bool,
    /// Users made for the logins section, each logged in again and again.
    #[arg(long, default_value_t = 32)]
    login_users: usize,
    /// Concurrent clients logging in (the flood of the logins section).
    #[arg(long, default_value_t = 32)]
    login_clients: usize,
    /// Clients of each probe of the logins section (`GET /health`, moves), each starting a
    /// request at most every 20 ms.
    #[arg(long, default_value_t = 4)]
    probe_clients: usize,
    /// The eckwms-global binary (default: `eckwms-global` next to this executable).
    #[arg(long)]
    eckwms_global: Option<PathBuf>,
    /// Instances registered at the global service for the discovery phases.
    #[arg(long, default_value_t = 1_000)]
    global_instances: usize,
    /// Concurrent clients of the discovery phases and of the proxy's throughput phases.
    #[arg(long, default_value_t = 32)]
    global_clients: usize,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Internal: the bare actix-web reference server.
    #[command(hide = true)]
    BareHealth {
        #[arg(long)]
        bind: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Cmd::BareHealth { bind }) => bare::serve(bind),
        None => run(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eckwms-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let log = Log(Instant::now());
    let date = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("eckwms-bench {}", args.join(" ")).trim().to_owned();
    let eckwms = match &cli.eckwms {
        Some(path) => path.clone(),
        None => sibling("eckwms")?,
    };
    let eckwms_global = match &cli.eckwms_global {
        Some(path) => path.clone(),
        None => sibling("eckwms-global")?,
    };
    for (binary, flag) in [(&eckwms, "--eckwms"), (&eckwms_global, "--eckwms-global")] {
        // The logins, repair and web UI sections run eckwms alone.
        if (cli.logins_only || cli.repair_only || cli.ui_only || cli.webhooks_only)
            && flag == "--eckwms-global"
        {
            continue;
        }
        if !binary.is_file() {
            bail!(
                "no binary at {} (build it first: cargo build --release -p eckwms --bin eckwms \
                 --bin eckwms-global, or pass {flag} PATH)",
                binary.display()
            );
        }
    }
    if (cli.moves_only
        || cli.global_only
        || cli.logins_only
        || cli.repair_only
        || cli.ui_only
        || cli.webhooks_only
        || cli.relay_only)
        && cli.out == Path::new("docs/BENCHMARKS.md")
    {
        bail!(
            "--moves-only, --global-only, --logins-only, --repair-only, --ui-only, \
             --webhooks-only and --relay-only write a partial report: pass --out somewhere else"
        );
    }
    if cli.login_users == 0 || cli.login_clients == 0 || cli.probe_clients == 0 {
        bail!("--login-users, --login-clients and --probe-clients must be at least 1");
    }
    if cli.contents_objects > 1_000 {
        bail!("--contents-objects is read in at most two pages of 500: use at most 1000");
    }
    let seed_value = Rng::random_seed();
    let work = WorkDir {
        path: std::env::temp_dir().join(format!(
            "eckwms-bench-{:016x}",
            Rng::new(seed_value).next_u64()
        )),
        keep: cli.keep,
    };
    std::fs::create_dir_all(&work.path)
        .with_context(|| format!("creating {}", work.path.display()))?;
    let machine = Machine::describe();
    log.line(&format!(
        "eckwms: {}; work directory {}; {} CPUs ({})",
        eckwms.display(),
        work.path.display(),
        machine.nproc,
        machine.cpu_model
    ));

    let mut runner = Runner {
        cli,
        log: &log,
        ticks: sys::clock_ticks(),
        rng: Rng::new(seed_value),
        phases: Vec::new(),
        floors: Vec::new(),
        upstream_pid: None,
    };
    let mut global_options = global::Options {
        eckwms: &eckwms,
        global: &eckwms_global,
        work: &work.path,
        instances: cli.global_instances,
        clients: cli.global_clients,
        small_ledger_rows: cli.small_ledger_rows,
        idle_secs: cli.idle_secs,
        bare_rate: None,
        pg_admin: if cli.no_pg {
            None
        } else {
            pg::admin_url(cli.pg_url.as_deref())
        },
    };
    // A `--*-only` run: one section, reported alone. `make` is the target that runs it.
    let only = if cli.global_only {
        let g = global::run(&global_options, &mut runner, &log)?;
        Some((
            "global",
            false,
            Section {
                checks: g.checks,
                settings: g.settings,
                notes: g.notes,
                seeds: vec![g.seed],
                memory: g.memory,
            },
        ))
    } else if cli.logins_only {
        let pg_admin = if cli.no_pg {
            None
        } else {
            pg::admin_url(cli.pg_url.as_deref())
        };
        let section = logins::section(
            &mut runner,
            &eckwms,
            &work.path,
            pg_admin.as_deref(),
            &pg_missing_reason(cli),
        );
        Some(("logins", true, section))
    } else if cli.repair_only {
        Some((
            "repair",
            true,
            repair::section(&mut runner, &eckwms, &work.path),
        ))
    } else if cli.ui_only {
        Some(("ui", true, ui::section(&mut runner, &eckwms, &work.path)))
    } else if cli.webhooks_only {
        Some((
            "webhooks",
            true,
            webhooks::section(&mut runner, &eckwms, &work.path),
        ))
    } else if cli.relay_only {
        Some((
            "relay",
            true,
            relay::section(&mut runner, &eckwms, &eckwms_global, &work.path),
        ))
    } else {
        None
    };
    if let Some((name, builds_eckwms, section)) = only {
        let build = if builds_eckwms {
            "cargo build --release -p eckwms --bin eckwms` then `"
        } else {
            ""
        };
        let mut settings = common_settings(cli, &eckwms, seed_value);
        settings.extend(section.settings);
        let report = Report {
            date,
            machine,
            command: format!(
                "make bench-{name}` (= `{build}cargo run --release -p eckwms-bench -- \
                 --{name}-only --out /tmp/BENCH_{name}.md`); this run: `{command}"
            ),
            settings,
            seeds: section.seeds,
            memory: section.memory,
            checks: section.checks,
            phases: runner.phases,
            floors: runner.floors,
            notes: section.notes,
            duration: format!("{:.0} s", log.0.elapsed().as_secs_f64()),
        };
        return write_report(cli, &report, &log);
    }
    let mut seeds = Vec::new();
    let mut memory = Vec::new();
    let mut notes = Vec::new();
    let mut global_settings = Vec::new();

    // ------------------------------------------------------------ SQLite
    let data = sqlite::seed_both(&mut runner, &work.path)?;
    seeds.extend(data.seeds.iter().cloned());
    log.line("starting eckwms on the large SQLite database");
    let (server, key) = Server::eckwms(&eckwms, &data.big_url, &work.path.join("run-large"))?;
    std::thread::sleep(Duration::from_secs(cli.idle_secs));
    let idle_rss = sys::rss_kib(server.pid)?;
    log.line(&format!("  idle VmRSS {}", mib(idle_rss)));
    memory.push((
        format!(
            "idle, {} s after startup on the large SQLite database (target < 30 MiB)",
            cli.idle_secs
        ),
        mib(idle_rss),
    ));
    let auth = bearer(&key);
    let reads = if cli.moves_only {
        None
    } else {
        Some(sqlite::reads(
            &mut runner,
            &eckwms,
            &work.path,
            &server,
            &auth,
            &data,
            &mut memory,
        )?)
    };
    // The web UI's pages on the same server and data, before the writes change them.
    let ui_section = if cli.moves_only {
        None
    } else {
        Some(ui::on_server(
            &mut runner,
            &eckwms,
            &server,
            &data.big_url,
            &work.path.join("ui-operator"),
            &data.big_label,
        ))
    };
    let writes = sqlite::writes(&mut runner, &server, &key, &data)?;
    std::thread::sleep(Duration::from_secs(2));
    if let Ok(kib) = sys::rss_kib(server.pid) {
        memory.push((
            "for information: after the load phases above (not a target)".into(),
            mib(kib),
        ));
    }
    let stopped = server.stop()?;
    log.line(&format!("eckwms stopped: {stopped}"));

    // ------------------------------------------------------------ the global service
    // A failure here is reported (its targets "not measured"), like PostgreSQL's, rather than
    // losing the figures of the phases before it.
    let global_run = if cli.moves_only {
        None
    } else {
        global_options.bare_rate = reads.as_ref().map(|r| combined_rate(&r.bare_phases));
        Some(
            global::run(&global_options, &mut runner, &log).map_err(|e| {
                let failed = format!("the global service's section failed: {e:#}");
                log.line(&failed);
                failed
            }),
        )
    };

    // ------------------------------------------------------------ PostgreSQL
    let pg_admin = if cli.no_pg {
        None
    } else {
        pg::admin_url(cli.pg_url.as_deref())
    };
    let mut pg_run: Option<PgRun> = None;
    let mut pg_missing = String::new();
    match &pg_admin {
        None => {
            pg_missing = pg_missing_reason(cli);
            notes.push(format!("PostgreSQL: {pg_missing}."));
        }
        Some(admin) => match postgres::run(cli, admin, &eckwms, &work.path, &mut runner, &log) {
            Ok(mut pg) => {
                seeds.push(pg.seed.clone());
                memory.push(pg.idle_rss.clone());
                notes.append(&mut pg.notes);
                pg_run = Some(pg);
            }
            Err(e) => {
                pg_missing = format!("the PostgreSQL part failed: {e:#}");
                log.line(&pg_missing);
                notes.push(pg_missing.clone());
            }
        },
    }

    // ------------------------------------------------------------ logins
    // A failure here is reported, as the PostgreSQL part's, rather than losing the run.
    let login_section = if cli.moves_only {
        None
    } else {
        Some(logins::section(
            &mut runner,
            &eckwms,
            &work.path,
            pg_admin.as_deref(),
            &pg_missing_reason(cli),
        ))
    };

    // ------------------------------------------------------------ repair
    // Reported as "not measured" with its cause when it fails, like the sections above.
    let repair_section = if cli.moves_only {
        None
    } else {
        Some(repair::section(&mut runner, &eckwms, &work.path))
    };
    let webhook_section = if cli.moves_only {
        None
    } else {
        Some(webhooks::section(&mut runner, &eckwms, &work.path))
    };
    let relay_section = if cli.moves_only {
        None
    } else {
        Some(relay::section(
            &mut runner,
            &eckwms,
            &eckwms_global,
            &work.path,
        ))
    };

    // ------------------------------------------------------------ codes and labels, in process
    log.line("decoding label codes and rendering label sheets on one thread");
    let figures = codes::measure(Duration::from_secs(3))?;
    log.line(&format!(
        "  v1 {} codes/s, v2 {} codes/s, 32-label PDF median {} ms",
        fmt_rate(figures.v1_per_sec),
        fmt_rate(figures.v2_per_sec),
        fmt_ms(figures.pdf_median.as_secs_f64() * 1000.0)
    ));

    // ------------------------------------------------------------ verdicts
    let mut checks = checks::sqlite_writes(&writes);
    checks.extend(checks::labels(&figures));
    checks.extend(checks::postgres(pg_run.as_ref(), &pg_missing));
    if let Some(r) = &reads {
        let sizes = (
            data.big.db_bytes.unwrap_or(0),
            data.small.db_bytes.unwrap_or(0),
        );
        checks.extend(checks::reads(r, sizes));
    }
    checks.push(checks::idle_memory(idle_rss, cli.idle_secs));
    let mut section_settings = Vec::new();
    for section in [
        login_section,
        ui_section,
        repair_section,
        webhook_section,
        relay_section,
    ]
    .into_iter()
    .flatten()
    {
        checks.extend(section.checks);
        notes.extend(section.notes);
        seeds.extend(section.seeds);
        memory.extend(section.memory);
        section_settings.extend(section.settings);
    }

    match global_run {
        Some(Ok(g)) => {
            checks.extend(g.checks);
            notes.extend(g.notes);
            memory.extend(g.memory);
            seeds.push(g.seed);
            global_settings = g.settings;
        }
        Some(Err(failed)) => {
            for target in global::TARGETS {
                checks.push(Check {
                    target: target.into(),
                    measured: "–".into(),
                    pass: None,
                    note: failed.clone(),
                });
            }
            notes.push(failed);
        }
        None => {}
    }

    // ------------------------------------------------------------ report
    notes.push(format!(
        "\"No slower\" is judged on the two alternating phases of each side taken together, \
         with a tolerance for run-to-run noise: PASS when both the p50 and the p99 at {} are \
         at most 1.25 × those at {}. Both services run during these phases (the idle one costs \
         nothing). Both databases have about ten ledger rows per item, so a history page is \
         the same size on both.",
        data.big_label, data.small_label
    ));
    notes.push(
        "The read phases run with few clients so that their latency is mostly service time, \
         not queueing; the moves and health phases use 32 clients. All phases are closed loop: \
         a client sends its next request when the previous response has been read."
            .into(),
    );
    let mut settings = settings_table(cli, &eckwms, seed_value, &data.big, &data.small);
    settings.extend(global_settings);
    settings.extend(section_settings);
    let report = Report {
        date,
        machine,
        command: format!(
            "make bench` (= `cargo build --release -p eckwms --bin eckwms --bin eckwms-global` then `cargo run --release -p eckwms-bench -- --out docs/BENCHMARKS.md`); this run: `{command}"
        ),
        settings,
        seeds,
        memory,
        checks,
        phases: runner.phases,
        floors: runner.floors,
        notes,
        duration: format!("{:.0} s", log.0.elapsed().as_secs_f64()),
    };
    write_report(cli, &report, &log)
}

/// Why PostgreSQL is not measured when no admin URL was found.
fn pg_missing_reason(cli: &Cli) -> String {
    if cli.no_pg {
        "skipped (--no-pg)".into()
    } else {
        format!(
            "no PostgreSQL server answered (ECKWMS_TEST_PG_URL unset, nothing at {})",
            pg::DEFAULT_ADMIN_URL
        )
    }
}

fn write_report(cli: &Cli, report: &Report, log: &Log) -> anyhow::Result<()> {
    if let Some(dir) = cli.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&cli.out, report.render())
        .with_context(|| format!("writing {}", cli.out.display()))?;
    log.line(&format!("report written to {}", cli.out.display()));
    for c in &report.checks {
        log.line(&format!(
            "  {:<6} {}: {}",
            match c.pass {
                Some(true) => "PASS",
                Some(false) => "FAIL",
                None => "n/a",
            },
            c.target,
            c.measured
        ));
    }
    Ok(())
}

/// The settings every report has: the service, the load generator, the phases, the seed.
fn common_settings(cli: &Cli, eckwms: &Path, seed_value: u64) -> Vec<(String, String)> {
    vec![
        (
            "Service".into(),
            format!(
                "`{}` (release profile of the workspace: lto = \"thin\", codegen-units = 4), \
                 started as `eckwms serve` in an empty temporary directory",
                eckwms.display()
            ),
        ),
        (
            "Service configuration".into(),
            "the defaults of config/default.toml (http.workers = 0 → one worker per CPU; \
             database.pool_size = 0 → four connections per CPU, from 4 to 16; SQLite WAL with \
             synchronous = normal, busy timeout 5 s; \
             keep-alive 75 s) with `ECKWMS__DATABASE__URL`, `ECKWMS__HTTP__BIND` = \
             127.0.0.1:<free port>, `ECKWMS__AUTH__BOOTSTRAP_KEY_FILE` and \
             `ECKWMS__LOG__LEVEL=warn`; the bootstrap admin key authenticates every /api/v1 request"
                .into(),
        ),
        (
            "Load generator".into(),
            format!(
                "closed loop; {} OS threads, each with its own single-threaded actix runtime and \
                 one awc 3 client (keep-alive connection pool); clients spread evenly over the \
                 threads; request timeout 10 s; every latency recorded",
                cli.client_threads
            ),
        ),
        (
            "Phase length".into(),
            format!(
                "{} s warm-up (not measured) + {} s measured",
                cli.warmup_secs, cli.duration_secs
            ),
        ),
        ("Random seed".into(), format!("{seed_value:#018x}")),
    ]
}

fn settings_table(
    cli: &Cli,
    eckwms: &Path,
    seed_value: u64,
    big: &Seeded,
    small: &Seeded,
) -> Vec<(String, String)> {
    let mut settings = common_settings(cli, eckwms, seed_value);
    settings.extend([
        (
            "Bare reference".into(),
            "actix-web 4, one `#[get(\"/health\")]` handler returning `{\"status\":\"ok\"}` \
             through `HttpResponse::Ok().json`, default worker count (one per CPU), run as a \
             child process of the harness (`eckwms-bench bare-health`)"
                .into(),
        ),
        (
            "Clients".into(),
            format!(
                "moves {}, `GET /health` {} (both servers), reads (contents, list, history) {}",
                cli.move_clients, cli.health_clients, cli.read_clients
            ),
        ),
        (
            "Moves workload".into(),
            format!(
                "`POST /api/v1/moves` with `{{\"object\": <item>, \"to\": <box or place>}}`, \
                 both picked uniformly at random per request ({} items, {} containers on the \
                 large database); the items of the contents place are never moved",
                group(big.items.len() as u64),
                group(big.targets().len() as u64)
            ),
        ),
        (
            "Read workloads".into(),
            format!(
                "contents: the place holding {} items, `limit=500` (the maximum); list: the \
                 first page, `limit=50`; history: `limit=50` for 1,000 items picked at random \
                 ({} items in the large database, {} in the small one)",
                group(big.contents_count as u64),
                group(big.items_created as u64),
                group(small.items_created as u64)
            ),
        ),
        (
            "Idle memory".into(),
            format!(
                "VmRSS read {} s after the service accepted connections, before any request",
                cli.idle_secs
            ),
        ),
    ]);
    settings
}
