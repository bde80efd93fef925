//! Tests of the scan use case: validation, replay, and the scan flow on an in-memory transaction.

use eckwms_problems::ProblemCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use eckwms_codes::Decoder;
use eckwms_domain::scanning::WorkingSet;
use eckwms_domain::{
    BoxId, BoxPatch, Change, Item, ItemId, ItemPatch, Meta, Movable, NewBox, NewItem, NewOrder,
    ObjectId, Order, OrderId, OrderPatch, Parent, PlaceId, PlaceRole, StorageBox,
};
use serde_json::{Value, json};

use super::{ScanCaller, ScanRequest, ScanService, ScanSettings};
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{
    BoxesTx, Expected, ItemsTx, LedgerTx, Located, MockClock, MockScanRepository, MockUnitOfWork,
    MoveCommand, MovedOrder, MovesTx, ObjectsTx, OrdersTx, RepairTx, ScanAction, ScanOutcome,
    ScanRecord, ScannedObject, ScansTx, StoredSession, TxMocks, WriteContext,
};

const DEVICE: &str = "PDA-7";
const OWNER: &str = "device:PDA-7";
const ACTOR: &str = "apikey:2";
const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .unwrap()
}

fn idle() -> Duration {
    Duration::minutes(30)
}

fn item_id(n: u64) -> ItemId {
    ItemId::new(n).unwrap()
}

fn box_id(n: u64) -> BoxId {
    BoxId::new(n).unwrap()
}

fn item(id: ItemId) -> Item {
    Item {
        id,
        serial: None,
        class_code: None,
        name: None,
        condition: None,
        attributes: Default::default(),
        barcodes: Default::default(),
        parent: None,
        meta: Meta::new(now()),
    }
}

fn storage_box(id: BoxId) -> StorageBox {
    StorageBox {
        id,
        name: None,
        parent: None,
        order: None,
        barcodes: Default::default(),
        meta: Meta::new(now()),
    }
}

/// A scan transaction kept in memory: what the flow reads and writes, and what it called.
#[derive(Default)]
struct FakeTx {
    objects: HashMap<ObjectId, ScannedObject>,
    sessions: Vec<StoredSession>,
    scans: Vec<ScanRecord>,
    last_scan_id: i64,
    /// The moves tried, as the flow asked for them.
    moves: Vec<MoveCommand>,
    /// The ledger rows written, with the context they were written in.
    ledger: Vec<(WriteContext, Vec<Change>)>,
    created: Vec<(ObjectId, WriteContext)>,
    /// When set, a move finds that its last object no longer exists.
    refuse_moves: bool,
}

impl FakeTx {
    fn with_items_and_box(items: &[u64], boxed: u64) -> Self {
        let mut fake = FakeTx::default();
        for n in items {
            let id = item_id(*n);
            fake.objects
                .insert(id.object_id(), ScannedObject::Item(item(id)));
        }
        let id = box_id(boxed);
        fake.objects
            .insert(id.object_id(), ScannedObject::Box(storage_box(id)));
        fake
    }

    fn session(&self, owner: &str) -> Option<&StoredSession> {
        self.sessions.iter().find(|s| s.owner == owner)
    }

    fn unused<T>(what: &str) -> AppResult<T> {
        Err(AppError::internal(anyhow::anyhow!(
            "{what} is not used by these tests"
        )))
    }
}

impl ScansTx for FakeTx {
    fn lock_owner(&mut self, owner: &str) -> AppResult<()> {
        // Every scan of these tests comes from the device.
        if owner != OWNER {
            return Self::unused("a scan of another owner");
        }
        Ok(())
    }

    fn find(&mut self, owner: &str, msg_id: &str) -> AppResult<Option<ScanRecord>> {
        Ok(self
            .scans
            .iter()
            .find(|s| s.owner == owner && s.msg_id == msg_id)
            .cloned())
    }

    fn next_id(&mut self) -> AppResult<i64> {
        self.last_scan_id += 1;
        Ok(self.last_scan_id)
    }

    fn load_session(&mut self, owner: &str) -> AppResult<Option<StoredSession>> {
        Ok(self.session(owner).cloned())
    }

    fn save_session(&mut self, session: &StoredSession) -> AppResult<()> {
        self.sessions.retain(|s| s.owner != session.owner);
        self.sessions.push(session.clone());
        Ok(())
    }

    fn insert(&mut self, record: &ScanRecord) -> AppResult<()> {
        self.scans.push(record.clone());
        Ok(())
    }
}

impl ObjectsTx for FakeTx {
    fn get(&mut self, id: ObjectId) -> AppResult<Option<ScannedObject>> {
        Ok(self.objects.get(&id).cloned())
    }

    fn find_by_code(&mut self, code: &str) -> AppResult<Vec<ObjectId>> {
        let mut found: Vec<ObjectId> = self
            .objects
            .iter()
            .filter(|(_, o)| match o {
                ScannedObject::Item(i) => {
                    i.barcodes.contains(code)
                        || i.serial.as_ref().is_some_and(|s| s.as_str() == code)
                }
                ScannedObject::Box(b) => b.barcodes.contains(code),
                _ => false,
            })
            .map(|(id, _)| *id)
            .collect();
        found.sort();
        Ok(found)
    }
}

