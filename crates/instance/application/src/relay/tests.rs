//! The relay's puller and status against fakes: an in-memory relay store, a global service
//! that hands out what it holds, and a scan flow that moves once per `msg_id`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use chrono::TimeZone;
use eckwms_domain::access::{Permission, Permissions};
use eckwms_domain::devices::DeviceId;
use eckwms_domain::global::{GlobalUrl, InstanceKey};

use super::*;
use crate::ports::{
    GlobalCallError, GlobalLink, MockClock, MockGlobalLinkRepository, PulledBatch, ScanOutcome,
    ScanRecord,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0).unwrap()
}

fn scan(id: i64, device: &str, msg: &str) -> RelayedScan {
    RelayedScan {
        id,
        device_id: device.to_owned(),
        msg_id: msg.to_owned(),
        barcode: format!("code-{msg}"),
        received_at: now(),
    }
}

/// The relay's tables, in memory.
#[derive(Default)]
struct Store {
    holder: Option<(String, DateTime<Utc>)>,
    inbox: BTreeMap<i64, InboxScan>,
    errors: Vec<RelayError>,
    applied: i64,
    refused: i64,
    confirmed_at: Option<DateTime<Utc>>,
    failures: Vec<String>,
    backlog: Option<i64>,
}

#[derive(Default)]
struct FakeRelay(Mutex<Store>);

impl RelayRepository for FakeRelay {
    fn take_lease(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<bool> {
        let mut s = self.0.lock().unwrap();
        let free = match &s.holder {
            None => true,
            Some((h, end)) => h == holder || *end < now,
        };
        if free {
            s.holder = Some((holder.to_owned(), until));
        }
        Ok(free)
    }
    fn release_lease(&self, holder: &str) -> AppResult<()> {
        let mut s = self.0.lock().unwrap();
        if s.holder.as_ref().is_some_and(|(h, _)| h == holder) {
            s.holder = None;
        }
        Ok(())
    }
    fn inbox(&self, limit: usize) -> AppResult<Vec<InboxScan>> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .inbox
            .values()
            .take(limit)
            .cloned()
            .collect())
    }
    fn add_to_inbox(
        &self,
        scans: &[RelayedScan],
        _at: DateTime<Utc>,
        backlog: Option<i64>,
    ) -> AppResult<usize> {
        let mut s = self.0.lock().unwrap();
        s.backlog = backlog;
        let mut new = 0;
        for scan in scans {
            s.inbox.entry(scan.id).or_insert_with(|| {
                new += 1;
                InboxScan {
                    scan: scan.clone(),
                    outcome: None,
                }
            });
        }
        Ok(new)
    }
    fn record_outcomes(
        &self,
        outcomes: &[(i64, RelayOutcome)],
        errors: &[RelayError],
    ) -> AppResult<()> {
        let mut s = self.0.lock().unwrap();
        for (id, outcome) in outcomes {
            let counted = match s.inbox.get_mut(id) {
                Some(row) if row.outcome.is_none() => {
                    row.outcome = Some(*outcome);
                    true
                }
                _ => false,
            };
            if counted {
                match outcome {
                    RelayOutcome::Applied => s.applied += 1,
                    RelayOutcome::Refused => s.refused += 1,
                }
            }
        }
        s.errors.extend(errors.iter().cloned());
        Ok(())
    }
    fn confirmed(&self, ids: &[i64], at: DateTime<Utc>) -> AppResult<()> {
        let mut s = self.0.lock().unwrap();
        for id in ids {
            s.inbox.remove(id);
        }
        s.confirmed_at = Some(at);
        Ok(())
    }
    fn record_failure(&self, message: &str, _at: DateTime<Utc>) -> AppResult<()> {
        self.0.lock().unwrap().failures.push(message.to_owned());
        Ok(())
    }
    fn relay_state(&self) -> AppResult<RelayState> {
        let s = self.0.lock().unwrap();
        Ok(RelayState {
            holder: s.holder.as_ref().map(|(h, _)| h.clone()),
            lease_until: s.holder.as_ref().map(|(_, u)| *u),
            last_confirm_at: s.confirmed_at,
            backlog: s.backlog,
            applied: s.applied,
            errors: s.refused,
            last_error: s.failures.last().cloned(),
            ..RelayState::default()
        })
    }
    fn inbox_len(&self) -> AppResult<i64> {
        Ok(self.0.lock().unwrap().inbox.len() as i64)
    }
    fn recent_errors(&self, limit: usize) -> AppResult<Vec<RelayError>> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .errors
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }
}

