//! The repair section: the reconciliation of a large RMA request (R1) and the service report
//! CSV (R2: rows a second, and the service's memory while it streams 10,000 and 100,000 rows).
//!
//! The data is seeded through the repository ports of `eckwms-adapter-db` (as `seed.rs` does):
//! RMA requests of 500 declared devices each, 450 of them found in the request's two boxes (a
//! linked box and one nested in it) and 50 missing; every tenth found device has a `check` and
//! a `result` action (with its outcome, a parts line and the warranty flag). The requests of
//! the export are received a minute apart, so a `from`/`to` range picks a number of them.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, TimeZone, Utc};
use eckwms_adapter_db::Database;
use eckwms_application::ports::{
    BoxRepository, Expected, ItemRepository, OrderRepository, RepairRepository, WriteContext,
};
use eckwms_domain::repair::{Declared, DeclaredInput, Outcome, RepairResult};
use eckwms_domain::{
    ActionKind, BoxId, Code, Customer, ItemAction, Name, NewBox, NewItem, NewOrder, Note, OrderId,
    OrderPatch, OrderStatus, Parent,
};
use futures_util::StreamExt;
use serde_json::Value;

use crate::fmt::{fmt_ms, fmt_rate, group};
use crate::load::Work;
use crate::report::{Check, Section, SeedLine};
use crate::runner::{Runner, bearer, mib, secs};
use crate::server::Server;
use crate::sys;

/// Declared devices of every request (the most one may declare).
const DECLARED: usize = 500;
/// Of them, found in the request's boxes.
const FOUND: usize = 450;
/// Items in the reconciled request's boxes that no one declared.
const UNDECLARED: usize = 5;
/// Requests of the export: each writes `DECLARED` rows (its found items, then its missing
/// devices), 100,000 rows in all.
const EXPORT_ORDERS: usize = 200;
/// The smaller export beside it: the first 20 requests, 10,000 rows.
const SMALL_EXPORT_ORDERS: usize = 20;
/// Threads creating the items (the service's SQLite writer commits them in groups).
const SEED_THREADS: usize = 4;
/// Exports of each size, on one fresh service; their median counts.
const EXPORT_RUNS: usize = 3;

/// R1's target: the reconciliation's p99.
const RECONCILE_P99_MS: f64 = 20.0;
/// R2's target: rows a second of the export of 100,000 rows.
const EXPORT_ROWS_PER_SEC: f64 = 50_000.0;
/// R2's memory bound: the peak of the service's anonymous resident memory (RssAnon: heap and
/// stacks, sampled every few milliseconds during the exports) minus that before them. A page
/// of the report holds at most about 4,096 rows (counted as items plus declared devices; one
/// request of up to 10,500 alone), about 1.5 kB each while it is read and written (the items
/// with their actions, the 21 cells, the CSV): 6 to 16 MiB; at most three pages are in flight,
/// two of them as CSV text only (about 1 MiB each). SQLite sorts and groups a page's rows in
/// memory (`temp_store = MEMORY`), bounded by the page too. None of this grows with the
/// report: 32 MiB leaves room for the allocator's slack. 100,000 rows of CSV are about 16 MB,
/// and their rows in memory several times that, so a report held whole would pass it.
///
/// VmHWM (the peak of all resident memory) is reported too but not judged: the service reads
/// SQLite through a memory map (`mmap_size`), and the pages of the database file a report
/// reads count as resident while mapped, so VmHWM grows with the part of the file read, up to
/// the file's size; those pages are the kernel's page cache, not the service's memory.
const FLAT_MEMORY_MIB: f64 = 32.0;
/// How much more the export of 100,000 rows may take than the one of 10,000 (ten times the
/// rows): memory that grew with the rows would add at least the 14 MB more of CSV.
const GROWTH_MIB: f64 = 8.0;

/// The targets of this section, for "not measured" when it fails.
pub const TARGETS: [&str; 3] = [
    "R1: `GET /api/v1/orders/{id}/reconciliation` of an RMA request of 500 declared devices, p99 < 20 ms (one client)",
    "R2: service report CSV of 100,000 rows, ≥ 50,000 rows/s",
    "R2: service report memory is flat: peak RssAnon − RssAnon before < 32 MiB at 100,000 rows, and < 8 MiB more than at 10,000",
];

