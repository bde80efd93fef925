//! What the machine is and what processes use, read from /proc.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, anyhow};

/// The machine the figures were measured on.
#[derive(Clone, Debug)]
pub struct Machine {
    pub nproc: String,
    pub cpu_model: String,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
}

impl Machine {
    pub fn describe() -> Self {
        let nproc = command_line("nproc", &[]).unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "unknown".into())
        });
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| {
                let (key, value) = l.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = field_kib(&meminfo, "MemTotal")
            .map(|kib| {
                format!(
                    "{:.1} GiB ({kib} kB MemTotal)",
                    kib as f64 / 1024.0 / 1024.0
                )
            })
            .unwrap_or_else(|| "unknown".into());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|_| "unknown".into());
        let rustc = command_line("rustc", &["--version"]).unwrap_or_else(|| "unknown".into());
        Self {
            nproc,
            cpu_model,
            memory,
            kernel,
            rustc,
        }
    }
}

/// The first line a command prints, when it runs and succeeds.
fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_owned())
}

/// A `Name:   123 kB` value of /proc/meminfo or /proc/<pid>/status, in kB.
fn field_kib(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (key, value) = l.split_once(':')?;
        if key.trim() != name {
            return None;
        }
        value.split_whitespace().next()?.parse().ok()
    })
}

/// Resident memory of a process (VmRSS), in kB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    field_kib(&status, "VmRSS").ok_or_else(|| anyhow!("no VmRSS in {path}"))
}

/// Peak resident memory of a process since it started (VmHWM), in kB.
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    field_kib(&status, "VmHWM").ok_or_else(|| anyhow!("no VmHWM in {path}"))
}

/// Anonymous resident memory of a process (RssAnon: its heap and stacks, without the pages of
/// files it maps), in kB.
pub fn anon_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    field_kib(&status, "RssAnon").ok_or_else(|| anyhow!("no RssAnon in {path}"))
}

/// Clock ticks per second of /proc times (`getconf CLK_TCK`, 100 on Linux).
pub fn clock_ticks() -> u64 {
    command_line("getconf", &["CLK_TCK"])
        .and_then(|s| s.parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

/// User plus system CPU time of a process (all its threads), in clock ticks.
pub fn process_ticks(stat_path: &Path) -> Option<u64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Busy and total clock ticks of the whole machine (the `cpu` line of /proc/stat).
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    // idle and iowait are not busy.
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// CPU used during a stretch of time, by the service, the load generator and the machine.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuUse {
    /// Percent of one core (200 = both cores of a 2-core machine).
    pub server: Option<f64>,
    /// Percent of one core used by the server's upstream (the instance behind the proxy),
    /// when the phase has one.
    pub upstream: Option<f64>,
    pub load_generator: Option<f64>,
    /// Percent of the whole machine's capacity that was busy (any process, and the kernel).
    pub machine: Option<f64>,
    /// Percent of one core busy outside the server and the load generator: other processes
    /// (a database server, other tenants of the machine) and kernel work such as loopback
    /// networking that is not charged to a process.
    pub rest: Option<f64>,
}

/// Samples process and machine counters at the start of a phase.
pub struct CpuProbe {
    server_stat: Option<std::path::PathBuf>,
    server: Option<u64>,
    upstream_stat: Option<std::path::PathBuf>,
    upstream: Option<u64>,
    me: Option<u64>,
    machine: Option<(u64, u64)>,
    started: std::time::Instant,
    ticks: u64,
}

impl CpuProbe {
    /// `upstream_pid`: a second server process counted apart (the instance behind a proxy).
    pub fn start(server_pid: Option<u32>, upstream_pid: Option<u32>, ticks: u64) -> Self {
        let stat = |pid: u32| std::path::PathBuf::from(format!("/proc/{pid}/stat"));
        let server_stat = server_pid.map(stat);
        let upstream_stat = upstream_pid.map(stat);
        Self {
            server: server_stat.as_deref().and_then(process_ticks),
            server_stat,
            upstream: upstream_stat.as_deref().and_then(process_ticks),
            upstream_stat,
            me: process_ticks(Path::new("/proc/self/stat")),
            machine: machine_ticks(),
            started: std::time::Instant::now(),
            ticks,
        }
    }

    pub fn finish(&self) -> CpuUse {
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let pct = |before: Option<u64>, after: Option<u64>| -> Option<f64> {
            let (b, a) = (before?, after?);
            Some(a.saturating_sub(b) as f64 / self.ticks as f64 / secs * 100.0)
        };
        let machine = match (self.machine, machine_ticks()) {
            (Some((busy0, total0)), Some((busy1, total1))) if total1 > total0 => {
                Some(busy1.saturating_sub(busy0) as f64 / (total1 - total0) as f64 * 100.0)
            }
            _ => None,
        };
        let server = pct(
            self.server,
            self.server_stat.as_deref().and_then(process_ticks),
        );
        let upstream = pct(
            self.upstream,
            self.upstream_stat.as_deref().and_then(process_ticks),
        );
        let load_generator = pct(self.me, process_ticks(Path::new("/proc/self/stat")));
        let cores = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
        let rest = match (machine, server, load_generator) {
            (Some(m), Some(s), Some(l)) => {
                Some((m * cores - s - l - upstream.unwrap_or(0.0)).max(0.0))
            }
            _ => None,
        };
        CpuUse {
            server,
            upstream,
            load_generator,
            machine,
            rest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_fields() {
        let text = "Name:\teckwms\nVmPeak:\t  99 kB\nVmRSS:\t   12345 kB\n";
        assert_eq!(field_kib(text, "VmRSS"), Some(12345));
        assert_eq!(field_kib(text, "VmSwap"), None);
    }

    #[test]
    fn own_process_is_readable() {
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        assert!(process_ticks(Path::new("/proc/self/stat")).is_some());
        assert!(machine_ticks().is_some());
    }
}
