//! The SQLite part of the run: seeding the large and the small database, the read phases
//! (health against the bare handler, contents, list, history) and the write phases (the floor
//! F1, moves, scans, the hot set), and the helpers the PostgreSQL part shares.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use crate::floor::{self, Floor, MoveWork};
use crate::fmt::group;
use crate::load::{SignedScans, Work};
use crate::report::{Phase, SeedLine};
use crate::rng::Rng;
use crate::runner::{Runner, bearer, mib, secs};
use crate::scanners;
use crate::seed::{self, Plan, Seeded};
use crate::server::Server;
use crate::sys;

/// What the read phases measured (all but the moves).
pub struct Reads {
    pub bare_phases: Vec<Phase>,
    pub health_phases: Vec<Phase>,
    pub contents_p1: Phase,
    pub contents_all: Phase,
    pub page_bytes: usize,
    pub list_big: Vec<Phase>,
    pub list_small: Vec<Phase>,
    pub history_big: Vec<Phase>,
    pub history_small: Vec<Phase>,
}

/// The request of the hot-set phases.
pub const HOT_REQUEST: &str = "`POST /api/v1/moves` within a hot set (one object each): an item \
    to one of the set's boxes or places, a box to one of its places";

pub const HOT_NOTE: &str = "32 clients move 4 items and 4 boxes among 4 boxes and 4 places, \
    uniformly at random: every request contends with the others for the same few rows. A box \
    only goes to a place, so no move is refused as a cycle and every error counts.";

/// The hot set: a few objects every client of a phase moves.
pub struct HotSet {
    pub items: Vec<String>,
    pub boxes: Vec<String>,
    pub places: Vec<String>,
}

impl HotSet {
    /// 4 items, 4 boxes and 4 places, distinct, picked at random from the seeded ones.
    pub fn of(seeded: &Seeded, rng: &mut Rng) -> anyhow::Result<Self> {
        fn four<T: ToString + Clone>(all: &[T], rng: &mut Rng) -> anyhow::Result<Vec<String>> {
            let mut all = all.to_vec();
            rng.shuffle(&mut all);
            if all.len() < 4 {
                bail!("a hot set needs 4 of each kind of object");
            }
            Ok(all.iter().take(4).map(ToString::to_string).collect())
        }
        Ok(Self {
            items: four(&seeded.items, rng)?,
            boxes: four(&seeded.boxes, rng)?,
            places: four(&seeded.places, rng)?,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "{} items and {} boxes among those boxes and {} places",
            self.items.len(),
            self.boxes.len(),
            self.places.len()
        )
    }

    pub fn work(&self, url: String) -> Work {
        Work::HotMove {
            url,
            items: self.items.clone(),
            boxes: self.boxes.clone(),
            places: self.places.clone(),
        }
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// 1_234_567 -> "1.2M", 10_123 -> "10k".
pub fn short_count(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.2}M", n as f64 / 1e6)
    } else if n >= 1_000 {
        format!("{:.1}k", n as f64 / 1e3)
    } else {
        n.to_string()
    }
}

pub fn seed_line(label: &str, s: &Seeded, plan: &Plan) -> SeedLine {
    SeedLine {
        label: label.into(),
        items: s.items_created,
        boxes: s.boxes.len(),
        places: s.places.len() + 1,
        contents: s.contents_count,
        ledger_rows: s.ledger_rows,
        size: s
            .db_bytes
            .map_or_else(|| "–".into(), |b| format!("{:.0} MB", b as f64 / 1e6)),
        create_items: format!(
            "{} ({:.0}/s, {} writer thread{})",
            secs(s.create_items_time),
            s.items_created as f64 / s.create_items_time.as_secs_f64().max(1e-9),
            plan.threads,
            if plan.threads == 1 { "" } else { "s" }
        ),
        moves: format!("{} ({} calls)", secs(s.moves_time), group(s.move_calls)),
        total: secs(s.total_time),
        note: String::new(),
    }
}

/// Moves of random items of `seeded` to its random boxes and places, one per request.
pub fn random_moves(server: &Server, seeded: &Seeded) -> Work {
    Work::Move {
        url: server.url("/api/v1/moves"),
        objects: seeded.items.iter().map(ToString::to_string).collect(),
        targets: seeded.targets(),
    }
}

pub fn history_urls(server: &Server, seeded: &Seeded, rng: &mut Rng) -> Vec<String> {
    (0..1_000)
        .filter_map(|_| rng.pick(&seeded.items))
        .map(|id| server.url(&format!("/api/v1/items/{id}/history?limit=50")))
        .collect()
}

/// One contents page over HTTP: how many entries, the next cursor, and the body's size in bytes.
pub fn fetch_page(
    url: &str,
    authorization: Option<&str>,
) -> anyhow::Result<(usize, Option<String>, usize)> {
    let url = url.to_owned();
    let authorization = authorization.map(str::to_owned);
    let (body, size): (serde_json::Value, usize) =
        actix_rt::System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish();
            let mut request = client.get(url.as_str());
            if let Some(auth) = &authorization {
                request = request.insert_header(("Authorization", auth.as_str()));
            }
            let mut response = request
                .send()
                .await
                .map_err(|e| anyhow!("GET {url}: {e}"))?;
            let status = response.status();
            let bytes = response
                .body()
                .limit(16 * 1024 * 1024)
                .await
                .map_err(|e| anyhow!("GET {url}: {e}"))?;
            if !status.is_success() {
                bail!("GET {url}: {status}: {}", String::from_utf8_lossy(&bytes));
            }
            let json =
                serde_json::from_slice(&bytes).with_context(|| format!("GET {url}: not JSON"))?;
            Ok((json, bytes.len()))
        })?;
    let items = body
        .get("items")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| anyhow!("a contents page without items"))?;
    let next = body
        .get("next_cursor")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok((items.len(), next, size))
}

