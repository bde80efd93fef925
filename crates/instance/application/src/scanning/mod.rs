//! Scanning: a scanned text is read, resolved to an object, acted on by the scan flow and
//! answered, exactly once per message id.
//!
//! Reading the text ([`Decoder::classify`]) needs no database. Everything else runs inside one
//! unit of work ([`UnitOfWork`]), after the scans of the same owner before it: the message-id
//! check, the session, resolving and creating objects, the moves (the steps of a move request,
//! `crate::movement::steps`), the scan log entry. A retried scan finds the first one's
//! log entry and gets its answer; two scans of one device never interleave.
//!
//! What a scanned text names is found in `resolve`; every sentence an answer shows comes from
//! `texts`, so this flow holds none. `lookup` reads a text the same way and finds what it
//! names without any of this: no unit of work, nothing made, no working set, no log entry.

pub mod lookup;
mod resolve;
mod texts;

use eckwms_problems::ProblemCode;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_codes::{Decoder, Scanned};
use eckwms_domain::scanning::{Plan, Target, WorkingSet, plan};
use eckwms_domain::{BoxPatch, Code, ItemPatch, Movable, ObjectId, Parent};
use eckwms_i18n::{Lang, Message};
use serde_json::{Value, json};

use self::resolve::{Resolved, resolve};
use eckwms_domain::access::Permission;

use crate::access::Actor;
use crate::common::{Page, paginate};
use crate::error::{AppError, AppResult};
use crate::movement::check_move;
use crate::ports::{
    Clock, Expected, MoveCommand, PageQuery, ScanAction, ScanFilter, ScanOutcome, ScanRecord,
    ScanRepository, ScannedObject, StoredSession, Tx, UnitOfWork, WriteContext,
};

/// Longest scanned text accepted (a GS1 element string or a URL can be long; labels are 77).
pub const MAX_BARCODE_LEN: usize = 1024;
/// Longest message id and device id.
pub const MAX_TOKEN_LEN: usize = 100;

#[derive(Clone, Debug)]
pub struct ScanSettings {
    /// A session not used for this long starts empty.
    pub session_idle: Duration,
}

/// A scan as received, not yet validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanRequest {
    pub barcode: String,
    pub msg_id: String,
    pub device_id: Option<String>,
}

/// Who scans, and under which request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanCaller {
    pub actor: Actor,
    pub request_id: Option<String>,
    /// The language the answer's `message` is written in (the catalogue's `scan-*` messages).
    pub lang: Lang,
}

#[derive(Clone)]
pub struct ScanService {
    repo: Arc<dyn ScanRepository>,
    unit: Arc<dyn UnitOfWork>,
    decoder: Arc<Decoder>,
    clock: Arc<dyn Clock>,
    settings: ScanSettings,
}

/// Everything the transaction needs, owned (it may run on another thread, and more than once).
struct Input {
    owner: String,
    actor: Actor,
    request_id: Option<String>,
    device_id: Option<String>,
    msg_id: String,
    barcode: String,
    scanned: Scanned,
    at: DateTime<Utc>,
    idle: Duration,
    lang: Lang,
}

impl ScanService {
    pub fn new(
        repo: Arc<dyn ScanRepository>,
        unit: Arc<dyn UnitOfWork>,
        decoder: Arc<Decoder>,
        clock: Arc<dyn Clock>,
        settings: ScanSettings,
    ) -> Self {
        Self {
            repo,
            unit,
            decoder,
            clock,
            settings,
        }
    }

    /// The session owner of a scan: its device (the one named, or the scanner that signed),
    /// else the API key or user.
    pub fn owner(device_id: Option<&str>, caller: &ScanCaller) -> String {
        let signer = caller.actor.device_id().map(|id| id.as_str());
        match device_id.or(signer) {
            Some(device) => format!("device:{device}"),
            None => caller.actor.ledger_name(),
        }
    }

