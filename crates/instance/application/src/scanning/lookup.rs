//! Looking a scanned text up without acting on it: what a search field asks.
//!
//! The text is read as a scan reads it ([`Decoder::classify`], with the scan flow's keys), and
//! what it names is looked up as the scan flow would find it, with two differences: nothing is
//! made, moved, remembered or logged (the scan flow creates items, boxes and orders for the ids
//! it does not know, and changes its scanner's working set), and a text that is none of our
//! codes is also compared with the items' serials regardless of case and with the orders'
//! tracking numbers. Every read is its own read of the [`LookupRepository`], outside any write
//! transaction: no lock is taken (the scan flow's serial lock is a writer's), and SQLite's
//! single writer is not queued on.

use std::collections::BTreeSet;
use std::sync::Arc;

use eckwms_codes::{Decoder, LabelVersion, Scanned};
use eckwms_domain::access::Permission;
use eckwms_domain::{IdKind, ItemId, ObjectId};

use super::barcode_problem;
use super::resolve::storable_text;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::LookupRepository;

/// What a text names, and how it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    pub resolution: Resolution,
    pub found: Found,
}

/// How a text was read: the scan log's `resolution` of the same text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    LabelV1,
    LabelV2,
    /// A typed id (`i…`, `b…`, `p…`, `o…`, `l…`, `u…`).
    Id,
    /// A manufacturer serial: a 7-digit one, or any text found as an item's serial.
    Serial,
    Rma,
    /// Found as the extra barcode of an item or box (or as an item's serial, as a scan does).
    Barcode,
    /// A carrier's tracking number, or a text found as an order's tracking number.
    Tracking,
    /// A GS1 product code that nothing carries.
    Gs1,
    Unknown,
    /// Shaped like an ECK label, but it does not decode with this instance's keys.
    BadLabel,
}

impl Resolution {
    pub const ALL: [Resolution; 10] = [
        Resolution::LabelV1,
        Resolution::LabelV2,
        Resolution::Id,
        Resolution::Serial,
        Resolution::Rma,
        Resolution::Barcode,
        Resolution::Tracking,
        Resolution::Gs1,
        Resolution::Unknown,
        Resolution::BadLabel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::LabelV1 => "label_v1",
            Resolution::LabelV2 => "label_v2",
            Resolution::Id => "id",
            Resolution::Serial => "serial",
            Resolution::Rma => "rma",
            Resolution::Barcode => "barcode",
            Resolution::Tracking => "tracking",
            Resolution::Gs1 => "gs1",
            Resolution::Unknown => "unknown",
            Resolution::BadLabel => "bad_label",
        }
    }
}

/// The objects a text names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// One item, box, place or order (its kind is its id's).
    One(ObjectId),
    /// Several, in id order: a barcode on several objects, a serial on several items.
    Several(Vec<ObjectId>),
    /// None: why, and the id the text names when it names one (the place not set up, the label
    /// not bound, the item a scan would create, the user of a badge).
    Nothing {
        reason: Missing,
        named: Option<ObjectId>,
    },
}

/// Why a text names no object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Missing {
    /// Not one of our codes, and no object carries it.
    UnknownCode,
    /// A pre-printed `l` label no item or box carries yet.
    LabelNotBound,
    /// An ECK label that does not decode (damaged, of another instance, forged).
    BadLabel,
    /// A place id no place has: places are set up, never made by a scan.
    PlaceNotSetUp,
    /// An item, box or order id (also of a 7-digit serial or an RMA code) nothing has yet: a
    /// scan would create it.
    NotCreated,
    /// A user's badge: it logs an operator in on a scanner, it names no object.
    UserBadge,
    /// A 7-digit serial no item carries, whose item (`i7…`) exists with another serial since:
    /// `named` is that item. A scan refuses it too.
    SerialMovedOn,
}

impl Missing {
    pub const ALL: [Missing; 7] = [
        Missing::UnknownCode,
        Missing::LabelNotBound,
        Missing::BadLabel,
        Missing::PlaceNotSetUp,
        Missing::NotCreated,
        Missing::UserBadge,
        Missing::SerialMovedOn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Missing::UnknownCode => "unknown_code",
            Missing::LabelNotBound => "label_not_bound",
            Missing::BadLabel => "bad_label",
            Missing::PlaceNotSetUp => "place_not_set_up",
            Missing::NotCreated => "not_created",
            Missing::UserBadge => "user_badge",
            Missing::SerialMovedOn => "serial_moved_on",
        }
    }
}

/// The read-only lookup of scanned texts.
#[derive(Clone)]
pub struct LookupService {
    repo: Arc<dyn LookupRepository>,
    decoder: Arc<Decoder>,
}

impl LookupService {
    /// `decoder` is the scan flow's (the same keys read the same labels).
    pub fn new(repo: Arc<dyn LookupRepository>, decoder: Arc<Decoder>) -> Self {
        Self { repo, decoder }
    }

