//! The global service's targets: discovery against the bare handler, and the proxy against
//! direct access (latency added, throughput, CPU per request).

use super::*;

pub(super) fn discovery_check(
    phase: &Phase,
    bare_rate: f64,
    instances: usize,
    answer_bytes: usize,
) -> Check {
    let o = &phase.outcome;
    let rate = o.per_second();
    let share = rate / bare_rate.max(1e-9);
    let pass = share >= DISCOVERY_OF_BARE && o.errors == 0;
    Check {
        target: DISCOVERY_TARGET.into(),
        measured: format!(
            "{} lookups/s = **{:.0} %** of the bare handler's {} req/s; {} ({} clients, {} \
             registered instances, anonymous)",
            fmt_rate(rate),
            share * 100.0,
            fmt_rate(bare_rate),
            summary(o),
            o.clients,
            group(instances as u64)
        ),
        pass: Some(pass),
        note: format!(
            "{} lookups/s is {:.0} % of the target ({} in this run). An anonymous lookup is one \
             primary-key read of the instance on the blocking pool (a pool checkout, the row, \
             the candidates) and a JSON answer of {} bytes; with {} clients on 2 cores shared \
             with the load generator, CPU bounds the rate. CPU during the phase: {}.",
            fmt_rate(rate),
            share / DISCOVERY_OF_BARE * 100.0,
            fmt_rate(bare_rate * DISCOVERY_OF_BARE),
            answer_bytes,
            o.clients,
            cpu_text(&phase.cpu)
        ),
    }
}

pub(super) fn added_latency_check(direct: &[Phase], proxied: &[Phase]) -> Check {
    let (d, p) = (merged(direct), merged(proxied));
    let added = p.percentile_ms(50.0) - d.percentile_ms(50.0);
    let errors = d.errors + p.errors;
    let pass = added <= 0.5 && errors == 0;
    let per_phase = |phases: &[Phase]| -> String {
        phases
            .iter()
            .map(|x| format!("{} p50 {} ms", x.id, fmt_ms(x.outcome.percentile_ms(50.0))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Check {
        target: ADDED_LATENCY_TARGET.into(),
        measured: format!(
            "proxied p50 {} ms − direct p50 {} ms = **{} ms** ({}; {}); p99 {} vs {} ms; {} errors",
            fmt_ms(p.percentile_ms(50.0)),
            fmt_ms(d.percentile_ms(50.0)),
            fmt_ms(added),
            per_phase(proxied),
            per_phase(direct),
            fmt_ms(p.percentile_ms(99.0)),
            fmt_ms(d.percentile_ms(99.0)),
            group(errors)
        ),
        pass: Some(pass),
        note: format!(
            "the proxy added {} ms at p50 with one client. Proxied, a request crosses loopback \
             twice and is parsed and written by two HTTP servers; the proxy also reads the \
             instance's registry row on its blocking pool (a pool checkout and a thread \
             hand-off) before it forwards. CPU: {}.",
            fmt_ms(added),
            proxied
                .iter()
                .chain(direct.iter())
                .map(|x| format!("{}: {}", x.id, cpu_text(&x.cpu)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

pub(super) fn throughput_check(direct: &[Phase], proxied: &[Phase], clients: usize) -> Check {
    let (d, p) = (combined_rate(direct), combined_rate(proxied));
    let ratio = p / d.max(1e-9);
    let errors: u64 = direct
        .iter()
        .chain(proxied.iter())
        .map(|x| x.outcome.errors)
        .sum();
    let pass = ratio >= 0.6 && errors == 0;
    let cpu = CpuPerRequest::of(direct, proxied);
    Check {
        target: if clients == 32 {
            THROUGHPUT_TARGET.into()
        } else {
            THROUGHPUT_TARGET.replace("32 clients", &format!("{clients} clients"))
        },
        measured: format!(
            "proxied {} req/s ({}) vs direct {} req/s ({}): **{:.0} %**; {} errors",
            fmt_rate(p),
            rates(proxied),
            fmt_rate(d),
            rates(direct),
            ratio * 100.0,
            group(errors)
        ),
        pass: Some(pass),
        note: format!(
            "proxied throughput was {:.0} % of direct; {} A profile of eckwms-global in this \
             phase (2026-11-25, two workers) found 45 % of its CPU in the kernel (loopback TCP \
             and context switches) and the rest spread over actix's HTTP/1 server side, the awc \
             request to the instance and the request-id middleware, none above a few per \
             cent. CPU: {}.",
            ratio * 100.0,
            cpu.sentence(),
            proxied
                .iter()
                .chain(direct.iter())
                .map(|x| format!("{}: {}", x.id, cpu_text(&x.cpu)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// CPU per request of the throughput phases, in microseconds of one core. Its sentence starts
/// in lower case, to follow a colon or a semicolon.
pub(super) struct CpuPerRequest {
    pub(super) proxy: f64,
    pub(super) upstream_proxied: f64,
    pub(super) upstream_direct: f64,
}

impl CpuPerRequest {
    pub(super) fn of(direct: &[Phase], proxied: &[Phase]) -> Self {
        let mean = |phases: &[Phase], f: &dyn Fn(&crate::sys::CpuUse) -> Option<f64>| -> f64 {
            let v: Vec<f64> = phases.iter().filter_map(|x| f(&x.cpu)).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let per_request = |pct: f64, rate: f64| pct / 100.0 / rate.max(1e-9) * 1e6;
        let (d, p) = (combined_rate(direct), combined_rate(proxied));
        Self {
            proxy: per_request(mean(proxied, &|c| c.server), p),
            upstream_proxied: per_request(mean(proxied, &|c| c.upstream), p),
            upstream_direct: per_request(mean(direct, &|c| c.server), d),
        }
    }

    pub(super) fn sentence(&self) -> String {
        format!(
            "per request, eckwms-global used {:.0} µs of CPU and the eckwms behind it {:.0} µs, \
             against {:.0} µs for eckwms answering directly: on two cores shared by the load \
             generator, the proxy and the instance, the proxy's CPU per request comes out of the \
             instance's. The instance's own CPU per request also differs proxied from direct: \
             at another rate its workers find a different number of requests ready per \
             wake-up, and proxied requests carry the `X-Forwarded-*` and `Via` headers.",
            self.proxy, self.upstream_proxied, self.upstream_direct
        )
    }
}
