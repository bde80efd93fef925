//! The relay section: scans buffered at the global service's relay, pulled and applied by an
//! instance (`eckwms serve` with `relay.enabled`).
//!
//! Both real binaries on SQLite: the instance is enrolled (`eckwms global enroll`), its
//! scanners registered and approved there and published to the global service by its
//! heartbeat. With the instance stopped, the scanners post their scans to the relay (signed,
//! each scanner's one after the other: an item, then a box, so that half of them move an
//! item). Then the instance starts with the relay on and works through the backlog: R3 is the
//! scans applied per second, from the instance's start until `GET /api/v1/relay/status` counts
//! every scan applied.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use eckwms_device_protocol::signing::request_headers;
use serde_json::{Value, json};

use crate::fmt::{fmt_rate, group};
use crate::global::setup::global_config;
use crate::load::Scanner;
use crate::report::{Check, Section};
use crate::runner::{Runner, secs};
use crate::seed::{self, Plan};
use crate::server::{self, Server, eckwms_command};
use crate::sqlite::{seed_line, sqlite_url};

/// The target of this section, for "not measured" when it fails.
pub const TARGETS: [&str; 1] =
    ["RL1: relay apply, ≥ 2,000 scans/s (a backlog at the global service)"];

/// Scanners posting to the relay, and scans each posts.
const SCANNERS: usize = 8;
const SCANS_EACH: usize = 2_500;
/// Scans per pull (the most the global service hands out at once).
const BATCH: usize = 500;
const RELAY_PATH: &str = "/ECK/API/RELAY/SCANS";
/// The longest wait for the instance to apply the backlog.
const APPLY_TIMEOUT: Duration = Duration::from_secs(600);

/// The section; a failure is reported ("not measured", with its cause) rather than ending the
/// run.
pub fn section(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    eckwms_global: &Path,
    work: &Path,
) -> Section {
    match run(runner, eckwms, eckwms_global, work) {
        Ok(section) => section,
        Err(e) => {
            let failed = format!("the relay section failed: {e:#}");
            runner.log.line(&failed);
            Section::not_measured(&TARGETS, &failed)
        }
    }
}

fn run(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    eckwms_global: &Path,
    work: &Path,
) -> anyhow::Result<Section> {
    let log = runner.log;
    let dir = work.join("relay");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    // The global service.
    let port = server::free_port()?;
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
        global_config(port, &sqlite_url(&dir.join("eckwms-global.db")), &admin_key),
    )
    .with_context(|| format!("writing {}", config.display()))?;
    let token = server::global_enroll(eckwms_global, &config, &dir, "Bench relay site")?;
    let global = Server::global(eckwms_global, &config, port, &dir)?;

    // The instance, seeded small, enrolled, its scanners approved; the relay off for now.
    let url = sqlite_url(&dir.join("eckwms.db"));
    let plan = Plan {
        items: 10_000,
        places: 50,
        boxes: 200,
        ledger_rows: runner.cli.small_ledger_rows,
        contents_objects: 0,
        orders: 0,
        threads: 1,
        budget: None,
    };
    log.line("relay: seeding the instance's SQLite database");
    let seeded = seed::seed(&url, &plan, runner.rng.next_u64(), &|l| log.line(l))?;
    let seed = seed_line("SQLite, relay section", &seeded, &plan);
    let run_dir = dir.join("run");
    let env = |relay: bool| {
        vec![
            ("ECKWMS__RELAY__ENABLED", relay.to_string()),
            ("ECKWMS__RELAY__BATCH", BATCH.to_string()),
            ("ECKWMS__GLOBAL__HEARTBEAT_SECS", "1".to_owned()),
            ("ECKWMS__GLOBAL__LOCAL_IPS", "192.168.1.5".to_owned()),
        ]
    };
    let (site, key) = Server::eckwms_with(eckwms, &url, &run_dir, &env(false))?;
    eckwms_command(
        eckwms,
        &url,
        &run_dir,
        &["global", "enroll", "--url", &global.base, "--token", &token],
        "",
    )?;
    let scanners = crate::scanners::register(&site, &key, SCANNERS, "PICKER", &mut runner.rng)?;
    let items: Vec<String> = seeded.items.iter().map(ToString::to_string).collect();
    let boxes: Vec<String> = seeded.boxes.iter().map(ToString::to_string).collect();
    let scans = plan_scans(&scanners, &items, &boxes, &mut runner.rng)?;
    let relay = global.url(RELAY_PATH);
    log.line("relay: waiting for the global service to take the scanners' scans");
    wait_until_active(&relay, &scanners)?;
    site.stop()?;

    let posted = Instant::now();
    post_all(&relay, &scanners, scans)?;
    let total = SCANNERS * SCANS_EACH;
    log.line(&format!(
        "relay: {} scans posted to the relay in {} while the instance was stopped",
        group(total as u64),
        secs(posted.elapsed())
    ));

    let started = Instant::now();
    let (site, key) = Server::eckwms_with(eckwms, &url, &run_dir, &env(true))?;
    let applied = wait_applied(&site, &key, total + 1);
    let time = started.elapsed();
    let site_log = site.stop()?;
    drop(global);
    let status = applied.map_err(|e| anyhow!("{e:#}; the instance's log ends: {site_log}"))?;
    let errors = status.get("errors").and_then(Value::as_i64).unwrap_or(-1);
    // The first scan of the first scanner was posted while waiting for it to be active.
    let count = total + 1;
    let rate = count as f64 / time.as_secs_f64();
    log.line(&format!(
        "  RL1: {} scans applied in {} ({} errors)",
        group(count as u64),
        secs(time),
        errors
    ));
    Ok(Section {
        checks: vec![Check {
            target: TARGETS[0].into(),
            measured: format!(
                "{} scans/s ({} scans in {}, from the instance's start)",
                fmt_rate(rate),
                group(count as u64),
                secs(time)
            ),
            pass: Some(rate >= 2_000.0 && errors == 0),
            note: if errors == 0 {
                String::new()
            } else {
                format!("{errors} relayed scans were recorded as errors")
            },
        }],
        settings: vec![(
            "Relay section".into(),
            format!(
                "SQLite for both services; {SCANNERS} scanners (role PICKER) approved at the \
                 instance and published by its heartbeat (`global.heartbeat_secs = 1`), each \
                 posting {} scans to `POST {RELAY_PATH}` one after the other (an item, then a \
                 box) while the instance is stopped; the instance then starts with \
                 `relay.batch = {BATCH}` and its other relay settings at their defaults",
                group(SCANS_EACH as u64)
            ),
        )],
        notes: vec![
            "Relay: the time of RL1 runs from the instance's start (its process spawned) until \
             `GET /api/v1/relay/status` counts every scan applied, read every 50 ms."
                .into(),
        ],
        seeds: vec![seed],
        memory: Vec::new(),
    })
}