impl ItemsTx for FakeTx {
    fn with_serial(&mut self, serial: &str) -> AppResult<Vec<Item>> {
        let mut found: Vec<Item> = self
            .objects
            .values()
            .filter_map(|o| match o {
                ScannedObject::Item(i) if i.serial.as_ref().map(|s| s.as_str()) == Some(serial) => {
                    Some(i.clone())
                }
                _ => None,
            })
            .collect();
        found.sort_by_key(|i| i.id);
        Ok(found)
    }

    fn is_class_code(&mut self, _code: &str) -> AppResult<bool> {
        Ok(false)
    }

    fn create_with_id(&mut self, id: ItemId, new: &NewItem, ctx: &WriteContext) -> AppResult<Item> {
        let created = Item {
            serial: new.serial.clone(),
            ..item(id)
        };
        self.objects
            .insert(id.object_id(), ScannedObject::Item(created.clone()));
        self.created.push((id.object_id(), ctx.clone()));
        Ok(created)
    }

    fn update(
        &mut self,
        id: ItemId,
        _expected: Expected,
        patch: &ItemPatch,
        _ctx: &WriteContext,
    ) -> AppResult<Item> {
        match self.objects.get_mut(&id.object_id()) {
            Some(ScannedObject::Item(i)) => {
                i.apply(patch.clone());
                Ok(i.clone())
            }
            _ => Err(AppError::not_found("item", id)),
        }
    }
}

impl BoxesTx for FakeTx {
    fn create_with_id(
        &mut self,
        id: BoxId,
        _new: &NewBox,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        let created = storage_box(id);
        self.objects
            .insert(id.object_id(), ScannedObject::Box(created.clone()));
        self.created.push((id.object_id(), ctx.clone()));
        Ok(created)
    }

    fn update(
        &mut self,
        id: BoxId,
        _expected: Expected,
        patch: &BoxPatch,
        _ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        match self.objects.get_mut(&id.object_id()) {
            Some(ScannedObject::Box(b)) => {
                b.apply(patch.clone());
                Ok(b.clone())
            }
            _ => Err(AppError::not_found("box", id)),
        }
    }
}

impl OrdersTx for FakeTx {
    fn create_with_id(
        &mut self,
        _id: OrderId,
        _new: &NewOrder,
        _ctx: &WriteContext,
    ) -> AppResult<Order> {
        Self::unused("create_order")
    }

    fn link_box(
        &mut self,
        _order: OrderId,
        _box_id: BoxId,
        _ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        Self::unused("link_box")
    }

    fn update_order(
        &mut self,
        _id: OrderId,
        _patch: &OrderPatch,
        _ctx: &WriteContext,
    ) -> AppResult<Order> {
        Self::unused("update_order")
    }
}

/// The places of these tests have no role: no move changes an order (the HTTP tests and the
/// black-box walk scan onto an intake place).
impl RepairTx for FakeTx {
    fn lock_orders_of_move(
        &mut self,
        _boxes: &[BoxId],
        _left: &[(ItemId, BoxId)],
    ) -> AppResult<Vec<MovedOrder>> {
        Self::unused("lock_orders_of_move")
    }
}

impl MovesTx for FakeTx {
    fn lock_for_move(&mut self, objects: &[Movable], to: Parent) -> AppResult<Vec<Located>> {
        self.moves.push(MoveCommand {
            objects: objects.to_vec(),
            to,
            expected_from: None,
        });
        let mut located = Vec::new();
        for object in objects {
            match self.objects.get(&object.object_id()) {
                // With `refuse_moves`, the last object no longer exists.
                _ if self.refuse_moves && Some(object) == objects.last() => {}
                Some(ScannedObject::Item(i)) => located.push(Located {
                    object: *object,
                    parent: i.parent,
                }),
                Some(ScannedObject::Box(b)) => located.push(Located {
                    object: *object,
                    parent: b.parent,
                }),
                _ => {}
            }
        }
        Ok(located)
    }

    fn box_chain(&mut self, start: BoxId) -> AppResult<Vec<BoxId>> {
        match self.objects.get(&start.object_id()) {
            Some(ScannedObject::Box(_)) => Ok(vec![start]),
            _ => Err(AppError::not_found("box", start)),
        }
    }

    fn container_exists(&mut self, container: Parent) -> AppResult<bool> {
        Ok(self.objects.contains_key(&container.object_id())
            || matches!(container, Parent::Place(_)))
    }

    fn place_role(&mut self, _place: PlaceId) -> AppResult<Option<Option<PlaceRole>>> {
        Ok(Some(None))
    }

    fn set_parents(
        &mut self,
        objects: &[Movable],
        to: Parent,
        _ctx: &WriteContext,
    ) -> AppResult<()> {
        for object in objects {
            match self.objects.get_mut(&object.object_id()) {
                Some(ScannedObject::Item(i)) => i.parent = Some(to),
                Some(ScannedObject::Box(b)) => b.parent = Some(to),
                _ => return Err(AppError::not_found("object", object)),
            }
        }
        Ok(())
    }
}

impl LedgerTx for FakeTx {
    fn append(&mut self, ctx: &WriteContext, changes: &[Change]) -> AppResult<Vec<i64>> {
        self.ledger.push((ctx.clone(), changes.to_vec()));
        Ok((1..=changes.len() as i64).collect())
    }
}

