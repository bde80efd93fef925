//! The global service's section: discovery lookups over many registered instances, and the
//! routing proxy against direct access to the same upstream, in one run.
//!
//! Everything goes through the real interfaces: `eckwms-global instance enroll` for the first
//! enrollment token, `POST /ECK/API/ADMIN/ENROLLMENTS` for the others,
//! `POST /ECK/API/INTERNAL/REGISTER-INSTANCE` and `POST /ECK/API/INTERNAL/PAIRING-TOKEN` for
//! every instance. The upstream behind the proxy is a release `eckwms serve` on a small seeded
//! SQLite database, registered from loopback, so the proxy forwards to 127.0.0.1.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use crate::checks::{combined_rate, merged, rates};
use crate::fmt::{cpu_text, fmt_ms, fmt_rate, group, summary};
use crate::load::Work;
use crate::report::{Check, Phase, SeedLine};
use crate::rng::Rng;
use crate::runner::{Log, Runner, bearer, mib};
use crate::seed::{self, Plan};
use crate::server::{self, Server};

mod checks;
pub(crate) mod setup;

use self::checks::*;
use self::setup::*;

/// The pairing token header of discovery.
const PAIRING_TOKEN_HEADER: &str = "X-Pairing-Token";
/// Rate limits high enough never to refuse a request of the bench, still checked on each one.
const UNREACHED_RATE: &str = "{ per_second = 1000000000.0, burst = 1000000000 }";

/// `http.workers` of both servers of this section. The load generator, eckwms-global and the
/// eckwms behind it share the machine's cores; with the default (one worker per CPU each) they
/// run more busy threads than there are cores, and the scheduling between them cost the proxy
/// about a third more CPU per request while leaving direct throughput where it was (measured
/// on 2026-11-25, see the section's notes). One worker each is the servers' fair share
/// of a 2-core machine.
const SERVER_WORKERS: usize = 1;

/// The section's targets (issues 4 and 12), as the checks name them.
pub const TARGETS: [&str; 4] = [
    DISCOVERY_TARGET,
    ADDED_LATENCY_TARGET,
    THROUGHPUT_TARGET,
    DISCOVERY_PG_TARGET,
];
/// Discovery's share of the bare actix-web handler's requests/s (the HTTP floor): 20,000/s,
/// the target it replaces, over the bare handler's 156,183/s in the run of 2026-11-25 (H1 and
/// H3), rounded up.
const DISCOVERY_OF_BARE: f64 = 0.13;
const DISCOVERY_TARGET: &str =
    "Discovery lookups on SQLite: ≥ 13 % of the requests/s of a bare actix-web handler";
const DISCOVERY_PG_TARGET: &str =
    "Discovery lookups on PostgreSQL (32 clients): p99 < 100 ms, 0 errors";
const ADDED_LATENCY_TARGET: &str = "Proxy pass-through: at most 0.5 ms added at p50 (one client)";
const THROUGHPUT_TARGET: &str =
    "Proxy pass-through: ≥ 60 % of direct throughput (32 clients, same upstream)";

/// What the section measured and how it compares with the targets.
pub struct GlobalRun {
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
    pub settings: Vec<(String, String)>,
    pub memory: Vec<(String, String)>,
    pub seed: SeedLine,
}

/// One registered instance, as the bench knows it.
struct Registered {
    id: String,
    pairing_token: String,
}

/// The measured settings of the section.
pub struct Options<'a> {
    pub eckwms: &'a Path,
    pub global: &'a Path,
    pub work: &'a Path,
    pub instances: usize,
    pub clients: usize,
    pub small_ledger_rows: u64,
    pub idle_secs: u64,
    /// The bare actix-web handler's requests/s in this run (H1, H3); `None`: this section
    /// measures it itself (phase GB), as when it runs alone.
    pub bare_rate: Option<f64>,
    /// A PostgreSQL server for the discovery phase on PostgreSQL (G3); `None`: not measured.
    pub pg_admin: Option<String>,
}