/// The global service's relay: scans waiting, leased when pulled, gone when confirmed.
#[derive(Default)]
struct GlobalRelay {
    waiting: BTreeMap<i64, RelayedScan>,
    leased: HashSet<i64>,
    confirmed: Vec<i64>,
    down: bool,
    pulls: usize,
}

#[derive(Default)]
struct FakeGlobal(Mutex<GlobalRelay>);

impl FakeGlobal {
    fn holding(scans: Vec<RelayedScan>) -> Self {
        let g = FakeGlobal::default();
        g.0.lock().unwrap().waiting = scans.into_iter().map(|s| (s.id, s)).collect();
        g
    }
    fn confirmed(&self) -> Vec<i64> {
        self.0.lock().unwrap().confirmed.clone()
    }
    fn set_down(&self, down: bool) {
        self.0.lock().unwrap().down = down;
    }
}

impl RelayClient for FakeGlobal {
    fn pull(
        &self,
        _url: &GlobalUrl,
        _key: &InstanceKey,
        limit: usize,
        reclaim: bool,
    ) -> Result<PulledBatch, GlobalCallError> {
        let mut g = self.0.lock().unwrap();
        if g.down {
            return Err(GlobalCallError::Unreachable("down".into()));
        }
        g.pulls += 1;
        if reclaim {
            g.leased.clear();
        }
        let scans: Vec<RelayedScan> = g
            .waiting
            .values()
            .filter(|s| !g.leased.contains(&s.id))
            .take(limit)
            .cloned()
            .collect();
        for s in &scans {
            g.leased.insert(s.id);
        }
        let backlog = (g.waiting.len() - g.leased.len()) as i64;
        Ok(PulledBatch {
            scans,
            backlog: Some(backlog),
        })
    }
    fn confirm(
        &self,
        _url: &GlobalUrl,
        _key: &InstanceKey,
        ids: &[i64],
    ) -> Result<Vec<i64>, GlobalCallError> {
        let mut g = self.0.lock().unwrap();
        if g.down {
            return Err(GlobalCallError::Unreachable("down".into()));
        }
        for id in ids {
            if g.waiting.remove(id).is_some() {
                g.leased.remove(id);
                g.confirmed.push(*id);
            }
        }
        Ok(ids.to_vec())
    }
}

/// The scan flow: devices with a status, one move per new `msg_id` of an owner, the order in
/// which scans were applied, and a database that can be down.
#[derive(Default)]
struct Flow {
    active: HashSet<String>,
    log: HashMap<(String, String), String>,
    moves: Vec<(String, String)>,
    refused_log: Vec<(String, String)>,
    down: bool,
}

#[derive(Default)]
struct FakeFlow(Mutex<Flow>);

impl FakeFlow {
    fn with_active(devices: &[&str]) -> Self {
        let f = FakeFlow::default();
        f.0.lock().unwrap().active = devices.iter().map(|d| (*d).to_owned()).collect();
        f
    }
    fn moves(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().moves.clone()
    }
    fn set_down(&self, down: bool) {
        self.0.lock().unwrap().down = down;
    }
}

impl ScanFlow for FakeFlow {
    fn actor(&self, device_id: &str) -> AppResult<Actor> {
        let f = self.0.lock().unwrap();
        if f.down {
            return Err(AppError::Unavailable(anyhow::anyhow!("pool timeout")));
        }
        if !f.active.contains(device_id) {
            return Err(AppError::refused(
                ProblemCode::DeviceNotActive,
                format!("device {device_id} is blocked; an admin must set it active"),
            ));
        }
        Ok(Actor::device(
            DeviceId::parse(device_id).unwrap(),
            None,
            "PICKER",
            Permissions::of(&[Permission::ScanExecute]),
        ))
    }

    fn scan(&self, request: &ScanRequest, caller: &ScanCaller) -> AppResult<ScanOutcome> {
        let mut f = self.0.lock().unwrap();
        if f.down {
            return Err(AppError::Unavailable(anyhow::anyhow!("pool timeout")));
        }
        assert_eq!(request.device_id, None, "the signer names the device");
        let device = caller.actor.device_id().unwrap().as_str().to_owned();
        assert!(caller.request_id.as_deref().unwrap().starts_with("relay-"));
        let key = (device.clone(), request.msg_id.clone());
        let replayed = match f.log.get(&key) {
            Some(barcode) if *barcode == request.barcode => true,
            Some(_) => {
                return Err(AppError::refused(ProblemCode::MsgIdReused, "reused"));
            }
            None => {
                f.log.insert(key, request.barcode.clone());
                f.moves.push((device.clone(), request.msg_id.clone()));
                false
            }
        };
        Ok(ScanOutcome {
            record: ScanRecord {
                id: 1,
                at: now(),
                owner: format!("device:{device}"),
                actor: caller.actor.ledger_name(),
                device_id: Some(device),
                msg_id: request.msg_id.clone(),
                barcode: request.barcode.clone(),
                resolution: "barcode".into(),
                object: None,
                action: crate::ports::ScanAction::Moved,
                answer: "{}".into(),
                ledger_seqs: Vec::new(),
            },
            replayed,
            session: Default::default(),
        })
    }

