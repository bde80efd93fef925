//! Every sentence a scanner shows: the `message` of a scan's answer, and the problems of a
//! scan request the API refuses.
//!
//! The rule for adding one: a new sentence is a new function here, taking the typed values it
//! names (ids, counts, codes); the flow never writes a sentence or a piece of one itself.
//! - An answer's message is a [`Message`] of the catalogue (`eckwms-i18n`, the `scan-*`
//!   messages), written in the scanner's language when the answer is made: add the message to
//!   the three files there with the function here.
//! - A refused request's problem (422 field problems, 409 `msg_id_reused`, 401) is English,
//!   like every problem of the API: it is read by whoever programs a scanner, not by its
//!   operator.

use eckwms_codes::LabelError;
use eckwms_domain::{BoxId, Code, Item, ItemId, ObjectId, OrderId, PlaceId};
use eckwms_i18n::{Lang, Message};
use eckwms_problems::ProblemCode;

use crate::ports::ScannedObject;

// The problems of a refused scan request.

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

/// A scanner's signed scan naming another device.
pub(super) fn scan_of_another_device(signer: &str, named: &str) -> String {
    format!("this scan is signed by device {signer}; it cannot scan as device {named}")
}

// Codes refused before anything changed.

/// A label that does not decode under this instance's keys.
pub(super) fn unreadable_label(error: &LabelError) -> Message {
    Message::new("scan-unreadable-label").text("error", error.to_string())
}

/// A place id that names no place yet.
pub(super) fn place_not_set_up(id: ObjectId) -> Message {
    Message::new("scan-place-not-set-up").message("object", object_start(id))
}

/// A pre-printed label scanned with nothing in the set to bind it to.
pub(super) fn label_not_bound(id: ObjectId) -> Message {
    Message::new("scan-label-not-bound").message("object", object_start(id))
}

/// A user's badge: what the scanner asks next.
pub(super) fn badge_scanned(id: ObjectId) -> Message {
    Message::new("scan-badge").message("object", object(id))
}

/// A serial no item carries, while the item once made from it (`derived`) is now `object`.
pub(super) fn serial_moved_on(serial: &Code, derived: ItemId, object: &ScannedObject) -> Message {
    let now = match object {
        ScannedObject::Item(item) => item.serial.as_ref().map_or_else(
            || Message::new("scan-now-no-serial"),
            |other| Message::new("scan-now-serial").text("serial", other.as_str()),
        ),
        _ => Message::new("scan-now-other-kind"),
    };
    Message::new("scan-serial-moved-on")
        .text("serial", serial.as_str())
        .message("object", object_start(derived))
        .message("now", now)
}

/// A serial that several items (`holders`) carry.
pub(super) fn serial_on_several_items(serial: &Code, holders: &[Item]) -> Message {
    let classes: Vec<&str> = holders
        .iter()
        .filter_map(|i| i.class_code.as_ref().map(Code::as_str))
        .collect();
    Message::new("scan-serial-on-several-items")
        .text("serial", serial.as_str())
        .number("count", holders.len())
        .text("classes", classes.join(", "))
}

/// A code that `n` objects carry.
pub(super) fn code_on_several_objects(n: usize) -> Message {
    Message::new("scan-code-on-several-objects").number("count", n)
}

// What a scan did.

/// The item joined the set; `created` when the scan made it.
pub(super) fn item_added(id: ItemId, created: bool) -> Message {
    Message::new("scan-item-added")
        .text("number", number(id))
        .text("created", yes_no(created))
}

/// The box joined the set; `created` when the scan made it.
pub(super) fn box_selected(id: BoxId, created: bool) -> Message {
    Message::new("scan-box-selected")
        .text("number", number(id))
        .text("created", yes_no(created))
}

/// The place became the set's place; `object` is the scanned place, when it was read.
pub(super) fn place_selected(object: Option<&ScannedObject>, id: PlaceId) -> Message {
    Message::new("scan-place-selected").text("place", place_name(object, id))
}

/// The order is shown; `created` when the scan made it.
pub(super) fn order_shown(id: OrderId, created: bool) -> Message {
    Message::new("scan-order-shown")
        .text("number", number(id))
        .text("created", yes_no(created))
}

/// `items` items went into the box.
pub(super) fn items_put_into(items: usize, into: BoxId) -> Message {
    Message::new("scan-put-into")
        .message("what", Message::new("scan-items").number("count", items))
        .text("box", number(into))
}

/// `items` items and `boxes` boxes went to the place; `object` is the scanned place.
pub(super) fn moved_to_place(
    items: usize,
    boxes: usize,
    object: Option<&ScannedObject>,
    place: PlaceId,
) -> Message {
    let items_text = Message::new("scan-items").number("count", items);
    let boxes_text = Message::new("scan-boxes").number("count", boxes);
    let what = match (items, boxes) {
        (0, _) => boxes_text,
        (_, 0) => items_text,
        _ => Message::new("scan-items-and-boxes")
            .message("items", items_text)
            .message("boxes", boxes_text),
    };
    Message::new("scan-moved-to-place")
        .message("what", what)
        .text("place", place_name(object, place))
}

/// `boxes` boxes were linked to the order.
pub(super) fn boxes_linked(boxes: usize, order: OrderId) -> Message {
    Message::new("scan-boxes-linked")
        .message("what", Message::new("scan-boxes").number("count", boxes))
        .text("order", number(order))
}

/// The class code became the item's class.
pub(super) fn class_set(class_code: &str, item: ItemId) -> Message {
    Message::new("scan-class-set")
        .text("class", class_code)
        .text("item", number(item))
}