/// The section on SQLite; a failure is reported ("not measured", with its cause) rather than
/// ending the run.
pub fn section(runner: &mut Runner<'_>, eckwms: &Path, work: &Path) -> Section {
    match run(runner, eckwms, work) {
        Ok(section) => section,
        Err(e) => {
            let failed = format!("the repair section failed: {e:#}");
            runner.log.line(&failed);
            Section::not_measured(&TARGETS, &failed)
        }
    }
}

/// One export as the client saw it.
struct Export {
    rows: u64,
    bytes: u64,
    first_byte: Duration,
    total: Duration,
}

impl Export {
    fn rows_per_sec(&self) -> f64 {
        self.rows as f64 / self.total.as_secs_f64().max(1e-9)
    }
}

/// The exports of one size on a fresh service, and its memory around them.
struct ExportRun {
    rows: u64,
    runs: Vec<Export>,
    /// VmRSS before the exports, VmHWM after them.
    before_kib: u64,
    peak_kib: u64,
    /// RssAnon before the exports, and its peak sampled during them.
    before_anon_kib: u64,
    peak_anon_kib: u64,
}

impl ExportRun {
    fn median(&self) -> &Export {
        let mut order: Vec<&Export> = self.runs.iter().collect();
        order.sort_by(|a, b| a.rows_per_sec().total_cmp(&b.rows_per_sec()));
        order[order.len() / 2]
    }

    fn growth_mib(&self) -> f64 {
        self.peak_anon_kib.saturating_sub(self.before_anon_kib) as f64 / 1024.0
    }
}

