//! The logins section: how many logins a second the service answers at its argon2 parameters,
//! and whether a flood of logins starves the other requests.
//!
//! The users are made through the API (`POST /api/v1/users` with the admin key), and every
//! login uses a user's correct password, so no login fails and none is throttled. The other
//! requests are measured by a few paced clients (`GET /health`, and a move as the moves phases
//! make it), alternately without and during a flood of logins, twice, so that a passing
//! disturbance of this shared machine falls on both sides.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use diesel::prelude::*;
use diesel::sql_types::Text;
use eckwms_application::access::passwords::{HashParams, Passwords};
use eckwms_application::system::OsSecrets;
use serde_json::{Value, json};

use crate::fmt::{fmt_ms, fmt_rate, group};
use crate::load::Work;
use crate::report::{Phase, Section, SeedLine};
use crate::runner::{Load, Log, Runner, bearer, secs};
use crate::seed::{self, Plan};
use crate::server::Server;
use crate::sqlite::{random_moves, seed_line, short_count};

/// The login route.
pub const LOGIN_PATH: &str = "/api/v1/auth/login";
/// How often a probe client starts a request, at most.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(20);
/// The role of the users made for the logins (any role logs in the same way).
const USER_ROLE: &str = "PICKER";

/// A database to run the section on.
pub struct Backend<'a> {
    /// "SQLite" or "PostgreSQL".
    pub name: &'static str,
    /// The URL the bench seeds through.
    pub seed_url: &'a str,
    /// The URL the service connects with (PostgreSQL: its Unix socket when it has one).
    pub serve_url: &'a str,
    /// How the service reaches it, for the phases' data column ("over its Unix socket").
    pub reached: &'a str,
    /// First letters of the phase ids: "A" gives A1, A2, A3h...
    pub prefix: &'static str,
}

/// What the section measured on one database.
pub struct LoginRun {
    pub backend: &'static str,
    /// The argon2 parameters of a stored user's password hash (`m=19456,t=2,p=1`).
    pub stored_params: String,
    pub params: HashParams,
    /// `auth.hash_workers` as the service works it out (left at its default, 0).
    pub hash_workers: usize,
    pub users: usize,
    /// Making the users over HTTP, one after the other (a hash each).
    pub users_time: Duration,
    /// Logins with one client, for information.
    pub single: Phase,
    /// Logins with the flood's clients, nothing else running.
    pub logins: Phase,
    /// The probes without the flood: (`GET /health`, move), twice.
    pub calm: Vec<(Phase, Phase)>,
    /// The flood with the probes: (logins, `GET /health`, move), twice.
    pub flood: Vec<(Phase, Phase, Phase)>,
    pub seed: SeedLine,
}

/// One login's hashing, measured in this process on one thread.
#[derive(Clone, Debug)]
pub struct HashFigures {
    /// Median time to verify a password against its stored hash: a login's hashing.
    pub verify_median: Duration,
    pub verify_min: Duration,
    pub verify_max: Duration,
    pub runs: usize,
    /// Time to make a new hash (a new user, a new password), once.
    pub hash_once: Duration,
}

impl HashFigures {
    /// Logins a second that `workers` hashing threads could verify, each on a core of its own.
    pub fn ceiling(&self, workers: usize) -> f64 {
        workers as f64 / self.verify_median.as_secs_f64().max(1e-9)
    }