fn service_with(repo: MockScanRepository, decoder: Decoder) -> ScanService {
    // No unit of work is expected: a scan reaching one panics.
    service_on(repo, MockUnitOfWork::new(), decoder)
}

fn service_on(repo: MockScanRepository, unit: MockUnitOfWork, decoder: Decoder) -> ScanService {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    ScanService::new(
        Arc::new(repo),
        Arc::new(unit),
        Arc::new(decoder),
        Arc::new(clock),
        ScanSettings {
            session_idle: idle(),
        },
    )
}

/// A service whose every scan runs on `fake`, for the device's owner.
fn on_fake(fake: &Arc<Mutex<FakeTx>>, decoder: Decoder) -> ScanService {
    let mut unit = MockUnitOfWork::new();
    let shared = fake.clone();
    unit.expect_run().returning(move |_, mut work| {
        let mut tx = shared.lock().unwrap();
        work(&mut *tx)
    });
    service_on(MockScanRepository::new(), unit, decoder)
}

/// The write key whose ledger name is [`ACTOR`].
fn writer() -> Actor {
    Actor::seeded_key(2, "writer", "write")
}

fn caller() -> ScanCaller {
    ScanCaller {
        actor: writer(),
        request_id: Some("req-1".to_owned()),
        lang: Default::default(),
    }
}

fn request(barcode: &str, msg_id: &str) -> ScanRequest {
    ScanRequest {
        barcode: barcode.to_owned(),
        msg_id: msg_id.to_owned(),
        device_id: Some(DEVICE.to_owned()),
    }
}

fn scan(service: &ScanService, barcode: &str, msg_id: &str) -> ScanOutcome {
    service
        .scan(&request(barcode, msg_id), &caller())
        .unwrap_or_else(|e| panic!("scan of {barcode:?} failed: {e:?}"))
}

fn answer(outcome: &ScanOutcome) -> Value {
    serde_json::from_str(&outcome.body().unwrap()).unwrap()
}

fn session_with_items(items: &[u64], updated_at: chrono::DateTime<Utc>) -> StoredSession {
    StoredSession {
        owner: OWNER.to_owned(),
        set: WorkingSet {
            items: items.iter().map(|n| item_id(*n)).collect(),
            ..WorkingSet::default()
        },
        updated_at,
    }
}

