//! The targets and their verdicts: each check judges phases (and floors) of the run.

use std::time::Duration;

use crate::codes::CodeFigures;
use crate::floor::Floor;
use crate::fmt::{cpu_text, fmt_ms, fmt_rate, group, summary};
use crate::load::Outcome;
use crate::logins::{HashFigures, LoginRun};
use crate::postgres::PgRun;
use crate::report::{Check, Phase};
use crate::runner::mib;
use crate::sqlite::{HOT_NOTE, Reads, Writes};

/// Throughput targets as shares of a floor measured in the same run (issue 12), so that they
/// follow the machine's speed: the absolute target each replaces, divided by its floor as
/// measured on the machine kind of the last run recorded with absolute targets (a 2-core Intel
/// Xeon), rounded up. The floors were measured there on 2026-12-06 with nothing else running
/// (F1 12,243-12,918 moves/s, F2 5,132 moves/s with 8 connections); the service itself was
/// slower that day than on 2026-11-25 (moves on SQLite 9,250 against 11,423/s), so its floors
/// were likely higher then, and shares taken from that day's floors are at least as demanding
/// as the absolute targets were. The absolute figures stay in the report.
///
/// A share of F1 is a bound that follows the machine, not the service's overhead: F1 pays one
/// commit per move, the service's writer commits several moves at once, so where a commit is
/// dear the service outruns its floor (2-core AMD EPYC, 2026-12-06: F1 7,582/s, moves on
/// SQLite 10,821/s = 143 %, scans 53 %).
///
/// 5,000 moves/s on SQLite ÷ F1 (12,500/s).
pub const MOVES_SQLITE_OF_FLOOR: f64 = 0.40;

/// 3,000 moving scans/s on SQLite ÷ F1 (12,500/s).
pub const SCANS_OF_FLOOR: f64 = 0.24;

/// Device-signed scans against the same scans with the API key, measured in the same run
/// (issue 14).
pub const DEVICE_SCANS_OF_KEY_SCANS: f64 = 0.90;

/// The signed scans' p99 against the key's, at most (the scans' own tail grows with their
/// data, so it is judged against theirs, measured alongside).
pub const DEVICE_SCANS_P99_OF_KEY: f64 = 1.25;

/// 2,500 moves/s on PostgreSQL ÷ F2 (5,132/s).
pub const MOVES_PG_OF_FLOOR: f64 = 0.49;

/// 500,000 v1 codes/s ÷ the bare AES-192-GCM decryption of a v1 code (8,719,006/s on one
/// thread, measured as the floors above).
pub const DECODE_V1_OF_CIPHER: f64 = 0.06;

/// 500,000 v2 codes/s ÷ the bare AES-256-GCM-SIV decryption of a v2 code (3,261,222/s).
pub const DECODE_V2_OF_CIPHER: f64 = 0.16;

/// A share of a floor that a phase must reach.
pub struct Share {
    pub floor_id: &'static str,
    pub floor_rate: f64,
    pub share: f64,
}

impl Share {
    pub fn of_floor(floor: &Floor, share: f64) -> Self {
        Self {
            floor_id: floor.id,
            floor_rate: floor.per_second(),
            share,
        }
    }

    pub fn min_rate(&self) -> f64 {
        self.floor_rate * self.share
    }

    /// "12,345 req/s = 61 % of F1 (20,000/s)".
    pub fn describe(&self, rate: f64) -> String {
        format!(
            "{} req/s = **{:.0} %** of {} ({}/s)",
            fmt_rate(rate),
            rate / self.floor_rate.max(1e-9) * 100.0,
            self.floor_id,
            fmt_rate(self.floor_rate)
        )
    }
}