fn run(runner: &mut Runner<'_>, eckwms: &Path, work: &Path) -> anyhow::Result<Section> {
    let log = runner.log;
    let dir = work.join("repair");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let url = crate::sqlite::sqlite_url(&dir.join("eckwms.db"));
    log.line(&format!(
        "repair: seeding {} RMA requests of {DECLARED} declared devices on SQLite",
        EXPORT_ORDERS + 1
    ));
    let seeded = seed(&url, log)?;
    let seed_line = SeedLine {
        label: "SQLite, repair section".into(),
        items: seeded.items,
        boxes: seeded.boxes,
        places: 0,
        contents: 0,
        ledger_rows: crate::seed::count_ledger(&url)?,
        size: std::fs::metadata(dir.join("eckwms.db")).map_or_else(
            |_| "–".into(),
            |m| format!("{:.0} MB", m.len() as f64 / 1e6),
        ),
        create_items: format!(
            "{} ({:.0}/s, {SEED_THREADS} writer threads)",
            secs(seeded.items_time),
            seeded.items as f64 / seeded.items_time.as_secs_f64().max(1e-9)
        ),
        moves: "–".into(),
        total: secs(seeded.total),
        note: format!(
            "{} RMA requests of {DECLARED} declared devices ({FOUND} found in 2 boxes, {} \
             missing; the reconciled one has {UNDECLARED} undeclared items more); {} repair \
             actions",
            EXPORT_ORDERS + 1,
            DECLARED - FOUND,
            group(seeded.actions as u64)
        ),
    };

    // R1: the reconciliation.
    let server_dir = dir.join("run");
    let (server, key) = Server::eckwms(eckwms, &url, &server_dir)?;
    let reconcile_url = server.url(&format!(
        "/api/v1/orders/{}/reconciliation",
        seeded.reconciled
    ));
    check_reconciliation(&reconcile_url, &key)?;
    let data = format!(
        "SQLite; an RMA request of {DECLARED} declared devices: {FOUND} matched, {} missing, \
         {UNDECLARED} undeclared items, in a linked box and a box nested in it",
        DECLARED - FOUND
    );
    let request = "GET /api/v1/orders/{id}/reconciliation";
    // Judged with one client: the latency of a reconciliation, not of a queue (a desk asks
    // for one at a time). Then with the read clients, for information: on two cores, four
    // clients queue.
    let r1 = runner.phase(
        "R1",
        request,
        &data,
        server.pid,
        1,
        bearer(&key),
        Work::Get(vec![reconcile_url.clone()]),
    )?;
    let r1c = runner.phase(
        "R1c",
        request,
        &format!("{data} (for information)"),
        server.pid,
        runner.cli.read_clients,
        bearer(&key),
        Work::Get(vec![reconcile_url]),
    )?;
    log.line(&format!("eckwms stopped: {}", server.stop()?));

    // R2: the exports, each size on a fresh service (its peak RSS is the export's own).
    let mut exports = Vec::new();
    for orders in [SMALL_EXPORT_ORDERS, EXPORT_ORDERS] {
        let rows = (orders * DECLARED) as u64;
        let (server, key) = Server::eckwms(eckwms, &url, &server_dir)?;
        std::thread::sleep(Duration::from_secs(2));
        let before_kib = sys::rss_kib(server.pid)?;
        let before_anon_kib = sys::anon_rss_kib(server.pid)?;
        let sampler = AnonPeak::start(server.pid);
        let to = seeded.first_received + chrono::Duration::minutes(orders as i64);
        let export_url = server.url(&format!(
            "/api/v1/reports/service.csv?from={}&to={}",
            seeded.first_received.format("%Y-%m-%dT%H:%M:%SZ"),
            to.format("%Y-%m-%dT%H:%M:%SZ")
        ));
        let mut runs = Vec::with_capacity(EXPORT_RUNS);
        for n in 1..=EXPORT_RUNS {
            let export = export(&export_url, &key)?;
            if export.rows != rows {
                bail!(
                    "the export of {orders} requests wrote {} rows, not {rows}",
                    export.rows
                );
            }
            log.line(&format!(
                "  export {n} of {} rows: {} rows/s, {} MB, first byte after {} ms, {} ms in all",
                group(rows),
                fmt_rate(export.rows_per_sec()),
                export.bytes as f64 / 1e6,
                fmt_ms(export.first_byte.as_secs_f64() * 1000.0),
                fmt_ms(export.total.as_secs_f64() * 1000.0)
            ));
            runs.push(export);
        }
        let peak_anon_kib = sampler.finish().max(before_anon_kib);
        let peak_kib = sys::peak_rss_kib(server.pid)?;
        log.line(&format!(
            "  {} rows: VmRSS before {}, VmHWM after {}; RssAnon before {}, its peak {}",
            group(rows),
            mib(before_kib),
            mib(peak_kib),
            mib(before_anon_kib),
            mib(peak_anon_kib)
        ));
        log.line(&format!("eckwms stopped: {}", server.stop()?));
        exports.push(ExportRun {
            rows,
            runs,
            before_kib,
            peak_kib,
            before_anon_kib,
            peak_anon_kib,
        });
    }
    let (small, large) = match exports.as_slice() {
        [small, large] => (small, large),
        _ => bail!("two export sizes expected"),
    };

    let p99 = r1.outcome.percentile_ms(99.0);
    let mut checks = vec![Check {
        target: TARGETS[0].into(),
        measured: format!(
            "p99 {} ms (p50 {} ms, one client, {} errors; with {} clients: p50 {} ms, p99 {} \
             ms, {} req/s)",
            fmt_ms(p99),
            fmt_ms(r1.outcome.percentile_ms(50.0)),
            r1.outcome.errors,
            runner.cli.read_clients,
            fmt_ms(r1c.outcome.percentile_ms(50.0)),
            fmt_ms(r1c.outcome.percentile_ms(99.0)),
            fmt_rate(r1c.outcome.per_second())
        ),
        pass: Some(p99 < RECONCILE_P99_MS && r1.outcome.errors == 0),
        note: "the reconciliation reads the request, its 500 declared devices and the items of \
               its boxes (two queries), matches them and writes the JSON of 505 entries"
            .into(),
    }];
    let rate = large.median().rows_per_sec();
    checks.push(Check {
        target: TARGETS[1].into(),
        measured: format!(
            "{} rows/s (median of {EXPORT_RUNS}; {} MB in {} ms; 10,000 rows: {} rows/s)",
            fmt_rate(rate),
            format_args!("{:.1}", large.median().bytes as f64 / 1e6),
            fmt_ms(large.median().total.as_secs_f64() * 1000.0),
            fmt_rate(small.median().rows_per_sec())
        ),
        pass: Some(rate >= EXPORT_ROWS_PER_SEC),
        note: "the report reads pages of requests (eight queries each) and reconciles each \
               request before writing its rows"
            .into(),
    });
    let (grown_small, grown_large) = (small.growth_mib(), large.growth_mib());
    checks.push(Check {
        target: TARGETS[2].into(),
        measured: format!(
            "100,000 rows: +{grown_large:.1} MiB (RssAnon peak {} over {}); 10,000 rows: \
             +{grown_small:.1} MiB; VmHWM, not judged: {} at 100,000 rows, {} at 10,000",
            mib(large.peak_anon_kib),
            mib(large.before_anon_kib),
            mib(large.peak_kib),
            mib(small.peak_kib)
        ),
        pass: Some(grown_large < FLAT_MEMORY_MIB && grown_large - grown_small < GROWTH_MIB),
        note: "the pages in flight, SQLite's in-memory sorting and the allocator's slack; see \
               FLAT_MEMORY_MIB in crates/bench/src/repair.rs for the bound, and why VmHWM \
               (which counts the memory-mapped database file) is not judged"
            .into(),
    });
    let memory = exports
        .iter()
        .map(|e| {
            (
                format!(
                    "service report of {} rows (fresh service, {EXPORT_RUNS} exports): VmRSS \
                     before → VmHWM after; RssAnon before → its peak during the exports",
                    group(e.rows)
                ),
                format!(
                    "{} → {}; {} → {}",
                    mib(e.before_kib),
                    mib(e.peak_kib),
                    mib(e.before_anon_kib),
                    mib(e.peak_anon_kib)
                ),
            )
        })
        .collect();
    let settings = vec![(
        "Repair section".into(),
        format!(
            "SQLite; R1 with one client, R1c with {} (`--read-clients`); R2: `GET \
             /api/v1/reports/service.csv?from=…&to=…` with one client reading the streamed body \
             to its end, {EXPORT_RUNS} times per size, each size on a freshly started service \
             (10,000 rows: the first {SMALL_EXPORT_ORDERS} requests; 100,000 rows: \
             {EXPORT_ORDERS} requests of {DECLARED} rows each); VmHWM read from \
             /proc/<pid>/status after the exports, RssAnon sampled there every 2 ms during \
             them",
            runner.cli.read_clients
        ),
    )];
    Ok(Section {
        checks,
        settings,
        notes: Vec::new(),
        seeds: vec![seed_line],
        memory,
    })
}