    fn log_refused(&self, scan: &RelayedScan, _message: &str, _at: DateTime<Utc>) -> AppResult<()> {
        let mut f = self.0.lock().unwrap();
        if f.down {
            return Err(AppError::Unavailable(anyhow::anyhow!("pool timeout")));
        }
        f.refused_log
            .push((scan.device_id.clone(), scan.msg_id.clone()));
        Ok(())
    }
}

fn enrolled() -> MockGlobalLinkRepository {
    let mut links = MockGlobalLinkRepository::new();
    links.expect_global_link().returning(|| {
        Ok(Some(GlobalLink {
            url: GlobalUrl::parse("https://global.example").unwrap(),
            key: InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_secret").unwrap(),
            enrolled_at: now(),
        }))
    });
    links
}

fn clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    Arc::new(clock)
}

struct Rig {
    relay: Arc<FakeRelay>,
    global: Arc<FakeGlobal>,
    flow: Arc<FakeFlow>,
    puller: RelayPuller,
}

fn rig(global: FakeGlobal, flow: FakeFlow, batch: usize) -> Rig {
    rig_with(
        Arc::new(FakeRelay::default()),
        Arc::new(global),
        Arc::new(flow),
        batch,
        "p1",
    )
}

fn rig_with(
    relay: Arc<FakeRelay>,
    global: Arc<FakeGlobal>,
    flow: Arc<FakeFlow>,
    batch: usize,
    holder: &str,
) -> Rig {
    let puller = RelayPuller::new(
        RelayPorts {
            relay: relay.clone(),
            links: Arc::new(enrolled()),
            clock: clock(),
        },
        global.clone(),
        flow.clone(),
        holder.to_owned(),
        PullerSettings {
            batch,
            lease: Duration::seconds(30),
        },
    );
    Rig {
        relay,
        global,
        flow,
        puller,
    }
}

fn done(applied: usize, refused: usize, pulled: usize, more: bool) -> Round {
    Round::Done {
        pulled,
        applied,
        refused,
        more,
    }
}

#[test]
fn relayed_scans_are_applied_as_their_devices_and_confirmed_after_the_commit() {
    let r = rig(
        FakeGlobal::holding(vec![scan(1, "PDA-1", "a"), scan(2, "PDA-2", "b")]),
        FakeFlow::with_active(&["PDA-1", "PDA-2"]),
        100,
    );
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 2, false));
    assert_eq!(
        r.flow.moves(),
        [("PDA-1".into(), "a".into()), ("PDA-2".into(), "b".into())]
    );
    assert_eq!(r.global.confirmed(), [1, 2]);
    let state = r.relay.relay_state().unwrap();
    assert_eq!((state.applied, state.errors), (2, 0));
    assert_eq!(r.relay.inbox_len().unwrap(), 0);
    // Nothing more waits: the next round pulls nothing and confirms nothing.
    assert_eq!(r.puller.round().unwrap(), done(0, 0, 0, false));
}

#[test]
fn a_scan_of_a_device_not_active_here_is_recorded_as_an_error_and_confirmed() {
    let r = rig(
        FakeGlobal::holding(vec![scan(1, "PDA-9", "x"), scan(2, "PDA-1", "a")]),
        FakeFlow::with_active(&["PDA-1"]),
        100,
    );
    assert_eq!(r.puller.round().unwrap(), done(1, 1, 2, false));
    // In the scan log as an error, in the relay's errors, and confirmed: never tried again.
    assert_eq!(
        r.flow.0.lock().unwrap().refused_log,
        [("PDA-9".to_owned(), "x".to_owned())]
    );
    let errors = r.relay.recent_errors(10).unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].id, errors[0].code.as_str()),
        (1, "device_not_active")
    );
    assert_eq!(r.global.confirmed(), [1, 2]);
    assert_eq!(r.flow.moves(), [("PDA-1".into(), "a".into())]);
    assert_eq!(r.relay.relay_state().unwrap().errors, 1);
}