    /// A scan changes things (it creates, moves, links): it needs [`Permission::ScanExecute`].
    /// A scanner's signed scan is its own: a `device_id` naming another device is refused
    /// (401 `invalid_device_signature`), and none names the signer.
    pub fn scan(&self, request: &ScanRequest, caller: &ScanCaller) -> AppResult<ScanOutcome> {
        caller.actor.require(Permission::ScanExecute)?;
        let device_id = scanning_device(request, &caller.actor)?;
        validate(request)?;
        let input = Input {
            owner: Self::owner(device_id.as_deref(), caller),
            actor: caller.actor.clone(),
            request_id: caller.request_id.clone(),
            device_id,
            msg_id: request.msg_id.clone(),
            barcode: request.barcode.clone(),
            scanned: self.decoder.classify(&request.barcode),
            at: self.clock.now(),
            idle: self.settings.session_idle,
            lang: caller.lang,
        };
        // One transaction that starts after every earlier scan of the same owner has committed:
        // scans of one device never interleave, also across processes.
        let outcome = self.unit.write(None, move |tx| {
            tx.scans().lock_owner(&input.owner)?;
            execute(tx, &input)
        })?;
        if !outcome.replayed {
            crate::metrics::scan(outcome.record.action);
        }
        Ok(outcome)
    }

    /// The current working set of a device (or API key); empty when idle too long.
    pub fn session(&self, actor: &Actor, owner: &str) -> AppResult<StoredSession> {
        actor.require(Permission::InventoryView)?;
        let now = self.clock.now();
        Ok(self
            .repo
            .get_session(owner)?
            .filter(|s| !expired(s, now, self.settings.session_idle))
            .unwrap_or_else(|| StoredSession {
                owner: owner.to_owned(),
                set: WorkingSet::default(),
                updated_at: now,
            }))
    }

    pub fn clear_session(&self, actor: &Actor, owner: &str) -> AppResult<bool> {
        actor.require(Permission::ScanExecute)?;
        self.repo.delete_session(owner)
    }

    pub fn list_scans(
        &self,
        actor: &Actor,
        filter: &ScanFilter,
        page: &PageQuery<i64>,
    ) -> AppResult<Page<ScanRecord>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |p| self.repo.list_scans(filter, p),
            |s| s.id.to_string(),
        )
    }

    pub fn get_scan(&self, actor: &Actor, id: i64) -> AppResult<ScanRecord> {
        actor.require(Permission::InventoryView)?;
        self.repo.get_scan(id)
    }

    /// Deletes sessions idle for longer than the idle time; returns how many. The server's
    /// own housekeeping runs it, not an actor.
    pub fn purge_sessions(&self) -> AppResult<u64> {
        self.repo
            .purge_sessions(self.clock.now() - self.settings.session_idle)
    }
}

/// The device a scan is made on: the one it names, or the scanner that signed it, which may
/// name no other.
fn scanning_device(request: &ScanRequest, actor: &Actor) -> AppResult<Option<String>> {
    match (actor.device_id(), &request.device_id) {
        (None, named) => Ok(named.clone()),
        (Some(signer), None) => Ok(Some(signer.as_str().to_owned())),
        (Some(signer), Some(named)) if named == signer.as_str() => Ok(Some(named.clone())),
        (Some(signer), Some(named)) => Err(AppError::refused(
            ProblemCode::InvalidDeviceSignature,
            texts::scan_of_another_device(signer.as_str(), named),
        )),
    }
}

fn validate(request: &ScanRequest) -> AppResult<()> {
    let mut errors = Vec::new();
    if let Some(problem) = barcode_problem(&request.barcode) {
        errors.push(("barcode", problem));
    }
    for (field, value) in [
        ("msg_id", Some(&request.msg_id)),
        ("device_id", request.device_id.as_ref()),
    ] {
        if let Some(problem) = value.and_then(|v| token_problem(v)) {
            errors.push((field, problem));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(
            errors
                .into_iter()
                .map(|(f, m)| eckwms_domain::FieldError::new(f, m))
                .collect(),
        ))
    }
}

/// What is wrong with a scanned text, if anything: empty or only white space, longer than
/// [`MAX_BARCODE_LEN`] bytes, or with a control character other than GS (0x1D), which
/// separates the fields of a GS1 element string.
pub fn barcode_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some(texts::empty())
    } else if text.len() > MAX_BARCODE_LEN {
        Some(texts::too_many_bytes(MAX_BARCODE_LEN))
    } else if text.chars().any(|c| c.is_control() && c != '\u{1d}') {
        Some(texts::control_characters())
    } else {
        None
    }
}

/// What is wrong with a message id or device id, if anything.
pub fn token_problem(value: &str) -> Option<String> {
    if value.trim().is_empty() || value.chars().count() > MAX_TOKEN_LEN {
        Some(texts::token_length(MAX_TOKEN_LEN))
    } else if value.chars().any(char::is_control) {
        Some(texts::control_characters())
    } else {
        None
    }
}

