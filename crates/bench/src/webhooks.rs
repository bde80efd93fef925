//! The webhooks section: the ledger delivered by `eckwms serve`'s webhook worker to a receiver
//! on loopback in this process (an actix-web server of one worker that answers 204 and keeps,
//! for each event, whether its `seq` came before and how late it came).
//!
//! H1: a subscription made on a database whose ledger already holds a backlog (the cursor of a
//! new subscription is 0, so it gets every row): events delivered per second, from the
//! subscription's creation until the last row arrived.
//! H2: moves at 1,000/s (paced clients) while the subscription follows: the lag of each event,
//! the receipt's time minus the event's `at` (the time the service wrote it; both clocks are
//! this machine's), after its 250 ms polling interval and its batching.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::fmt::{fmt_ms, fmt_rate, group};
use crate::load::nearest_rank;
use crate::report::{Check, Section};
use crate::runner::{Load, Runner, answer, bearer, secs};
use crate::seed::{self, Plan};
use crate::server::Server;
use crate::sqlite::{random_moves, seed_line, short_count, sqlite_url};

/// The targets of this section, for "not measured" when it fails.
pub const TARGETS: [&str; 2] = [
    "H1: webhook delivery of a backlog to a loopback receiver, ≥ 5,000 events/s",
    "H2: webhook lag (receipt − the event's `at`) p99 < 1 s while the service takes 1,000 moves/s",
];

/// Ledger rows already there when the subscription is made (H1's backlog).
const BACKLOG_ROWS: u64 = 100_000;
/// H2's load: this many clients, each starting a move at most every [`PACE`]: 1,000 moves/s.
const MOVE_CLIENTS: usize = 10;
const PACE: Duration = Duration::from_millis(10);
/// Events of one delivery (the most a subscription may ask for).
const BATCH: u32 = 500;
/// The longest wait for the receiver to have every row.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(300);

/// What the receiver got.
#[derive(Default)]
struct Received {
    seqs: HashSet<i64>,
    /// Events whose `seq` came before (at least once delivery; none expected here).
    duplicates: u64,
    /// The `seq` and lag in milliseconds of each event's first receipt.
    lags: Vec<(i64, f64)>,
    /// Deliveries (requests).
    deliveries: u64,
    /// When the last delivery arrived.
    last: Option<Instant>,
}

#[derive(Deserialize)]
struct Delivery {
    events: Vec<DeliveredEvent>,
}

#[derive(Deserialize)]
struct DeliveredEvent {
    seq: i64,
    at: DateTime<Utc>,
}

type Shared = Arc<Mutex<Received>>;