#[test]
fn a_refusal_of_the_scan_flow_is_final_but_not_written_to_the_scan_log() {
    let r = rig(
        FakeGlobal::holding(vec![scan(1, "PDA-1", "a")]),
        FakeFlow::with_active(&["PDA-1"]),
        100,
    );
    // The device sent another code under this msg_id directly before.
    r.flow
        .0
        .lock()
        .unwrap()
        .log
        .insert(("PDA-1".into(), "a".into()), "other".into());
    assert_eq!(r.puller.round().unwrap(), done(0, 1, 1, false));
    assert_eq!(r.relay.recent_errors(10).unwrap()[0].code, "msg_id_reused");
    assert!(r.flow.0.lock().unwrap().refused_log.is_empty());
    assert_eq!(r.global.confirmed(), [1]);
}

#[test]
fn a_transient_failure_confirms_nothing_it_did_not_apply_and_keeps_the_order() {
    let r = rig(
        FakeGlobal::holding(vec![scan(1, "PDA-1", "a"), scan(2, "PDA-1", "b")]),
        FakeFlow::with_active(&["PDA-1"]),
        100,
    );
    r.flow.set_down(true);
    let e = r.puller.round().unwrap_err();
    assert!(e.to_string().contains("unavailable"), "{e}");
    r.puller.record_failure(&e);
    assert!(r.global.confirmed().is_empty());
    assert_eq!(r.relay.inbox_len().unwrap(), 2);
    assert!(r.relay.relay_state().unwrap().last_error.is_some());
    // The database is back: the inbox is applied in order before anything new is pulled.
    r.flow.set_down(false);
    r.global
        .0
        .lock()
        .unwrap()
        .waiting
        .insert(3, scan(3, "PDA-1", "c"));
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 0, true));
    assert_eq!(r.puller.round().unwrap(), done(1, 0, 1, false));
    let order: Vec<String> = r.flow.moves().into_iter().map(|(_, m)| m).collect();
    assert_eq!(order, ["a", "b", "c"]);
    assert_eq!(r.global.confirmed(), [1, 2, 3]);
}

#[test]
fn the_global_service_down_at_the_confirmation_keeps_the_scans_for_the_next_round() {
    let r = rig(
        FakeGlobal::holding(vec![scan(1, "PDA-1", "a")]),
        FakeFlow::with_active(&["PDA-1"]),
        100,
    );
    // Pulled and applied; the confirmation fails.
    let global = r.global.clone();
    {
        let batch = global
            .pull(
                &GlobalUrl::parse("https://global.example").unwrap(),
                &InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_secret").unwrap(),
                100,
                false,
            )
            .unwrap();
        r.relay.add_to_inbox(&batch.scans, now(), None).unwrap();
    }
    global.set_down(true);
    assert!(r.puller.round().is_err());
    assert_eq!(r.flow.moves().len(), 1);
    assert_eq!(r.relay.inbox_len().unwrap(), 1);
    // Back: the applied scan is confirmed without being applied again.
    global.set_down(false);
    assert_eq!(r.puller.round().unwrap(), done(0, 0, 0, true));
    assert_eq!(r.flow.moves().len(), 1);
    assert_eq!(r.global.confirmed(), [1]);
    assert_eq!(r.relay.relay_state().unwrap().applied, 1);
}

#[test]
fn a_scan_applied_before_through_another_way_is_confirmed_without_a_second_move() {
    let r = rig(
        FakeGlobal::holding(vec![scan(1, "PDA-1", "a"), scan(2, "PDA-1", "b")]),
        FakeFlow::with_active(&["PDA-1"]),
        100,
    );
    // Sent directly before it came through the relay.
    r.flow
        .0
        .lock()
        .unwrap()
        .log
        .insert(("PDA-1".into(), "a".into()), "code-a".into());
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 2, false));
    assert_eq!(r.flow.moves(), [("PDA-1".into(), "b".into())]);
    assert_eq!(r.global.confirmed(), [1, 2]);
}