/// What was seeded.
struct Seeded {
    /// The request R1 reconciles.
    reconciled: OrderId,
    /// When the first request of the export was received; the others a minute apart.
    first_received: DateTime<Utc>,
    items: usize,
    boxes: usize,
    actions: usize,
    items_time: Duration,
    total: Duration,
}

fn ctx(at: DateTime<Utc>) -> WriteContext {
    WriteContext {
        actor: "bench:seed".into(),
        at,
        request_id: None,
        reason: Some("benchmark seed".into()),
        scan: None,
        idempotency: None,
    }
}

fn name(text: &str) -> anyhow::Result<Name> {
    Name::new("name", text).map_err(|e| anyhow!("invalid name: {e:?}"))
}

fn code(text: &str) -> anyhow::Result<Code> {
    Code::new("code", text).map_err(|e| anyhow!("invalid code: {e:?}"))
}

/// An item to create: where, with which serial, and whether it gets repair actions.
struct ItemPlan {
    parent: BoxId,
    serial: String,
    worked_on: bool,
}

/// The requests, their boxes and items, and every tenth found device's repair actions.
fn seed(url: &str, log: &crate::runner::Log) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let db = Database::connect(&eckwms_adapter_db::DbSettings {
        pool_size: SEED_THREADS as u32,
        ..eckwms_adapter_db::DbSettings::new(url)
    })
    .context("connecting to the database to seed")?;
    db.run_migrations()
        .context("migrating the database to seed")?;
    let first_received = Utc
        .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| anyhow!("no such time"))?;
    let mut plans = Vec::new();
    let mut boxes = 0;
    let mut reconciled = None;
    // Request 0 is reconciled (received a day before the export's range); 1..=200 exported.
    for k in 0..=EXPORT_ORDERS {
        let declared: Vec<DeclaredInput> = (0..DECLARED)
            .map(|d| DeclaredInput {
                serial: format!("RB{k:03}-{d:03}"),
                description: Some(format!("device {d} does not start")),
            })
            .collect();
        let declared = Declared::new("declared", &declared)
            .map_err(|e| anyhow!("invalid declaration: {e:?}"))?;
        let new = NewOrder {
            reference: Some(code(&format!("PO-{k:03}"))?),
            customer: Customer {
                company: Some(name(&format!("Bench customer {k}"))?),
                person: Some(name("Jane Doe")?),
                street: Some(name("Hauptstr.")?),
                house_number: Some(code("5")?),
                postal_code: Some(code("10115")?),
                city: Some(name("Berlin")?),
                email: Some(name("service@customer.example")?),
                ..Customer::default()
            },
            declared,
            ..NewOrder::default()
        };
        let at = if k == 0 {
            first_received - chrono::Duration::days(1)
        } else {
            first_received + chrono::Duration::minutes(k as i64 - 1)
        };
        let order = db.create_rma(&new, at.timestamp(), &ctx(at))?.id;
        db.update_order(
            order,
            Expected::Any,
            &OrderPatch {
                status: Some(OrderStatus::Received),
                ..OrderPatch::default()
            },
            &ctx(at),
        )?;
        let outer = db.create_box(&NewBox::default(), &ctx(at))?.id;
        db.link_box(order, outer, &ctx(at))?;
        let inner = db
            .create_box(
                &NewBox {
                    parent: Some(Parent::Box(outer)),
                    ..NewBox::default()
                },
                &ctx(at),
            )?
            .id;
        boxes += 2;
        for d in 0..FOUND {
            plans.push(ItemPlan {
                parent: if d % 2 == 0 { outer } else { inner },
                serial: format!("RB{k:03}-{d:03}"),
                worked_on: d % 10 == 0,
            });
        }
        if k == 0 {
            reconciled = Some(order);
            for u in 0..UNDECLARED {
                plans.push(ItemPlan {
                    parent: inner,
                    serial: format!("RBX-{u:03}"),
                    worked_on: false,
                });
            }
        }
    }
    let reconciled = reconciled.ok_or_else(|| anyhow!("no request to reconcile"))?;
    let items_started = Instant::now();
    let actions = std::thread::scope(|scope| -> anyhow::Result<usize> {
        let handles: Vec<_> = (0..SEED_THREADS)
            .map(|t| {
                let (db, plans) = (&db, &plans);
                scope.spawn(move || -> anyhow::Result<usize> {
                    let mut actions = 0;
                    for plan in plans.iter().skip(t).step_by(SEED_THREADS) {
                        actions += create_item(db, plan, first_received)?;
                    }
                    Ok(actions)
                })
            })
            .collect();
        let mut actions = 0;
        for handle in handles {
            actions += handle
                .join()
                .map_err(|_| anyhow!("a seeding thread panicked"))??;
        }
        Ok(actions)
    })?;
    let items_time = items_started.elapsed();
    log.line(&format!(
        "  {} items and {} repair actions in {:.1} s",
        group(plans.len() as u64),
        group(actions as u64),
        items_time.as_secs_f64()
    ));
    Ok(Seeded {
        reconciled,
        first_received,
        items: plans.len(),
        boxes,
        actions,
        items_time,
        total: started.elapsed(),
    })
}