fn invalid_fields(result: AppResult<ScanOutcome>) -> Vec<String> {
    match result {
        Err(AppError::Invalid(fields)) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn invalid_requests_name_the_field_and_never_reach_the_repository() {
    // No expectations: any call of the repository panics.
    let service = service_with(MockScanRepository::new(), Decoder::default());
    let valid = request("i000000000000000001", "m-1");
    let cases: Vec<(ScanRequest, &str)> = vec![
        (
            ScanRequest {
                barcode: String::new(),
                ..valid.clone()
            },
            "barcode",
        ),
        (
            ScanRequest {
                barcode: "   ".into(),
                ..valid.clone()
            },
            "barcode",
        ),
        (
            ScanRequest {
                barcode: "i00000000\u{7}0000000001".into(),
                ..valid.clone()
            },
            "barcode",
        ),
        (
            ScanRequest {
                barcode: "x".repeat(super::MAX_BARCODE_LEN + 1),
                ..valid.clone()
            },
            "barcode",
        ),
        (
            ScanRequest {
                msg_id: "m".repeat(101),
                ..valid.clone()
            },
            "msg_id",
        ),
        (
            ScanRequest {
                msg_id: String::new(),
                ..valid.clone()
            },
            "msg_id",
        ),
        (
            ScanRequest {
                msg_id: "m-1\n".into(),
                ..valid.clone()
            },
            "msg_id",
        ),
        (
            ScanRequest {
                device_id: Some(String::new()),
                ..valid.clone()
            },
            "device_id",
        ),
        (
            ScanRequest {
                device_id: Some("d".repeat(101)),
                ..valid.clone()
            },
            "device_id",
        ),
    ];
    for (request, field) in cases {
        let fields = invalid_fields(service.scan(&request, &caller()));
        assert_eq!(fields, [field], "{request:?}");
    }
}

#[test]
fn every_invalid_field_is_named_at_once() {
    let service = service_with(MockScanRepository::new(), Decoder::default());
    let request = ScanRequest {
        barcode: String::new(),
        msg_id: String::new(),
        device_id: Some(String::new()),
    };
    assert_eq!(
        invalid_fields(service.scan(&request, &caller())),
        ["barcode", "msg_id", "device_id"]
    );
}

#[test]
fn tokens_of_100_characters_are_accepted() {
    let mut unit = MockUnitOfWork::new();
    let device = "d".repeat(100);
    let owner = format!("device:{device}");
    unit.expect_run().times(1).returning(move |_, mut work| {
        let mut tx = TxMocks::default();
        let owner = owner.clone();
        tx.scans
            .expect_lock_owner()
            .times(1)
            .withf(move |o| o == owner)
            .returning(|_| Err(AppError::not_found("scan", "stub")));
        work(&mut tx)
    });
    let service = service_on(MockScanRepository::new(), unit, Decoder::default());
    let request = ScanRequest {
        barcode: "i000000000000000001".into(),
        msg_id: "ü".repeat(100),
        device_id: Some(device),
    };
    // The repository was reached: the stub's error comes back, not Invalid.
    assert!(matches!(
        service.scan(&request, &caller()),
        Err(AppError::NotFound { what: "scan", .. })
    ));
}

#[test]
fn a_scan_without_device_belongs_to_the_api_key() {
    assert_eq!(ScanService::owner(None, &caller()), ACTOR);
    assert_eq!(ScanService::owner(Some(DEVICE), &caller()), OWNER);
}

fn stored_record() -> ScanRecord {
    ScanRecord {
        id: 41,
        at: now() - Duration::minutes(5),
        owner: OWNER.to_owned(),
        actor: ACTOR.to_owned(),
        device_id: Some(DEVICE.to_owned()),
        msg_id: "m-1".to_owned(),
        barcode: "i000000000000000001".to_owned(),
        resolution: "id".to_owned(),
        object: Some(item_id(1).object_id()),
        action: ScanAction::Created,
        answer: r#"{"scan_id":41,"action":"created"}"#.to_owned(),
        ledger_seqs: vec![7],
    }
}

#[test]
fn a_known_msg_id_replays_its_record_and_does_nothing_else() {
    let mut unit = MockUnitOfWork::new();
    unit.expect_run().times(1).returning(|_, mut work| {
        // Only reads are expected: any other call of the transaction panics.
        let mut tx = TxMocks::default();
        tx.scans
            .expect_lock_owner()
            .times(1)
            .withf(|owner| owner == OWNER)
            .returning(|_| Ok(()));
        tx.scans
            .expect_find()
            .times(1)
            .withf(|owner, msg_id| owner == OWNER && msg_id == "m-1")
            .returning(|_, _| Ok(Some(stored_record())));
        // The retry shows the working set as it is now.
        tx.scans
            .expect_load_session()
            .times(1)
            .withf(|owner| owner == OWNER)
            .returning(|_| Ok(Some(session_with_items(&[1, 2], now()))));
        work(&mut tx)
    });
    let service = service_on(MockScanRepository::new(), unit, Decoder::default());
    let outcome = scan(&service, "i000000000000000001", "m-1");
    assert!(outcome.replayed);
    assert_eq!(outcome.record, stored_record());
    assert_eq!(outcome.session.items, vec![item_id(1), item_id(2)]);
}

#[test]
fn a_msg_id_reused_for_another_code_is_a_conflict() {
    let fake = Arc::new(Mutex::new(FakeTx::default()));
    let service = on_fake(&fake, Decoder::default());
    scan(&service, "i000000000000000001", "m-1");
    let reused = service.scan(&request("i000000000000000002", "m-1"), &caller());
    assert!(
        matches!(
            reused,
            Err(AppError::Refused {
                code: ProblemCode::MsgIdReused,
                ..
            })
        ),
        "{reused:?}"
    );
    assert_eq!(fake.lock().unwrap().scans.len(), 1);
}

#[test]
fn a_retried_scan_gets_the_first_answer_and_changes_nothing() {
    let fake = Arc::new(Mutex::new(FakeTx::default()));
    let service = on_fake(&fake, Decoder::default());
    let first = scan(&service, "i000000000000000001", "m-1");
    let again = scan(&service, "i000000000000000001", "m-1");
    assert!(!first.replayed);
    assert!(again.replayed);
    assert_eq!(again.record, first.record);
    let fake = fake.lock().unwrap();
    assert_eq!(fake.scans.len(), 1);
    assert_eq!(fake.created.len(), 1);
    assert_eq!(fake.last_scan_id, 1, "a replay allocates no scan id");
}

#[test]
fn items_then_a_box_put_the_items_into_the_box() {
    let fake = Arc::new(Mutex::new(FakeTx::with_items_and_box(&[], 7)));
    let service = on_fake(&fake, Decoder::default());

    let first = scan(&service, "i000000000000000001", "m-1");
    assert_eq!(first.record.action, ScanAction::Created);
    assert_eq!(
        answer(&first)["session"]["items"],
        json!(["i000000000000000001"])
    );
    let second = scan(&service, "i000000000000000002", "m-2");
    assert_eq!(second.record.action, ScanAction::Created);
    assert!(
        fake.lock().unwrap().moves.is_empty(),
        "joining moves nothing"
    );

    let third = scan(&service, "b000000000000000007", "m-3");
    assert!(!third.replayed);
    let record = &third.record;
    let body = answer(&third);
    assert_eq!(record.action, ScanAction::Moved);
    assert_eq!(record.resolution, "id");
    assert_eq!(record.object, Some(box_id(7).object_id()));
    assert_eq!(record.owner, OWNER);
    assert_eq!(record.actor, ACTOR);
    assert_eq!(record.device_id.as_deref(), Some(DEVICE));
    assert_eq!(body["action"], "moved");
    assert_eq!(body["type"], "box");
    assert_eq!(body["scan_id"], record.id);
    assert_eq!(body["msg_id"], "m-3");
    assert_eq!(body["data"]["id"], "b000000000000000007");
    assert!(
        body["message"].as_str().unwrap().contains("2 items"),
        "{body}"
    );
    assert_eq!(
        body["session"],
        json!({"items": [], "boxes": ["b000000000000000007"], "places": []})
    );

    let fake = fake.lock().unwrap();
    assert_eq!(fake.moves.len(), 1);
    // The move's ledger rows carry the scan's context.
    assert_eq!(fake.ledger.len(), 1);
    let (command, (ctx, _)) = (&fake.moves[0], &fake.ledger[0]);
    assert_eq!(
        command.objects,
        [Movable::Item(item_id(1)), Movable::Item(item_id(2))]
    );
    assert_eq!(command.to, Parent::Box(box_id(7)));
    assert_eq!(command.expected_from, None);
    assert_eq!(ctx.scan, Some(record.id));
    assert_eq!(ctx.request_id.as_deref(), Some("req-1"));
    assert_eq!(ctx.at, now());
    assert!(ctx.actor.starts_with(ACTOR), "{}", ctx.actor);
    // The items the first two scans created carry their own scan ids.
    let created: Vec<(ObjectId, Option<i64>)> =
        fake.created.iter().map(|(id, c)| (*id, c.scan)).collect();
    assert_eq!(
        created,
        [
            (item_id(1).object_id(), Some(first.record.id)),
            (item_id(2).object_id(), Some(second.record.id)),
        ]
    );
    let session = fake.session(OWNER).unwrap();
    assert!(session.set.items.is_empty());
    assert_eq!(session.set.boxes, [box_id(7)]);
    assert_eq!(session.updated_at, now());
    assert_eq!(fake.scans.len(), 3);
    assert_eq!(fake.scans[2], third.record);
}

#[test]
fn a_refused_move_answers_error_keeps_the_set_and_still_logs_the_scan() {
    let mut tx = FakeTx::with_items_and_box(&[1, 2], 7);
    tx.refuse_moves = true;
    tx.sessions.push(session_with_items(&[1, 2], now()));
    let fake = Arc::new(Mutex::new(tx));
    let service = on_fake(&fake, Decoder::default());

    let outcome = scan(&service, "b000000000000000007", "m-9");
    let body = answer(&outcome);
    assert_eq!(outcome.record.action, ScanAction::Error);
    assert_eq!(body["action"], "error");
    assert_eq!(
        body["message"], "Item 2 no longer exists.",
        "the message says why: {body}"
    );
    assert_eq!(
        body["session"]["items"],
        json!(["i000000000000000001", "i000000000000000002"])
    );
    assert_eq!(body["session"]["boxes"], json!([]));

    let fake = fake.lock().unwrap();
    assert_eq!(fake.moves.len(), 1, "the move was tried");
    let session = fake.session(OWNER).unwrap();
    assert_eq!(session.set.items, [item_id(1), item_id(2)]);
    assert!(session.set.boxes.is_empty());
    assert_eq!(fake.scans.len(), 1);
    assert_eq!(fake.scans[0].action, ScanAction::Error);
    assert_eq!(fake.scans[0].msg_id, "m-9");
}

#[test]
fn a_session_idle_longer_than_the_idle_time_starts_empty() {
    let mut tx = FakeTx::with_items_and_box(&[1], 7);
    tx.sessions.push(session_with_items(
        &[1],
        now() - idle() - Duration::minutes(1),
    ));
    let fake = Arc::new(Mutex::new(tx));
    let service = on_fake(&fake, Decoder::default());

    let outcome = scan(&service, "b000000000000000007", "m-1");
    let body = answer(&outcome);
    assert_eq!(outcome.record.action, ScanAction::Found);
    assert_eq!(
        body["session"],
        json!({"items": [], "boxes": ["b000000000000000007"], "places": []})
    );
    let fake = fake.lock().unwrap();
    assert!(fake.moves.is_empty(), "the expired item must not move");
    let session = fake.session(OWNER).unwrap();
    assert!(session.set.items.is_empty());
    assert_eq!(session.set.boxes, [box_id(7)]);
    assert_eq!(session.updated_at, now());
}

#[test]
fn a_session_used_within_the_idle_time_is_kept() {
    let mut tx = FakeTx::with_items_and_box(&[1], 7);
    tx.sessions.push(session_with_items(
        &[1],
        now() - idle() + Duration::minutes(1),
    ));
    let fake = Arc::new(Mutex::new(tx));
    let service = on_fake(&fake, Decoder::default());

    let outcome = scan(&service, "b000000000000000007", "m-1");
    assert_eq!(outcome.record.action, ScanAction::Moved);
    assert_eq!(fake.lock().unwrap().moves.len(), 1);
}

#[test]
fn session_reads_treat_an_expired_session_as_empty() {
    let mut repo = MockScanRepository::new();
    repo.expect_get_session()
        .withf(|owner| owner == OWNER)
        .returning(|_| {
            Ok(Some(session_with_items(
                &[1],
                now() - idle() - Duration::seconds(1),
            )))
        });
    let service = service_with(repo, Decoder::default());
    let session = service.session(&writer(), OWNER).unwrap();
    assert_eq!(session.owner, OWNER);
    assert!(session.set.is_empty());
    assert_eq!(session.updated_at, now());
}

/// A GS1 element string as a scanner sends it: a GS (0x1D) ends the variable-length batch.
const GS1_WITH_GS: &str = "01095060001343521720122510ABC123\u{1d}21XYZ";

#[test]
fn a_gs_separator_inside_a_barcode_is_accepted() {
    let fake = Arc::new(Mutex::new(FakeTx::default()));
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, GS1_WITH_GS, "m-1");
    let body = answer(&outcome);
    assert_eq!(outcome.record.barcode, GS1_WITH_GS);
    assert_eq!(outcome.record.resolution, "gs1");
    assert_eq!(outcome.record.action, ScanAction::NotFound);
    assert_eq!(body["type"], "gs1");
    assert_eq!(fake.lock().unwrap().scans.len(), 1);
}

#[test]
fn a_gs1_code_with_a_gs_scanned_after_an_item_is_attached_to_it() {
    let mut tx = FakeTx::with_items_and_box(&[1], 7);
    tx.sessions.push(session_with_items(&[1], now()));
    let fake = Arc::new(Mutex::new(tx));
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, GS1_WITH_GS, "m-1");
    assert_eq!(
        outcome.record.action,
        ScanAction::Attached,
        "{}",
        outcome.record.answer
    );
}

