//! The PostgreSQL part of the run: a fresh database, its floor F2, moves, the hot set, order
//! and item reads, moves over TCP for information, and the pool-size comparison.

use std::path::Path;
use std::time::Duration;

use crate::Cli;
use crate::floor::{self, Floor, MoveWork};
use crate::fmt::{group, summary};
use crate::load::Work;
use crate::pg;
use crate::report::{Phase, SeedLine};
use crate::runner::{Log, Runner, bearer, mib, secs};
use crate::seed::{self, Plan};
use crate::server::Server;
use crate::sqlite::{HOT_REQUEST, HotSet, random_moves, seed_line, short_count};
use crate::sys;

pub struct PgRun {
    pub seed: SeedLine,
    pub idle_rss: (String, String),
    pub floor: Floor,
    pub moves: Phase,
    pub hot: Phase,
    pub orders: Phase,
    pub items: Phase,
    pub notes: Vec<String>,
}

pub fn run(
    cli: &Cli,
    admin: &str,
    eckwms: &Path,
    work: &Path,
    runner: &mut Runner<'_>,
    log: &Log,
) -> anyhow::Result<PgRun> {
    let db = pg::BenchDatabase::create(admin)?;
    log.line(&format!("PostgreSQL: created database {}", db.name));
    let plan = Plan {
        items: cli.pg_items.unwrap_or(cli.items),
        places: 100,
        boxes: 1_000,
        ledger_rows: cli.ledger_rows,
        contents_objects: cli.contents_objects.min(cli.pg_items.unwrap_or(cli.items)),
        orders: cli.pg_orders,
        threads: cli.pg_seed_threads.max(1),
        budget: Some(Duration::from_secs(cli.pg_seed_budget_secs)),
    };
    log.line(&format!(
        "seeding PostgreSQL: {} items, >= {} ledger rows unless seeding passes {} s",
        group(plan.items as u64),
        group(plan.ledger_rows),
        cli.pg_seed_budget_secs
    ));
    let seeded = seed::seed(&db.url, &plan, runner.rng.next_u64(), &|l| log.line(l))?;
    log.line(&format!(
        "  seeded in {}: {} ledger rows",
        secs(seeded.total_time),
        group(seeded.ledger_rows)
    ));
    let mut notes = Vec::new();
    let mut line = seed_line("PostgreSQL", &seeded, &plan);
    if seeded.budget_hit {
        let note = format!(
            "smaller than planned: seeding stopped adding move rounds after {} s",
            cli.pg_seed_budget_secs
        );
        notes.push(format!(
            "PostgreSQL seed {note} ({} ledger rows instead of {}).",
            group(seeded.ledger_rows),
            group(plan.ledger_rows)
        ));
        line.note = note;
    }
    let label = format!(
        "PostgreSQL, {} ledger rows",
        short_count(seeded.ledger_rows)
    );
    // The service reaches PostgreSQL the way docs/deploy recommends when both run on one
    // machine: over the server's Unix socket. TCP on 127.0.0.1 is measured after it, for
    // information (libpq's default sslmode=prefer: TLS when the server offers it).
    let (url, transport) = match (&db.socket_url, cli.pg_tcp) {
        (Some(socket), false) => (socket.clone(), "over its Unix socket"),
        _ => (db.url.clone(), "over TCP"),
    };
    let (server, key) = Server::eckwms(eckwms, &url, &work.join("run-pg"))?;
    std::thread::sleep(Duration::from_secs(cli.idle_secs));
    let idle = sys::rss_kib(server.pid)?;
    let moves_data = |how: &str| {
        format!(
            "{label} {how}; random item of {} to random box or place of {}",
            group(seeded.items.len() as u64),
            group(seeded.targets().len() as u64)
        )
    };
    let times = runner.times();
    let floor = floor::moves(
        "F2",
        "the statements of `POST /api/v1/moves` (one item each) as the service runs them on \
         PostgreSQL: where the item is, then one statement that moves it and appends its \
         ledger rows",
        &moves_data(transport),
        &url,
        cli.pg_floor_threads.unwrap_or_else(|| {
            let cpus = std::thread::available_parallelism().map_or(1, usize::from);
            eckwms_db_kit::pool::auto_pool_size(cpus) as usize
        }),
        &MoveWork {
            items: &seeded.items,
            boxes: &seeded.boxes,
            places: &seeded.places,
        },
        times,
        runner.rng.next_u64(),
    )?;
    let floor = runner.floor(floor);
    let moves = runner.phase(
        "M2",
        "`POST /api/v1/moves` (one item each)",
        &moves_data(transport),
        server.pid,
        cli.move_clients,
        bearer(&key),
        random_moves(&server, &seeded),
    )?;
    let hot_set = HotSet::of(&seeded, &mut runner.rng)?;
    let hot = runner.phase(
        "HS2",
        HOT_REQUEST,
        &format!("{label} {transport}; {}", hot_set.describe()),
        server.pid,
        cli.move_clients,
        bearer(&key),
        hot_set.work(server.url("/api/v1/moves")),
    )?;
    let order_urls: Vec<String> = seeded
        .orders
        .iter()
        .map(|id| server.url(&format!("/api/v1/orders/{id}")))
        .collect();
    let orders = runner.phase(
        "O1",
        "`GET /api/v1/orders/{id}`, random of the seeded orders",
        &format!(
            "{label} {transport}; {} orders",
            group(seeded.orders.len() as u64)
        ),
        server.pid,
        cli.move_clients,
        bearer(&key),
        Work::Get(order_urls),
    )?;
    let item_urls: Vec<String> = (0..1_000)
        .filter_map(|_| runner.rng.pick(&seeded.items))
        .map(|id| server.url(&format!("/api/v1/items/{id}")))
        .collect();
    let items = runner.phase(
        "O2",
        "`GET /api/v1/items/{id}`, 1,000 random items, for information",
        &format!("{label} {transport}"),
        server.pid,
        cli.move_clients,
        bearer(&key),
        Work::Get(item_urls),
    )?;
    let mut over_tcp = None;
    if url != db.url {
        let stopped = server.stop()?;
        log.line(&format!("eckwms stopped: {stopped}"));
        // The database has its admin key already: the second server reuses the first's file.
        let tcp_dir = work.join("run-pg-tcp");
        std::fs::create_dir_all(&tcp_dir)?;
        std::fs::copy(
            work.join("run-pg").join("admin.key"),
            tcp_dir.join("admin.key"),
        )?;
        let (tcp_server, tcp_key) = Server::eckwms(eckwms, &db.url, &tcp_dir)?;
        over_tcp = Some(runner.phase(
            "M3",
            "`POST /api/v1/moves` (one item each), for information",
            &moves_data("over TCP (libpq's default sslmode=prefer)"),
            tcp_server.pid,
            cli.move_clients,
            bearer(&tcp_key),
            random_moves(&tcp_server, &seeded),
        )?);
        let stopped = tcp_server.stop()?;
        log.line(&format!("eckwms stopped: {stopped}"));
    } else {
        let stopped = server.stop()?;
        log.line(&format!("eckwms stopped: {stopped}"));
    }
    let mut pools = Vec::new();
    for (n, pool) in cli.pg_pools.iter().enumerate() {
        // The database has its admin key already: each server reuses the first's file.
        let dir = work.join(format!("run-pg-pool-{n}"));
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(work.join("run-pg").join("admin.key"), dir.join("admin.key"))?;
        let (server, key) = Server::eckwms_with(
            eckwms,
            &url,
            &dir,
            &[("ECKWMS__DATABASE__POOL_SIZE", pool.to_string())],
        )?;
        let data = format!("{label} {transport}; database.pool_size = {pool}");
        let orders = runner.phase(
            format!("O1/{pool}"),
            "`GET /api/v1/orders/{id}`, random of the seeded orders",
            &data,
            server.pid,
            cli.move_clients,
            bearer(&key),
            Work::Get(
                seeded
                    .orders
                    .iter()
                    .map(|id| server.url(&format!("/api/v1/orders/{id}")))
                    .collect(),
            ),
        )?;
        let hot = runner.phase(
            format!("HS2/{pool}"),
            HOT_REQUEST,
            &data,
            server.pid,
            cli.move_clients,
            bearer(&key),
            hot_set.work(server.url("/api/v1/moves")),
        )?;
        let moves = runner.phase(
            format!("M2/{pool}"),
            "`POST /api/v1/moves` (one item each)",
            &data,
            server.pid,
            cli.move_clients,
            bearer(&key),
            random_moves(&server, &seeded),
        )?;
        let stopped = server.stop()?;
        log.line(&format!("eckwms (pool {pool}) stopped: {stopped}"));
        pools.push(format!(
            "pool {pool}: orders {}; hot set {}; moves {}",
            summary(&orders.outcome),
            summary(&hot.outcome),
            summary(&moves.outcome)
        ));
    }
    if !pools.is_empty() {
        notes.push(format!(
            "PostgreSQL pool sizes compared (`--pg-pools`, servers started one after the other \
             on the same database, after the phases above): {}.",
            pools.join("; ")
        ));
    }
    db.drop_now()?;
    log.line(&format!("PostgreSQL: dropped database {}", db.name));
    notes.push(
        "PostgreSQL runs on the same machine: its server processes share the two cores with \
         eckwms and the load generator (their CPU is in the \"CPU rest\" column)."
            .into(),
    );
    notes.push(format!(
        "PostgreSQL moves: the service connects {transport}{}. docs/deploy recommends the \
         socket when PostgreSQL runs on the same machine: it spares every statement the \
         loopback TCP stack and, with the server's default sslmode=prefer, TLS.{}",
        if url == db.url {
            String::new()
        } else {
            format!(" (URL `{}`)", eckwms_adapter_db::redact_url(&url))
        },
        match &over_tcp {
            Some(phase) => format!(
                " The same load over TCP (M3, same database, after M2; for information): {}.",
                summary(&phase.outcome)
            ),
            None => String::new(),
        }
    ));
    Ok(PgRun {
        seed: line,
        idle_rss: (
            format!(
                "for information: idle, {} s after startup on PostgreSQL",
                cli.idle_secs
            ),
            mib(idle),
        ),
        floor,
        moves,
        hot,
        orders,
        items,
        notes,
    })
}