    pub fn describe(&self) -> String {
        format!(
            "median {} ms (min {} ms, max {} ms) of {} verifications; a new hash {} ms",
            fmt_ms(ms(self.verify_median)),
            fmt_ms(ms(self.verify_min)),
            fmt_ms(ms(self.verify_max)),
            self.runs,
            fmt_ms(ms(self.hash_once))
        )
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `auth.hash_workers` when it is 0 (its default), as the service works it out: one less than
/// the CPUs, at least 1.
pub fn default_hash_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

/// The section on one database: seeds it small, starts the service on it with its default
/// settings, makes the users, then runs the phases.
pub fn run(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    work: &Path,
    backend: &Backend<'_>,
) -> anyhow::Result<LoginRun> {
    let (cli, log) = (runner.cli, runner.log);
    let plan = Plan {
        items: 1_000,
        places: 20,
        boxes: 50,
        ledger_rows: cli.small_ledger_rows,
        contents_objects: 0,
        orders: 0,
        threads: 1,
        budget: None,
    };
    log.line(&format!(
        "logins: seeding a small {} database for the moves of the probes",
        backend.name
    ));
    let seeded = seed::seed(backend.seed_url, &plan, runner.rng.next_u64(), &|l| {
        log.line(l)
    })?;
    let seed = seed_line(&format!("{}, logins section", backend.name), &seeded, &plan);
    let dir = work.join(format!("logins-{}", backend.name.to_lowercase()));
    let (server, key) = Server::eckwms(eckwms, backend.serve_url, &dir)?;
    let admin = bearer(&key);

    let users_started = Instant::now();
    let users = make_users(&server, &key, cli.login_users, &mut runner.rng)?;
    let users_time = users_started.elapsed();
    let first = users
        .first()
        .ok_or_else(|| anyhow!("--login-users must be at least 1"))?;
    log.line(&format!(
        "logins: {} users made through the API in {}",
        users.len(),
        secs(users_time)
    ));
    check_login(&server, &first.0, &first.1)?;
    let stored_params = stored_hash_params(backend.seed_url, &first.0)?;
    let params = parse_params(&stored_params)?;
    log.line(&format!(
        "logins: a login answers with a session token; stored hashes are argon2id {stored_params}"
    ));

    let bodies: Vec<String> = users
        .iter()
        .map(|(username, password)| json!({"username": username, "password": password}).to_string())
        .collect();
    let login_work = || Work::Post {
        url: server.url(LOGIN_PATH),
        bodies: bodies.clone(),
    };
    let data = format!(
        "{}, {} ledger rows{}; {} users",
        backend.name,
        short_count(seeded.ledger_rows),
        backend.reached,
        group(users.len() as u64)
    );
    let login_request = format!(
        "`POST {LOGIN_PATH}`, a random one of the users with its password (argon2id \
         {stored_params}, {} hashing thread{})",
        default_hash_workers(),
        if default_hash_workers() == 1 { "" } else { "s" }
    );
    let p = backend.prefix;
    let single = runner.phase(
        format!("{p}1"),
        &format!("{login_request}, for information"),
        &data,
        server.pid,
        1,
        None,
        login_work(),
    )?;
    let logins = runner.phase(
        format!("{p}2"),
        &login_request,
        &data,
        server.pid,
        cli.login_clients,
        None,
        login_work(),
    )?;

    let probe_note = format!(
        "{} clients, each starting one at most every {} ms",
        cli.probe_clients,
        PROBE_INTERVAL.as_millis()
    );
    let health_probe = |id: String, during: &str| Load {
        id,
        request: format!("`GET /health`, paced ({probe_note}){during}"),
        data: data.clone(),
        clients: cli.probe_clients,
        threads: 1,
        pace: Some(PROBE_INTERVAL),
        authorization: None,
        work: Work::Get(vec![server.url("/health")]),
    };
    let moves_probe = |id: String, during: &str| Load {
        id,
        request: format!(
            "`POST /api/v1/moves` (one random item to a random box or place), paced \
             ({probe_note}){during}"
        ),
        data: data.clone(),
        clients: cli.probe_clients,
        threads: 1,
        pace: Some(PROBE_INTERVAL),
        authorization: admin.clone(),
        work: random_moves(&server, &seeded),
    };
    let mut calm = Vec::new();
    let mut flood = Vec::new();
    for (quiet, busy) in [(3, 4), (5, 6)] {
        let during = format!(", during {p}{busy}");
        let mut phases = runner.together(
            server.pid,
            vec![
                health_probe(format!("{p}{quiet}h"), ", no logins"),
                moves_probe(format!("{p}{quiet}m"), ", no logins"),
            ],
        )?;
        let moves = phases.pop().ok_or_else(|| anyhow!("no moves probe"))?;
        let health = phases.pop().ok_or_else(|| anyhow!("no health probe"))?;
        calm.push((health, moves));
        let mut phases = runner.together(
            server.pid,
            vec![
                Load {
                    id: format!("{p}{busy}"),
                    request: format!(
                        "{login_request}: the flood, with {p}{busy}h and {p}{busy}m at the same time"
                    ),
                    data: data.clone(),
                    clients: cli.login_clients,
                    threads: cli.client_threads,
                    pace: None,
                    authorization: None,
                    work: login_work(),
                },
                health_probe(format!("{p}{busy}h"), &during),
                moves_probe(format!("{p}{busy}m"), &during),
            ],
        )?;
        let moves = phases.pop().ok_or_else(|| anyhow!("no moves probe"))?;
        let health = phases.pop().ok_or_else(|| anyhow!("no health probe"))?;
        let logins = phases.pop().ok_or_else(|| anyhow!("no login flood"))?;
        flood.push((logins, health, moves));
    }
    let stopped = server.stop()?;
    log.line(&format!("logins: eckwms stopped: {stopped}"));
    Ok(LoginRun {
        backend: backend.name,
        stored_params,
        params,
        hash_workers: default_hash_workers(),
        users: users.len(),
        users_time,
        single,
        logins,
        calm,
        flood,
        seed,
    })
}

/// The section on SQLite, then on PostgreSQL when `pg_admin` names a server (`pg_missing`
/// says why not otherwise), and one login's hashing measured in the harness between them. A
/// failure on one database is reported ("not measured", with its cause) rather than losing
/// the other's figures.
pub fn section(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    work: &Path,
    pg_admin: Option<&str>,
    pg_missing: &str,
) -> Section {
    let log = runner.log;
    let load_before = load_average();
    let sqlite_url = crate::sqlite::sqlite_url(&work.join("logins").join("eckwms.db"));
    let sqlite = run(
        runner,
        eckwms,
        work,
        &Backend {
            name: "SQLite",
            seed_url: &sqlite_url,
            serve_url: &sqlite_url,
            reached: "",
            prefix: "A",
        },
    )
    .map_err(|e| failed(log, "SQLite", &e));
    // Between the two: nothing else runs, and the parameters are the ones the service used.
    let params = sqlite
        .as_ref()
        .map_or_else(|_| HashParams::default(), |r| r.params);
    log.line("logins: timing one login's hashing in the harness, on one thread");
    let hash = match hash_time(params, Duration::from_secs(3)) {
        Ok(h) => {
            log.line(&format!("  {}", h.describe()));
            Some(h)
        }
        Err(e) => {
            log.line(&format!("  failed: {e:#}"));
            None
        }
    };
    let pg = match pg_admin {
        None => Err(pg_missing.to_owned()),
        Some(admin) => {
            on_postgres(runner, eckwms, work, admin).map_err(|e| failed(log, "PostgreSQL", &e))
        }
    };

    let mut checks = Vec::new();
    let mut seeds = Vec::new();
    let mut settings = Vec::new();
    let mut notes = Vec::new();
    for (backend, result) in [("SQLite", &sqlite), ("PostgreSQL", &pg)] {
        match result {
            Ok(r) => {
                checks.extend(crate::checks::logins(
                    Some(r),
                    backend,
                    runner.cli.login_clients,
                    hash.as_ref(),
                    "",
                ));
                seeds.push(r.seed.clone());
                if settings.is_empty() {
                    settings = self::settings(
                        r,
                        hash.as_ref(),
                        runner.cli.login_clients,
                        runner.cli.probe_clients,
                    );
                }
                notes.push(run_note(r, hash.as_ref()));
            }
            Err(why) => {
                checks.extend(crate::checks::logins(
                    None,
                    backend,
                    runner.cli.login_clients,
                    None,
                    why,
                ));
                notes.push(format!("Logins on {backend}: not measured: {why}"));
            }
        }
    }
    notes.push(format!(
        "Load average of the machine (/proc/loadavg: 1, 5 and 15 minutes) when the logins \
         section began: {load_before}; when it ended: {}. This harness's own load is in it; \
         more than that means other processes shared the cores (see \"CPU rest\").",
        load_average()
    ));
    notes.push(crate::checks::logins_thresholds_note());
    notes.push(format!(
        "The logins section runs alone with `eckwms-bench --logins-only --out \
         /tmp/BENCH_logins.md` (or `make bench-logins`), on a small database of its own per \
         backend. In each group of phases run at the same time (the flood and its two probes), \
         the CPU columns are those of the whole group. The probes are paced: a client that \
         sends as soon as its answer is back would measure its own queue as much as the \
         service; a paced one measures what a request arriving among the flood gets. When an \
         answer takes longer than the interval, the next request goes at once, so a stall \
         delays the requests behind it instead of adding more samples ({} samples of each kind \
         per phase at the planned rate).",
        group(
            (runner.cli.probe_clients as u64 * runner.cli.duration_secs * 1000)
                / u64::try_from(PROBE_INTERVAL.as_millis()).unwrap_or(1)
        )
    ));
    Section {
        checks,
        settings,
        notes,
        seeds,
        memory: Vec::new(),
    }
}

/// The first three fields of /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".into(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

fn failed(log: &Log, backend: &str, e: &anyhow::Error) -> String {
    let text = format!("the logins section on {backend} failed: {e:#}");
    log.line(&text);
    text
}

/// The section on a fresh PostgreSQL database of its own, reached over the server's Unix
/// socket when it has one.
fn on_postgres(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    work: &Path,
    admin: &str,
) -> anyhow::Result<LoginRun> {
    let db = crate::pg::BenchDatabase::create(admin)?;
    runner
        .log
        .line(&format!("logins: PostgreSQL database {}", db.name));
    let (serve_url, reached) = match &db.socket_url {
        Some(url) => (url.clone(), " over its Unix socket"),
        None => (db.url.clone(), " over TCP"),
    };
    let result = run(
        runner,
        eckwms,
        work,
        &Backend {
            name: "PostgreSQL",
            seed_url: &db.url,
            serve_url: &serve_url,
            reached,
            prefix: "AP",
        },
    );
    db.drop_now()?;
    result
}

/// One sentence of figures for the notes.
fn run_note(r: &LoginRun, hash: Option<&HashFigures>) -> String {
    let single = &r.single.outcome;
    let many = &r.logins.outcome;
    format!(
        "Logins on {}: {} logins/s with {} clients ({}; p50 {} ms, p99 {} ms, {} errors; \
         eckwms used {} of CPU per login), {} logins/s with one client ({}: p50 {} ms, a \
         login's whole time: two calls into the database around the hashing){}.",
        r.backend,
        fmt_rate(many.per_second()),
        many.clients,
        r.logins.id,
        fmt_ms(many.percentile_ms(50.0)),
        fmt_ms(many.percentile_ms(99.0)),
        group(many.errors),
        r.logins.cpu.server.map_or_else(
            || "an unknown amount".into(),
            |pct| format!(
                "{} ms",
                fmt_ms(pct / 100.0 / many.per_second().max(1e-9) * 1000.0)
            )
        ),
        fmt_rate(single.per_second()),
        r.single.id,
        fmt_ms(single.percentile_ms(50.0)),
        hash.map_or(String::new(), |h| format!(
            "; the hashing alone takes {} ms (median, in the harness), so {} hashing \
             thread{} can verify at most about {} logins/s",
            fmt_ms(ms(h.verify_median)),
            r.hash_workers,
            if r.hash_workers == 1 { "" } else { "s" },
            fmt_rate(h.ceiling(r.hash_workers))
        ))
    )
}

/// Verifies a password against its hash at `params` on this thread, again and again for about
/// `time` (at least 5 times): a login's hashing without the service around it.
pub fn hash_time(params: HashParams, time: Duration) -> anyhow::Result<HashFigures> {
    let passwords = Passwords::new(params, &OsSecrets)
        .map_err(|e| anyhow!("argon2 parameters {params:?}: {e}"))?;
    let password = "correct horse battery staple";
    let made = Instant::now();
    let stored = passwords
        .hash(password, &OsSecrets)
        .map_err(|e| anyhow!("hashing: {e}"))?;
    let hash_once = made.elapsed();
    let started = Instant::now();
    let mut times = Vec::new();
    while times.len() < 5 || started.elapsed() < time {
        let one = Instant::now();
        if !passwords.verify(&stored, password) {
            bail!("a password did not verify against its own hash");
        }
        times.push(one.elapsed());
    }
    times.sort_unstable();
    Ok(HashFigures {
        verify_median: times[times.len() / 2],
        verify_min: times[0],
        verify_max: times[times.len() - 1],
        runs: times.len(),
        hash_once,
    })
}

/// `count` users made with `POST /api/v1/users` and the admin key, one after the other: their
/// usernames and passwords.
fn make_users(
    server: &Server,
    admin_key: &str,
    count: usize,
    rng: &mut crate::rng::Rng,
) -> anyhow::Result<Vec<(String, String)>> {
    let users: Vec<(String, String)> = (0..count)
        .map(|n| {
            (
                format!("bench.login.{n:03}"),
                format!("{:016x}{:08x}", rng.next_u64(), rng.next_u64() as u32),
            )
        })
        .collect();
    let url = server.url("/api/v1/users");
    let authorization = format!("Bearer {admin_key}");
    let made = users.clone();
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        for (n, (username, password)) in made.iter().enumerate() {
            let body = json!({
                "username": username,
                "display_name": format!("Bench login {n}"),
                "role": USER_ROLE,
                "password": password,
            });
            let mut response = client
                .post(url.as_str())
                .insert_header(("Authorization", authorization.as_str()))
                .send_json(&body)
                .await
                .map_err(|e| anyhow!("POST {url}: {e}"))?;
            let status = response.status();
            let answer = response
                .body()
                .await
                .map_err(|e| anyhow!("POST {url}: {e}"))?;
            if status.as_u16() != 201 {
                bail!(
                    "POST {url} ({username}): {status}: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
        }
        Ok(())
    })?;
    Ok(users)
}

/// One login, checked: 200 with a session token.
fn check_login(server: &Server, username: &str, password: &str) -> anyhow::Result<()> {
    let token = log_in(server, username, password)?;
    if !token.starts_with("ecks_") {
        bail!("POST {LOGIN_PATH}: the answer's token is no session token");
    }
    Ok(())
}

/// `POST /api/v1/auth/login` once: the session token of the answer.
pub fn log_in(server: &Server, username: &str, password: &str) -> anyhow::Result<String> {
    let url = server.url(LOGIN_PATH);
    let body = json!({"username": username, "password": password});
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let mut response = client
            .post(url.as_str())
            .send_json(&body)
            .await
            .map_err(|e| anyhow!("POST {url}: {e}"))?;
        let status = response.status();
        let answer = response
            .body()
            .await
            .map_err(|e| anyhow!("POST {url}: {e}"))?;
        if !status.is_success() {
            bail!("POST {url}: {status}: {}", String::from_utf8_lossy(&answer));
        }
        let json: Value =
            serde_json::from_slice(&answer).with_context(|| format!("POST {url}: not JSON"))?;
        json.get("token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("POST {url}: no session token in the answer"))
    })
}

#[derive(QueryableByName)]
struct StoredHash {
    #[diesel(sql_type = Text)]
    password_hash: String,
}

/// The argon2 parameters of the user's stored password hash (`m=19456,t=2,p=1`), read from
/// the database: what the service really used.
fn stored_hash_params(url: &str, username: &str) -> anyhow::Result<String> {
    // The username is the bench's own (letters, digits and dots): safe to write into the query.
    let sql = format!("SELECT password_hash FROM users WHERE username_key = '{username}'");
    let stored = if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let mut conn = SqliteConnection::establish(path)?;
        diesel::sql_query(sql).get_result::<StoredHash>(&mut conn)?
    } else {
        let mut conn = PgConnection::establish(url)?;
        diesel::sql_query(sql).get_result::<StoredHash>(&mut conn)?
    };
    // $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
    let parts: Vec<&str> = stored.password_hash.split('$').collect();
    match parts.as_slice() {
        ["", "argon2id", _version, params, ..] => Ok((*params).to_owned()),
        _ => bail!("the stored password hash is not an argon2id PHC string"),
    }
}