pub fn moves_check(target: &str, phase: &Phase, share: &Share, backend: &str) -> Check {
    let o = &phase.outcome;
    let rate = o.per_second();
    let min_rate = share.min_rate();
    let rate_ok = rate >= min_rate;
    let p99_ok = o.percentile_ms(99.0) < 20.0;
    let pass = rate_ok && p99_ok && o.errors == 0;
    let mut why = Vec::new();
    if !rate_ok {
        why.push(format!(
            "throughput {} req/s is {:.0} % of the target ({} req/s in this run)",
            fmt_rate(rate),
            rate / min_rate * 100.0,
            fmt_rate(min_rate)
        ));
    }
    if !p99_ok {
        why.push(format!(
            "p99 {} ms (p50 {} ms; by Little's law the mean latency of {} closed-loop clients \
             is {} / rate = {} ms, so it falls only with a higher rate)",
            fmt_ms(o.percentile_ms(99.0)),
            fmt_ms(o.percentile_ms(50.0)),
            o.clients,
            o.clients,
            fmt_ms(o.clients as f64 / rate.max(1e-9) * 1000.0)
        ));
    }
    if o.errors > 0 {
        why.push(format!("{} requests failed", group(o.errors)));
    }
    let server = phase.cpu.server.unwrap_or(f64::NAN);
    let rest = phase.cpu.rest.unwrap_or(0.0);
    let mut cause = Vec::new();
    if backend == "SQLite" && server < 120.0 {
        cause.push(format!(
            "eckwms used only {server:.0} % of a core while {} requests were outstanding: the \
             moves are serialised on SQLite's single writer thread (it runs the queued moves \
             one after the other, each in a savepoint, and commits them in groups), so the rate \
             is bounded by that thread's work per move, by its pauses (a checkpoint it is asked \
             to finish, waiting for the disk) and by the hand-offs between threads, not by the \
             machine's CPU",
            o.clients
        ));
    } else if backend == "SQLite" {
        cause.push(format!(
            "eckwms used {server:.0} % of a core: the service's CPU per move (API-key lookup, \
             JSON, the write transaction) on the two cores it shares with the load generator \
             bounds the rate"
        ));
    } else {
        cause.push(format!(
            "eckwms used {server:.0} % of a core and the rest of the machine, mostly the \
             PostgreSQL backends on the same two cores, {rest:.0} %: every move is three \
             statements (the API key, where the item is, and one statement that moves it and \
             appends its ledger row and references, committing with a WAL flush); with the \
             service, the database server and the load generator on two cores, CPU bounds \
             the rate"
        ));
    }
    if backend == "SQLite" && rest > 30.0 {
        cause.push(format!(
            "the rest of the machine (other tenants of this shared machine, kernel loopback \
             work) took {rest:.0} % of a core during the phase"
        ));
    }
    Check {
        target: target.into(),
        measured: format!(
            "{}; {} ({} clients)",
            share.describe(rate),
            summary(o),
            o.clients
        ),
        pass: Some(pass),
        note: format!(
            "{}. Likely cause: {}. CPU during the phase: {}.",
            why.join("; "),
            cause.join("; "),
            cpu_text(&phase.cpu)
        ),
    }
}

pub fn scans_check(target: &str, phase: &Phase, share: &Share) -> Check {
    let o = &phase.outcome;
    let rate = o.per_second();
    let min_rate = share.min_rate();
    let p99 = o.percentile_ms(99.0);
    let pass = rate >= min_rate && p99 < 20.0 && o.errors == 0;
    let mut why = Vec::new();
    if rate < min_rate {
        why.push(format!(
            "{} moving scans/s is {:.0} % of the target ({}/s in this run)",
            fmt_rate(rate),
            rate / min_rate * 100.0,
            fmt_rate(min_rate)
        ));
    }
    if p99 >= 20.0 {
        why.push(format!("p99 {} ms", fmt_ms(p99)));
    }
    if o.errors > 0 {
        why.push(format!("{} scans failed", group(o.errors)));
    }
    Check {
        target: target.into(),
        measured: format!(
            "{}; {} ({} clients)",
            share.describe(rate),
            summary(o),
            o.clients
        ),
        pass: Some(pass),
        note: format!(
            "{}Each measured scan follows an unmeasured scan of the item (its join), so the \
             service answers two scans per moving scan; the rate counts moving scans only. \
             Each scan is one write transaction on SQLite's writer thread: the msg_id check, \
             the session, the object, the move and its ledger row, the scan log. Every client \
             is a device that puts items into random boxes and never scans a place, so its \
             working set grows to hundreds of boxes (the worst case; they go back with every \
             answer). CPU during the phase: {}.",
            if why.is_empty() {
                String::new()
            } else {
                format!("{}. ", why.join("; "))
            },
            cpu_text(&phase.cpu)
        ),
    }
}