    /// What `text` names, as a scan would read it, changing nothing. Needs
    /// [`Permission::InventoryView`]; the text follows a scan's rules (field `code`).
    pub fn lookup(&self, actor: &Actor, text: &str) -> AppResult<Lookup> {
        actor.require(Permission::InventoryView)?;
        if let Some(problem) = barcode_problem(text) {
            return Err(AppError::invalid("code", problem));
        }
        match self.decoder.classify(text) {
            Scanned::Label { id, version } => {
                let resolution = match version {
                    LabelVersion::V1 => Resolution::LabelV1,
                    LabelVersion::V2 { .. } => Resolution::LabelV2,
                };
                self.by_id(resolution, id)
            }
            Scanned::BadLabel(_) => Ok(Lookup {
                resolution: Resolution::BadLabel,
                found: nothing(Missing::BadLabel, None),
            }),
            Scanned::Id(id) => self.by_id(Resolution::Id, id),
            Scanned::Serial(derived) => self.by_serial(derived),
            Scanned::Rma { order, .. } => {
                let id = order.object_id();
                Ok(Lookup {
                    resolution: Resolution::Rma,
                    found: self.existing_or(id, Missing::NotCreated)?,
                })
            }
            Scanned::Other(other) => self.by_code(&other),
        }
    }

    fn by_id(&self, resolution: Resolution, id: ObjectId) -> AppResult<Lookup> {
        let found = match id.kind() {
            IdKind::Item | IdKind::Box | IdKind::Order => {
                self.existing_or(id, Missing::NotCreated)?
            }
            IdKind::Place => self.existing_or(id, Missing::PlaceNotSetUp)?,
            // A bound label is an extra barcode of its item or box.
            IdKind::Label => match self.repo.find_by_code(&id.to_string())?.as_slice() {
                [] => nothing(Missing::LabelNotBound, Some(id)),
                [one] => Found::One(*one),
                many => Found::Several(many.to_vec()),
            },
            IdKind::User => nothing(Missing::UserBadge, Some(id)),
        };
        Ok(Lookup { resolution, found })
    }

    /// A 7-digit serial: the items that carry it win over the item its digits name, which a
    /// scan makes only for a serial no item carries.
    fn by_serial(&self, derived: ItemId) -> AppResult<Lookup> {
        let serial = format!("{:07}", derived.number() % 10_000_000);
        let holders = self.repo.items_with_serial(&serial)?;
        let found = match holders.as_slice() {
            [] => match self.repo.exists(derived.object_id())? {
                true => nothing(Missing::SerialMovedOn, Some(derived.object_id())),
                false => nothing(Missing::NotCreated, Some(derived.object_id())),
            },
            [one] => Found::One(one.object_id()),
            many => Found::Several(many.iter().map(|i| i.object_id()).collect()),
        };
        Ok(Lookup {
            resolution: Resolution::Serial,
            found,
        })
    }

    /// Any other text: the items and boxes carrying it as a barcode, the items carrying it as
    /// a serial (in any case), the orders with it as their tracking number (also the parcel
    /// number inside a DPD barcode); all of them when several match.
    fn by_code(&self, other: &eckwms_codes::Other) -> AppResult<Lookup> {
        let text = storable_text(other);
        let barcodes: BTreeSet<ObjectId> = self.repo.find_by_code(&text)?.into_iter().collect();
        let serials: BTreeSet<ObjectId> = self
            .repo
            .items_with_serial(&text)?
            .into_iter()
            .map(|i| i.object_id())
            .collect();
        let mut numbers = vec![other.text.as_str()];
        for reading in &other.tracking {
            if !numbers.contains(&reading.number.as_str()) {
                numbers.push(&reading.number);
            }
        }
        let mut tracked = BTreeSet::new();
        for number in numbers {
            tracked.extend(
                self.repo
                    .orders_with_tracking(number)?
                    .into_iter()
                    .map(|o| o.object_id()),
            );
        }
        // How the text was read: by what found it, else as the decoder read it. A GTIN with a
        // valid check digit is a product code, even where its digits would also fit a
        // carrier's pattern (13 digits: DHL Paket), as in the scan flow.
        let resolution =
            if !serials.is_empty() && barcodes.is_subset(&serials) && tracked.is_empty() {
                Resolution::Serial
            } else if !barcodes.is_empty() || !serials.is_empty() {
                Resolution::Barcode
            } else if !tracked.is_empty() || (other.gs1.is_none() && !other.tracking.is_empty()) {
                Resolution::Tracking
            } else if other.gs1.is_some() {
                Resolution::Gs1
            } else {
                Resolution::Unknown
            };
        let all: Vec<ObjectId> = barcodes
            .into_iter()
            .chain(serials)
            .chain(tracked)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let found = match all.as_slice() {
            [] => nothing(Missing::UnknownCode, None),
            [one] => Found::One(*one),
            _ => Found::Several(all),
        };
        Ok(Lookup { resolution, found })
    }

    fn existing_or(&self, id: ObjectId, missing: Missing) -> AppResult<Found> {
        Ok(if self.repo.exists(id)? {
            Found::One(id)
        } else {
            nothing(missing, Some(id))
        })
    }
}

fn nothing(reason: Missing, named: Option<ObjectId>) -> Found {
    Found::Nothing { reason, named }
}

#[cfg(test)]
mod tests;
