//! Scanning: a scanned text is read, resolved to an object, acted on by the scan flow and
//! answered, exactly once per message id.
//!
//! Reading the text ([`Decoder::classify`]) needs no database. Everything else runs inside one
//! transaction of [`ScanRepository::run_scan`]: the message-id check, the session, resolving
//! and creating objects, the moves, the scan log entry. A retried scan finds the first one's
//! log entry and gets its answer; two scans of one device never interleave.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_codes::{Decoder, LabelVersion, Scanned};
use eckwms_domain::scan::{Plan, Target, WorkingSet, plan};
use eckwms_domain::{
    BoxId, BoxPatch, Code, IdKind, ItemId, ItemPatch, Movable, NewBox, NewItem, NewOrder, ObjectId,
    OrderId, Parent, PlaceId,
};
use serde_json::{Value, json};

use crate::error::{AppError, AppResult};
use crate::inventory::{Page, check_move, paginate};
use crate::ports::{
    Clock, MoveCommand, PageQuery, ScanAction, ScanFilter, ScanOutcome, ScanRecord, ScanRepository,
    ScanTx, ScanWork, ScannedObject, StoredSession, WriteContext,
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

/// Who scans: the API key's actor (`apikey:<id>`) and the request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanCaller {
    pub actor: String,
    pub request_id: Option<String>,
}

#[derive(Clone)]
pub struct ScanService {
    repo: Arc<dyn ScanRepository>,
    decoder: Arc<Decoder>,
    clock: Arc<dyn Clock>,
    settings: ScanSettings,
}

/// Everything the transaction needs, owned (it may run on another thread, and more than once).
struct Input {
    owner: String,
    actor: String,
    request_id: Option<String>,
    device_id: Option<String>,
    msg_id: String,
    barcode: String,
    scanned: Scanned,
    at: DateTime<Utc>,
    idle: Duration,
}

impl ScanService {
    pub fn new(
        repo: Arc<dyn ScanRepository>,
        decoder: Arc<Decoder>,
        clock: Arc<dyn Clock>,
        settings: ScanSettings,
    ) -> Self {
        Self {
            repo,
            decoder,
            clock,
            settings,
        }
    }

    /// The session owner of a scan: its device, else the API key.
    pub fn owner(device_id: Option<&str>, caller: &ScanCaller) -> String {
        match device_id {
            Some(device) => format!("device:{device}"),
            None => caller.actor.clone(),
        }
    }

    pub fn scan(&self, request: &ScanRequest, caller: &ScanCaller) -> AppResult<ScanOutcome> {
        validate(request)?;
        let input = Arc::new(Input {
            owner: Self::owner(request.device_id.as_deref(), caller),
            actor: caller.actor.clone(),
            request_id: caller.request_id.clone(),
            device_id: request.device_id.clone(),
            msg_id: request.msg_id.clone(),
            barcode: request.barcode.clone(),
            scanned: self.decoder.classify(&request.barcode),
            at: self.clock.now(),
            idle: self.settings.session_idle,
        });
        let owner = input.owner.clone();
        let work: ScanWork = Arc::new(move |tx: &mut dyn ScanTx| execute(tx, &input));
        self.repo.run_scan(&owner, work)
    }