/// Creates the item; a device worked on gets a `check` and a `result`. Returns the actions.
fn create_item(db: &Database, plan: &ItemPlan, at: DateTime<Utc>) -> anyhow::Result<usize> {
    let item = db
        .create_item(
            &NewItem {
                serial: Some(code(&plan.serial)?),
                name: Some(name("Scanner MC33")?),
                class_code: Some(code("MC33")?),
                parent: Some(Parent::Box(plan.parent)),
                ..NewItem::default()
            },
            &ctx(at),
        )?
        .id;
    if !plan.worked_on {
        return Ok(0);
    }
    let result = RepairResult::new("parts", Outcome::Repaired, vec!["1x battery".into()], true)
        .map_err(|e| anyhow!("invalid result: {e:?}"))?;
    for (kind, message, result) in [
        (ActionKind::Check, "does not charge", None),
        (ActionKind::Result, "battery replaced", Some(result)),
    ] {
        let action = ItemAction {
            kind,
            message: Note::new("message", message).map_err(|e| anyhow!("{e:?}"))?,
            at,
            actor: "bench:seed".into(),
            result,
        };
        db.add_item_action(item, &action, &ctx(at))?;
    }
    Ok(2)
}

/// One reconciliation, checked: what R1 measures answers what was seeded.
fn check_reconciliation(url: &str, key: &str) -> anyhow::Result<()> {
    let (url, authorization) = (url.to_owned(), format!("Bearer {key}"));
    let body: Value = actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let mut response = client
            .get(url.as_str())
            .insert_header(("Authorization", authorization.as_str()))
            .send()
            .await
            .map_err(|e| anyhow!("GET {url}: {e}"))?;
        let status = response.status();
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .map_err(|e| anyhow!("GET {url}: {e}"))?;
        if !status.is_success() {
            bail!("GET {url}: {status}: {}", String::from_utf8_lossy(&body));
        }
        serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"))
    })?;
    let count = |list: &str| body[list].as_array().map_or(0, Vec::len);
    let counts = (count("matched"), count("missing"), count("undeclared"));
    if counts != (FOUND, DECLARED - FOUND, UNDECLARED) {
        bail!("the reconciliation found (matched, missing, undeclared) = {counts:?}");
    }
    Ok(())
}