#[test]
fn an_unknown_code_after_an_item_becomes_its_barcode() {
    let mut tx = FakeTx::with_items_and_box(&[1], 7);
    tx.sessions.push(session_with_items(&[1], now()));
    let fake = Arc::new(Mutex::new(tx));
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, "SUPPLIER-CODE-17", "m-1");
    assert_eq!(outcome.record.action, ScanAction::Attached);
    assert_eq!(outcome.record.object, Some(item_id(1).object_id()));
    let fake = fake.lock().unwrap();
    match fake.objects.get(&item_id(1).object_id()) {
        Some(ScannedObject::Item(i)) => assert!(i.barcodes.contains("SUPPLIER-CODE-17")),
        other => panic!("item 1 is {other:?}"),
    }
    assert_eq!(fake.session(OWNER).unwrap().set.items, [item_id(1)]);
}

#[test]
fn a_v2_label_is_decoded_and_creates_its_item() {
    let decoder = Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(V2_KEY),
        ..Default::default()
    })
    .unwrap();
    let id = item_id(5).object_id();
    let [text, _, _] = decoder
        .label_texts(id, &mut |b: &mut [u8]| b.fill(9))
        .unwrap();
    let fake = Arc::new(Mutex::new(FakeTx::default()));
    let service = on_fake(&fake, decoder);
    let outcome = scan(&service, &text, "m-1");
    assert_eq!(outcome.record.resolution, "label_v2");
    assert_eq!(outcome.record.action, ScanAction::Created);
    assert_eq!(outcome.record.object, Some(id));
    assert_eq!(fake.lock().unwrap().created[0].0, id);
}