/// The code, read as `kind`, became a barcode of the item or box.
pub(super) fn code_attached(kind: &str, barcode: &str, to: impl Into<ObjectId>) -> Message {
    Message::new("scan-code-attached")
        .text("code", kind)
        .text("text", barcode)
        .message("object", object(to))
}

/// A code, read as `kind`, that names nothing, with nothing in the set to attach it to.
pub(super) fn code_not_known(kind: &str) -> Message {
    Message::new("scan-code-not-known").text("code", kind)
}

/// The set cannot take another object.
pub(super) fn set_full() -> Message {
    Message::new("scan-set-full")
}

// Refusals of the current state (the flow decides which errors are refusals).

/// The object `what` `id` was deleted meanwhile.
pub(super) fn no_longer_exists(what: &str, id: &str) -> Message {
    let shown = ObjectId::parse(id).map_or_else(
        |_| {
            // Not an id of ours (it came from the database): named as the error names it.
            Message::new("scan-object-start")
                .text("kind", what)
                .text("number", id)
        },
        object_start,
    );
    Message::new("scan-no-longer-exists").message("object", shown)
}

/// The state refused the effect: with the problem's code when it has its own sentence in the
/// catalogue (`scan-reason-<code>`), said in the scanner's language; any other reason by its
/// own (English) text.
pub(super) fn refused(code: Option<ProblemCode>, reasons: &[&str]) -> Message {
    let message = Message::new("scan-refused");
    match code
        .map(|c| format!("scan-reason-{}", c.as_str()))
        .filter(|id| Lang::has(id))
    {
        Some(id) => message.message("reasons", Message::new(id)),
        None => message.text("reasons", reasons.join("; ")),
    }
}

// The pieces of sentences.

/// "item 1": an object within a sentence, by its number as printed on labels.
fn object(id: impl Into<ObjectId>) -> Message {
    let id = id.into();
    Message::new("scan-object")
        .text("kind", id.kind().as_str())
        .text("number", id.number().to_string())
}

/// "Item 1": an object opening a sentence.
fn object_start(id: impl Into<ObjectId>) -> Message {
    let id = id.into();
    Message::new("scan-object-start")
        .text("kind", id.kind().as_str())
        .text("number", id.number().to_string())
}

/// The id's number without its padding, as printed on labels.
fn number(id: impl Into<ObjectId>) -> String {
    id.into().number().to_string()
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

/// A place by its name when it was read, else by its number.
fn place_name(object: Option<&ScannedObject>, id: PlaceId) -> String {
    match object {
        Some(ScannedObject::Place(p)) => p.name.as_str().to_owned(),
        _ => number(id),
    }
}

#[cfg(test)]
mod tests {
    use eckwms_domain::IdKind;

    use super::*;

    #[test]
    fn every_kind_of_id_has_its_word_in_every_language() {
        for lang in Lang::ALL {
            let fallback = lang.render(
                &Message::new("scan-object")
                    .text("kind", "none")
                    .text("number", "1"),
            );
            for kind in IdKind::ALL {
                let id = ObjectId::new(kind, 12).unwrap();
                for text in [lang.render(&object(id)), lang.render(&object_start(id))] {
                    assert!(text.ends_with(" 12"), "{text}");
                    assert_ne!(
                        text.to_lowercase(),
                        fallback.to_lowercase().replace(" 1", " 12"),
                        "{} {kind}",
                        lang.code()
                    );
                }
            }
        }
    }

    #[test]
    fn answers_are_written_in_the_scanners_language() {
        let boxed = BoxId::new(5).unwrap();
        let put = items_put_into(3, boxed);
        assert_eq!(Lang::En.render(&put), "3 items put into box 5.");
        assert_eq!(Lang::De.render(&put), "3 Artikel in Box 5 gelegt.");
        assert_eq!(Lang::Ru.render(&put), "В коробку 5 положено: 3 товара.");
        let one = items_put_into(1, boxed);
        assert_eq!(Lang::En.render(&one), "1 item put into box 5.");
        assert_eq!(Lang::Ru.render(&one), "В коробку 5 положено: 1 товар.");
        assert_eq!(
            Lang::Ru.render(&items_put_into(11, boxed)),
            "В коробку 5 положено: 11 товаров."
        );
        let item = ItemId::new(7).unwrap();
        assert_eq!(
            Lang::En.render(&item_added(item, true)),
            "New item 7 added."
        );
        assert_eq!(
            Lang::De.render(&item_added(item, false)),
            "Artikel 7 hinzugefügt."
        );
        let place = PlaceId::new(9).unwrap();
        assert_eq!(
            Lang::En.render(&moved_to_place(2, 1, None, place)),
            "2 items and 1 box moved to place 9."
        );
        assert_eq!(
            Lang::De.render(&moved_to_place(0, 2, None, place)),
            "2 Boxen auf Lagerplatz 9 gebracht."
        );
    }

    #[test]
    fn a_refusal_with_its_own_sentence_is_translated_and_any_other_keeps_its_text() {
        let cycle = refused(Some(ProblemCode::MoveCycle), &["box b1 cannot go into b2"]);
        assert_eq!(
            Lang::De.render(&cycle),
            "Abgelehnt: Eine Box kann nicht in sich selbst oder in eine Box in ihr gelegt werden."
        );
        let other = refused(Some(ProblemCode::StaleExpectedFrom), &["something else"]);
        assert_eq!(Lang::Ru.render(&other), "Отклонено: something else.");
        let fields = refused(None, &["a", "b"]);
        assert_eq!(Lang::En.render(&fields), "Refused: a; b.");
    }
}