/// The two SQLite databases of the run, seeded.
pub struct SqliteData {
    pub big: Seeded,
    pub big_url: String,
    /// "SQLite, 1.00M ledger rows".
    pub big_label: String,
    pub small: Seeded,
    pub small_url: String,
    pub small_label: String,
    pub seeds: Vec<SeedLine>,
}

/// The plan of the large database: `--items` items among 1,000 boxes and 100 places, moved
/// until the ledger holds `--ledger-rows`, and the contents place.
pub fn large_plan(cli: &crate::Cli) -> Plan {
    Plan {
        items: cli.items,
        places: 100,
        boxes: 1_000,
        ledger_rows: cli.ledger_rows,
        contents_objects: cli.contents_objects,
        orders: 0,
        threads: 1,
        budget: None,
    }
}

/// Seeds the large database (the one every SQLite target is measured on) and the small one
/// (the other side of the "no slower at 1M ledger rows" comparisons) under `work`.
pub fn seed_both(runner: &mut Runner<'_>, work: &Path) -> anyhow::Result<SqliteData> {
    let (cli, log) = (runner.cli, runner.log);
    let mut seeds = Vec::new();
    let big_plan = large_plan(cli);
    let big_url = sqlite_url(&work.join("large").join("eckwms.db"));
    log.line(&format!(
        "seeding the large SQLite database: {} items, >= {} ledger rows",
        group(big_plan.items as u64),
        group(big_plan.ledger_rows)
    ));
    let big = seed::seed(&big_url, &big_plan, runner.rng.next_u64(), &|l| log.line(l))?;
    log.line(&format!(
        "  seeded in {}: {} ledger rows",
        secs(big.total_time),
        group(big.ledger_rows)
    ));
    seeds.push(seed_line("SQLite, large", &big, &big_plan));

    let small_items = 1_000.min(cli.items);
    let small_plan = Plan {
        items: small_items,
        places: 20,
        boxes: 50,
        ledger_rows: cli.small_ledger_rows,
        contents_objects: 0,
        orders: 0,
        threads: 1,
        budget: None,
    };
    let small_url = sqlite_url(&work.join("small").join("eckwms.db"));
    log.line("seeding the small SQLite database");
    let small = seed::seed(&small_url, &small_plan, runner.rng.next_u64(), &|l| {
        log.line(l)
    })?;
    log.line(&format!(
        "  seeded in {}: {} ledger rows",
        secs(small.total_time),
        group(small.ledger_rows)
    ));
    seeds.push(seed_line("SQLite, small", &small, &small_plan));
    let big_label = format!("SQLite, {} ledger rows", short_count(big.ledger_rows));
    let small_label = format!("SQLite, {} ledger rows", short_count(small.ledger_rows));
    Ok(SqliteData {
        big,
        big_url,
        big_label,
        small,
        small_url,
        small_label,
        seeds,
    })
}