    /// The current working set of a device (or API key); empty when idle too long.
    pub fn session(&self, owner: &str) -> AppResult<StoredSession> {
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

    pub fn clear_session(&self, owner: &str) -> AppResult<bool> {
        self.repo.delete_session(owner)
    }

    pub fn list_scans(
        &self,
        filter: &ScanFilter,
        page: &PageQuery<i64>,
    ) -> AppResult<Page<ScanRecord>> {
        paginate(
            page,
            |p| self.repo.list_scans(filter, p),
            |s| s.id.to_string(),
        )
    }

    pub fn get_scan(&self, id: i64) -> AppResult<ScanRecord> {
        self.repo.get_scan(id)
    }

    /// Deletes sessions idle for longer than the idle time; returns how many.
    pub fn purge_sessions(&self) -> AppResult<u64> {
        self.repo
            .purge_sessions(self.clock.now() - self.settings.session_idle)
    }
}

fn validate(request: &ScanRequest) -> AppResult<()> {
    let mut errors = Vec::new();
    let barcode = &request.barcode;
    if barcode.trim().is_empty() {
        errors.push(("barcode", "must not be empty".to_owned()));
    } else if barcode.len() > MAX_BARCODE_LEN {
        errors.push((
            "barcode",
            format!("must be at most {MAX_BARCODE_LEN} bytes"),
        ));
    } else if barcode
        .chars()
        // GS (0x1D) separates the fields of a GS1 element string; nothing else is allowed.
        .any(|c| c.is_control() && c != '\u{1d}')
    {
        errors.push(("barcode", "must not contain control characters".to_owned()));
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

/// What is wrong with a message id or device id, if anything.
pub fn token_problem(value: &str) -> Option<String> {
    if value.trim().is_empty() || value.chars().count() > MAX_TOKEN_LEN {
        Some(format!("must have 1 to {MAX_TOKEN_LEN} characters"))
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters".to_owned())
    } else {
        None
    }
}

fn expired(session: &StoredSession, now: DateTime<Utc>, idle: Duration) -> bool {
    session.updated_at + idle < now
}

/// What the scanned text names, once looked up.
enum Resolved {
    /// An object of the flow, found or just created.
    Object {
        target: Target,
        object: Box<ScannedObject>,
        created: bool,
    },
    /// A code that names no object (an unbound `l` label, a barcode nobody has).
    Unknown { text: String, kind: &'static str },
    /// Several objects: the answer's `type`, the sentence, and the objects (by id).
    Ambiguous {
        kind: &'static str,
        message: String,
        objects: Vec<ScannedObject>,
    },
    /// Refused before anything changed: what the code was, why, and what it names (`null`,
    /// [`named`], or an object).
    Refused {
        kind: &'static str,
        message: String,
        data: Value,
    },
}

/// The scan's answer while it is being built.
struct Answer {
    action: ScanAction,
    kind: &'static str,
    message: String,
    data: Value,
    /// Only for `ambiguous`: the objects the code belongs to.
    candidates: Option<Vec<ObjectId>>,
}

impl Answer {
    fn new(action: ScanAction, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            action,
            kind,
            message: message.into(),
            data: Value::Null,
            candidates: None,
        }
    }

    fn with_data(mut self, object: Option<&ScannedObject>) -> Self {
        self.data = object.map_or(Value::Null, object_json);
        self
    }
}

fn execute(tx: &mut dyn ScanTx, input: &Input) -> AppResult<ScanOutcome> {
    if let Some(record) = tx.find_scan(&input.owner, &input.msg_id)? {
        if record.barcode != input.barcode {
            // A retry repeats its scan; another code under the same id is a scanner's fault,
            // and answering it with the first scan's result would mislead the operator.
            return Err(AppError::conflict(
                "msg_id_reused",
                format!(
                    "msg_id {} was used for another code in this session",
                    input.msg_id
                ),
            ));
        }
        return Ok(ScanOutcome {
            record,
            replayed: true,
            session: current_set(tx, input)?,
        });
    }
    let scan_id = tx.next_scan_id()?;
    // The ledger names the device with the key: `apikey:2/device:PDA-7`.
    let ledger_actor = match &input.device_id {
        Some(device) => format!("{}/device:{device}", input.actor),
        None => input.actor.clone(),
    };
    let ctx = WriteContext {
        actor: ledger_actor,
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
            let class_code = !set.items.is_empty() && tx.is_class_code(&text)?;
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

    tx.save_session(&StoredSession {
        owner: input.owner.clone(),
        set: next_set.clone(),
        updated_at: input.at,
    })?;
    let mut body = json!({
        "scan_id": scan_id,
        "msg_id": input.msg_id,
        "action": answer.action.as_str(),
        "type": answer.kind,
        "message": answer.message,
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
        actor: input.actor.clone(),
        device_id: input.device_id.clone(),
        msg_id: input.msg_id.clone(),
        barcode: input.barcode.clone(),
        resolution,
        object,
        action: answer.action,
        answer: body.to_string(),
        ledger_seqs: Vec::new(),
    };
    tx.insert_scan(&record)?;
    Ok(ScanOutcome {
        record,
        replayed: false,
        session: next_set,
    })
}

/// The owner's working set; empty when there is none or it idled too long.
fn current_set(tx: &mut dyn ScanTx, input: &Input) -> AppResult<WorkingSet> {
    Ok(tx
        .load_session(&input.owner)?
        .filter(|s| !expired(s, input.at, input.idle))
        .map(|s| s.set)
        .unwrap_or_default())
}

/// Reads what the text names: label, typed id, serial, RMA code, known barcode, then the rest.
fn resolve(
    tx: &mut dyn ScanTx,
    input: &Input,
    set: &WorkingSet,
    ctx: &WriteContext,
) -> AppResult<(String, Resolved)> {
    let (resolution, id) = match &input.scanned {
        Scanned::Label { id, version } => {
            let resolution = match version {
                LabelVersion::V1 => "label_v1",
                LabelVersion::V2 { .. } => "label_v2",
            };
            (resolution, *id)
        }
        Scanned::BadLabel(e) => {
            return Ok((
                "bad_label".into(),
                // Nothing was decoded: there is no id to show.
                Resolved::Refused {
                    kind: "label",
                    message: format!(
                        "This label cannot be read here ({e}): it is damaged or belongs to another instance."
                    ),
                    data: Value::Null,
                },
            ));
        }
        Scanned::Id(id) => ("id", *id),
        Scanned::Serial(item) => {
            let serial = Code::new("serial", format!("{:07}", item.number() % 10_000_000))?;
            return Ok(("serial".into(), resolve_serial(tx, *item, serial, ctx)?));
        }
        Scanned::Rma { code, order } => {
            let new = NewOrder {
                reference: Some(Code::new("reference", code.to_string())?),
                ..NewOrder::default()
            };
            let resolved = find_or_create_order(tx, *order, &new, ctx)?;
            return Ok(("rma".into(), resolved));
        }
        Scanned::Other(other) => {
            let text = storable_text(other);
            let found = tx.find_by_code(&text)?;
            // A GTIN with a valid check digit is a product code, even where its digits would
            // also fit a carrier's pattern (13 digits: DHL Paket).
            let resolution = if other.gs1.is_some() {
                "gs1"
            } else if !other.tracking.is_empty() {
                "tracking"
            } else {
                "unknown"
            };
            return Ok(match found.as_slice() {
                [] => (
                    resolution.into(),
                    // The code's reading is its type in the answer.
                    Resolved::Unknown {
                        text,
                        kind: resolution,
                    },
                ),
                [id] => ("barcode".into(), existing(tx, *id)?),
                many => ("barcode".into(), ambiguous_code(tx, many)?),
            });
        }
    };
    let resolved = match id.kind() {
        IdKind::Item => {
            let item = ItemId::try_from(id).map_err(|e| AppError::bad_id("barcode", e))?;
            match tx.get_object(id)? {
                Some(object) => found(object),
                None => created(ScannedObject::Item(tx.create_item(
                    item,
                    &NewItem::default(),
                    ctx,
                )?)),
            }
        }
        IdKind::Box => {
            let boxed = BoxId::try_from(id).map_err(|e| AppError::bad_id("barcode", e))?;
            match tx.get_object(id)? {
                Some(object) => found(object),
                None => created(ScannedObject::Box(tx.create_box(
                    boxed,
                    &NewBox::default(),
                    ctx,
                )?)),
            }
        }
        IdKind::Order => {
            let order = OrderId::try_from(id).map_err(|e| AppError::bad_id("barcode", e))?;
            find_or_create_order(tx, order, &NewOrder::default(), ctx)?
        }
        IdKind::Place => match tx.get_object(id)? {
            Some(object) => found(object),
            None => Resolved::Refused {
                kind: "place",
                message: format!(
                    "{} is not set up: create it (or its rack) first.",
                    capitalize(&short(id))
                ),
                data: named(id),
            },
        },
        // A pre-printed label is bound by scanning it after an item or box: it becomes that
        // object's barcode, and from then on names it.
        IdKind::Label => match tx.find_by_code(&id.to_string())?.as_slice() {
            [] if set.items.is_empty() && set.boxes.is_empty() => Resolved::Refused {
                kind: "label",
                message: format!(
                    "{} is not bound yet: scan an item or box, then this label.",
                    capitalize(&short(id))
                ),
                data: named(id),
            },
            [] => Resolved::Unknown {
                text: id.to_string(),
                kind: "label",
            },
            [bound] => existing(tx, *bound)?,
            many => ambiguous_code(tx, many)?,
        },
        IdKind::User => Resolved::Refused {
            kind: "user",
            message: "User badges are not used for scanning.".into(),
            data: named(id),
        },
    };
    Ok((resolution.into(), resolved))
}

/// A manufacturer serial names the one item that carries it, whatever its id; the item
/// `i7…` + serial is made only for a serial no item carries. The lookup holds the serial's
/// lock to the end of the scan, so an item given the serial meanwhile (through the API, by
/// another device) is found here rather than doubled.
fn resolve_serial(
    tx: &mut dyn ScanTx,
    derived: ItemId,
    serial: Code,
    ctx: &WriteContext,
) -> AppResult<Resolved> {
    let mut holders = tx.items_with_serial(serial.as_str())?;
    Ok(match holders.len() {
        1 => found(ScannedObject::Item(holders.remove(0))),
        0 => match tx.get_object(derived.object_id())? {
            None => {
                let new = NewItem {
                    serial: Some(serial),
                    ..NewItem::default()
                };
                created(ScannedObject::Item(tx.create_item(derived, &new, ctx)?))
            }
            // Made from this serial once, since given another (or none): either the device's
            // serial was corrected, or this is another device. Neither guess is safe.
            Some(object) => {
                let now = match &object {
                    ScannedObject::Item(item) => item
                        .serial
                        .as_ref()
                        .map_or_else(|| "no serial".to_owned(), |other| format!("serial {other}")),
                    _ => "another kind".to_owned(),
                };
                Resolved::Refused {
                    kind: "item",
                    message: format!(
                        "No item has serial {serial}; {}, made from it, now has {now}: check \
                         the device, then correct a serial or scan the item's label.",
                        capitalize(&short(derived))
                    ),
                    data: object_json(&object),
                }
            }
        },
        n => {
            let classes: Vec<&str> = holders
                .iter()
                .filter_map(|i| i.class_code.as_ref().map(Code::as_str))
                .collect();
            Resolved::Ambiguous {
                kind: "item",
                message: format!(
                    "Serial {serial} belongs to {n} items of different classes ({}): scan the \
                     item's label instead.",
                    classes.join(", ")
                ),
                objects: holders.into_iter().map(ScannedObject::Item).collect(),
            }
        }
    })
}

/// A code that several objects carry (as a barcode, a serial or a bound label).
fn ambiguous_code(tx: &mut dyn ScanTx, ids: &[ObjectId]) -> AppResult<Resolved> {
    let mut objects = Vec::with_capacity(ids.len());
    for id in ids {
        // Found in this transaction, so they exist.
        objects.extend(tx.get_object(*id)?);
    }
    Ok(Resolved::Ambiguous {
        kind: "barcode",
        message: format!(
            "This code belongs to {} objects: scan their labels instead.",
            objects.len()
        ),
        objects,
    })
}

/// The text under which a scanned code is looked up and kept as a barcode. A GS1 element
/// string with GS separators, or one too long to keep, becomes its bracketed form
/// `(01)…(17)…(10)…(21)…`: the same symbol always gives the same text.
fn storable_text(other: &eckwms_codes::Other) -> String {
    let storable = other.text.chars().count() <= MAX_KEPT_CODE_LEN
        && !other.text.chars().any(char::is_control);
    match &other.gs1 {
        Some(gs1) if !storable => {
            let mut text = format!("(01){}", gs1.gtin.as_str());
            if let Some(expiry) = gs1.expiry {
                text.push_str(&format!(
                    "(17){:02}{:02}{:02}",
                    expiry.year() % 100,
                    expiry.month(),
                    expiry.day().unwrap_or(0)
                ));
            }
            if let Some(batch) = &gs1.batch {
                text.push_str(&format!("(10){batch}"));
            }
            if let Some(serial) = &gs1.serial {
                text.push_str(&format!("(21){serial}"));
            }
            text
        }
        _ => other.text.clone(),
    }
}

/// Longest code kept as a barcode or class code (the `code` text of the domain).
const MAX_KEPT_CODE_LEN: usize = 100;

fn find_or_create_order(
    tx: &mut dyn ScanTx,
    order: OrderId,
    new: &NewOrder,
    ctx: &WriteContext,
) -> AppResult<Resolved> {
    Ok(match tx.get_object(order.object_id())? {
        Some(object) => found(object),
        None => created(ScannedObject::Order(tx.create_order(order, new, ctx)?)),
    })
}

/// An object found by a barcode: it must still exist (the lookup and the read share the
/// transaction, so it does).
fn existing(tx: &mut dyn ScanTx, id: ObjectId) -> AppResult<Resolved> {
    match tx.get_object(id)? {
        Some(object) => Ok(found(object)),
        None => Err(AppError::not_found(id.kind().as_str(), id)),
    }
}

fn found(object: ScannedObject) -> Resolved {
    Resolved::Object {
        target: target_of(&object),
        object: Box::new(object),
        created: false,
    }
}

fn created(object: ScannedObject) -> Resolved {
    Resolved::Object {
        target: target_of(&object),
        object: Box::new(object),
        created: true,
    }
}

fn target_of(object: &ScannedObject) -> Target {
    match object {
        ScannedObject::Item(i) => Target::Item(i.id),
        ScannedObject::Box(b) => Target::Box(b.id),
        ScannedObject::Place(p) => Target::Place(p.id),
        ScannedObject::Order(o) => Target::Order(o.id),
    }
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
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

/// The id's number without its padding, as printed on labels.
fn short(id: impl Into<ObjectId>) -> String {
    let id = id.into();
    format!("{} {}", id.kind(), id.number())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Does what the plan says; an effect the current state refuses (an object deleted meanwhile,
/// a box that would contain itself) gives an `error` answer and changes nothing.
fn carry_out(
    tx: &mut dyn ScanTx,
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
    let new_or_known = |what: String| {
        if created {
            format!("New {what}")
        } else {
            capitalize(&what)
        }
    };
    let result: AppResult<Answer> = (|| {
        Ok(match step {
            Plan::JoinItem(id) => {
                Answer::new(seen, kind, format!("{} added.", new_or_known(short(*id))))
                    .with_data(object)
            }
            Plan::JoinBox(id) => Answer::new(
                seen,
                kind,
                format!("{} selected.", new_or_known(short(*id))),
            )
            .with_data(object),
            Plan::JoinPlace(id) => {
                Answer::new(seen, kind, format!("{} selected.", place_name(object, *id)))
                    .with_data(object)
            }
            Plan::ShowOrder(id) => {
                Answer::new(seen, kind, format!("{}.", new_or_known(short(*id)))).with_data(object)
            }
            Plan::ItemsIntoBox { items, into } => {
                let objects = items.iter().map(|i| Movable::Item(*i)).collect();
                move_all(tx, objects, Parent::Box(*into), ctx)?;
                Answer::new(
                    ScanAction::Moved,
                    kind,
                    format!(
                        "{} put into {}.",
                        plural(items.len(), "item", "items"),
                        short(*into)
                    ),
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
                let what = match (items.len(), boxes.len()) {
                    (0, b) => plural(b, "box", "boxes"),
                    (i, 0) => plural(i, "item", "items"),
                    (i, b) => format!(
                        "{} and {}",
                        plural(i, "item", "items"),
                        plural(b, "box", "boxes")
                    ),
                };
                Answer::new(
                    ScanAction::Moved,
                    kind,
                    format!("{what} moved to {}.", place_name(object, *place)),
                )
                .with_data(object)
            }
            Plan::LinkBoxes { boxes, order } => {
                for boxed in boxes {
                    if tx.get_object(boxed.object_id())?.is_none() {
                        return Err(AppError::not_found("box", boxed));
                    }
                }
                for boxed in boxes {
                    tx.link_box(*order, *boxed, ctx)?;
                }
                Answer::new(
                    ScanAction::Linked,
                    kind,
                    format!(
                        "{} linked to {}.",
                        plural(boxes.len(), "box", "boxes"),
                        short(*order)
                    ),
                )
                .with_data(object)
            }
            Plan::SetClass { item, class_code } => {
                let code = Code::new("barcode", class_code.clone())?;
                let patch = ItemPatch {
                    class_code: Some(Some(code)),
                    ..ItemPatch::default()
                };
                let updated = tx.update_item(*item, &patch, ctx)?;
                Answer::new(
                    ScanAction::Attached,
                    "class_code",
                    format!("Class {class_code} set on {}.", short(*item)),
                )
                .with_data(Some(&ScannedObject::Item(updated)))
            }
            Plan::ItemBarcode { item, barcode } => {
                let code = Code::new("barcode", barcode.clone())?;
                let current = match tx.get_object(item.object_id())? {
                    Some(ScannedObject::Item(i)) => i,
                    _ => return Err(AppError::not_found("item", item)),
                };
                let patch = ItemPatch {
                    barcodes: Some(current.barcodes.with("barcode", code)?),
                    ..ItemPatch::default()
                };
                let updated = tx.update_item(*item, &patch, ctx)?;
                Answer::new(
                    ScanAction::Attached,
                    kind,
                    format!(
                        "{} attached to {}.",
                        describe_code(kind, barcode),
                        short(*item)
                    ),
                )
                .with_data(Some(&ScannedObject::Item(updated)))
            }
            Plan::BoxBarcode { boxed, barcode } => {
                let code = Code::new("barcode", barcode.clone())?;
                let current = match tx.get_object(boxed.object_id())? {
                    Some(ScannedObject::Box(b)) => b,
                    _ => return Err(AppError::not_found("box", boxed)),
                };
                let patch = BoxPatch {
                    barcodes: Some(current.barcodes.with("barcode", code)?),
                    ..BoxPatch::default()
                };
                let updated = tx.update_box(*boxed, &patch, ctx)?;
                Answer::new(
                    ScanAction::Attached,
                    kind,
                    format!(
                        "{} attached to {}.",
                        describe_code(kind, barcode),
                        short(*boxed)
                    ),
                )
                .with_data(Some(&ScannedObject::Box(updated)))
            }
            Plan::NotFound => Answer::new(
                ScanAction::NotFound,
                kind,
                format!(
                    "{} is not known: scan an item or box first to attach it.",
                    describe_code(kind, "")
                ),
            ),
            Plan::SetFull => Answer::new(
                ScanAction::Error,
                kind,
                "The set is full: put its contents somewhere first.",
            ),
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
fn refusal(e: &AppError) -> Option<String> {
    match e {
        AppError::NotFound { what, id } => {
            let shown = ObjectId::parse(id)
                .map(short)
                .unwrap_or_else(|_| format!("{what} {id}"));
            Some(format!("{} no longer exists.", capitalize(&shown)))
        }
        AppError::Conflict { message, .. } => Some(format!("Refused: {message}.")),
        AppError::Invalid(fields) => Some(format!(
            "Refused: {}.",
            fields
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        _ => None,
    }
}

fn move_all(
    tx: &mut dyn ScanTx,
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
    tx.apply_moves(&command, ctx)?;
    Ok(())
}

fn place_name(object: Option<&ScannedObject>, id: PlaceId) -> String {
    match object {
        Some(ScannedObject::Place(p)) => format!("place {}", p.name.as_str()),
        _ => short(id),
    }
}

fn describe_code(kind: &str, text: &str) -> String {
    let what = match kind {
        "tracking" => "Tracking number",
        "gs1" => "GS1 code",
        "label" => "Label",
        _ => "Code",
    };
    if text.is_empty() {
        // "This code", "This tracking number", "This GS1 code", "This label".
        let mut lowered = what.to_owned();
        if let Some(first) = lowered.get_mut(0..1)
            && what != "GS1 code"
        {
            first.make_ascii_lowercase();
        }
        format!("This {lowered}")
    } else {
        format!("{what} {text}")
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
