//! The proxy's token buckets (`RateLimiter`) against governor's keyed limiter, the well-kept
//! crate for the job: one check of a client's limit per proxied request.
//!
//! `cargo bench -p eckwms-global-proxy --features compare --bench ratelimit_vs_governor`
//! (the feature `compare` brings governor in for this bench only; the service never builds it).

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use eckwms_global_proxy::RateLimiter;
use eckwms_global_proxy::{Limit, ProxySettings};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Clients sending at once (a busy site's scanners behind their routers).
const CLIENTS: usize = 1_000;
/// A limit no request of the bench reaches: every check is counted and passes.
const HIGH: u32 = 1_000_000_000;

/// Runs `each` `iters` times on each of two threads at once; the time until both are done.
fn two_threads(iters: u64, each: impl Fn(usize) + Sync) -> Duration {
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
    let mut settings = ProxySettings::default();
    settings.rate_limit.per_client = Limit {
        per_second: f64::from(HIGH),
        burst: HIGH,
    };
    let ours = RateLimiter::new(&settings);
    let high = NonZeroU32::new(HIGH).unwrap_or(NonZeroU32::MIN);
    let governor: DefaultKeyedRateLimiter<IpAddr> =
        DefaultKeyedRateLimiter::keyed(Quota::per_second(high).allow_burst(high));
    let clients: Vec<IpAddr> = (0..CLIENTS as u32)
        .map(|i| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)))
        .collect();
    for ip in &clients {
        let _ = ours.check_client(*ip);
        let _ = governor.check_key(ip);
    }

    let mut group = c.benchmark_group("check a known client, one thread");
    group.bench_function("ours", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % CLIENTS;
            ours.check_client(clients[i]).is_ok()
        })
    });
    group.bench_function("governor", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % CLIENTS;
            governor.check_key(&clients[i]).is_ok()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("check a known client, two threads at once");
    group.bench_function("ours", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |i| {
                std::hint::black_box(ours.check_client(clients[i % CLIENTS]).is_ok());
            })
        })
    });
    group.bench_function("governor", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |i| {
                std::hint::black_box(governor.check_key(&clients[i % CLIENTS]).is_ok());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