/// The read phases: `GET /health` against the bare handler, contents of the big place, and
/// list and history on the large database against the small one (started beside it).
pub fn reads(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    work: &Path,
    server: &Server,
    auth: &Option<String>,
    data: &SqliteData,
    memory: &mut Vec<(String, String)>,
) -> anyhow::Result<Reads> {
    let (cli, log) = (runner.cli, runner.log);
    let SqliteData {
        big,
        big_label,
        small,
        small_url,
        small_label,
        ..
    } = data;
    // GET /health: the bare reference and the service, loaded the same way, alternately twice
    // so that a passing disturbance on this shared machine does not fall on one side only.
    let bare_server = Server::bare(&work.join("bare"))?;
    std::thread::sleep(Duration::from_secs(1));
    let bare_rss = sys::rss_kib(bare_server.pid).ok();
    let mut bare_phases = Vec::new();
    let mut health_phases = Vec::new();
    for (bare_id, service_id) in [("H1", "H2"), ("H3", "H4")] {
        bare_phases.push(runner.phase(
            bare_id,
            "`GET /health`, bare actix-web",
            "none",
            bare_server.pid,
            cli.health_clients,
            None,
            Work::Get(vec![bare_server.url("/health")]),
        )?);
        health_phases.push(runner.phase(
            service_id,
            "`GET /health`, eckwms",
            big_label,
            server.pid,
            cli.health_clients,
            None,
            Work::Get(vec![server.url("/health")]),
        )?);
    }
    let bare_stop = bare_server.stop()?;
    log.line(&format!("  bare server stopped: {bare_stop}"));
    if let Some(kib) = bare_rss {
        memory.push((
            "for reference: the bare actix-web server, 1 s after startup".into(),
            mib(kib),
        ));
    }

    // Contents of the place holding 1,000 objects: first page, and both pages.
    let contents_path = format!("/api/v1/places/{}/contents?limit=500", big.contents_place);
    let (page1_len, cursor, page_bytes) = fetch_page(&server.url(&contents_path), auth.as_deref())?;
    let mut contents_urls = vec![server.url(&contents_path)];
    let mut over_http = page1_len;
    if let Some(cursor) = &cursor {
        let page2 = server.url(&format!("{contents_path}&cursor={cursor}"));
        let (page2_len, next, _) = fetch_page(&page2, auth.as_deref())?;
        over_http += page2_len;
        if next.is_some() {
            bail!("the contents place has more than two pages of 500");
        }
        contents_urls.push(page2);
    }
    if over_http != big.contents_count {
        bail!(
            "over HTTP the contents place lists {over_http} objects, not {}",
            big.contents_count
        );
    }
    let contents_data = format!(
        "{big_label}; a place holding {} items",
        group(big.contents_count as u64)
    );
    let contents_p1 = runner.phase(
        "C1",
        "`GET /api/v1/places/{id}/contents?limit=500`: first page (500 entries)",
        &contents_data,
        server.pid,
        cli.read_clients,
        auth.clone(),
        Work::Get(vec![server.url(&contents_path)]),
    )?;
    let contents_all = runner.phase(
        "C2",
        "the same, both pages one after the other (all 1,000 entries; latency of the pair)",
        &contents_data,
        server.pid,
        cli.read_clients,
        auth.clone(),
        Work::Chain(contents_urls),
    )?;

    // List and history: the large and the small database side by side (both services run),
    // alternately twice, so that both see the same conditions of this shared machine.
    log.line("starting eckwms on the small SQLite database as well");
    let (small_server, small_key) = Server::eckwms(eckwms, small_url, &work.join("run-small"))?;
    let small_auth = bearer(&small_key);
    let list_request = "`GET /api/v1/items?limit=50`";
    let history_request = "`GET /api/v1/items/{id}/history?limit=50`, 1,000 random items";
    let (mut list_big, mut list_small) = (Vec::new(), Vec::new());
    for (big_id, small_id) in [("L1", "L2"), ("L3", "L4")] {
        list_big.push(runner.phase(
            big_id,
            list_request,
            big_label,
            server.pid,
            cli.read_clients,
            auth.clone(),
            Work::Get(vec![server.url("/api/v1/items?limit=50")]),
        )?);
        list_small.push(runner.phase(
            small_id,
            list_request,
            small_label,
            small_server.pid,
            cli.read_clients,
            small_auth.clone(),
            Work::Get(vec![small_server.url("/api/v1/items?limit=50")]),
        )?);
    }
    let big_history = history_urls(server, big, &mut runner.rng);
    let small_history = history_urls(&small_server, small, &mut runner.rng);
    let (mut history_big, mut history_small) = (Vec::new(), Vec::new());
    for (big_id, small_id) in [("R1", "R2"), ("R3", "R4")] {
        history_big.push(runner.phase(
            big_id,
            history_request,
            big_label,
            server.pid,
            cli.read_clients,
            auth.clone(),
            Work::Get(big_history.clone()),
        )?);
        history_small.push(runner.phase(
            small_id,
            history_request,
            small_label,
            small_server.pid,
            cli.read_clients,
            small_auth.clone(),
            Work::Get(small_history.clone()),
        )?);
    }
    let stopped = small_server.stop()?;
    log.line(&format!("eckwms on the small database stopped: {stopped}"));
    Ok(Reads {
        bare_phases,
        health_phases,
        contents_p1,
        contents_all,
        page_bytes,
        list_big,
        list_small,
        history_big,
        history_small,
    })
}