pub fn run(opts: &Options<'_>, runner: &mut Runner<'_>, log: &Log) -> anyhow::Result<GlobalRun> {
    if opts.instances < 2 {
        bail!("--global-instances must be at least 2");
    }
    let dir = opts.work.join("global");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    // ------------------------------------------------------------ the upstream: eckwms, small
    let plan = Plan {
        items: 1_000,
        places: 20,
        boxes: 50,
        ledger_rows: opts.small_ledger_rows,
        contents_objects: 0,
        orders: 0,
        threads: 1,
        budget: None,
    };
    let upstream_url = crate::sqlite::sqlite_url(&dir.join("upstream").join("eckwms.db"));
    log.line("global: seeding the upstream's small SQLite database");
    let seeded = seed::seed(&upstream_url, &plan, runner.rng.next_u64(), &|l| {
        log.line(l)
    })?;
    let seed_line = crate::sqlite::seed_line("SQLite, upstream of the proxy", &seeded, &plan);
    let (upstream, api_key) = Server::eckwms_with_workers(
        opts.eckwms,
        &upstream_url,
        &dir.join("run-upstream"),
        Some(SERVER_WORKERS),
    )?;
    let upstream_port = port_of(&upstream.base)?;
    log.line(&format!(
        "global: eckwms (upstream) listening at {}",
        upstream.base
    ));

    // ------------------------------------------------------------ eckwms-global
    let port = server::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let admin_key = format!(
        "{:016x}{:016x}{:016x}{:016x}",
        runner.rng.next_u64(),
        runner.rng.next_u64(),
        runner.rng.next_u64(),
        runner.rng.next_u64()
    );
    let config = dir.join("eckwms-global.toml");
    std::fs::write(
        &config,
        global_config(
            port,
            &crate::sqlite::sqlite_url(&dir.join("eckwms-global.db")),
            &admin_key,
        ),
    )
    .with_context(|| format!("writing {}", config.display()))?;
    // The first instance is enrolled the operator's way, by the CLI (it also migrates).
    let first_token = server::global_enroll(opts.global, &config, &dir, "Bench upstream")?;
    let global = Server::global(opts.global, &config, port, &dir)?;
    log.line(&format!(
        "global: eckwms-global listening at {base}; registering {} instances",
        group(opts.instances as u64)
    ));
    std::thread::sleep(Duration::from_secs(opts.idle_secs));
    let idle_rss = crate::sys::rss_kib(global.pid).ok();

    let registration_started = Instant::now();
    let setup = Setup {
        base: base.clone(),
        admin_key,
        upstream_port,
        first_token,
        count: opts.instances,
        seed: runner.rng.next_u64(),
    };
    let (target, others) = actix_rt::System::new().block_on(setup.register_all())?;
    let registration_time = registration_started.elapsed();
    log.line(&format!(
        "global: {} instances registered in {:.1} s",
        group(opts.instances as u64),
        registration_time.as_secs_f64()
    ));
    let loaded_rss = crate::sys::rss_kib(global.pid).ok();

    // What a scanner does: discovery, then the proxy candidate plus its API path.
    let items: Vec<String> = (0..1_000)
        .filter_map(|_| runner.rng.pick(&seeded.items))
        .map(|id| format!("/api/v1/items/{id}"))
        .collect();
    let first_item = items
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("the upstream has no items"))?;
    let verified = actix_rt::System::new().block_on(verify(
        &base,
        &upstream.base,
        &target,
        others.first(),
        &first_item,
        &api_key,
    ))?;
    log.line(&format!(
        "global: checked: discovery answers the proxy candidate {}; the item is the same direct \
         and proxied ({} bytes, Via: {})",
        verified.proxy_base, verified.body_bytes, verified.via
    ));

    // ------------------------------------------------------------ discovery
    let discovery_url = |id: &str| format!("{base}/ECK/API/INTERNAL/GET-INSTANCE-INFO/{id}");
    let all: Vec<&Registered> = std::iter::once(&target).chain(others.iter()).collect();
    let anonymous_urls: Vec<String> = all.iter().map(|r| discovery_url(&r.id)).collect();
    let paired: Vec<(String, String)> = all
        .iter()
        .map(|r| (discovery_url(&r.id), r.pairing_token.clone()))
        .collect();
    let registry = format!(
        "eckwms-global on SQLite; {} registered instances, random id per request",
        group(all.len() as u64)
    );
    // The HTTP floor of discovery: the bare handler, unless the run measured it already.
    let bare_rate = match opts.bare_rate {
        Some(rate) => rate,
        None => {
            let bare = Server::bare(&dir.join("bare"))?;
            let phase = runner.phase(
                "GB",
                "`GET /health`, bare actix-web (the HTTP floor of discovery)",
                "none",
                bare.pid,
                opts.clients,
                None,
                Work::Get(vec![bare.url("/health")]),
            )?;
            let stopped = bare.stop()?;
            log.line(&format!("global: bare server stopped: {stopped}"));
            phase.outcome.per_second()
        }
    };
    let discovery = runner.phase(
        "G1",
        "`GET /ECK/API/INTERNAL/GET-INSTANCE-INFO/{id}`, anonymous (proxy candidate only)",
        &registry,
        global.pid,
        opts.clients,
        None,
        Work::Get(anonymous_urls),
    )?;
    let discovery_paired = runner.phase(
        "G2",
        "the same with the instance's pairing token (`X-Pairing-Token`: LAN candidates too), for information",
        &registry,
        global.pid,
        opts.clients,
        None,
        Work::GetWithHeader {
            header: PAIRING_TOKEN_HEADER,
            targets: paired,
        },
    )?;

    // ------------------------------------------------------------ proxy against direct
    let direct_urls: Vec<String> = items.iter().map(|p| upstream.url(p)).collect();
    let proxied_urls: Vec<String> = items
        .iter()
        .map(|p| format!("{}{p}", verified.proxy_base))
        .collect();
    let auth = bearer(&api_key);
    let request = "`GET /api/v1/items/{id}` with the API key, 1,000 random items";
    let direct_data = "eckwms (upstream), direct";
    let proxied_data = "through eckwms-global: `/ECK/PROXY/{instance}/api/v1/items/{id}`";
    let mut pairs: Vec<(Phase, Phase)> = Vec::new();
    for (clients, ids) in [
        (1, [("P1", "P2"), ("P3", "P4")]),
        (opts.clients, [("P5", "P6"), ("P7", "P8")]),
    ] {
        for (direct_id, proxied_id) in ids {
            let direct = runner.phase(
                direct_id,
                request,
                direct_data,
                upstream.pid,
                clients,
                auth.clone(),
                Work::Get(direct_urls.clone()),
            )?;
            runner.upstream_pid = Some(upstream.pid);
            let proxied = runner.phase(
                proxied_id,
                request,
                proxied_data,
                global.pid,
                clients,
                auth.clone(),
                Work::Get(proxied_urls.clone()),
            );
            runner.upstream_pid = None;
            pairs.push((direct, proxied?));
        }
    }
    let stopped = global.stop()?;
    log.line(&format!("global: eckwms-global stopped: {stopped}"));
    let stopped = upstream.stop()?;
    log.line(&format!("global: eckwms (upstream) stopped: {stopped}"));

    // ------------------------------------------------------------ discovery on PostgreSQL
    let discovery_pg = match &opts.pg_admin {
        None => Err(
            "no PostgreSQL server (ECKWMS_TEST_PG_URL unset, none at the default \
                     address, or --no-pg)"
                .to_owned(),
        ),
        Some(admin) => discovery_on_postgres(opts, admin, runner, log).map_err(|e| {
            let failed = format!("the discovery phase on PostgreSQL failed: {e:#}");
            log.line(&failed);
            failed
        }),
    };

    let (serial, parallel) = pairs.split_at(2);
    let direct_1: Vec<Phase> = serial.iter().map(|(d, _)| d.clone()).collect();
    let proxied_1: Vec<Phase> = serial.iter().map(|(_, p)| p.clone()).collect();
    let direct_n: Vec<Phase> = parallel.iter().map(|(d, _)| d.clone()).collect();
    let proxied_n: Vec<Phase> = parallel.iter().map(|(_, p)| p.clone()).collect();

    let mut checks = vec![
        discovery_check(&discovery, bare_rate, all.len(), verified.discovery_bytes),
        added_latency_check(&direct_1, &proxied_1),
        throughput_check(&direct_n, &proxied_n, opts.clients),
    ];
    checks.push(match &discovery_pg {
        Ok(phase) => crate::checks::tail_check(
            DISCOVERY_PG_TARGET,
            phase,
            "An anonymous lookup of a random one of the registered instances (G1's request), \
             eckwms-global with its default database settings on a PostgreSQL database of its \
             own over the server's Unix socket.",
        ),
        Err(why) => Check {
            target: DISCOVERY_PG_TARGET.into(),
            measured: "–".into(),
            pass: None,
            note: why.clone(),
        },
    });
    let mut notes = vec![
        format!(
            "Discovery with a pairing token (G2, for information): {}. Each lookup then reads \
             the token's row as well as the instance's (two primary-key reads; the token is \
             hashed with SHA-256 first), and the answer carries the LAN candidate too.",
            summary(&discovery_paired.outcome)
        ),
        format!(
            "Proxy against direct: the request is `GET /api/v1/items/{{id}}` with the \
             instance's API key in `Authorization` (passed through unchanged), the lookup a \
             scanner makes after a scan to show what it scanned; it reaches the instance \
             through the proxy candidate that discovery returns (`<public_url>/ECK/PROXY/<id>` \
             plus the API path). A read keeps the upstream's own cost small, so the proxy's \
             share shows; a `POST /api/v1/scans` would queue on the instance's single SQLite \
             writer (S1) and hide it. The same 1,000 item URLs, clients and key are used direct \
             and proxied; the phases alternate (direct, proxied, direct, proxied) so that a \
             passing disturbance of this shared machine falls on both sides. The response \
             bodies were checked to be identical direct and proxied ({} bytes).",
            verified.body_bytes
        ),
        "On this machine the load generator, eckwms-global and the eckwms behind it share the \
         same two cores: proxied, every request is handled by two servers on those cores \
         (direct, by one), so the throughput ratio measures the proxy's CPU per request \
         against the instance's, not a proxy on its own machine in front of an instance on \
         another."
            .into(),
        format!(
            "Both servers run one worker in this section (http.workers = 1; the default is one \
             per CPU, 2 here). With the default, the load generator, eckwms-global and eckwms \
             run more busy threads than the machine has cores: in runs on 2026-11-25 direct \
             throughput was the same (33,000–36,000 req/s) but proxied only 52–55 % of it, \
             eckwms-global using about 34 µs of CPU per proxied request instead of about 26 µs, \
             the difference being spent switching between threads (0.56 context switches per \
             proxied request in eckwms-global against 0.24; counted with `perf stat`). A \
             global service on its own machine keeps the default. In this run: {}",
            CpuPerRequest::of(&direct_n, &proxied_n).sentence()
        ),
    ];
    notes.push(format!(
        "The global service's section runs alone with `eckwms-bench --global-only --out \
         /tmp/BENCH_global.md` (or `make bench-global`): the upstream is seeded with {} items; the \
         registry gets {} instances (registration of all of them through the API took {:.1} s).",
        group(seeded.items_created as u64),
        group(all.len() as u64),
        registration_time.as_secs_f64()
    ));
    let mut memory = Vec::new();
    if let Some(kib) = idle_rss {
        memory.push((
            format!(
                "for information: eckwms-global idle, {} s after startup (empty registry)",
                opts.idle_secs
            ),
            mib(kib),
        ));
    }
    if let Some(kib) = loaded_rss {
        memory.push((
            format!(
                "for information: eckwms-global after registering {} instances",
                group(all.len() as u64)
            ),
            mib(kib),
        ));
    }
    let settings = vec![
        (
            "Global service".into(),
            format!(
                "`{}`, started as `eckwms-global --config <file> serve` in an empty temporary \
                 directory; its first enrollment token from `eckwms-global --config <file> \
                 instance enroll --name \"Bench upstream\"`",
                opts.global.display()
            ),
        ),
        (
            "Global service configuration".into(),
            "the defaults of config/global.toml (database.pool_size = 0 → four connections \
             per CPU, from 4 to 16; SQLite WAL with synchronous = normal) with http.workers = 1 (the default is one worker per CPU; \
             see the notes), http.bind = 127.0.0.1:<free port>, database.url = \
             sqlite://<temp dir>/eckwms-global.db, auth.admin_key (random), \
             service.public_url = the bind address, proxy.allow_loopback = true (the \
             upstream is on 127.0.0.1; proxy.allow_private stays false), \
             proxy.rate_limit.per_instance and per_client raised to 10⁹/s with a burst of 10⁹ \
             (still checked on every request, never refusing), log.level = warn"
                .into(),
        ),
        (
            "Upstream configuration".into(),
            "eckwms as in the scanning section, with http.workers = 1 (ECKWMS__HTTP__WORKERS), \
             direct and proxied alike"
                .into(),
        ),
        (
            "Registry".into(),
            format!(
                "{} instances: one enrolled by the CLI (the proxy's upstream, registered with \
                 its port), {} by `POST /ECK/API/ADMIN/ENROLLMENTS`; each registered by `POST \
                 /ECK/API/INTERNAL/REGISTER-INSTANCE` (random UUID, an Ed25519 public key, one \
                 192.168.x.y LAN address) and given a pairing token by `POST \
                 /ECK/API/INTERNAL/PAIRING-TOKEN`",
                group(all.len() as u64),
                group(others.len() as u64)
            ),
        ),
        (
            "Global clients".into(),
            format!(
                "discovery {}; proxy and direct: 1 (added latency) and {} (throughput)",
                opts.clients, opts.clients
            ),
        ),
    ];
    Ok(GlobalRun {
        checks,
        notes,
        settings,
        memory,
        seed: seed_line,
    })
}

