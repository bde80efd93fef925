//! Every sentence a scanner shows: the `message` of a scan's answer, the refusals, and the
//! field problems of a scan request.
//!
//! The rule for adding one: a new sentence is a new function here, taking the typed values it
//! names (ids, counts, codes) and returning the text; the flow never writes a sentence or a
//! piece of one itself. So a translation (Project Fluent) replaces this module alone, and
//! every value a sentence shows is one of its parameters.

use eckwms_codes::LabelError;
use eckwms_domain::{BoxId, Code, Item, ItemId, ObjectId, OrderId, PlaceId};

use crate::ports::ScannedObject;

// The field problems of a scan request.

/// The barcode is empty or only blanks.
pub(super) fn empty() -> String {
    "must not be empty".to_owned()
}

/// The barcode is longer than `max` bytes.
pub(super) fn too_many_bytes(max: usize) -> String {
    format!("must be at most {max} bytes")
}

/// A barcode, message id or device id holds a control character.
pub(super) fn control_characters() -> String {
    "must not contain control characters".to_owned()
}

/// A message id or device id is blank or longer than `max` characters.
pub(super) fn token_length(max: usize) -> String {
    format!("must have 1 to {max} characters")
}

/// A message id that came back with another code.
pub(super) fn msg_id_reused(msg_id: &str) -> String {
    format!("msg_id {msg_id} was used for another code in this session")
}

// Codes refused before anything changed.

/// A label that does not decode under this instance's keys.
pub(super) fn unreadable_label(error: &LabelError) -> String {
    format!(
        "This label cannot be read here ({error}): it is damaged or belongs to another instance."
    )
}

/// A place id that names no place yet.
pub(super) fn place_not_set_up(id: ObjectId) -> String {
    format!(
        "{} is not set up: create it (or its rack) first.",
        capitalize(&short(id))
    )
}

/// A pre-printed label scanned with nothing in the set to bind it to.
pub(super) fn label_not_bound(id: ObjectId) -> String {
    format!(
        "{} is not bound yet: scan an item or box, then this label.",
        capitalize(&short(id))
    )
}

/// A scanner's signed scan naming another device.
pub(super) fn scan_of_another_device(signer: &str, named: &str) -> String {
    format!("this scan is signed by device {signer}; it cannot scan as device {named}")
}

/// A user's badge: what the scanner asks next.
pub(super) fn badge_scanned(id: ObjectId) -> String {
    format!(
        "Badge of {}: enter the PIN to log in on this scanner.",
        short(id)
    )
}

/// A serial no item carries, while the item once made from it (`derived`) is now `object`.
pub(super) fn serial_moved_on(serial: &Code, derived: ItemId, object: &ScannedObject) -> String {
    let now = match object {
        ScannedObject::Item(item) => item
            .serial
            .as_ref()
            .map_or_else(|| "no serial".to_owned(), |other| format!("serial {other}")),
        _ => "another kind".to_owned(),
    };
    format!(
        "No item has serial {serial}; {}, made from it, now has {now}: check \
         the device, then correct a serial or scan the item's label.",
        capitalize(&short(derived))
    )
}

/// A serial that several items (`holders`) carry.
pub(super) fn serial_on_several_items(serial: &Code, holders: &[Item]) -> String {
    let classes: Vec<&str> = holders
        .iter()
        .filter_map(|i| i.class_code.as_ref().map(Code::as_str))
        .collect();
    format!(
        "Serial {serial} belongs to {} items of different classes ({}): scan the \
         item's label instead.",
        holders.len(),
        classes.join(", ")
    )
}

/// A code that `n` objects carry.
pub(super) fn code_on_several_objects(n: usize) -> String {
    format!("This code belongs to {n} objects: scan their labels instead.")
}

// What a scan did.

/// The item joined the set; `created` when the scan made it.
pub(super) fn item_added(id: ItemId, created: bool) -> String {
    format!("{} added.", new_or_known(short(id), created))
}

/// The box joined the set; `created` when the scan made it.
pub(super) fn box_selected(id: BoxId, created: bool) -> String {
    format!("{} selected.", new_or_known(short(id), created))
}

/// The place became the set's place; `object` is the scanned place, when it was read.
pub(super) fn place_selected(object: Option<&ScannedObject>, id: PlaceId) -> String {
    format!("{} selected.", place_name(object, id))
}

/// The order is shown; `created` when the scan made it.
pub(super) fn order_shown(id: OrderId, created: bool) -> String {
    format!("{}.", new_or_known(short(id), created))
}

/// `items` items went into the box.
pub(super) fn items_put_into(items: usize, into: BoxId) -> String {
    format!(
        "{} put into {}.",
        plural(items, "item", "items"),
        short(into)
    )
}

/// `items` items and `boxes` boxes went to the place; `object` is the scanned place.
pub(super) fn moved_to_place(
    items: usize,
    boxes: usize,
    object: Option<&ScannedObject>,
    place: PlaceId,
) -> String {
    let what = match (items, boxes) {
        (0, b) => plural(b, "box", "boxes"),
        (i, 0) => plural(i, "item", "items"),
        (i, b) => format!(
            "{} and {}",
            plural(i, "item", "items"),
            plural(b, "box", "boxes")
        ),
    };
    format!("{what} moved to {}.", place_name(object, place))
}

/// `boxes` boxes were linked to the order.
pub(super) fn boxes_linked(boxes: usize, order: OrderId) -> String {
    format!(
        "{} linked to {}.",
        plural(boxes, "box", "boxes"),
        short(order)
    )
}

/// The class code became the item's class.
pub(super) fn class_set(class_code: &str, item: ItemId) -> String {
    format!("Class {class_code} set on {}.", short(item))
}

/// The code, read as `kind`, became a barcode of the item or box.
pub(super) fn code_attached(kind: &str, barcode: &str, to: impl Into<ObjectId>) -> String {
    format!(
        "{} attached to {}.",
        describe_code(kind, barcode),
        short(to)
    )
}

/// A code, read as `kind`, that names nothing, with nothing in the set to attach it to.
pub(super) fn code_not_known(kind: &str) -> String {
    format!(
        "{} is not known: scan an item or box first to attach it.",
        describe_code(kind, "")
    )
}

/// The set cannot take another object.
pub(super) fn set_full() -> String {
    "The set is full: put its contents somewhere first.".to_owned()
}

// Refusals of the current state (the flow decides which errors are refusals).

/// The object `what` `id` was deleted meanwhile.
pub(super) fn no_longer_exists(what: &str, id: &str) -> String {
    let shown = ObjectId::parse(id)
        .map(short)
        .unwrap_or_else(|_| format!("{what} {id}"));
    format!("{} no longer exists.", capitalize(&shown))
}

/// The state refused the effect, for these reasons.
pub(super) fn refused(reasons: &[&str]) -> String {
    format!("Refused: {}.", reasons.join("; "))
}

// The pieces of sentences.

/// "New item 1" for an object the scan made, else "Item 1".
fn new_or_known(what: String, created: bool) -> String {
    if created {
        format!("New {what}")
    } else {
        capitalize(&what)
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

/// A place by its name when it was read, else by its id.
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