fn expired(session: &StoredSession, now: DateTime<Utc>, idle: Duration) -> bool {
    session.updated_at + idle < now
}

/// The scan's answer while it is being built.
struct Answer {
    action: ScanAction,
    kind: &'static str,
    message: Message,
    data: Value,
    /// Only for `ambiguous`: the objects the code belongs to.
    candidates: Option<Vec<ObjectId>>,
}

impl Answer {
    fn new(action: ScanAction, kind: &'static str, message: Message) -> Self {
        Self {
            action,
            kind,
            message,
            data: Value::Null,
            candidates: None,
        }
    }

    fn with_data(mut self, object: Option<&ScannedObject>) -> Self {
        self.data = object.map_or(Value::Null, object_json);
        self
    }
}

fn execute(tx: &mut dyn Tx, input: &Input) -> AppResult<ScanOutcome> {
    if let Some(record) = tx.scans().find(&input.owner, &input.msg_id)? {
        if record.barcode != input.barcode {
            // A retry repeats its scan; another code under the same id is a scanner's fault,
            // and answering it with the first scan's result would mislead the operator.
            return Err(AppError::refused(
                ProblemCode::MsgIdReused,
                texts::msg_id_reused(&input.msg_id),
            ));
        }
        return Ok(ScanOutcome {
            record,
            replayed: true,
            session: current_set(tx, input)?,
        });
    }
    let scan_id = tx.scans().next_id()?;
    let ctx = WriteContext {
        // The ledger names the device with the actor: `apikey:2/device:PDA-7`.
        actor: input.actor.ledger_name_on(input.device_id.as_deref()),
        at: input.at,
        request_id: input.request_id.clone(),
        reason: None,
        scan: Some(scan_id),
        idempotency: None,
    };
    let set = current_set(tx, input)?;

    let (resolution, resolved) = resolve(tx, input, &set, &ctx)?;
    let (answer, next_set, object) = match resolved {
        Resolved::Refused {
            kind,
            message,
            data,
        } => {
            let mut answer = Answer::new(ScanAction::Error, kind, message);
            answer.data = data;
            (answer, set.clone(), None)
        }
        Resolved::Badge(id) => {
            let mut answer = Answer::new(ScanAction::PinRequired, "user", texts::badge_scanned(id));
            answer.data = named(id);
            (answer, set.clone(), Some(id))
        }
        Resolved::Ambiguous {
            kind,
            message,
            objects,
        } => {
            let mut answer = Answer::new(ScanAction::Ambiguous, kind, message);
            // The scanner shows the candidates (their class, name, place) to choose from.
            answer.data =
                json!({"candidates": objects.iter().map(object_json).collect::<Vec<_>>()});
            answer.candidates = Some(objects.iter().map(object_id).collect());
            (answer, set.clone(), None)
        }
        Resolved::Unknown { text, kind } => {
            let class_code = !set.items.is_empty() && tx.items().is_class_code(&text)?;
            let target = Target::Unknown {
                text: text.clone(),
                class_code,
            };
            let step = plan(&set, &target);
            let answer = carry_out(tx, &step, None, false, kind, &ctx)?;
            let ok = answer.action != ScanAction::Error;
            let object = match &step {
                Plan::SetClass { item, .. } | Plan::ItemBarcode { item, .. } => {
                    Some(item.object_id())
                }
                Plan::BoxBarcode { boxed, .. } => Some(boxed.object_id()),
                _ => None,
            };
            let next = if ok { set.after(&step) } else { set.clone() };
            (answer, next, object.filter(|_| ok))
        }
        Resolved::Object {
            target,
            object,
            created,
        } => {
            let step = plan(&set, &target);
            let kind = object_kind(&object);
            let answer = carry_out(tx, &step, Some(&*object), created, kind, &ctx)?;
            let next = if answer.action == ScanAction::Error {
                set.clone()
            } else {
                set.after(&step)
            };
            (answer, next, Some(object_id(&object)))
        }
    };

    tx.scans().save_session(&StoredSession {
        owner: input.owner.clone(),
        set: next_set.clone(),
        updated_at: input.at,
    })?;
    let mut body = json!({
        "scan_id": scan_id,
        "msg_id": input.msg_id,
        "action": answer.action.as_str(),
        "type": answer.kind,
        "message": input.lang.render(&answer.message),
        "data": answer.data,
    });
    if let (Some(ids), Value::Object(map)) = (answer.candidates, &mut body) {
        let ids = ids.iter().map(|id| Value::String(id.to_string())).collect();
        map.insert("candidates".to_owned(), Value::Array(ids));
    }
    let record = ScanRecord {
        id: scan_id,
        at: input.at,
        owner: input.owner.clone(),
        actor: input.actor.ledger_name(),
        device_id: input.device_id.clone(),
        msg_id: input.msg_id.clone(),
        barcode: input.barcode.clone(),
        resolution,
        object,
        action: answer.action,
        answer: body.to_string(),
        ledger_seqs: Vec::new(),
    };
    tx.scans().insert(&record)?;
    Ok(ScanOutcome {
        record,
        replayed: false,
        session: next_set,
    })
}