/// G3: eckwms-global on a PostgreSQL database of its own (its default database settings,
/// over the server's Unix socket when it has one), the same registry as G1, anonymous lookups.
fn discovery_on_postgres(
    opts: &Options<'_>,
    admin: &str,
    runner: &mut Runner<'_>,
    log: &Log,
) -> anyhow::Result<Phase> {
    let db = crate::pg::BenchDatabase::create(admin)?;
    let url = db.socket_url.clone().unwrap_or_else(|| db.url.clone());
    let dir = opts.work.join("global-pg");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let port = server::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let admin_key = format!(
        "{:016x}{:016x}",
        runner.rng.next_u64(),
        runner.rng.next_u64()
    );
    let config = dir.join("eckwms-global.toml");
    std::fs::write(&config, global_config(port, &url, &admin_key))
        .with_context(|| format!("writing {}", config.display()))?;
    let first_token = server::global_enroll(opts.global, &config, &dir, "Bench instance")?;
    let global = Server::global(opts.global, &config, port, &dir)?;
    let setup = Setup {
        base: base.clone(),
        admin_key,
        upstream_port: 3100,
        first_token,
        count: opts.instances,
        seed: runner.rng.next_u64(),
    };
    let (first, others) = actix_rt::System::new().block_on(setup.register_all())?;
    log.line(&format!(
        "global: eckwms-global on PostgreSQL ({}) with {} instances registered",
        db.name,
        group(opts.instances as u64)
    ));
    let urls: Vec<String> = std::iter::once(&first)
        .chain(others.iter())
        .map(|r| format!("{base}/ECK/API/INTERNAL/GET-INSTANCE-INFO/{}", r.id))
        .collect();
    let phase = runner.phase(
        "G3",
        "`GET /ECK/API/INTERNAL/GET-INSTANCE-INFO/{id}`, anonymous (proxy candidate only)",
        &format!(
            "eckwms-global on PostgreSQL{}; {} registered instances, random id per request",
            if db.socket_url.is_some() {
                " over its Unix socket"
            } else {
                " over TCP"
            },
            group(urls.len() as u64)
        ),
        global.pid,
        opts.clients,
        None,
        Work::Get(urls),
    )?;
    let stopped = global.stop()?;
    log.line(&format!(
        "global: eckwms-global on PostgreSQL stopped: {stopped}"
    ));
    db.drop_now()?;
    Ok(phase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_have_the_version_4_layout() {
        let mut rng = Rng::new(7);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn public_keys_are_64_hex_digits() {
        let key = public_key(&mut Rng::new(1));
        assert_eq!(key.len(), 64);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_config_turns_the_proxy_on_for_loopback() {
        let text = global_config(8080, "sqlite:///tmp/x.db", "k");
        assert!(text.contains("allow_loopback = true"));
        assert!(text.contains("sqlite:///tmp/x.db"));
        assert!(text.contains("per_client = { per_second = 1000000000.0"));
    }
}