async fn hook(state: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let now = Utc::now();
    let arrived = Instant::now();
    let Ok(delivery) = serde_json::from_slice::<Delivery>(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    let Ok(mut received) = state.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    for event in delivery.events {
        if received.seqs.insert(event.seq) {
            let micros = (now - event.at).num_microseconds().unwrap_or(i64::MAX);
            #[allow(clippy::cast_precision_loss)]
            received.lags.push((event.seq, micros as f64 / 1000.0));
        } else {
            received.duplicates += 1;
        }
    }
    received.deliveries += 1;
    received.last = Some(arrived);
    HttpResponse::NoContent().finish()
}

/// The receiver: its port, what it got, and its server to stop.
struct Receiver {
    port: u16,
    received: Shared,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start() -> anyhow::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the receiver")?;
        let port = listener.local_addr()?.port();
        let received = Shared::default();
        let state = received.clone();
        let (sender, handles) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let ran = actix_rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(state.clone()))
                        .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                        .route("/hook", web::post().to(hook))
                })
                .workers(1)
                .listen(listener)?
                .run();
                let _ = sender.send(server.handle());
                server.await
            });
            if let Err(e) = ran {
                eprintln!("webhook receiver: {e}");
            }
        });
        let handle = handles
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| anyhow!("the webhook receiver did not start"))?;
        Ok(Receiver {
            port,
            received,
            handle,
            thread: Some(thread),
        })
    }

    /// Distinct events received.
    fn count(&self) -> u64 {
        self.received.lock().map_or(0, |r| r.seqs.len() as u64)
    }

    /// Waits until `expected` distinct events arrived: when the last of them came.
    fn wait_for(&self, expected: u64, timeout: Duration) -> anyhow::Result<Instant> {
        let started = Instant::now();
        loop {
            if let Ok(r) = self.received.lock()
                && r.seqs.len() as u64 >= expected
            {
                return r.last.ok_or_else(|| anyhow!("no delivery arrived"));
            }
            if started.elapsed() > timeout {
                bail!(
                    "the receiver had {} of {expected} events after {}",
                    group(self.count()),
                    secs(timeout)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) {
        actix_rt::System::new().block_on(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The section on SQLite; a failure is reported ("not measured", with its cause) rather than
/// ending the run.
pub fn section(runner: &mut Runner<'_>, eckwms: &Path, work: &Path) -> Section {
    match run(runner, eckwms, work) {
        Ok(section) => section,
        Err(e) => {
            let failed = format!("the webhooks section failed: {e:#}");
            runner.log.line(&failed);
            Section::not_measured(&TARGETS, &failed)
        }
    }
}

fn run(runner: &mut Runner<'_>, eckwms: &Path, work: &Path) -> anyhow::Result<Section> {
    let log = runner.log;
    let dir = work.join("webhooks");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let url = sqlite_url(&dir.join("eckwms.db"));
    let plan = Plan {
        items: 10_000,
        places: 50,
        boxes: 200,
        ledger_rows: BACKLOG_ROWS,
        contents_objects: 0,
        orders: 0,
        threads: 1,
        budget: None,
    };
    log.line("webhooks: seeding a SQLite database with a backlog of ledger rows");
    let seeded = seed::seed(&url, &plan, runner.rng.next_u64(), &|l| log.line(l))?;
    let seed = seed_line("SQLite, webhooks section", &seeded, &plan);
    let backlog = seed::count_ledger(&url)?;

    let receiver = Receiver::start()?;
    let (server, key) = Server::eckwms_with(
        eckwms,
        &url,
        &dir.join("run"),
        &[("ECKWMS__WEBHOOKS__ALLOW_LOOPBACK", "true".to_owned())],
    )?;
    let admin = bearer(&key);
    let measured = measure(runner, &server, admin, &receiver, &seeded, &url, backlog);
    receiver.stop();
    let log_tail = server.stop()?;
    let (h1, h2) = measured.map_err(|e| anyhow!("{e:#}; the service's log ends: {log_tail}"))?;

    let rate = h1.events as f64 / h1.time.as_secs_f64();
    let mut checks = vec![Check {
        target: TARGETS[0].into(),
        measured: format!(
            "{} events/s ({} events in {}, {} deliveries)",
            fmt_rate(rate),
            group(h1.events),
            secs(h1.time),
            group(h1.deliveries)
        ),
        pass: Some(rate >= 5_000.0),
        note: String::new(),
    }];
    let reached = h2.moves_per_second >= 950.0;
    checks.push(Check {
        target: TARGETS[1].into(),
        measured: format!(
            "p50 {} ms, p99 {} ms, max {} ms over {} events at {} moves/s",
            fmt_ms(h2.p50),
            fmt_ms(h2.p99),
            fmt_ms(h2.max),
            group(h2.events),
            fmt_rate(h2.moves_per_second)
        ),
        pass: Some(h2.p99 < 1_000.0 && reached),
        note: if reached {
            String::new()
        } else {
            "the load did not reach 1,000 moves/s on this machine".into()
        },
    });
    Ok(Section {
        checks,
        settings: vec![(
            "Webhooks section".into(),
            format!(
                "SQLite, {} ledger rows before the subscription; one subscription of batch size \
                 {BATCH} to a receiver on loopback in the bench process (one actix worker, \
                 answers 204); `webhooks.allow_loopback = true`, the other webhook settings \
                 their defaults (poll every 250 ms); H2: {MOVE_CLIENTS} clients each starting \
                 `POST /api/v1/moves` (one item) at most every {} ms",
                short_count(backlog),
                PACE.as_millis()
            ),
        )],
        notes: vec![format!(
            "Webhooks: every event arrived once ({} duplicates in H1 and H2 together; at least \
             once delivery allows them); lag is the receipt's time minus the event's `at`, both \
             read from this machine's clock.",
            group(h1.duplicates + h2.duplicates)
        )],
        seeds: vec![seed],
        memory: Vec::new(),
    })
}

struct Backlog {
    events: u64,
    time: Duration,
    deliveries: u64,
    duplicates: u64,
}

struct Following {
    events: u64,
    moves_per_second: f64,
    p50: f64,
    p99: f64,
    max: f64,
    duplicates: u64,
}

fn measure(
    runner: &mut Runner<'_>,
    server: &Server,
    admin: Option<String>,
    receiver: &Receiver,
    seeded: &seed::Seeded,
    url: &str,
    backlog: u64,
) -> anyhow::Result<(Backlog, Following)> {
    let log = runner.log;
    let hook = format!("http://127.0.0.1:{}/hook", receiver.port);
    let started = Instant::now();
    let created = post_json(
        &server.url("/api/v1/webhooks"),
        admin.as_deref().unwrap_or_default(),
        &json!({"url": hook, "batch_size": BATCH}),
    )?;
    if created.get("secret").and_then(Value::as_str).is_none() {
        bail!("the new subscription's answer carries no secret: {created}");
    }
    let last = receiver.wait_for(backlog, DRAIN_TIMEOUT)?;
    let (deliveries, duplicates) = receiver
        .received
        .lock()
        .map(|r| (r.deliveries, r.duplicates))
        .map_err(|_| anyhow!("the receiver's record is poisoned"))?;
    let h1 = Backlog {
        events: backlog,
        time: last.saturating_duration_since(started),
        deliveries,
        duplicates,
    };
    log.line(&format!(
        "  H1: {} events in {} ({} deliveries)",
        group(h1.events),
        secs(h1.time),
        group(h1.deliveries)
    ));

    let head_before = receiver
        .received
        .lock()
        .ok()
        .and_then(|r| r.seqs.iter().max().copied())
        .unwrap_or(0);
    let phases = runner.together(
        server.pid,
        vec![Load {
            id: "H2".into(),
            request: "`POST /api/v1/moves` (one item), paced to 1,000/s, while a webhook \
                      subscription follows"
                .into(),
            data: format!("SQLite, {} ledger rows", short_count(backlog)),
            clients: MOVE_CLIENTS,
            threads: runner.cli.client_threads,
            pace: Some(PACE),
            authorization: admin,
            work: random_moves(server, seeded),
        }],
    )?;
    let moves = phases
        .first()
        .ok_or_else(|| anyhow!("the H2 phase measured nothing"))?;
    let rows = seed::count_ledger(url)?;
    receiver.wait_for(rows, Duration::from_secs(60))?;
    let received = receiver
        .received
        .lock()
        .map_err(|_| anyhow!("the receiver's record is poisoned"))?;
    let mut lags: Vec<f64> = received
        .lags
        .iter()
        .filter(|(seq, _)| *seq > head_before)
        .map(|(_, lag)| *lag)
        .collect();
    lags.sort_by(f64::total_cmp);
    let h2 = Following {
        events: lags.len() as u64,
        moves_per_second: moves.outcome.per_second(),
        p50: nearest_rank(&lags, 50.0).unwrap_or(0.0),
        p99: nearest_rank(&lags, 99.0).unwrap_or(0.0),
        max: lags.last().copied().unwrap_or(0.0),
        duplicates: received.duplicates - duplicates,
    };
    log.line(&format!(
        "  H2: lag p50 {} ms, p99 {} ms, max {} ms over {} events",
        fmt_ms(h2.p50),
        fmt_ms(h2.p99),
        fmt_ms(h2.max),
        group(h2.events)
    ));
    Ok((h1, h2))
}

/// `POST url` with a JSON body and the admin's `Authorization`: the JSON of a 201.
fn post_json(url: &str, authorization: &str, body: &Value) -> anyhow::Result<Value> {
    actix_rt::System::new().block_on(async {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let sent = client
            .post(url)
            .insert_header(("Authorization", authorization))
            .send_json(body)
            .await;
        answer(sent, url, 201).await
    })
}
