//! The link to the global service: `eckwms global enroll`, and the heartbeat `serve` sends
//! while the instance is enrolled.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use eckwms_adapter_db::Database;
use eckwms_adapter_http::global_client::{HostAddresses, HttpGlobalClient};
use eckwms_application::{GlobalLinkService, GlobalPorts, LinkError, Services, SystemClock};

use crate::settings::Settings;

/// The global wing's service over this database, reporting `port`.
pub fn service(
    db: &Arc<Database>,
    settings: &Settings,
    services: &Services,
    port: u16,
) -> anyhow::Result<GlobalLinkService> {
    let client = HttpGlobalClient::new(Duration::from_secs(settings.global.timeout_secs))?;
    Ok(GlobalLinkService::new(
        GlobalPorts {
            links: db.clone(),
            devices: db.clone(),
            identity: Arc::new(services.labels.clone()),
            client: Arc::new(client),
            addresses: Arc::new(HostAddresses::new(settings.global.local_ips()?)),
            clock: Arc::new(SystemClock),
        },
        port,
    ))
}

/// `eckwms global enroll`: registers the instance and stores the key, printing no secret.
pub fn enroll(
    db: &Arc<Database>,
    settings: &Settings,
    services: &Services,
    url: &str,
    token: &str,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let Some(port) = settings.global.reported_port(&settings.http.bind) else {
        anyhow::bail!(
            "the port to report is unknown: http.bind ({}) names none; set global.port",
            settings.http.bind
        );
    };
    let link = service(db, settings, services, port)?;
    match link.enroll(url, token, force) {
        Ok(enrolled) => {
            eprintln!(
                "{} instance {} with {}; `serve` sends heartbeats every {} s",
                if enrolled.replaced {
                    "enrolled again:"
                } else {
                    "enrolled:"
                },
                enrolled.instance_id,
                enrolled.url,
                settings.global.heartbeat_secs
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("eckwms: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The first retry after a failed heartbeat; each further one waits twice as long, never
/// longer than the interval.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The heartbeat's thread; it ends when this is dropped (at the latest after its current
/// exchange, which has a time limit).
pub struct Heartbeat {
    _stop: Sender<()>,
}

/// Starts the heartbeat on a thread of its own (its calls block; the server's threads never
/// wait for them). It reads the enrollment at every beat, so an instance enrolled while it
/// serves starts beating within one interval.
pub fn start_heartbeat(link: GlobalLinkService, interval: Duration) -> anyhow::Result<Heartbeat> {
    let (stop, stopped) = channel();
    std::thread::Builder::new()
        .name("global-heartbeat".into())
        .spawn(move || beat_until_stopped(&link, interval, &stopped))?;
    Ok(Heartbeat { _stop: stop })
}

/// What the loop remembers between beats: whether the global service is failing (so that an
/// outage is logged once, not at every attempt) and the next wait.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outage {
    failing: bool,
    retry: Option<Duration>,
}

impl Outage {
    /// After a beat: how long to wait for the next one, and what to log.
    fn after(&mut self, result: &Result<usize, LinkError>, interval: Duration) -> Duration {
        match result {
            Ok(devices) => {
                if self.failing {
                    tracing::info!(devices, "the global service takes heartbeats again");
                } else {
                    tracing::debug!(devices, "heartbeat sent");
                }
                *self = Outage::default();
                interval
            }
            Err(LinkError::NotEnrolled) => {
                *self = Outage::default();
                interval
            }
            Err(e) => {
                if !self.failing {
                    tracing::warn!(error = %e, "heartbeat to the global service failed; serving on and retrying");
                }
                self.failing = true;
                let wait = self.retry.unwrap_or(FIRST_RETRY).min(interval);
                self.retry = Some((wait * 2).min(interval));
                wait
            }
        }
    }
}

fn beat_until_stopped(link: &GlobalLinkService, interval: Duration, stopped: &Receiver<()>) {
    let mut outage = Outage::default();
    loop {
        let result = link.beat().map(|beat| beat.devices);
        let wait = outage.after(&result, interval);
        match stopped.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use eckwms_application::ports::GlobalCallError;

    use super::*;

    #[test]
    fn retries_double_from_a_second_up_to_the_interval_and_reset_after_a_success() {
        let interval = Duration::from_secs(5);
        let down = || {
            Err(LinkError::Global(GlobalCallError::Unreachable(
                "down".into(),
            )))
        };
        let mut outage = Outage::default();
        let waits: Vec<u64> = (0..5)
            .map(|_| outage.after(&down(), interval).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        assert!(outage.failing);
        assert_eq!(outage.after(&Ok(3), interval), interval);
        assert_eq!(outage, Outage::default());
        assert_eq!(outage.after(&down(), interval), Duration::from_secs(1));
        // Not enrolled is no outage: the next look is one interval later.
        let mut quiet = Outage::default();
        assert_eq!(
            quiet.after(&Err(LinkError::NotEnrolled), interval),
            interval
        );
        assert!(!quiet.failing);
    }
}