/// What the write phases on the large database measured.
pub struct Writes {
    pub floor: Floor,
    pub moves: Phase,
    /// S1, the scans with the API key (judged against F1).
    pub scans: Phase,
    /// The same scans with the key (S1, S3) and signed by [`SCANNERS`] registered scanners
    /// instead (S2, S4), taken in turns so that the data's growth and a passing disturbance
    /// fall on both.
    pub key_scans: Vec<Phase>,
    pub device_scans: Vec<Phase>,
    pub hot: Phase,
}

/// How many scanners the device-signed scans register (one per client).
pub const SCANNERS: usize = 32;
/// The role the scanners are approved with (it may scan).
const SCANNER_ROLE: &str = "PICKER";
/// The scan route of S1 to S4.
const SCANS_PATH: &str = "/api/v1/scans";

/// The write phases, last because they change the data: the floor F1, then moves, scans and
/// the hot set through the service.
pub fn writes(
    runner: &mut Runner<'_>,
    server: &Server,
    admin_key: &str,
    data: &SqliteData,
) -> anyhow::Result<Writes> {
    let auth = &bearer(admin_key);
    let cli = runner.cli;
    let SqliteData {
        big,
        big_url,
        big_label,
        ..
    } = data;
    // Moves last: they change the data. First their floor: the same statements in a bare loop
    // on the same database, the service idling meanwhile.
    let moves_data = format!(
        "{big_label}; random item of {} to random box or place of {}",
        group(big.items.len() as u64),
        group(big.targets().len() as u64)
    );
    let times = runner.times();
    let sqlite_floor = floor::moves(
        "F1",
        "the statements of `POST /api/v1/moves` (one item each), one `BEGIN IMMEDIATE` \
         transaction per move, no checkpoint inside a commit (the idle service's background \
         checkpoints run meanwhile)",
        &moves_data,
        big_url,
        1,
        &MoveWork {
            items: &big.items,
            boxes: &big.boxes,
            places: &big.places,
        },
        times,
        runner.rng.next_u64(),
    )?;
    let sqlite_floor = runner.floor(sqlite_floor);
    let moves_sqlite = runner.phase(
        "M1",
        "`POST /api/v1/moves` (one item each)",
        &moves_data,
        server.pid,
        cli.move_clients,
        auth.clone(),
        random_moves(server, big),
    )?;
    let scans_data = format!(
        "{big_label}; every client a device; random item of {} into random box of {}",
        group(big.items.len() as u64),
        group(big.boxes.len() as u64)
    );
    let items: Vec<String> = big.items.iter().map(ToString::to_string).collect();
    let boxes: Vec<String> = big.boxes.iter().map(ToString::to_string).collect();
    let key_scans = |runner: &mut Runner<'_>, id: &str| {
        runner.phase(
            id,
            "`POST /api/v1/scans` with the API key: an item, then a box (measured: the box scan, which moves the item into it)",
            &scans_data,
            server.pid,
            cli.move_clients,
            auth.clone(),
            Work::ScanIntoBox {
                url: server.url(SCANS_PATH),
                items: items.clone(),
                boxes: boxes.clone(),
            },
        )
    };
    let scans_sqlite = key_scans(runner, "S1")?;
    let started = Instant::now();
    let scanners = Arc::new(scanners::register(
        server,
        admin_key,
        SCANNERS,
        SCANNER_ROLE,
        &mut runner.rng,
    )?);
    runner.log.line(&format!(
        "{SCANNERS} scanners registered and approved ({SCANNER_ROLE}) in {}",
        secs(started.elapsed())
    ));
    // Half as many units again as the key's scans made, so that no client runs out.
    let (warmup, duration) = runner.times();
    let per_client = (scans_sqlite.outcome.per_second() * (warmup + duration).as_secs_f64() * 1.5
        / cli.move_clients.max(1) as f64)
        .ceil()
        .max(100.0) as usize;
    let signed_scans = |runner: &mut Runner<'_>, id: &str| -> anyhow::Result<Phase> {
        let started = Instant::now();
        let prepared = SignedScans::prepare(
            id,
            &scanners,
            cli.move_clients,
            per_client,
            SCANS_PATH,
            &items,
            &boxes,
            &mut runner.rng,
        )?;
        runner.log.line(&format!(
            "{} scans signed for {id} in {}",
            group((2 * per_client * cli.move_clients) as u64),
            secs(started.elapsed())
        ));
        runner.phase(
            id,
            "`POST /api/v1/scans` signed by a registered scanner (no key): the scans with the key",
            &format!(
                "{scans_data}; {SCANNERS} active scanners of role {SCANNER_ROLE}, one per \
                 client; {} units per client signed before the phase",
                group(per_client as u64)
            ),
            server.pid,
            cli.move_clients,
            None,
            Work::SignedScanIntoBox {
                url: server.url(SCANS_PATH),
                path: SCANS_PATH.into(),
                items: items.clone(),
                boxes: boxes.clone(),
                scanners: scanners.clone(),
                prepared: Arc::new(prepared),
            },
        )
    };
    let s2 = signed_scans(runner, "S2")?;
    let s3 = key_scans(runner, "S3")?;
    let s4 = signed_scans(runner, "S4")?;
    let hot = HotSet::of(big, &mut runner.rng)?;
    let hot_sqlite = runner.phase(
        "HS1",
        HOT_REQUEST,
        &format!("{big_label}; {}", hot.describe()),
        server.pid,
        cli.move_clients,
        auth.clone(),
        hot.work(server.url("/api/v1/moves")),
    )?;
    Ok(Writes {
        floor: sqlite_floor,
        moves: moves_sqlite,
        key_scans: vec![scans_sqlite.clone(), s3],
        scans: scans_sqlite,
        device_scans: vec![s2, s4],
        hot: hot_sqlite,
    })
}