#[test]
fn a_label_of_another_instance_is_refused_without_changes() {
    let ours = Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(V2_KEY),
        ..Default::default()
    })
    .unwrap();
    let other_key = "ff".repeat(32);
    let theirs = Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(&other_key),
        ..Default::default()
    })
    .unwrap();
    let [text, _, _] = theirs
        .label_texts(item_id(5).object_id(), &mut |b: &mut [u8]| b.fill(3))
        .unwrap();
    let fake = Arc::new(Mutex::new(FakeTx::default()));
    let service = on_fake(&fake, ours);
    let outcome = scan(&service, &text, "m-1");
    assert_eq!(outcome.record.resolution, "bad_label");
    assert_eq!(outcome.record.action, ScanAction::Error);
    assert_eq!(answer(&outcome)["type"], "label");
    let fake = fake.lock().unwrap();
    assert!(fake.created.is_empty());
    assert_eq!(fake.scans.len(), 1);
}

#[test]
fn codes_of_kinds_a_scan_does_not_create_name_their_id_and_kind_in_data() {
    let mut tx = FakeTx::default();
    tx.sessions.push(session_with_items(&[], now()));
    let fake = Arc::new(Mutex::new(tx));
    let service = on_fake(&fake, Decoder::default());
    let cases = [
        ("p000000000000000009", "place", "Place 9 is not set up"),
        ("l000000000000000004", "label", "Label 4 is not bound yet"),
    ];
    for (n, (code, kind, message)) in cases.into_iter().enumerate() {
        let outcome = scan(&service, code, &format!("m-{n}"));
        let body = answer(&outcome);
        assert_eq!(body["action"], "error", "{body}");
        assert_eq!(body["type"], kind, "{body}");
        assert_eq!(body["data"], json!({"kind": kind, "id": code}), "{body}");
        assert!(
            body["message"].as_str().unwrap().starts_with(message),
            "{body}"
        );
        assert_eq!(outcome.record.object, None);
    }
    let fake = fake.lock().unwrap();
    assert!(fake.created.is_empty());
    assert!(fake.session(OWNER).unwrap().set.is_empty());
    assert_eq!(fake.scans.len(), 2, "every refusal is logged");
}

