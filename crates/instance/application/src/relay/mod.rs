//! The relay wing: scans that scanners posted to the global service's scan relay (when they
//! could not reach this instance) are pulled, applied through the normal scan flow as the
//! device that signed them, and confirmed to the global service after they committed here.
//!
//! One process pulls at a time, also when several share one PostgreSQL: the holder of the
//! lease in `relay_state` ([`RelayRepository::take_lease`]). A round of the puller
//! ([`RelayPuller::round`]):
//!
//! 1. takes (or renews) the lease; without it, nothing more;
//! 2. when the inbox is empty, pulls a batch and keeps it in the inbox (`relay_inbox`, keyed by
//!    the global service's id of the scan), so that what was pulled survives a crash in order;
//!    the pull reclaims what earlier pulls handed out and nobody confirmed (an empty inbox
//!    means they were lost), so that a lost batch comes back before any later scan;
//! 3. applies the inbox's scans not applied yet, in the global service's order (which is each
//!    device's order), one after another: each through `ScanService::scan` as its device, so
//!    that a scan the device also sent directly (same `msg_id`) is answered from the scan log
//!    and moves nothing again; a scan refused as a rule (a device not active here, a device
//!    without `scan.execute`, an invalid scan) is final: recorded as an error and confirmed,
//!    never tried again; an unavailable database stops the applying;
//! 4. confirms the applied and refused scans to the global service, and only after that
//!    removes them from the inbox.
//!
//! Killed anywhere in a round, the next holder finds the inbox as it was committed: scans
//! applied but not marked so are applied again (a replay of their `msg_id`, no second
//! effect), scans pulled but never stored come back with its first pull (reclaimed).

pub mod flow;
pub mod metrics;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_domain::access::Permission;
use eckwms_problems::ProblemCode;

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{
    Clock, GlobalLinkRepository, InboxScan, RelayClient, RelayError, RelayOutcome, RelayRepository,
    RelayState, RelayedScan,
};
use crate::{ScanCaller, ScanRequest};

pub use flow::{ScanFlow, WingFlow};

/// Most scans one pull asks for.
pub const MAX_BATCH: usize = 500;
/// Errors the status shows.
pub const RECENT_ERRORS: usize = 20;

/// The ports of the relay wing.
#[derive(Clone)]
pub struct RelayPorts {
    pub relay: Arc<dyn RelayRepository>,
    pub links: Arc<dyn GlobalLinkRepository>,
    pub clock: Arc<dyn Clock>,
}

/// How the puller works (`[relay]` of the settings).
#[derive(Clone, Debug)]
pub struct PullerSettings {
    /// Scans per pull, 1 to [`MAX_BATCH`].
    pub batch: usize,
    /// How long the puller's lease lasts without a renewal; each round renews it.
    pub lease: Duration,
}

/// What a round did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Round {
    /// The instance is not enrolled with a global service.
    NotEnrolled,
    /// Another process holds the puller's lease.
    NotHolder,
    /// The round ran: scans pulled, applied and refused; `more` when more may wait (the pull
    /// brought a whole batch, or the round worked off what an earlier one left): the next
    /// round should run at once.
    Done {
        pulled: usize,
        applied: usize,
        refused: usize,
        more: bool,
    },
}

/// Why a round stopped early; nothing unconfirmed was confirmed. Its text holds no secret.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Global(#[from] crate::ports::GlobalCallError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Whether an error of the scan flow may go away if the scan is tried again (the database
/// unavailable, an internal failure, a throttle), rather than being the flow's answer to it.
pub fn is_transient(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Unavailable(_) | AppError::Internal(_) | AppError::Throttled { .. }
    )
}

/// The problem code an error is recorded with.
fn code_of(error: &AppError) -> &'static str {
    match error {
        AppError::Invalid(_) => ProblemCode::ValidationFailed.as_str(),
        AppError::NotFound { .. } => ProblemCode::NotFound.as_str(),
        AppError::PreconditionFailed { .. } => "precondition_failed",
        other => other.code().map_or("error", ProblemCode::as_str),
    }
}