/// p99 under [`TAIL_P99_MS`] and no error: a phase whose tail is the point.
/// The scans signed by registered scanners against the same scans with the API key, taken in
/// turns (the rates of all phases of each kind together).
pub fn device_scans_check(target: &str, signed: &[Phase], keyed: &[Phase]) -> Check {
    let o = merged(signed);
    let rate = combined_rate(signed);
    let key_rate = combined_rate(keyed);
    let share = rate / key_rate.max(1e-9);
    let p99 = o.percentile_ms(99.0);
    let key_p99 = merged(keyed).percentile_ms(99.0);
    let pass = share >= DEVICE_SCANS_OF_KEY_SCANS
        && p99 <= key_p99 * DEVICE_SCANS_P99_OF_KEY
        && o.errors == 0
        && key_rate > 0.0
        && !signed.is_empty();
    let ids = |phases: &[Phase]| -> String {
        phases
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join("+")
    };
    let mut why = Vec::new();
    if share < DEVICE_SCANS_OF_KEY_SCANS {
        why.push(format!(
            "{} signed moving scans/s is {:.0} % of the key's {}/s",
            fmt_rate(rate),
            share * 100.0,
            fmt_rate(key_rate)
        ));
    }
    if p99 > key_p99 * DEVICE_SCANS_P99_OF_KEY {
        why.push(format!(
            "p99 {} ms against the key's {} ms",
            fmt_ms(p99),
            fmt_ms(key_p99)
        ));
    }
    if o.errors > 0 {
        why.push(format!("{} signed scans failed", group(o.errors)));
    }
    let cpu = signed
        .iter()
        .chain(keyed)
        .map(|p| format!("{}: {}", p.id, cpu_text(&p.cpu)))
        .collect::<Vec<_>>()
        .join("; ");
    Check {
        target: target.into(),
        measured: format!(
            "{} ({}: {}) = **{:.0} %** of {}/s with the key ({}: {}); p99 {} ms signed, {} \
             ms with the key; {} errors ({} clients)",
            fmt_rate(rate),
            ids(signed),
            rates(signed),
            share * 100.0,
            fmt_rate(key_rate),
            ids(keyed),
            rates(keyed),
            fmt_ms(p99),
            fmt_ms(key_p99),
            group(o.errors),
            o.clients
        ),
        pass: Some(pass),
        note: format!(
            "{}Each signed request carries the scanner's id, the time and its Ed25519 \
             signature of the method, path, time and the body's SHA-256 instead of the key; the \
             service checks the time window and the signature with the scanner's key (read \
             from the database, then from memory for `auth.key_memory_ms`, as a key is) and \
             runs the scan as with the key (a scan is deduplicated by its msg_id, so no \
             signature is stored). The key's and the scanners' phases take turns, so the \
             growth of the data falls on both. The scanners' requests are signed before their \
             phase: scanners sign on their own processors, and signing here would take the \
             cores the service is measured on. CPU: {}.",
            if why.is_empty() {
                String::new()
            } else {
                format!("{}. ", why.join("; "))
            },
            cpu
        ),
    }
}

pub fn tail_check(target: &str, phase: &Phase, about: &str) -> Check {
    let o = &phase.outcome;
    let p99 = o.percentile_ms(99.0);
    Check {
        target: target.into(),
        measured: format!(
            "{} ({} clients; max {} ms)",
            summary(o),
            o.clients,
            fmt_ms(o.max_ms())
        ),
        pass: Some(p99 < TAIL_P99_MS && o.errors == 0),
        note: format!(
            "p99 {} ms, max {} ms, {} errors. {about} CPU during the phase: {}.",
            fmt_ms(p99),
            fmt_ms(o.max_ms()),
            group(o.errors),
            cpu_text(&phase.cpu)
        ),
    }
}

/// The 99th percentile latency the tail targets allow.
pub const TAIL_P99_MS: f64 = 100.0;