/// A user's badge (its label, or the id typed) asks for the PIN: no error, nothing created or
/// moved, the working set as it was; the answer names the user, and the scan is logged.
#[test]
fn a_badge_asks_for_the_pin_and_changes_nothing() {
    let v2 = Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(V2_KEY),
        ..eckwms_codes::Settings::default()
    })
    .unwrap();
    let badge = ObjectId::parse("u000000000000000003").unwrap();
    let mut n = 0u8;
    let label = v2
        .label_texts(badge, &mut |buf: &mut [u8]| {
            n += 1;
            buf.fill(n)
        })
        .unwrap();
    let fake = Arc::new(Mutex::new(FakeTx::with_items_and_box(&[1], 1)));
    let service = on_fake(&fake, v2);
    scan(&service, "i000000000000000001", "m-0");
    for (n, code) in [label[1].as_str(), "u000000000000000003"]
        .into_iter()
        .enumerate()
    {
        let outcome = scan(&service, code, &format!("m-{}", n + 1));
        let body = answer(&outcome);
        assert_eq!(body["action"], "pin_required", "{body}");
        assert_eq!(body["type"], "user");
        assert_eq!(
            body["data"],
            json!({"kind": "user", "id": "u000000000000000003"})
        );
        assert_eq!(
            body["message"],
            "Badge of user 3: enter the PIN to log in on this scanner."
        );
        assert_eq!(outcome.record.object, Some(badge));
        assert_eq!(outcome.session.items, vec![item_id(1)], "the set as it was");
    }
    let fake = fake.lock().unwrap();
    assert!(fake.created.is_empty() && fake.moves.is_empty() && fake.ledger.is_empty());
    assert_eq!(fake.session(OWNER).unwrap().set.items, vec![item_id(1)]);
    assert_eq!(fake.scans.len(), 3);
}

#[test]
fn the_data_of_an_object_says_its_kind() {
    let fake = Arc::new(Mutex::new(FakeTx::with_items_and_box(&[1], 7)));
    let service = on_fake(&fake, Decoder::default());
    let body = answer(&scan(&service, "i000000000000000001", "m-1"));
    assert_eq!(body["data"]["kind"], "item", "{body}");
    assert_eq!(body["data"]["id"], "i000000000000000001");
    assert_eq!(body["data"]["version"], 1);
    let body = answer(&scan(&service, "b000000000000000007", "m-2"));
    assert_eq!(body["data"]["kind"], "box", "{body}");
}

// ---------------------------------------------------------------- manufacturer serials

const SERIAL: &str = "1234567";
/// The item a scan of SERIAL makes when no item carries it.
const SERIAL_ITEM: &str = "i700000000001234567";

fn with_serial(id: ItemId, serial: &str, class: Option<&str>) -> ScannedObject {
    ScannedObject::Item(Item {
        serial: Some(eckwms_domain::Code::new("serial", serial).unwrap()),
        class_code: class.map(|c| eckwms_domain::Code::new("class_code", c).unwrap()),
        ..item(id)
    })
}

fn fake_with(objects: Vec<ScannedObject>) -> Arc<Mutex<FakeTx>> {
    let mut tx = FakeTx::default();
    for object in objects {
        let id = match &object {
            ScannedObject::Item(i) => i.id.object_id(),
            _ => unreachable!("items only"),
        };
        tx.objects.insert(id, object);
    }
    Arc::new(Mutex::new(tx))
}

/// The issue's case: an item created through the API with serial 1234567 is the item a scan of
/// 1234567 names; no second item is made.
#[test]
fn a_serial_scan_finds_the_item_that_carries_the_serial() {
    let fake = fake_with(vec![with_serial(item_id(1), SERIAL, None)]);
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, SERIAL, "m-1");
    let body = answer(&outcome);
    assert_eq!(body["action"], "found", "{body}");
    assert_eq!(body["type"], "item");
    assert_eq!(body["data"]["id"], "i000000000000000001");
    assert_eq!(outcome.record.resolution, "serial");
    assert_eq!(outcome.record.object, Some(item_id(1).object_id()));
    let fake = fake.lock().unwrap();
    assert!(fake.created.is_empty(), "{:?}", fake.created);
    assert_eq!(fake.session(OWNER).unwrap().set.items, [item_id(1)]);
}

#[test]
fn a_serial_no_item_carries_makes_its_item() {
    let fake = fake_with(vec![with_serial(item_id(1), "7654321", None)]);
    let service = on_fake(&fake, Decoder::default());
    let body = answer(&scan(&service, SERIAL, "m-1"));
    assert_eq!(body["action"], "created", "{body}");
    assert_eq!(body["data"]["id"], SERIAL_ITEM);
    assert_eq!(body["data"]["serial"], SERIAL);
    // Scanned again, it is found.
    let body = answer(&scan(&service, SERIAL, "m-2"));
    assert_eq!(body["action"], "found", "{body}");
    assert_eq!(body["data"]["id"], SERIAL_ITEM);
    assert_eq!(fake.lock().unwrap().created.len(), 1);
}

#[test]
fn a_serial_of_items_of_several_classes_is_ambiguous_and_lists_them() {
    let fake = fake_with(vec![
        with_serial(item_id(1), SERIAL, Some("MC33")),
        with_serial(item_id(2), SERIAL, Some("TC52")),
    ]);
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, SERIAL, "m-1");
    let body = answer(&outcome);
    assert_eq!(body["action"], "ambiguous", "{body}");
    assert_eq!(body["type"], "item");
    assert_eq!(
        body["candidates"],
        json!(["i000000000000000001", "i000000000000000002"])
    );
    let candidates = body["data"]["candidates"].as_array().unwrap();
    let shown: Vec<(&str, &str)> = candidates
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["class_code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("i000000000000000001", "MC33"),
            ("i000000000000000002", "TC52")
        ]
    );
    assert!(candidates.iter().all(|c| c["kind"] == "item"));
    assert!(
        body["message"].as_str().unwrap().contains("MC33, TC52"),
        "{body}"
    );
    assert_eq!(outcome.record.object, None);
    let fake = fake.lock().unwrap();
    assert!(fake.created.is_empty());
    assert!(fake.session(OWNER).unwrap().set.is_empty());
}

