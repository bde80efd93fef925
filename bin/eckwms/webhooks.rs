//! The webhooks' delivery worker `serve` runs: one thread that delivers to every enabled
//! subscription whose lease it holds (or can take), batch after batch, until the server
//! stops. Several processes on one database each run one; a subscription's lease decides
//! which of them delivers to it.

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use eckwms_application::WebhookService;
use eckwms_application::webhooks::DeliveryOutcome;
use eckwms_domain::WebhookId;

/// Batches delivered to one subscription before the worker turns to the next: a busy
/// subscription does not hold up the others for long.
const BATCHES_PER_TURN: usize = 20;

/// The worker's thread. Dropping it stops the worker after its current delivery (which has a
/// time limit), gives up its leases and waits for the thread to end.
pub struct WebhookWorker {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WebhookWorker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the webhook worker ended with a panic");
        }
    }
}

/// Starts the worker on a thread of its own (deliveries block; the server's threads never
/// wait for them). `poll`: how long it sleeps when nothing was delivered.
pub fn start(service: WebhookService, poll: Duration) -> anyhow::Result<WebhookWorker> {
    let holder = service.worker_name()?;
    let (stop, stopped) = channel();
    let thread = std::thread::Builder::new()
        .name("webhooks".into())
        .spawn(move || {
            tracing::debug!(worker = %holder, "webhook worker started");
            deliver_until_stopped(&service, &holder, poll, &stopped);
        })?;
    Ok(WebhookWorker {
        stop: Some(stop),
        thread: Some(thread),
    })
}

fn stop_asked(stopped: &Receiver<()>) -> bool {
    !matches!(stopped.try_recv(), Err(TryRecvError::Empty))
}

fn deliver_until_stopped(
    service: &WebhookService,
    holder: &str,
    poll: Duration,
    stopped: &Receiver<()>,
) {
    let mut held: BTreeSet<WebhookId> = BTreeSet::new();
    'serving: loop {
        let mut delivered = false;
        match service.due() {
            Ok(due) => {
                for id in due {
                    for _ in 0..BATCHES_PER_TURN {
                        if stop_asked(stopped) {
                            break 'serving;
                        }
                        match service.deliver_next(&id, holder) {
                            Ok(DeliveryOutcome::Delivered(_) | DeliveryOutcome::NotRecorded) => {
                                held.insert(id.clone());
                                delivered = true;
                            }
                            Ok(DeliveryOutcome::Idle) => {
                                held.insert(id.clone());
                                break;
                            }
                            Ok(DeliveryOutcome::NotTaken) => {
                                held.remove(&id);
                                break;
                            }
                            Ok(DeliveryOutcome::Failed { failures, disabled }) => {
                                if !disabled {
                                    tracing::warn!(webhook = %id, failures, "webhook delivery failed; retrying after a backoff");
                                }
                                break;
                            }
                            Err(e) => {
                                tracing::warn!(webhook = %id, error = %e, "webhook delivery could not run");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: the due subscriptions could not be read")
            }
        }
        if delivered {
            if stop_asked(stopped) {
                break;
            }
        } else {
            match stopped.recv_timeout(poll) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    }
    // Another process need not wait for the leases to expire.
    for id in held {
        if let Err(e) = service.release(&id, holder) {
            tracing::debug!(webhook = %id, error = %e, "a webhook lease was not released");
        }
    }
    tracing::debug!(worker = %holder, "webhook worker stopped");
}
