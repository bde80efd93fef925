//! Floors: what this machine does with the same work without the service around it, measured
//! in the same run, so that the throughput targets are ratios that follow the machine's speed
//! rather than absolute rates (a slower machine lowers the floor and the service alike).
//!
//! The HTTP floor is the bare actix-web handler of `bare.rs` (phases H1, H3). The write floors
//! are here: the statements of a move, through `eckwms_adapter_db::floor::MoveFloor` (the very
//! query functions the service runs), in a plain loop on the engine, one transaction per move,
//! on the database the service's own moves phase then uses.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::Utc;
use eckwms_adapter_db::floor::MoveFloor;
use eckwms_application::ports::{MoveCommand, WriteContext};
use eckwms_domain::{BoxId, ItemId, Movable, Parent, PlaceId};

use crate::fmt::fmt_rate;
use crate::rng::Rng;

/// What one floor measured.
#[derive(Clone, Debug)]
pub struct Floor {
    pub id: &'static str,
    pub what: String,
    pub data: String,
    pub threads: usize,
    /// Moves started inside the measured window and committed.
    pub units: u64,
    /// Moves started inside the measured window and refused or failed.
    pub errors: u64,
    pub window: Duration,
}

impl Floor {
    pub fn per_second(&self) -> f64 {
        self.units as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// The rate and what it was measured on, for the report.
    pub fn summary(&self) -> String {
        format!(
            "{} moves/s ({} {}, {} errors)",
            fmt_rate(self.per_second()),
            self.threads,
            if self.threads == 1 {
                "thread"
            } else {
                "threads"
            },
            self.errors
        )
    }
}

/// Where the floor's moves go: random items into random boxes and places, as phase M1/M2.
pub struct MoveWork<'a> {
    pub items: &'a [ItemId],
    pub boxes: &'a [BoxId],
    pub places: &'a [PlaceId],
}

/// Moves one random item to one random container after another, on `threads` connections,
/// for `warmup` + `duration`; counts the moves committed inside the measured window.
#[allow(clippy::too_many_arguments)]
pub fn moves(
    id: &'static str,
    what: &str,
    data: &str,
    url: &str,
    threads: usize,
    work: &MoveWork<'_>,
    (warmup, duration): (Duration, Duration),
    seed: u64,
) -> anyhow::Result<Floor> {
    let threads = threads.max(1);
    let targets: Vec<Parent> = work
        .boxes
        .iter()
        .copied()
        .map(Parent::Box)
        .chain(work.places.iter().copied().map(Parent::Place))
        .collect();
    let start = Instant::now();
    let (measure_from, stop_at) = (start + warmup, start + warmup + duration);
    let counts = std::thread::scope(|scope| -> anyhow::Result<Vec<(u64, u64, Instant)>> {
        let mut handles = Vec::with_capacity(threads);
        for t in 0..threads {
            let targets = &targets;
            let mut rng = Rng::new(seed ^ ((t as u64 + 1) << 40));
            handles.push(scope.spawn(move || -> anyhow::Result<(u64, u64, Instant)> {
                let mut floor = MoveFloor::open(url).context("opening the floor's connection")?;
                let (mut units, mut errors, mut last) = (0u64, 0u64, measure_from);
                loop {
                    let began = Instant::now();
                    if began >= stop_at {
                        break;
                    }
                    let item = *rng.pick(work.items).ok_or_else(|| anyhow!("no item"))?;
                    let to = *rng.pick(targets).ok_or_else(|| anyhow!("no container"))?;
                    let command = MoveCommand {
                        objects: vec![Movable::Item(item)],
                        to,
                        expected_from: None,
                    };
                    let ctx = WriteContext {
                        actor: "bench:floor".into(),
                        at: Utc::now(),
                        request_id: None,
                        reason: None,
                        scan: None,
                        idempotency: None,
                    };
                    let result = floor.apply(&command, &ctx);
                    if began >= measure_from {
                        match result {
                            Ok(_) => units += 1,
                            Err(_) => errors += 1,
                        }
                        last = Instant::now();
                    }
                }
                Ok((units, errors, last))
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow!("a floor thread panicked"))?)
            .collect()
    })?;
    let last = counts
        .iter()
        .map(|(_, _, last)| *last)
        .max()
        .unwrap_or(stop_at);
    Ok(Floor {
        id,
        what: what.to_owned(),
        data: data.to_owned(),
        threads,
        units: counts.iter().map(|(u, _, _)| u).sum(),
        errors: counts.iter().map(|(_, e, _)| e).sum(),
        window: last.saturating_duration_since(measure_from).max(duration),
    })
}