/// The owner's working set; empty when there is none or it idled too long.
fn current_set(tx: &mut dyn Tx, input: &Input) -> AppResult<WorkingSet> {
    Ok(tx
        .scans()
        .load_session(&input.owner)?
        .filter(|s| !expired(s, input.at, input.idle))
        .map(|s| s.set)
        .unwrap_or_default())
}

fn object_id(object: &ScannedObject) -> ObjectId {
    match object {
        ScannedObject::Item(i) => i.id.object_id(),
        ScannedObject::Box(b) => b.id.object_id(),
        ScannedObject::Place(p) => p.id.object_id(),
        ScannedObject::Order(o) => o.id.object_id(),
    }
}

fn object_kind(object: &ScannedObject) -> &'static str {
    match object {
        ScannedObject::Item(_) => "item",
        ScannedObject::Box(_) => "box",
        ScannedObject::Place(_) => "place",
        ScannedObject::Order(_) => "order",
    }
}

/// The `data` of an answer about an id that names no object (a place not set up, a label not
/// bound yet, a user badge): the same `kind` and `id` an object's data starts with, so that a
/// scanner shows and acts on both alike.
fn named(id: ObjectId) -> Value {
    json!({"kind": id.kind().as_str(), "id": id.to_string()})
}

/// The `data` of an answer about an object: its fields, `version`, and its `kind`.
fn object_json(object: &ScannedObject) -> Value {
    let (value, version) = match object {
        ScannedObject::Item(i) => (serde_json::to_value(i), i.meta.version),
        ScannedObject::Box(b) => (serde_json::to_value(b), b.meta.version),
        ScannedObject::Place(p) => (serde_json::to_value(p), p.meta.version),
        ScannedObject::Order(o) => (serde_json::to_value(o), o.meta.version),
    };
    match value {
        Ok(Value::Object(mut map)) => {
            map.insert("version".into(), json!(version));
            map.insert("kind".into(), json!(object_kind(object)));
            // An RMA request shows its code, as its OrderOut does.
            if let ScannedObject::Order(o) = object
                && let Some(code) = crate::repair::rma_code(o.id)
            {
                map.insert("rma_code".into(), json!(code.to_string()));
            }
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

/// Does what the plan says; an effect the current state refuses (an object deleted meanwhile,
/// a box that would contain itself) gives an `error` answer and changes nothing.
fn carry_out(
    tx: &mut dyn Tx,
    step: &Plan,
    object: Option<&ScannedObject>,
    created: bool,
    kind: &'static str,
    ctx: &WriteContext,
) -> AppResult<Answer> {
    let seen = if created {
        ScanAction::Created
    } else {
        ScanAction::Found
    };
    let result: AppResult<Answer> = (|| {
        Ok(match step {
            Plan::JoinItem(id) => {
                Answer::new(seen, kind, texts::item_added(*id, created)).with_data(object)
            }
            Plan::JoinBox(id) => {
                Answer::new(seen, kind, texts::box_selected(*id, created)).with_data(object)
            }
            Plan::JoinPlace(id) => {
                Answer::new(seen, kind, texts::place_selected(object, *id)).with_data(object)
            }
            Plan::ShowOrder(id) => {
                Answer::new(seen, kind, texts::order_shown(*id, created)).with_data(object)
            }
            Plan::ItemsIntoBox { items, into } => {
                let objects = items.iter().map(|i| Movable::Item(*i)).collect();
                move_all(tx, objects, Parent::Box(*into), ctx)?;
                Answer::new(
                    ScanAction::Moved,
                    kind,
                    texts::items_put_into(items.len(), *into),
                )
                // Items going in do not change the box itself: `object` is current.
                .with_data(object)
            }
            Plan::ToPlace {
                items,
                boxes,
                place,
            } => {
                let objects = items
                    .iter()
                    .map(|i| Movable::Item(*i))
                    .chain(boxes.iter().map(|b| Movable::Box(*b)))
                    .collect();
                move_all(tx, objects, Parent::Place(*place), ctx)?;
                Answer::new(
                    ScanAction::Moved,
                    kind,
                    texts::moved_to_place(items.len(), boxes.len(), object, *place),
                )
                .with_data(object)
            }
            Plan::LinkBoxes { boxes, order } => {
                for boxed in boxes {
                    if tx.objects().get(boxed.object_id())?.is_none() {
                        return Err(AppError::not_found("box", boxed));
                    }
                }
                for boxed in boxes {
                    tx.orders().link_box(*order, *boxed, ctx)?;
                }
                Answer::new(
                    ScanAction::Linked,
                    kind,
                    texts::boxes_linked(boxes.len(), *order),
                )
                .with_data(object)
            }
            Plan::SetClass { item, class_code } => {
                let code = Code::new("barcode", class_code.clone())?;
                let patch = ItemPatch {
                    class_code: Some(Some(code)),
                    ..ItemPatch::default()
                };
                let updated = tx.items().update(*item, Expected::Any, &patch, ctx)?;
                Answer::new(
                    ScanAction::Attached,
                    "class_code",
                    texts::class_set(class_code, *item),
                )
                .with_data(Some(&ScannedObject::Item(updated)))
            }
            Plan::ItemBarcode { item, barcode } => {
                let code = Code::new("barcode", barcode.clone())?;
                let current = match tx.objects().get(item.object_id())? {
                    Some(ScannedObject::Item(i)) => i,
                    _ => return Err(AppError::not_found("item", item)),
                };
                let patch = ItemPatch {
                    barcodes: Some(current.barcodes.with("barcode", code)?),
                    ..ItemPatch::default()
                };
                let updated = tx.items().update(*item, Expected::Any, &patch, ctx)?;
                Answer::new(
                    ScanAction::Attached,
                    kind,
                    texts::code_attached(kind, barcode, *item),
                )
                .with_data(Some(&ScannedObject::Item(updated)))
            }
            Plan::BoxBarcode { boxed, barcode } => {
                let code = Code::new("barcode", barcode.clone())?;
                let current = match tx.objects().get(boxed.object_id())? {
                    Some(ScannedObject::Box(b)) => b,
                    _ => return Err(AppError::not_found("box", boxed)),
                };
                let patch = BoxPatch {
                    barcodes: Some(current.barcodes.with("barcode", code)?),
                    ..BoxPatch::default()
                };
                let updated = tx.boxes().update(*boxed, Expected::Any, &patch, ctx)?;
                Answer::new(
                    ScanAction::Attached,
                    kind,
                    texts::code_attached(kind, barcode, *boxed),
                )
                .with_data(Some(&ScannedObject::Box(updated)))
            }
            Plan::NotFound => Answer::new(ScanAction::NotFound, kind, texts::code_not_known(kind)),
            Plan::SetFull => Answer::new(ScanAction::Error, kind, texts::set_full()),
        })
    })();
    match result {
        Ok(answer) => Ok(answer),
        Err(e) => match refusal(&e) {
            Some(message) => Ok(Answer::new(ScanAction::Error, kind, message).with_data(object)),
            None => Err(e),
        },
    }
}

/// The scanner-screen sentence for an error the state caused; None for failures of the
/// service itself, which fail the whole scan (and roll it back).
fn refusal(e: &AppError) -> Option<Message> {
    match e {
        AppError::NotFound { what, id } => Some(texts::no_longer_exists(what, id)),
        AppError::Refused { code, message } if code.status() == 409 => {
            Some(texts::refused(Some(*code), &[message.as_str()]))
        }
        AppError::Invalid(fields) => Some(texts::refused(
            None,
            &fields
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>(),
        )),
        _ => None,
    }
}

fn move_all(
    tx: &mut dyn Tx,
    objects: Vec<Movable>,
    to: Parent,
    ctx: &WriteContext,
) -> AppResult<()> {
    let command = MoveCommand {
        objects,
        to,
        expected_from: None,
    };
    check_move(&command)?;
    crate::movement::steps::apply(tx, &command, ctx)?;
    Ok(())
}

#[cfg(test)]
mod tests;
