//! `Memo` against moka's `sync::Cache`, the well-kept crate for the same job: the lookup both
//! services make on (nearly) every request, with the entries of a site's keys in use.
//!
//! `cargo bench -p eckwms-memo --features compare --bench memo_vs_moka`
//! (the feature `compare` brings moka in for this bench only; the services never build it).

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use eckwms_memo::Memo;

/// What the instance service remembers of an API key: about the size of its record.
#[derive(Clone)]
struct Record {
    _name: String,
    _scope: u8,
    _hash: [u8; 32],
    _expires_at: Option<i64>,
}

fn record(i: usize) -> Record {
    Record {
        _name: format!("scanner {i}"),
        _scope: 1,
        _hash: [7; 32],
        _expires_at: None,
    }
}

/// Keys in use at once (scanners and integrations of a site).
const KEYS: usize = 64;

/// Runs `each` `iters` times on each of two threads at once; the time until both are done.
fn two_threads(iters: u64, each: impl Fn(usize) + Sync) -> StdDuration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for thread in 0..2 {
            let each = &each;
            s.spawn(move || {
                for i in 0..iters as usize {
                    each(i * 7 + thread);
                }
            });
        }
    });
    start.elapsed()
}

fn compare(c: &mut Criterion) {
    let now = Utc::now();
    let names: Vec<String> = (0..KEYS).map(|i| format!("key{i:03}")).collect();
    let memo: Memo<String, Record> = Memo::new(Duration::seconds(1), 1024);
    let moka: moka::sync::Cache<String, Record> = moka::sync::Cache::builder()
        .max_capacity(1024)
        .time_to_live(StdDuration::from_secs(1))
        .build();
    for (i, name) in names.iter().enumerate() {
        memo.remember(name.clone(), record(i), now);
        moka.insert(name.clone(), record(i));
    }

    let mut group = c.benchmark_group("recall a remembered key, one thread");
    group.bench_function("memo", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % KEYS;
            memo.recall(names[i].as_str(), now)
        })
    });
    group.bench_function("moka", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % KEYS;
            moka.get(names[i].as_str())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("recall a remembered key, two threads at once");
    group.bench_function("memo", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |i| {
                std::hint::black_box(memo.recall(names[i % KEYS].as_str(), now));
            })
        })
    });
    group.bench_function("moka", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |i| {
                std::hint::black_box(moka.get(names[i % KEYS].as_str()));
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("remember a key read again");
    group.bench_function("memo", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % KEYS;
            memo.remember(names[i].clone(), record(i), now)
        })
    });
    group.bench_function("moka", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % KEYS;
            moka.insert(names[i].clone(), record(i))
        })
    });
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