pub fn latency_check(target: &str, phase: &Phase, max_p99: f64, page_bytes: usize) -> Check {
    let o = &phase.outcome;
    let pass = o.percentile_ms(99.0) < max_p99 && o.errors == 0;
    Check {
        target: target.into(),
        measured: format!("{} ({} clients)", summary(o), o.clients),
        pass: Some(pass),
        note: format!(
            "p99 {} ms with {} clients; {}. A page of 500 entries is a sorted union query over \
             boxes and items plus JSON serialisation of 500 objects ({:.0} kB per page); \
             with {} clients on 2 cores shared with the load generator, part of the p99 is \
             waiting for a core.",
            fmt_ms(o.percentile_ms(99.0)),
            o.clients,
            cpu_text(&phase.cpu),
            page_bytes as f64 / 1024.0,
            o.clients
        ),
    }
}

/// Several phases measured as one: units, windows and latencies added up.
pub fn merged(phases: &[Phase]) -> Outcome {
    let mut all = Outcome::default();
    for p in phases {
        all.clients = p.outcome.clients;
        all.units += p.outcome.units;
        all.errors += p.outcome.errors;
        all.window += p.outcome.window;
        all.latencies_us.extend_from_slice(&p.outcome.latencies_us);
        for (kind, n) in &p.outcome.error_kinds {
            *all.error_kinds.entry(kind.clone()).or_default() += n;
        }
    }
    all.latencies_us.sort_unstable();
    all
}