/// `i7…1234567` was made from the serial and has since been given another: the scan names no
/// item, and neither guess (the same device, another device) is safe, so it is refused.
#[test]
fn a_serial_whose_item_now_carries_another_is_refused_and_names_that_item() {
    let derived = ItemId::parse(SERIAL_ITEM).unwrap();
    let fake = fake_with(vec![with_serial(derived, "7654321", None)]);
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, SERIAL, "m-1");
    let body = answer(&outcome);
    assert_eq!(body["action"], "error", "{body}");
    assert_eq!(body["type"], "item");
    assert_eq!(body["data"]["id"], SERIAL_ITEM);
    assert_eq!(body["data"]["kind"], "item");
    assert_eq!(body["data"]["serial"], "7654321");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "No item has serial 1234567; Item 700000000001234567, made from it, now has serial \
             7654321"
        ),
        "{message}"
    );
    let fake = fake.lock().unwrap();
    assert!(fake.created.is_empty());
    assert!(fake.session(OWNER).unwrap().set.is_empty());
}

/// Any other text that is an item's serial is read as a barcode (resolution 5): several items
/// with it are ambiguous in the same way.
#[test]
fn a_longer_serial_of_several_items_is_ambiguous_with_its_candidates() {
    let fake = fake_with(vec![
        with_serial(item_id(1), "SN-ABC", Some("MC33")),
        with_serial(item_id(2), "SN-ABC", Some("TC52")),
    ]);
    let service = on_fake(&fake, Decoder::default());
    let outcome = scan(&service, "SN-ABC", "m-1");
    let body = answer(&outcome);
    assert_eq!(body["action"], "ambiguous", "{body}");
    assert_eq!(outcome.record.resolution, "barcode");
    assert_eq!(body["type"], "barcode");
    assert_eq!(body["data"]["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(body["data"]["candidates"][1]["class_code"], "TC52");
}

/// A scan changes things: a read key is refused before any transaction starts (the unit of
/// work's mock expects nothing).
#[test]
fn a_read_key_cannot_scan() {
    let service = service_with(MockScanRepository::new(), Decoder::default());
    let reader = ScanCaller {
        actor: Actor::seeded_key(1, "reader", "read"),
        request_id: None,
        lang: Default::default(),
    };
    assert!(matches!(
        service.scan(&request("i000000000000000001", "m-1"), &reader),
        Err(AppError::Forbidden { .. })
    ));
}

/// Clearing a scanner's session changes it: a read key may read the session, not clear it.
#[test]
fn a_read_key_reads_a_session_but_does_not_clear_it() {
    let mut repo = MockScanRepository::new();
    repo.expect_get_session().times(1).returning(|_| Ok(None));
    repo.expect_delete_session().never();
    let service = service_with(repo, Decoder::default());
    let reader = Actor::seeded_key(1, "reader", "read");
    assert!(service.session(&reader, OWNER).unwrap().set.is_empty());
    assert!(matches!(
        service.clear_session(&reader, OWNER),
        Err(AppError::Forbidden { .. })
    ));
}

/// The actor of a scanner's signed request, with the write role.
fn scanner() -> Actor {
    let permissions = eckwms_domain::access::role::seeded("write")
        .map(|r| r.permissions())
        .unwrap_or_default();
    Actor::device(
        eckwms_domain::DeviceId::parse(DEVICE).unwrap(),
        None,
        "write",
        permissions,
    )
}

/// A scanner's own scan: the device it names may be left out (it is the signer's), and the
/// ledger and the scan log name the device once.
#[test]
fn a_scanners_scan_is_its_own_and_named_once() {
    let fake = Arc::new(Mutex::new(FakeTx::with_items_and_box(&[1], 1)));
    let service = on_fake(&fake, Decoder::default());
    let signed = ScanCaller {
        actor: scanner(),
        request_id: None,
        lang: Default::default(),
    };
    let mut unnamed = request("i000000000000000001", "m-1");
    unnamed.device_id = None;
    let outcome = service.scan(&unnamed, &signed).unwrap();
    assert_eq!(outcome.record.owner, OWNER);
    assert_eq!(outcome.record.device_id.as_deref(), Some(DEVICE));
    assert_eq!(outcome.record.actor, "device:PDA-7");
    let named = request("b000000000000000001", "m-2");
    service.scan(&named, &signed).unwrap();
    let fake = fake.lock().unwrap();
    let (ctx, _) = fake.ledger.last().unwrap();
    assert_eq!(ctx.actor, "device:PDA-7", "not device:PDA-7/device:PDA-7");
    assert_eq!(fake.session(OWNER).unwrap().set.boxes, vec![box_id(1)]);
}

/// A scanner's signed scan naming another device is refused (401) before anything is read
/// or written: no unit of work runs.
#[test]
fn a_scanner_scanning_as_another_device_is_refused_and_nothing_is_written() {
    let service = service_with(MockScanRepository::new(), Decoder::default());
    let signed = ScanCaller {
        actor: scanner(),
        request_id: None,
        lang: Default::default(),
    };
    let mut other = request("i000000000000000001", "m-1");
    other.device_id = Some("PDA-8".into());
    match service.scan(&other, &signed) {
        Err(AppError::Refused { code, message }) => {
            assert_eq!(code, ProblemCode::InvalidDeviceSignature);
            assert!(message.contains("PDA-8"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