/// `m=19456,t=2,p=1` -> the parameters.
fn parse_params(text: &str) -> anyhow::Result<HashParams> {
    let mut params = HashParams {
        memory_kib: 0,
        iterations: 0,
        parallelism: 0,
    };
    for part in text.split(',') {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| anyhow!("argon2 parameters {text:?}: no value in {part:?}"))?;
        let value: u32 = value
            .parse()
            .with_context(|| format!("argon2 parameters {text:?}"))?;
        match name {
            "m" => params.memory_kib = value,
            "t" => params.iterations = value,
            "p" => params.parallelism = value,
            _ => {}
        }
    }
    if params.memory_kib == 0 || params.iterations == 0 || params.parallelism == 0 {
        bail!("argon2 parameters {text:?}: m, t and p are needed");
    }
    Ok(params)
}

/// The section's settings rows for the report.
pub fn settings(
    run: &LoginRun,
    hash: Option<&HashFigures>,
    login_clients: usize,
    probe_clients: usize,
) -> Vec<(String, String)> {
    let defaults = HashParams::default();
    vec![
        (
            "Logins".into(),
            format!(
                "{} users (role {USER_ROLE}, each with its own random 24-character password) \
                 made with `POST /api/v1/users` and the admin key before the phases ({} for \
                 all, one after the other: a new hash each); a login is `POST {LOGIN_PATH}` of a \
                 random one of them with its correct password, so no login fails and none is \
                 throttled (successful logins are not counted as failures), and succeeds with \
                 200 and its session token; {login_clients} closed-loop clients (and 1 for \
                 information)",
                group(run.users as u64),
                secs(run.users_time)
            ),
        ),
        (
            "Password hashing".into(),
            format!(
                "the service's defaults, not set by the bench: argon2id {} as read from a \
                 stored user's hash (`auth.hash_memory_kib` {}, `auth.hash_iterations` {}, \
                 `auth.hash_parallelism` {}); `auth.hash_workers` = 0 → one less than the \
                 CPUs, at least 1: {} here{}",
                run.stored_params,
                defaults.memory_kib,
                defaults.iterations,
                defaults.parallelism,
                run.hash_workers,
                hash.map_or(String::new(), |h| format!(
                    "; one login's hashing (verifying a password against its hash, in the \
                     harness on one thread, between the two databases' phases, no service \
                     running): {}",
                    h.describe()
                ))
            ),
        ),
        (
            "Probes of the logins section".into(),
            format!(
                "`GET /health` and `POST /api/v1/moves` (one random item of the small \
                 database to a random box or place, with the admin key), {probe_clients} \
                 clients each on a thread of its own; each client starts a request at most \
                 every {} ms (about {} requests/s of each kind), or at once when the previous \
                 answer took longer; measured without logins and during the flood of \
                 {login_clients} login clients, alternately, twice",
                PROBE_INTERVAL.as_millis(),
                group((probe_clients as f64 * 1000.0 / PROBE_INTERVAL.as_millis() as f64) as u64)
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_from_a_phc_string() {
        let params = parse_params("m=19456,t=2,p=1").unwrap();
        assert_eq!(params, HashParams::default());
        assert!(parse_params("m=19456,t=2").is_err());
        assert!(parse_params("m=x,t=2,p=1").is_err());
    }

    #[test]
    fn a_hash_is_timed_at_least_five_times() {
        let params = HashParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let figures = hash_time(params, Duration::ZERO).unwrap();
        assert!(figures.runs >= 5);
        assert!(figures.verify_min <= figures.verify_median);
        assert!(figures.verify_median <= figures.verify_max);
    }
}