/// Each scanner's scans, in order: an item of `items`, then a box of `boxes`, repeated.
fn plan_scans(
    scanners: &[Scanner],
    items: &[String],
    boxes: &[String],
    rng: &mut crate::rng::Rng,
) -> anyhow::Result<Vec<Vec<(String, String)>>> {
    scanners
        .iter()
        .enumerate()
        .map(|(n, _)| {
            (0..SCANS_EACH)
                .map(|k| {
                    let from = if k % 2 == 0 { items } else { boxes };
                    let barcode = rng.pick(from).context("nothing to scan")?.clone();
                    Ok((format!("relay.{n}.{k}"), barcode))
                })
                .collect()
        })
        .collect()
}

/// A signed relay post: its status and body.
async fn post(
    client: &awc::Client,
    url: &str,
    scanner: &Scanner,
    msg_id: &str,
    barcode: &str,
) -> anyhow::Result<(u16, String)> {
    let body = json!({"msgId": msg_id, "barcode": barcode}).to_string();
    let headers = request_headers(
        &scanner.key,
        &scanner.id,
        "POST",
        RELAY_PATH,
        chrono::Utc::now().timestamp(),
        body.as_bytes(),
    );
    let mut request = client.post(url).content_type("application/json");
    for header in headers {
        request = request.insert_header(header);
    }
    let mut response = request
        .send_body(body)
        .await
        .map_err(|e| anyhow!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    let answer = response
        .body()
        .await
        .map_err(|e| anyhow!("POST {url}: {e}"))?;
    Ok((status, String::from_utf8_lossy(&answer).into_owned()))
}

/// Waits until the relay takes a scan of every scanner (the heartbeat published them active):
/// each posts one scan, `relay.ready.<n>`, until it is taken.
fn wait_until_active(url: &str, scanners: &[Scanner]) -> anyhow::Result<()> {
    actix_rt::System::new().block_on(async {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let started = Instant::now();
        let first = scanners.first().ok_or_else(|| anyhow!("no scanner"))?;
        loop {
            let (status, body) = post(&client, url, first, "relay.ready", "not-a-code").await?;
            match status {
                202 => return Ok(()),
                403 if started.elapsed() < Duration::from_secs(60) => {
                    actix_rt::time::sleep(Duration::from_millis(200)).await;
                }
                _ => bail!("POST {url}: {status}: {body}"),
            }
        }
    })
}

/// Posts every scanner's scans, the scanners at the same time, each one's in order.
fn post_all(
    url: &str,
    scanners: &[Scanner],
    scans: Vec<Vec<(String, String)>>,
) -> anyhow::Result<()> {
    actix_rt::System::new().block_on(async {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let posts = scanners.iter().zip(scans).map(|(scanner, own)| {
            let client = client.clone();
            async move {
                for (msg_id, barcode) in own {
                    let (status, body) = post(&client, url, scanner, &msg_id, &barcode).await?;
                    if status != 202 {
                        bail!("POST {url}: {status}: {body}");
                    }
                }
                Ok::<_, anyhow::Error>(())
            }
        });
        for posted in futures_util::future::join_all(posts).await {
            posted?;
        }
        Ok(())
    })
}

/// Reads the relay's status every 50 ms until `count` scans are applied or recorded as errors:
/// the last status.
fn wait_applied(site: &Server, key: &str, count: usize) -> anyhow::Result<Value> {
    let url = site.url("/api/v1/relay/status");
    let authorization = format!("Bearer {key}");
    actix_rt::System::new().block_on(async {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let started = Instant::now();
        loop {
            let mut response = client
                .get(url.as_str())
                .insert_header(("Authorization", authorization.as_str()))
                .send()
                .await
                .map_err(|e| anyhow!("GET {url}: {e}"))?;
            let body = response
                .body()
                .await
                .map_err(|e| anyhow!("GET {url}: {e}"))?;
            if !response.status().is_success() {
                bail!(
                    "GET {url}: {}: {}",
                    response.status(),
                    String::from_utf8_lossy(&body)
                );
            }
            let status: Value =
                serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"))?;
            let done = ["applied", "errors"]
                .iter()
                .filter_map(|field| status.get(*field).and_then(Value::as_i64))
                .sum::<i64>();
            if usize::try_from(done).unwrap_or(0) >= count {
                return Ok(status);
            }
            if started.elapsed() > APPLY_TIMEOUT {
                bail!(
                    "{done} of {count} relayed scans applied after {}: {status}",
                    secs(APPLY_TIMEOUT)
                );
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    })
}
