//! Health, readiness and ledger verification; the system clock and random source.

use std::sync::Arc;

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use eckwms_domain::catalog::serial;
use eckwms_domain::{Code, ItemId, ObjectId, Replay, State};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::ports::{Clock, HealthRepository, LedgerRepository, SecretSource};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    pub pending_migrations: Vec<String>,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.database && self.pending_migrations.is_empty()
    }
}

/// The result of replaying the ledger against the stored state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub ledger_entries: u64,
    pub objects: usize,
    pub problems: Vec<String>,
}

#[derive(Clone)]
pub struct SystemService {
    health: Arc<dyn HealthRepository>,
    ledger: Arc<dyn LedgerRepository>,
}

impl SystemService {
    pub fn new(health: Arc<dyn HealthRepository>, ledger: Arc<dyn LedgerRepository>) -> Self {
        Self { health, ledger }
    }

    pub fn backend(&self) -> &'static str {
        self.health.backend()
    }

    pub fn database_reachable(&self) -> bool {
        self.health.ping().is_ok()
    }

    pub fn readiness(&self) -> Readiness {
        match self.health.pending_migrations() {
            Ok(pending) => Readiness {
                database: true,
                pending_migrations: pending,
            },
            Err(e) => {
                tracing::warn!(error = %e, "readiness check could not reach the database");
                Readiness {
                    database: false,
                    pending_migrations: Vec::new(),
                }
            }
        }
    }

    /// The ledger's highest sequence number (0 when empty): a gauge of the metrics, read at
    /// each scrape.
    pub fn ledger_head(&self) -> AppResult<i64> {
        self.ledger.head()
    }

    /// Replays the whole ledger and compares it with the stored state, in one snapshot; also
    /// lists the items that share a serial they cannot be told apart by.
    pub fn verify(&self) -> AppResult<VerifyReport> {
        let mut replay = Replay::new();
        let stored = self.ledger.snapshot_for_verify(&mut replay)?;
        let ledger_entries = replay.entries();
        let objects = stored.len();
        let mut problems = replay.compare(&stored);
        problems.extend(serial_problems(&stored));
        Ok(VerifyReport {
            ledger_entries,
            objects,
            problems,
        })
    }
}

/// The serial rule (`eckwms_domain::catalog::serial`) over the stored items: one line per serial that
/// names items nobody can tell apart (data written before the rule held).
fn serial_problems(stored: &BTreeMap<ObjectId, State>) -> Vec<String> {
    let items = stored.iter().filter_map(|(id, state)| {
        let id = ItemId::try_from(*id).ok()?;
        let serial = Code::new("serial", state.get("serial")?.as_str()?).ok()?;
        let class_code = state
            .get("class_code")
            .and_then(Value::as_str)
            .and_then(|c| Code::new("class_code", c).ok());
        Some((id, serial, class_code))
    });
    serial::conflicts(items)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The real clock, truncated to microseconds like the databases.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// The operating system's random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSecrets;

impl SecretSource for OsSecrets {
    fn fill(&self, buf: &mut [u8]) -> AppResult<()> {
        getrandom::fill(buf)
            .map_err(|e| AppError::internal(anyhow::anyhow!("random source failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockHealthRepository, MockLedgerRepository};
    use eckwms_domain::{ChangeKind, LedgerEntry, ObjectId};
    use std::collections::BTreeMap;

    /// The ledger entry that created `object` with `data`.
    fn created(seq: i64, object: ObjectId, data: serde_json::Value) -> LedgerEntry {
        LedgerEntry {
            seq,
            at: Utc::now(),
            object,
            kind: ChangeKind::Created,
            from: None,
            to: None,
            actor: "t".into(),
            reason: None,
            request_id: None,
            scan_id: None,
            data,
        }
    }

    #[test]
    fn verify_reports_a_state_the_ledger_does_not_explain() {
        let mut ledger = MockLedgerRepository::new();
        ledger.expect_snapshot_for_verify().returning(|replay| {
            let id = ObjectId::parse("i000000000000000001").unwrap();
            replay.apply(&created(1, id, serde_json::json!({"parent": null})));
            let mut stored = BTreeMap::new();
            stored.insert(
                id,
                eckwms_domain::movement::ledger::state_of(
                    &serde_json::json!({"parent": "p000000000000000001"}),
                ),
            );
            Ok(stored)
        });
        let service = SystemService::new(Arc::new(MockHealthRepository::new()), Arc::new(ledger));
        let report = service.verify().unwrap();
        assert_eq!(report.ledger_entries, 1);
        assert_eq!(report.objects, 1);
        assert_eq!(report.problems.len(), 1);
    }

    #[test]
    fn verify_lists_items_that_share_a_serial_they_cannot_be_told_apart_by() {
        let mut ledger = MockLedgerRepository::new();
        ledger.expect_snapshot_for_verify().returning(|replay| {
            let mut stored = BTreeMap::new();
            for (n, (serial, class)) in [
                ("1234567", None),
                ("1234567", None),
                ("7654321", Some("MC33")),
                ("7654321", Some("TC52")),
            ]
            .into_iter()
            .enumerate()
            {
                let id = ObjectId::parse(&format!("i00000000000000000{}", n + 1)).unwrap();
                let state = eckwms_domain::movement::ledger::state_of(&serde_json::json!({
                    "id": id.to_string(), "serial": serial, "class_code": class,
                }));
                replay.apply(&created(
                    n as i64 + 1,
                    id,
                    serde_json::Value::Object(state.clone()),
                ));
                stored.insert(id, state);
            }
            Ok(stored)
        });
        let service = SystemService::new(Arc::new(MockHealthRepository::new()), Arc::new(ledger));
        let report = service.verify().unwrap();
        assert_eq!(
            report.problems,
            [
                "serial 1234567 names 2 items that cannot be told apart: item \
              i000000000000000001 (no class code), item i000000000000000002 (no class code)"
            ]
        );
    }

    #[test]
    fn not_ready_with_pending_migrations_or_without_database() {
        let mut health = MockHealthRepository::new();
        health
            .expect_pending_migrations()
            .returning(|| Ok(vec!["2026-11-24-000001_inventory".into()]));
        let service = SystemService::new(Arc::new(health), Arc::new(MockLedgerRepository::new()));
        assert!(!service.readiness().ready());

        let mut health = MockHealthRepository::new();
        health
            .expect_pending_migrations()
            .returning(|| Err(AppError::Unavailable(anyhow::anyhow!("down"))));
        let service = SystemService::new(Arc::new(health), Arc::new(MockLedgerRepository::new()));
        let readiness = service.readiness();
        assert!(!readiness.database && !readiness.ready());
    }

    #[test]
    fn clock_truncates_to_microseconds() {
        assert_eq!(SystemClock.now().timestamp_subsec_nanos() % 1000, 0);
    }
}