/// The message an error is recorded with: the refusal's text, with the fields of invalid input.
fn message_of(error: &AppError) -> String {
    match error {
        AppError::Invalid(fields) => fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The relay's puller: one per process, of which the lease holder works.
#[derive(Clone)]
pub struct RelayPuller {
    ports: RelayPorts,
    client: Arc<dyn RelayClient>,
    flow: Arc<dyn ScanFlow>,
    holder: String,
    settings: PullerSettings,
}

impl RelayPuller {
    /// `holder`: this process's name for the lease, different in every process.
    pub fn new(
        ports: RelayPorts,
        client: Arc<dyn RelayClient>,
        flow: Arc<dyn ScanFlow>,
        holder: String,
        settings: PullerSettings,
    ) -> Self {
        let settings = PullerSettings {
            batch: settings.batch.clamp(1, MAX_BATCH),
            ..settings
        };
        Self {
            ports,
            client,
            flow,
            holder,
            settings,
        }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// One round (see the module's text).
    pub fn round(&self) -> Result<Round, RoundError> {
        let Some(link) = self.ports.links.global_link()? else {
            return Ok(Round::NotEnrolled);
        };
        let now = self.ports.clock.now();
        if !self
            .ports
            .relay
            .take_lease(&self.holder, now, now + self.settings.lease)?
        {
            return Ok(Round::NotHolder);
        }
        let mut inbox = self.ports.relay.inbox(self.settings.batch)?;
        let leftovers = !inbox.is_empty();
        let mut pulled = 0;
        if inbox.is_empty() {
            // Every scan pulled before was confirmed, or lost (a process killed between a
            // pull's answer and its inbox, an answer that never arrived): the global service
            // hands the lost ones out again at once, oldest first, so that no later scan of a
            // device overtakes them.
            let batch = self
                .client
                .pull(&link.url, &link.key, self.settings.batch, true)?;
            pulled = batch.scans.len();
            if let Some(backlog) = batch.backlog {
                metrics::backlog_reported(backlog);
            }
            self.ports
                .relay
                .add_to_inbox(&batch.scans, self.ports.clock.now(), batch.backlog)?;
            inbox = batch
                .scans
                .into_iter()
                .map(|scan| InboxScan {
                    scan,
                    outcome: None,
                })
                .collect();
        }
        let (outcomes, errors, stopped) = self.apply(&inbox);
        let refused = errors.len();
        let applied = outcomes.len() - refused;
        if !outcomes.is_empty() {
            self.ports.relay.record_outcomes(&outcomes, &errors)?;
            metrics::applied(applied, refused);
        }
        // Confirmed only once their outcome is committed here.
        let done: Vec<i64> = inbox
            .iter()
            .filter(|row| row.outcome.is_some())
            .map(|row| row.scan.id)
            .chain(outcomes.iter().map(|(id, _)| *id))
            .collect();
        if !done.is_empty() {
            self.client.confirm(&link.url, &link.key, &done)?;
            // The global service took note of every id it answered for: those it did not
            // confirm are not (or no longer) this instance's to apply.
            self.ports.relay.confirmed(&done, self.ports.clock.now())?;
        }
        if let Some(e) = stopped {
            return Err(e.into());
        }
        Ok(Round::Done {
            pulled,
            applied,
            refused,
            more: leftovers || pulled >= self.settings.batch,
        })
    }

    /// Applies the inbox's scans without an outcome, in order; stops at the first transient
    /// failure (returned), so that no later scan of a device overtakes an earlier one.
    fn apply(
        &self,
        inbox: &[InboxScan],
    ) -> (Vec<(i64, RelayOutcome)>, Vec<RelayError>, Option<AppError>) {
        let mut outcomes = Vec::new();
        let mut errors = Vec::new();
        for row in inbox.iter().filter(|row| row.outcome.is_none()) {
            match self.apply_one(&row.scan) {
                Ok(None) => outcomes.push((row.scan.id, RelayOutcome::Applied)),
                Ok(Some(error)) => {
                    outcomes.push((row.scan.id, RelayOutcome::Refused));
                    errors.push(error);
                }
                Err(e) => return (outcomes, errors, Some(e)),
            }
        }
        (outcomes, errors, None)
    }

    /// One scan through the scan flow as its device: `None` when applied, the error when
    /// refused for good; `Err` for a transient failure.
    fn apply_one(&self, scan: &RelayedScan) -> AppResult<Option<RelayError>> {
        let refusal = match self.flow.actor(&scan.device_id) {
            Ok(actor) => match self.scan_as(scan, actor) {
                Ok(()) => return Ok(None),
                Err(e) => e,
            },
            Err(e) => e,
        };
        if is_transient(&refusal) {
            return Err(refusal);
        }
        let at = self.ports.clock.now();
        let message = message_of(&refusal);
        let code = code_of(&refusal);
        // A scan of a device not active here, or not allowed to scan, shows in the scan log
        // as an error, so that whoever reads a device's scans sees it was not applied.
        if matches!(
            refusal.code(),
            Some(ProblemCode::DeviceNotActive | ProblemCode::Forbidden)
        ) {
            self.flow.log_refused(scan, &message, at)?;
        }
        tracing::info!(
            relay_id = scan.id,
            device_id = %scan.device_id,
            msg_id = %scan.msg_id,
            code,
            "a relayed scan was refused: recorded, and confirmed to the global service"
        );
        Ok(Some(RelayError {
            id: scan.id,
            at,
            device_id: scan.device_id.clone(),
            msg_id: scan.msg_id.clone(),
            barcode: scan.barcode.clone(),
            code: code.to_owned(),
            message,
        }))
    }

    fn scan_as(&self, scan: &RelayedScan, actor: Actor) -> AppResult<()> {
        let request = ScanRequest {
            barcode: scan.barcode.clone(),
            msg_id: scan.msg_id.clone(),
            device_id: None,
        };
        let caller = ScanCaller {
            lang: actor.language().unwrap_or_default(),
            actor,
            request_id: Some(format!("relay-{}", scan.id)),
        };
        self.flow.scan(&request, &caller).map(drop)
    }

    /// A round failed: remembered for the status (best effort: the database may be what
    /// failed).
    pub fn record_failure(&self, error: &RoundError) {
        let message = error.to_string();
        if let Err(e) = self
            .ports
            .relay
            .record_failure(&message, self.ports.clock.now())
        {
            tracing::debug!(error = %e, "the relay's failure could not be recorded");
        }
    }

    /// Gives the lease up (at shutdown), so that another process takes over at once.
    pub fn release(&self) -> AppResult<()> {
        self.ports.relay.release_lease(&self.holder)
    }
}

/// The relay as `GET /api/v1/relay/status` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayStatus {
    /// Whether the instance is enrolled with a global service.
    pub enrolled: bool,
    /// Whether a process holds the puller's lease now, and which.
    pub holder_alive: bool,
    pub state: RelayState,
    /// Scans pulled and not yet confirmed.
    pub inbox: i64,
    /// The newest errors first.
    pub recent_errors: Vec<RelayError>,
}

impl RelayStatus {
    /// Scans waiting: those the global service reported with the last pull plus the inbox.
    pub fn backlog(&self) -> i64 {
        self.state.backlog.unwrap_or(0).saturating_add(self.inbox)
    }
}

/// The relay's status, for admins.
#[derive(Clone)]
pub struct RelayService {
    ports: RelayPorts,
}

impl RelayService {
    pub fn new(ports: RelayPorts) -> Self {
        Self { ports }
    }

    /// Needs [`Permission::DevicesManage`] (the relay carries the scanners' scans).
    pub fn status(&self, actor: &Actor) -> AppResult<RelayStatus> {
        actor.require(Permission::DevicesManage)?;
        let state = self.ports.relay.relay_state()?;
        Ok(RelayStatus {
            enrolled: self.ports.links.global_link()?.is_some(),
            holder_alive: alive(&state, self.ports.clock.now()),
            inbox: self.ports.relay.inbox_len()?,
            recent_errors: self.ports.relay.recent_errors(RECENT_ERRORS)?,
            state,
        })
    }

    /// The backlog for the metrics: the last reported plus the inbox.
    pub fn backlog(&self) -> AppResult<i64> {
        let state = self.ports.relay.relay_state()?;
        Ok(state
            .backlog
            .unwrap_or(0)
            .saturating_add(self.ports.relay.inbox_len()?))
    }
}

fn alive(state: &RelayState, now: DateTime<Utc>) -> bool {
    state.holder.is_some() && state.lease_until.is_some_and(|until| until > now)
}