/// One export, read to its end as it streams: its rows (lines but the header), bytes, and
/// the times to its first byte and its end.
fn export(url: &str, key: &str) -> anyhow::Result<Export> {
    let (url, authorization) = (url.to_owned(), format!("Bearer {key}"));
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(300))
            .finish();
        let started = Instant::now();
        let mut response = client
            .get(url.as_str())
            .insert_header(("Authorization", authorization.as_str()))
            .send()
            .await
            .map_err(|e| anyhow!("GET {url}: {e}"))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.body().await.unwrap_or_default();
            bail!("GET {url}: {status}: {}", String::from_utf8_lossy(&body));
        }
        let (mut lines, mut bytes, mut first_byte) = (0u64, 0u64, None);
        let mut bom: Vec<u8> = Vec::with_capacity(3);
        while let Some(chunk) = response.next().await {
            let chunk = chunk.map_err(|e| anyhow!("GET {url}: the body broke off: {e}"))?;
            first_byte.get_or_insert_with(|| started.elapsed());
            if bom.len() < 3 {
                let wanted = 3 - bom.len();
                bom.extend(chunk.iter().take(wanted));
            }
            bytes += chunk.len() as u64;
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
        let total = started.elapsed();
        if bom.as_slice() != b"\xEF\xBB\xBF" {
            bail!("GET {url}: the report does not start with a byte order mark");
        }
        Ok(Export {
            rows: lines.saturating_sub(1),
            bytes,
            first_byte: first_byte.unwrap_or(total),
            total,
        })
    })
}

/// The peak of a process's RssAnon, sampled every 2 ms on a thread of its own until
/// [`finish`](Self::finish).
struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl AnonPeak {
    fn start(pid: u32) -> Self {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !stopped.load(Ordering::Relaxed) {
                if let Ok(kib) = sys::anon_rss_kib(pid) {
                    peak = peak.max(kib);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        });
        Self { stop, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}
