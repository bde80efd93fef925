//! Numbers and measurements as the report and the progress log write them.

use crate::load::Outcome;
use crate::sys::CpuUse;

pub fn fmt_rate(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v >= 100.0 {
        group(v.round() as u64)
    } else {
        format!("{v:.1}")
    }
}

pub fn fmt_ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// 1234567 -> "1,234,567".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn summary(o: &Outcome) -> String {
    format!(
        "{} req/s, p50 {} ms, p99 {} ms, {} errors",
        fmt_rate(o.per_second()),
        fmt_ms(o.percentile_ms(50.0)),
        fmt_ms(o.percentile_ms(99.0)),
        group(o.errors)
    )
}

pub fn cpu_text(cpu: &CpuUse) -> String {
    let p = |v: Option<f64>| v.map_or_else(|| "?".into(), |v| format!("{v:.0} %"));
    format!(
        "server {} of a core, load generator {}, rest of the machine {} (machine {} busy)",
        p(cpu.server),
        p(cpu.load_generator),
        p(cpu.rest),
        p(cpu.machine)
    )
}