#[test]
fn after_a_crash_in_the_middle_the_inbox_is_worked_off_once_and_in_order() {
    let scans: Vec<RelayedScan> = (1..=6)
        .map(|i| {
            scan(
                i,
                if i % 2 == 0 { "PDA-2" } else { "PDA-1" },
                &format!("m{i}"),
            )
        })
        .collect();
    let relay = Arc::new(FakeRelay::default());
    let global = Arc::new(FakeGlobal::holding(scans.clone()));
    let flow = Arc::new(FakeFlow::with_active(&["PDA-1", "PDA-2"]));
    // The first process pulled all six and applied three (committed) before it died: their
    // outcome was never recorded, and its lease runs on.
    let first = rig_with(relay.clone(), global.clone(), flow.clone(), 6, "first");
    relay
        .take_lease("first", now(), now() + Duration::seconds(30))
        .unwrap();
    let batch = RelayClient::pull(
        &*global,
        &GlobalUrl::parse("https://global.example").unwrap(),
        &InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_secret").unwrap(),
        6,
        false,
    )
    .unwrap();
    relay
        .add_to_inbox(&batch.scans, now(), batch.backlog)
        .unwrap();
    for s in &scans[..3] {
        let actor = flow.actor(&s.device_id).unwrap();
        first.puller.scan_as(s, actor).unwrap();
    }
    // Another process waits while the lease runs...
    let second = rig_with(relay.clone(), global.clone(), flow.clone(), 6, "second");
    assert_eq!(second.puller.round().unwrap(), Round::NotHolder);
    // ... and takes over once it ended.
    relay.0.lock().unwrap().holder = Some(("first".into(), now() - Duration::seconds(1)));
    assert_eq!(second.puller.round().unwrap(), done(6, 0, 0, true));
    let order: Vec<String> = flow.moves().into_iter().map(|(_, m)| m).collect();
    assert_eq!(order, ["m1", "m2", "m3", "m4", "m5", "m6"]);
    assert_eq!(global.confirmed(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(relay.relay_state().unwrap().applied, 6);
}

#[test]
fn a_batch_lost_between_the_pull_and_the_inbox_comes_back_before_later_scans() {
    let scans: Vec<RelayedScan> = (1..=4)
        .map(|i| scan(i, "PDA-1", &format!("m{i}")))
        .collect();
    let r = rig(
        FakeGlobal::holding(scans),
        FakeFlow::with_active(&["PDA-1"]),
        2,
    );
    // A process pulled m1 and m2, then died before they reached the inbox: leased, lost.
    RelayClient::pull(
        &*r.global,
        &GlobalUrl::parse("https://global.example").unwrap(),
        &InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_secret").unwrap(),
        2,
        false,
    )
    .unwrap();
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 2, true));
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 2, true));
    let order: Vec<String> = r.flow.moves().into_iter().map(|(_, m)| m).collect();
    assert_eq!(order, ["m1", "m2", "m3", "m4"]);
    assert_eq!(r.global.confirmed(), [1, 2, 3, 4]);
}

#[test]
fn full_batches_ask_for_the_next_round_at_once() {
    let scans: Vec<RelayedScan> = (1..=5)
        .map(|i| scan(i, "PDA-1", &format!("m{i}")))
        .collect();
    let r = rig(
        FakeGlobal::holding(scans),
        FakeFlow::with_active(&["PDA-1"]),
        2,
    );
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 2, true));
    assert_eq!(r.puller.round().unwrap(), done(2, 0, 2, true));
    assert_eq!(r.puller.round().unwrap(), done(1, 0, 1, false));
    assert_eq!(r.relay.relay_state().unwrap().backlog, Some(0));
}

#[test]
fn nothing_is_pulled_when_not_enrolled() {
    let mut links = MockGlobalLinkRepository::new();
    links.expect_global_link().returning(|| Ok(None));
    let puller = RelayPuller::new(
        RelayPorts {
            relay: Arc::new(FakeRelay::default()),
            links: Arc::new(links),
            clock: clock(),
        },
        Arc::new(FakeGlobal::default()),
        Arc::new(FakeFlow::default()),
        "p".into(),
        PullerSettings {
            batch: 10,
            lease: Duration::seconds(30),
        },
    );
    assert_eq!(puller.round().unwrap(), Round::NotEnrolled);
}

#[test]
fn the_status_needs_devices_manage_and_sums_the_backlog() {
    let relay = Arc::new(FakeRelay::default());
    relay
        .add_to_inbox(&[scan(1, "PDA-1", "a")], now(), Some(41))
        .unwrap();
    relay
        .take_lease("p", now(), now() + Duration::seconds(30))
        .unwrap();
    let service = RelayService::new(RelayPorts {
        relay,
        links: Arc::new(enrolled()),
        clock: clock(),
    });
    let picker = Actor::api_key(
        5,
        "picker",
        "PICKER",
        Permissions::of(&[Permission::ScanExecute, Permission::InventoryView]),
    );
    let e = service.status(&picker).unwrap_err();
    assert_eq!(e.code(), Some(ProblemCode::Forbidden));
    let admin = Actor::api_key(1, "admin", "SUPER_ADMIN", Permissions::all());
    let status = service.status(&admin).unwrap();
    assert!(status.enrolled);
    assert!(status.holder_alive);
    assert_eq!((status.inbox, status.backlog()), (1, 42));
    assert_eq!(service.backlog().unwrap(), 42);
}