pub fn scaling_check(target: &str, big: &[Phase], small: &[Phase], sizes: (u64, u64)) -> Check {
    let (b, s) = (merged(big), merged(small));
    // Is every phase on the large database slower than every phase on the small one?
    let slowest_small = small
        .iter()
        .map(|p| p.outcome.percentile_ms(50.0))
        .fold(f64::MIN, f64::max);
    let fastest_big = big
        .iter()
        .map(|p| p.outcome.percentile_ms(50.0))
        .fold(f64::MAX, f64::min);
    let consistent = fastest_big > slowest_small;
    let per_phase = |phases: &[Phase]| -> String {
        phases
            .iter()
            .map(|p| format!("{} p50 {} ms", p.id, fmt_ms(p.outcome.percentile_ms(50.0))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let p50 = b.percentile_ms(50.0) / s.percentile_ms(50.0);
    let p99 = b.percentile_ms(99.0) / s.percentile_ms(99.0);
    let pass = p50 <= 1.25 && p99 <= 1.25 && b.errors == 0 && s.errors == 0;
    let ids = |phases: &[Phase]| -> String {
        phases
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join("+")
    };
    let data =
        |phases: &[Phase]| -> String { phases.first().map(|p| p.data.clone()).unwrap_or_default() };
    let cpu = |phases: &[Phase]| -> String {
        phases
            .iter()
            .map(|p| format!("{}: {}", p.id, cpu_text(&p.cpu)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Check {
        target: target.into(),
        measured: format!(
            "{}: {} ({}) vs {}: {} ({}): p50 ×{:.2}, p99 ×{:.2}, req/s ×{:.2}",
            data(big),
            summary(&b),
            ids(big),
            data(small),
            summary(&s),
            ids(small),
            p50,
            p99,
            b.per_second() / s.per_second().max(1e-9)
        ),
        pass: Some(pass),
        note: format!(
            "on the larger database a latency grew beyond the 25 % allowance for noise \
             (p50 ×{p50:.2}, p99 ×{p99:.2}), {} ({} vs {}). The large database file is {:.0} MB, \
             the small one {:.0} MB, against SQLite page caches of at most 16 MB per connection \
             (the service's PRAGMA cache_size): on the large one the B-tree pages a request \
             touches are more often copied in from the operating system's file cache, and the \
             indexes are deeper. The queries are index lookups (items by id; \
             history: ledger_refs by object, then the ledger rows by sequence number), so the \
             cost grows with the depth and the cache misses, not with a scan of the table. \
             CPU: {}; {}.",
            if consistent {
                "in each alternation, so not a passing disturbance"
            } else {
                "but not in every alternation, so noise on this shared machine may have a share"
            },
            per_phase(big),
            per_phase(small),
            sizes.0 as f64 / 1e6,
            sizes.1 as f64 / 1e6,
            cpu(big),
            cpu(small)
        ),
    }
}

/// Requests per second over several phases together.
pub fn combined_rate(phases: &[Phase]) -> f64 {
    let units: u64 = phases.iter().map(|p| p.outcome.units).sum();
    let secs: f64 = phases.iter().map(|p| p.outcome.window.as_secs_f64()).sum();
    units as f64 / secs.max(1e-9)
}

pub fn rates(phases: &[Phase]) -> String {
    let each: Vec<String> = phases
        .iter()
        .map(|p| format!("{} {}", p.id, fmt_rate(p.outcome.per_second())))
        .collect();
    each.join(", ")
}

pub fn health_check(service: &[Phase], bare: &[Phase]) -> Check {
    let (service_rate, bare_rate) = (combined_rate(service), combined_rate(bare));
    let ratio = service_rate / bare_rate.max(1e-9);
    let errors: u64 = service
        .iter()
        .chain(bare.iter())
        .map(|p| p.outcome.errors)
        .sum();
    let pass = ratio >= 0.8 && errors == 0;
    let cpu: Vec<String> = service
        .iter()
        .chain(bare.iter())
        .map(|p| format!("{}: {}", p.id, cpu_text(&p.cpu)))
        .collect();
    Check {
        target: "`GET /health`: ≥ 80 % of the requests/s of a bare actix-web handler".into(),
        measured: format!(
            "eckwms {} req/s ({}) vs bare {} req/s ({}): **{:.0} %**; {} errors",
            fmt_rate(service_rate),
            rates(service),
            fmt_rate(bare_rate),
            rates(bare),
            ratio * 100.0,
            group(errors)
        ),
        pass: Some(pass),
        note: format!(
            "eckwms reached {:.0} % of the bare server over the alternating phases. {}. The \
             service's `/health` goes through its middleware (request id, tracing span, error \
             rendering), which the bare handler does not have; with the load generator on the \
             same two cores, every microsecond of server CPU per request shows in the rate.",
            ratio * 100.0,
            cpu.join("; ")
        ),
    }
}

/// The SQLite write targets: moves and scans as shares of F1, and the hot set's tail.
pub fn sqlite_writes(w: &Writes) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(moves_check(
        &format!(
            "Moves on SQLite: ≥ {:.0} % of the SQLite floor F1 with 32 concurrent clients, p99 < 20 ms",
            MOVES_SQLITE_OF_FLOOR * 100.0
        ),
        &w.moves,
        &Share::of_floor(&w.floor, MOVES_SQLITE_OF_FLOOR),
        "SQLite",
    ));
    checks.push(scans_check(
        &format!(
            "Scans that move an item into a box, SQLite: ≥ {:.0} % of the SQLite floor F1 with 32 \
             clients, p99 < 20 ms",
            SCANS_OF_FLOOR * 100.0
        ),
        &w.scans,
        &Share::of_floor(&w.floor, SCANS_OF_FLOOR),
    ));
    checks.push(device_scans_check(
        &format!(
            "Scans signed by {} registered scanners (one per client, no key), SQLite: ≥ {:.0} % \
             of the rate of the same scans with the API key in this run, p99 ≤ {:.2} x theirs, \
             0 errors",
            crate::sqlite::SCANNERS,
            DEVICE_SCANS_OF_KEY_SCANS * 100.0,
            DEVICE_SCANS_P99_OF_KEY
        ),
        &w.device_scans,
        &w.key_scans,
    ));
    checks.push(tail_check(
        "A hot set on SQLite (32 clients moving 8 objects): p99 < 100 ms, 0 errors",
        &w.hot,
        HOT_NOTE,
    ));
    checks
}

/// The label targets: decoding as shares of the bare ciphers, and a sheet's render time.
pub fn labels(figures: &CodeFigures) -> Vec<Check> {
    let mut checks = Vec::new();
    for (version, rate, cipher, cipher_rate, share) in [
        (
            "v1",
            figures.v1_per_sec,
            "AES-192-GCM",
            figures.v1_cipher_per_sec,
            DECODE_V1_OF_CIPHER,
        ),
        (
            "v2",
            figures.v2_per_sec,
            "AES-256-GCM-SIV",
            figures.v2_cipher_per_sec,
            DECODE_V2_OF_CIPHER,
        ),
    ] {
        checks.push(Check {
            target: format!(
                "Label code {version} decode: ≥ {:.0} % of the rate of its bare {cipher} \
                 decryption, on one core",
                share * 100.0
            ),
            measured: format!(
                "{} codes/s = **{:.0} %** of {} decryptions/s",
                fmt_rate(rate),
                rate / cipher_rate.max(1e-9) * 100.0,
                fmt_rate(cipher_rate)
            ),
            pass: Some(rate >= share * cipher_rate),
            note: format!(
                "`Decoder::decode_label` in a loop on one thread for 3 s ({}); the floor is the \
                 decryption alone, with the same cipher and sizes, in a loop on the same thread. \
                 The criterion bench `cargo bench -p eckwms-codes --bench decode` measures the \
                 decoding.",
                if version == "v1" {
                    "the first three codes of the reference vectors, AES-192-GCM"
                } else {
                    "32 codes, AES-256-GCM-SIV"
                }
            ),
        });
    }
    checks.push(Check {
        target: "A 32-label PDF (one A4 sheet, 2 x 16): < 50 ms".into(),
        measured: format!(
            "median {} ms of {} renders ({} bytes)",
            fmt_ms(figures.pdf_median.as_secs_f64() * 1000.0),
            figures.pdf_runs,
            group(figures.pdf_bytes as u64)
        ),
        pass: Some(figures.pdf_median < Duration::from_millis(50)),
        note: "`eckwms_labels::pdf` of 32 labels (3 QR codes, number, check characters, caption \
               each), on one thread; the criterion bench `cargo bench -p eckwms-labels --bench \
               sheet` measures the same."
            .into(),
    });
    checks
}

/// The PostgreSQL targets; "not measured" with `missing` as the reason when there is no run.
pub fn postgres(pg: Option<&PgRun>, missing: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    let pg_moves_target = format!(
        "Moves on PostgreSQL: ≥ {:.0} % of the PostgreSQL floor F2 with 32 concurrent clients, \
         p99 < 20 ms",
        MOVES_PG_OF_FLOOR * 100.0
    );
    match pg {
        Some(pg) => {
            checks.push(moves_check(
                &pg_moves_target,
                &pg.moves,
                &Share::of_floor(&pg.floor, MOVES_PG_OF_FLOOR),
                "PostgreSQL",
            ));
            checks.push(tail_check(
                "A hot set on PostgreSQL (32 clients moving 8 objects): p99 < 100 ms, 0 errors",
                &pg.hot,
                HOT_NOTE,
            ));
            checks.push(tail_check(
                "Order reads on PostgreSQL (`GET /api/v1/orders/{id}`, 32 clients, 1,000 \
                 orders): p99 < 100 ms, 0 errors",
                &pg.orders,
                &format!(
                    "Item reads by id in the same conditions (O2, for information): {}.",
                    summary(&pg.items.outcome)
                ),
            ));
        }
        None => {
            for target in [
                pg_moves_target.as_str(),
                "A hot set on PostgreSQL (32 clients moving 8 objects): p99 < 100 ms, 0 errors",
                "Order reads on PostgreSQL (`GET /api/v1/orders/{id}`, 32 clients, 1,000 \
                 orders): p99 < 100 ms, 0 errors",
            ] {
                checks.push(Check {
                    target: target.into(),
                    measured: "–".into(),
                    pass: None,
                    note: missing.into(),
                });
            }
        }
    }
    checks
}

/// The read targets: contents latency, list and history at 1M against 10k ledger rows
/// (`sizes`: the two database files' bytes), and `/health` against the bare handler.
pub fn reads(r: &Reads, sizes: (u64, u64)) -> Vec<Check> {
    let mut checks = Vec::new();
    for (phase, what) in [
        (&r.contents_p1, "first page of 500"),
        (&r.contents_all, "both pages, all 1,000 entries"),
    ] {
        checks.push(latency_check(
            &format!("Contents of a place holding 1,000 objects ({what}): p99 < 5 ms"),
            phase,
            5.0,
            r.page_bytes,
        ));
    }
    checks.push(scaling_check(
        "`GET /api/v1/items?limit=50` no slower at 1M ledger rows than at 10k",
        &r.list_big,
        &r.list_small,
        sizes,
    ));
    checks.push(scaling_check(
        "`GET /api/v1/items/{id}/history?limit=50` no slower at 1M ledger rows than at 10k",
        &r.history_big,
        &r.history_small,
        sizes,
    ));
    checks.push(health_check(&r.health_phases, &r.bare_phases));
    checks
}

/// The idle service's resident memory.
pub fn idle_memory(idle_rss: u64, idle_secs: u64) -> Check {
    Check {
        target: "Resident memory of eckwms idle: < 30 MiB".into(),
        measured: mib(idle_rss),
        pass: Some(idle_rss < 30 * 1024),
        note: format!(
            "VmRSS {} s after startup on the large SQLite database, before any request. The \
             process maps the release binary, starts one actix worker per CPU plus the \
             blocking pool, and opens the database pool; SQLite page caches (up to 16 MB per \
             connection by the service's PRAGMA cache_size) fill only with use.",
            idle_secs
        ),
    }
}

/// A move during a flood of logins: its p99 at most this many times its p99 without. In five
/// runs on a 2-core Intel Xeon on 2026-12-07, with another tenant compiling during three of
/// them, the p99 grew 1.7-4.7 × on SQLite and 2.7-5.7 × on PostgreSQL: one core hashes, and
/// every hop of a move (worker, database turn, writer thread or PostgreSQL backend) may wait
/// for the other. A move that waited for the logins' turns or connections would wait for hashes
/// (a login waits about 800 ms for its hashing turn during the flood): tens to hundreds of
/// times its p99 of a few milliseconds, far above this.
pub const MOVE_P99_UNDER_FLOOD_FACTOR: f64 = 10.0;

/// `GET /health` during a flood of logins: its p99 below one login's hashing, as timed in the
/// harness in the same run (a request that waited for a hash would take at least that long).
pub fn health_under_flood_target(backend: &str, clients: usize) -> String {
    format!(
        "`GET /health` during a flood of logins ({backend}, {clients} login clients): p99 < \
         one login's hashing time, 0 errors"
    )
}

pub fn move_under_flood_target(backend: &str, clients: usize) -> String {
    format!(
        "A move during a flood of logins ({backend}, {clients} login clients): p99 ≤ {:.0} × \
         its p99 without the flood, 0 errors",
        MOVE_P99_UNDER_FLOOD_FACTOR
    )
}

/// "p50 0.21 ms, p99 0.52 ms (A3h+A5h, 4,000 requests, 0 errors)".
fn probe_text(phases: &[Phase]) -> String {
    let all = merged(phases);
    let ids: Vec<&str> = phases.iter().map(|p| p.id.as_str()).collect();
    format!(
        "p50 {} ms, p99 {} ms ({}, {} requests, {} errors)",
        fmt_ms(all.percentile_ms(50.0)),
        fmt_ms(all.percentile_ms(99.0)),
        ids.join("+"),
        group(all.units),
        group(all.errors)
    )
}

/// What the flood did: logins/s, latency, errors.
fn flood_text(floods: &[Phase]) -> String {
    let all = merged(floods);
    format!(
        "{} logins/s ({}), p50 {} ms, p99 {} ms, {} errors",
        fmt_rate(combined_rate(floods)),
        rates(floods),
        fmt_ms(all.percentile_ms(50.0)),
        fmt_ms(all.percentile_ms(99.0)),
        group(all.errors)
    )
}

/// The logins section's targets on one database: neither `GET /health` nor a move starved by a
/// flood of logins. "Not measured", with `missing` as the reason, when the section did not run.
pub fn logins(
    run: Option<&LoginRun>,
    backend: &str,
    clients: usize,
    hash: Option<&HashFigures>,
    missing: &str,
) -> Vec<Check> {
    let Some(run) = run else {
        return [
            health_under_flood_target(backend, clients),
            move_under_flood_target(backend, clients),
        ]
        .into_iter()
        .map(|target| Check {
            target,
            measured: "–".into(),
            pass: None,
            note: missing.into(),
        })
        .collect();
    };
    let floods: Vec<Phase> = run.flood.iter().map(|(l, _, _)| l.clone()).collect();
    let health_calm: Vec<Phase> = run.calm.iter().map(|(h, _)| h.clone()).collect();
    let moves_calm: Vec<Phase> = run.calm.iter().map(|(_, m)| m.clone()).collect();
    let health_flood: Vec<Phase> = run.flood.iter().map(|(_, h, _)| h.clone()).collect();
    let moves_flood: Vec<Phase> = run.flood.iter().map(|(_, _, m)| m.clone()).collect();
    let cpu: Vec<String> = floods
        .iter()
        .map(|p| format!("{} (and its probes): {}", p.id, cpu_text(&p.cpu)))
        .collect();
    let ceiling = hash.map_or(String::new(), |h| {
        format!(
            " {} hashing thread{} verifying at the median time timed in the harness ({} ms) \
             would give {} logins/s.",
            run.hash_workers,
            if run.hash_workers == 1 { "" } else { "s" },
            fmt_ms(crate::logins::ms(h.verify_median)),
            fmt_rate(h.ceiling(run.hash_workers))
        )
    });
    let why = format!(
        "The flood: {}.{ceiling} The login flood keeps {} hashing thread{} busy (argon2id {}), and every \
         login waits for its hashing turn holding no database turn; the probes need a worker \
         thread and, for a move, a database turn and the writer. CPU: {}.",
        flood_text(&floods),
        run.hash_workers,
        if run.hash_workers == 1 { "" } else { "s" },
        run.stored_params,
        cpu.join("; ")
    );

    let (h_flood, h_calm) = (merged(&health_flood), merged(&health_calm));
    let health_p99 = h_flood.percentile_ms(99.0);
    let hash_ms = hash.map(|h| crate::logins::ms(h.verify_median));
    let health = Check {
        target: health_under_flood_target(backend, clients),
        measured: format!(
            "during the flood {}{}; without it {}; the flood: {}",
            probe_text(&health_flood),
            hash_ms.map_or(String::new(), |ms| format!(
                " against one login's hashing {} ms",
                fmt_ms(ms)
            )),
            probe_text(&health_calm),
            flood_text(&floods)
        ),
        pass: hash_ms.map(|ms| health_p99 < ms && h_flood.errors == 0 && h_calm.errors == 0),
        note: format!(
            "p99 {} ms during the flood against {} ms without it{}. {why}",
            fmt_ms(health_p99),
            fmt_ms(h_calm.percentile_ms(99.0)),
            if hash_ms.is_none() {
                "; one login's hashing was not timed in this run, so there is no threshold"
            } else {
                ""
            }
        ),
    };

    let (m_flood, m_calm) = (merged(&moves_flood), merged(&moves_calm));
    let (flood_p99, calm_p99) = (m_flood.percentile_ms(99.0), m_calm.percentile_ms(99.0));
    let factor = flood_p99 / calm_p99.max(1e-9);
    let moves = Check {
        target: move_under_flood_target(backend, clients),
        measured: format!(
            "during the flood {}; without it {}: p99 **×{:.2}**",
            probe_text(&moves_flood),
            probe_text(&moves_calm),
            factor
        ),
        pass: Some(
            factor <= MOVE_P99_UNDER_FLOOD_FACTOR && m_flood.errors == 0 && m_calm.errors == 0,
        ),
        note: format!(
            "p99 {} ms during the flood against {} ms without it (×{factor:.2}). {why}",
            fmt_ms(flood_p99),
            fmt_ms(calm_p99)
        ),
    };
    vec![health, moves]
}

/// Why the logins section's thresholds are what they are.
pub fn logins_thresholds_note() -> String {
    format!(
        "The thresholds of the logins section. `GET /health` during the flood: p99 below one \
         login's hashing time (the median timed in the harness in the same run), because a \
         request that had to wait for a hash, on a worker thread or for a turn, would take at \
         least that long; in five runs on this machine kind on 2026-12-07 (another tenant \
         compiling during three of them) it was 1.7-4.6 ms per phase against hashing times of \
         17-26 ms. A move during the flood: p99 at most {:.0} × its p99 without; in the same \
         runs it grew 1.7-4.7 × on SQLite and 2.7-5.7 × on PostgreSQL. That growth is the \
         price of two cores: one runs the hashing thread flat out, the other is shared by the \
         service's workers, its database calls, the SQLite writer or the PostgreSQL backends \
         and the load generator, so each hop of a request may wait for a core. Starvation \
         would look otherwise: a request that waited for the logins' hashing turns, or for database turns \
         held by logins, would wait for hashes (a login of the flood waits about 800 ms for its \
         turn), tens to hundreds of times its p99 without the flood.",
        MOVE_P99_UNDER_FLOOD_FACTOR
    )
}
