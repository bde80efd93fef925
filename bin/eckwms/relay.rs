//! The puller of the global service's scan relay, on a thread of its own while `serve` runs
//! (`[relay]` of the settings; see the application's `relay` wing).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use eckwms_adapter_db::Database;
use eckwms_adapter_http::global_client::HttpGlobalClient;
use eckwms_application::ports::SecretSource;
use eckwms_application::relay::{PullerSettings, Round, RoundError, WingFlow};
use eckwms_application::{OsSecrets, RelayPorts, RelayPuller, Services, SystemClock};

use crate::settings::Settings;

/// The relay wing's ports over this database.
pub fn ports(db: &Arc<Database>) -> RelayPorts {
    RelayPorts {
        relay: db.clone(),
        links: db.clone(),
        clock: Arc::new(SystemClock),
    }
}

/// The puller of this process: its lease holder's name is random, so that every process has
/// its own.
pub fn puller(
    db: &Arc<Database>,
    settings: &Settings,
    services: &Services,
) -> anyhow::Result<RelayPuller> {
    let mut random = [0_u8; 6];
    OsSecrets.fill(&mut random)?;
    let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let holder = format!("{}-{random}", std::process::id());
    let client = HttpGlobalClient::new(Duration::from_secs(settings.global.timeout_secs))?;
    Ok(RelayPuller::new(
        ports(db),
        Arc::new(client),
        Arc::new(WingFlow {
            devices: services.devices.clone(),
            scans: services.scans.clone(),
            unit: db.clone(),
        }),
        holder,
        PullerSettings {
            batch: settings.relay.batch,
            lease: settings.relay.lease(),
        },
    ))
}

/// The first wait after a failed round; each further one waits twice as long, up to
/// [`LONGEST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// The puller's thread; dropping this stops it after its current round (whose calls to the
/// global service have a time limit), gives its lease up and waits for the thread to end, so
/// that another process need not wait for the lease to run out.
pub struct Puller {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Puller {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the relay's puller ended with a panic");
        }
    }
}

/// Starts the puller (when `[relay] enabled`). It reads the enrollment at every round, so an
/// instance enrolled while it serves starts pulling within one `poll`.
pub fn start(puller: RelayPuller, poll: Duration, lease: Duration) -> anyhow::Result<Puller> {
    let (stop, stopped) = channel();
    let thread = std::thread::Builder::new()
        .name("relay-puller".into())
        .spawn(move || pull_until_stopped(&puller, poll, lease, &stopped))?;
    Ok(Puller {
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// What the loop remembers between rounds: whether rounds fail (so that an outage is logged
/// once) and the next wait after a failure.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outage {
    failing: bool,
    retry: Option<Duration>,
}

impl Outage {
    /// After a round: how long to wait before the next one, and what to log.
    fn after(
        &mut self,
        result: &Result<Round, RoundError>,
        poll: Duration,
        lease: Duration,
    ) -> Duration {
        match result {
            Ok(round) => {
                if self.failing {
                    tracing::info!("the relay's puller works again");
                }
                *self = Outage::default();
                match round {
                    Round::Done { more: true, .. } => Duration::ZERO,
                    Round::Done { .. } | Round::NotEnrolled => poll,
                    // A standby process looks again well within the holder's lease.
                    Round::NotHolder => poll.max(lease / 3),
                }
            }
            Err(e) => {
                if !self.failing {
                    tracing::warn!(error = %e, "the relay's puller failed; retrying (nothing unapplied was confirmed)");
                }
                self.failing = true;
                let wait = self.retry.unwrap_or(FIRST_RETRY).min(LONGEST_RETRY);
                self.retry = Some((wait * 2).min(LONGEST_RETRY));
                wait
            }
        }
    }
}

fn pull_until_stopped(
    puller: &RelayPuller,
    poll: Duration,
    lease: Duration,
    stopped: &Receiver<()>,
) {
    let mut outage = Outage::default();
    loop {
        let result = puller.round();
        if let Err(e) = &result {
            puller.record_failure(e);
        }
        if let Ok(Round::Done {
            pulled,
            applied,
            refused,
            ..
        }) = &result
            && pulled + applied + refused > 0
        {
            tracing::debug!(pulled, applied, refused, "relay round");
        }
        let wait = outage.after(&result, poll, lease);
        match stopped.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Err(e) = puller.release() {
        tracing::debug!(error = %e, "the relay's lease could not be given up");
    }
}

#[cfg(test)]
mod tests {
    use eckwms_application::ports::GlobalCallError;

    use super::*;

    #[test]
    fn failures_back_off_and_full_batches_do_not_wait() {
        let (poll, lease) = (Duration::from_millis(500), Duration::from_secs(30));
        let down = || {
            Err(RoundError::Global(GlobalCallError::Unreachable(
                "down".into(),
            )))
        };
        let mut outage = Outage::default();
        let waits: Vec<u64> = (0..7)
            .map(|_| outage.after(&down(), poll, lease).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        let more = Ok(Round::Done {
            pulled: 100,
            applied: 100,
            refused: 0,
            more: true,
        });
        assert_eq!(outage.after(&more, poll, lease), Duration::ZERO);
        assert_eq!(outage, Outage::default());
        let idle = Ok(Round::Done {
            pulled: 0,
            applied: 0,
            refused: 0,
            more: false,
        });
        assert_eq!(outage.after(&idle, poll, lease), poll);
        assert_eq!(
            outage.after(&Ok(Round::NotHolder), poll, lease),
            Duration::from_secs(10)
        );
    }
}
