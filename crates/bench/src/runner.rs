//! The run's plumbing: its work directory, its progress log, and the runner that loads a
//! server phase by phase and keeps what each phase and floor measured.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::Value;

use crate::Cli;
use crate::floor::Floor;
use crate::fmt::{fmt_ms, fmt_rate, group};
use crate::load::{self, Spec, Work};
use crate::report::Phase;
use crate::rng::Rng;
use crate::sys::CpuProbe;

/// The temporary work directory, removed at the end unless `--keep`.
pub struct WorkDir {
    pub path: PathBuf,
    pub keep: bool,
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("bench: work directory kept: {}", self.path.display());
        } else if let Err(e) = std::fs::remove_dir_all(&self.path) {
            eprintln!("bench: removing {}: {e}", self.path.display());
        }
    }
}

/// Progress lines on standard error, with the time since the start.
pub struct Log(pub Instant);

impl Log {
    pub fn line(&self, text: &str) {
        eprintln!("[{:>6.1} s] {text}", self.0.elapsed().as_secs_f64());
    }
}

/// Runs the load phases and keeps what they measured.
pub struct Runner<'a> {
    pub cli: &'a Cli,
    pub log: &'a Log,
    pub ticks: u64,
    pub rng: Rng,
    pub phases: Vec<Phase>,
    pub floors: Vec<Floor>,
    /// A second server whose CPU is counted apart (the instance behind the proxy).
    pub upstream_pid: Option<u32>,
}

impl Runner<'_> {
    /// The warm-up and the measured time of every phase and floor.
    pub fn times(&self) -> (Duration, Duration) {
        (
            Duration::from_secs(self.cli.warmup_secs),
            Duration::from_secs(self.cli.duration_secs),
        )
    }

    /// Keeps (and logs) a floor.
    pub fn floor(&mut self, floor: Floor) -> Floor {
        self.log.line(&format!(
            "floor {}: {} on {}: {}",
            floor.id,
            floor.what,
            floor.data,
            floor.summary()
        ));
        self.floors.push(floor.clone());
        floor
    }

    #[allow(clippy::too_many_arguments)]
    pub fn phase(
        &mut self,
        id: impl Into<String>,
        request: &str,
        data: &str,
        server_pid: u32,
        clients: usize,
        authorization: Option<String>,
        work: Work,
    ) -> anyhow::Result<Phase> {
        let id = id.into();
        self.log.line(&format!(
            "phase {id}: {request} on {data}, {clients} clients, {} s + {} s warm-up",
            self.cli.duration_secs, self.cli.warmup_secs
        ));
        let spec = Spec {
            clients,
            threads: self.cli.client_threads,
            warmup: Duration::from_secs(self.cli.warmup_secs),
            duration: Duration::from_secs(self.cli.duration_secs),
            authorization,
            pace: None,
            work,
        };
        let probe = CpuProbe::start(Some(server_pid), self.upstream_pid, self.ticks);
        let outcome = load::run(spec, self.rng.next_u64())?;
        let cpu = probe.finish();
        self.log.line(&format!("  {}", log_summary(&outcome)));
        let phase = Phase {
            id,
            request: request.to_owned(),
            data: data.to_owned(),
            outcome,
            cpu,
        };
        self.phases.push(phase.clone());
        Ok(phase)
    }

    /// Runs several loads on one server at the same time (see [`load::run_together`]) and
    /// keeps each as a phase; they share one CPU measurement, of the whole.
    pub fn together(&mut self, server_pid: u32, loads: Vec<Load>) -> anyhow::Result<Vec<Phase>> {
        let (warmup, duration) = self.times();
        let mut specs = Vec::with_capacity(loads.len());
        let mut named = Vec::with_capacity(loads.len());
        for load in loads {
            self.log.line(&format!(
                "phase {}: {} on {}, {} clients{}, at the same time as the others of this group",
                load.id,
                load.request,
                load.data,
                load.clients,
                load.pace.map_or(String::new(), |p| format!(
                    ", each starting a request at most every {} ms",
                    p.as_millis()
                )),
            ));
            specs.push(Spec {
                clients: load.clients,
                threads: load.threads,
                warmup,
                duration,
                authorization: load.authorization,
                pace: load.pace,
                work: load.work,
            });
            named.push((load.id, load.request, load.data));
        }
        let probe = CpuProbe::start(Some(server_pid), self.upstream_pid, self.ticks);
        let outcomes = load::run_together(specs, self.rng.next_u64())?;
        let cpu = probe.finish();
        let mut phases = Vec::with_capacity(named.len());
        for ((id, request, data), outcome) in named.into_iter().zip(outcomes) {
            self.log.line(&format!("  {id}: {}", log_summary(&outcome)));
            let phase = Phase {
                id,
                request,
                data,
                outcome,
                cpu,
            };
            self.phases.push(phase.clone());
            phases.push(phase);
        }
        Ok(phases)
    }
}

/// One of the loads [`Runner::together`] runs at once.
pub struct Load {
    pub id: String,
    pub request: String,
    pub data: String,
    pub clients: usize,
    /// OS threads of this load's clients.
    pub threads: usize,
    /// See [`Spec::pace`].
    pub pace: Option<Duration>,
    pub authorization: Option<String>,
    pub work: Work,
}

/// "123 req/s, p50 1.23 ms, p99 4.56 ms, max 7.89 ms, 0 errors", and the errors' kinds.
fn log_summary(outcome: &load::Outcome) -> String {
    format!(
        "{} req/s, p50 {} ms, p99 {} ms, max {} ms, {} errors{}",
        fmt_rate(outcome.per_second()),
        fmt_ms(outcome.percentile_ms(50.0)),
        fmt_ms(outcome.percentile_ms(99.0)),
        fmt_ms(outcome.max_ms()),
        outcome.errors,
        if outcome.error_kinds.is_empty() {
            String::new()
        } else {
            format!(" {:?}", outcome.error_kinds)
        }
    )
}

/// A binary next to this executable (cargo puts the workspace's release binaries together).
pub fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating this executable")?;
    let dir = me
        .parent()
        .ok_or_else(|| anyhow!("this executable has no directory"))?;
    Ok(dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB ({} kB)", kib as f64 / 1024.0, group(kib))
}

pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

pub fn bearer(key: &str) -> Option<String> {
    Some(format!("Bearer {key}"))
}

/// The answer's JSON when its status is `expected`.
pub async fn answer(
    sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    url: &str,
    expected: u16,
) -> anyhow::Result<Value> {
    let mut response = sent.map_err(|e| anyhow!("{url}: {e}"))?;
    let status = response.status();
    let body = response.body().await.map_err(|e| anyhow!("{url}: {e}"))?;
    if status.as_u16() != expected {
        bail!("{url}: {status}: {}", String::from_utf8_lossy(&body));
    }
    serde_json::from_slice(&body).with_context(|| format!("{url}: not JSON"))
}
