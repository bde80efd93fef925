//! Resolving a scanned text: the object it names (found, or made where the flow makes it), or
//! why it names none, or several.

use eckwms_codes::{LabelVersion, Scanned};
use eckwms_domain::scanning::{Target, WorkingSet};
use eckwms_domain::{BoxId, Code, IdKind, ItemId, NewBox, NewItem, NewOrder, ObjectId, OrderId};
use eckwms_i18n::Message;
use serde_json::Value;

use super::{Input, named, object_json, texts};
use crate::error::{AppError, AppResult};
use crate::ports::{ScannedObject, Tx, WriteContext};

/// What the scanned text names, once looked up.
pub(super) enum Resolved {
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
        message: Message,
        objects: Vec<ScannedObject>,
    },
    /// A user's badge: the scanner asks for the PIN (and logs its operator in); the scan
    /// changes nothing.
    Badge(ObjectId),
    /// Refused before anything changed: what the code was, why, and what it names (`null`,
    /// [`named`](super::named), or an object).
    Refused {
        kind: &'static str,
        message: Message,
        data: Value,
    },
}

/// Reads what the text names: label, typed id, serial, RMA code, known barcode, then the rest.
pub(super) fn resolve(
    tx: &mut dyn Tx,
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
                    message: texts::unreadable_label(e),
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
            let found = tx.objects().find_by_code(&text)?;
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
            let item =
                ItemId::try_from(id).map_err(|e| AppError::invalid("barcode", e.to_string()))?;
            match tx.objects().get(id)? {
                Some(object) => found(object),
                None => created(ScannedObject::Item(tx.items().create_with_id(
                    item,
                    &NewItem::default(),
                    ctx,
                )?)),
            }
        }
        IdKind::Box => {
            let boxed =
                BoxId::try_from(id).map_err(|e| AppError::invalid("barcode", e.to_string()))?;
            match tx.objects().get(id)? {
                Some(object) => found(object),
                None => created(ScannedObject::Box(tx.boxes().create_with_id(
                    boxed,
                    &NewBox::default(),
                    ctx,
                )?)),
            }
        }
        IdKind::Order => {
            let order =
                OrderId::try_from(id).map_err(|e| AppError::invalid("barcode", e.to_string()))?;
            find_or_create_order(tx, order, &NewOrder::default(), ctx)?
        }
        IdKind::Place => match tx.objects().get(id)? {
            Some(object) => found(object),
            None => Resolved::Refused {
                kind: "place",
                message: texts::place_not_set_up(id),
                data: named(id),
            },
        },
        // A pre-printed label is bound by scanning it after an item or box: it becomes that
        // object's barcode, and from then on names it.
        IdKind::Label => match tx.objects().find_by_code(&id.to_string())?.as_slice() {
            [] if set.items.is_empty() && set.boxes.is_empty() => Resolved::Refused {
                kind: "label",
                message: texts::label_not_bound(id),
                data: named(id),
            },
            [] => Resolved::Unknown {
                text: id.to_string(),
                kind: "label",
            },
            [bound] => existing(tx, *bound)?,
            many => ambiguous_code(tx, many)?,
        },
        IdKind::User => Resolved::Badge(id),
    };
    Ok((resolution.into(), resolved))
}

/// A manufacturer serial names the one item that carries it, whatever its id; the item
/// `i7…` + serial is made only for a serial no item carries. The lookup holds the serial's
/// lock to the end of the scan, so an item given the serial meanwhile (through the API, by
/// another device) is found here rather than doubled.
fn resolve_serial(
    tx: &mut dyn Tx,
    derived: ItemId,
    serial: Code,
    ctx: &WriteContext,
) -> AppResult<Resolved> {
    let mut holders = tx.items().with_serial(serial.as_str())?;
    Ok(match holders.len() {
        1 => found(ScannedObject::Item(holders.remove(0))),
        0 => match tx.objects().get(derived.object_id())? {
            None => {
                let new = NewItem {
                    serial: Some(serial),
                    ..NewItem::default()
                };
                created(ScannedObject::Item(
                    tx.items().create_with_id(derived, &new, ctx)?,
                ))
            }
            // Made from this serial once, since given another (or none): either the device's
            // serial was corrected, or this is another device. Neither guess is safe.
            Some(object) => Resolved::Refused {
                kind: "item",
                message: texts::serial_moved_on(&serial, derived, &object),
                data: object_json(&object),
            },
        },
        _ => Resolved::Ambiguous {
            kind: "item",
            message: texts::serial_on_several_items(&serial, &holders),
            objects: holders.into_iter().map(ScannedObject::Item).collect(),
        },
    })
}

/// A code that several objects carry (as a barcode, a serial or a bound label).
fn ambiguous_code(tx: &mut dyn Tx, ids: &[ObjectId]) -> AppResult<Resolved> {
    let mut objects = Vec::with_capacity(ids.len());
    for id in ids {
        // Found in this transaction, so they exist.
        objects.extend(tx.objects().get(*id)?);
    }
    Ok(Resolved::Ambiguous {
        kind: "barcode",
        message: texts::code_on_several_objects(objects.len()),
        objects,
    })
}

/// The text under which a scanned code is looked up and kept as a barcode. A GS1 element
/// string with GS separators, or one too long to keep, becomes its bracketed form
/// `(01)…(17)…(10)…(21)…`: the same symbol always gives the same text.
pub(super) fn storable_text(other: &eckwms_codes::Other) -> String {
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
    tx: &mut dyn Tx,
    order: OrderId,
    new: &NewOrder,
    ctx: &WriteContext,
) -> AppResult<Resolved> {
    Ok(match tx.objects().get(order.object_id())? {
        Some(object) => found(object),
        None => created(ScannedObject::Order(Box::new(
            tx.orders().create_with_id(order, new, ctx)?,
        ))),
    })
}

/// An object found by a barcode: it must still exist (the lookup and the read share the
/// transaction, so it does).
fn existing(tx: &mut dyn Tx, id: ObjectId) -> AppResult<Resolved> {
    match tx.objects().get(id)? {
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
