//! The public view of an object, for the global service's public label page
//! (`GET /ECK/API/PUBLIC/{id}`): only for requests the global service signed, and only what
//! the object's owner marked public.
//!
//! ## The projection
//!
//! An **item** shows the entries of its `attributes.public` object whose values are a string
//! (non-empty, at most 1000 characters, no control characters), a number or a boolean
//! (`yes`/`no`); anything else there (objects, arrays, null) is left out. Nothing else of the
//! item is shown: not its id, serial, class, name, condition, other attributes, barcodes,
//! location or history. The view adds the object's kind and the short number printed on its
//! label (the id's number and its two check characters). At most 50 fields, in key order.
//!
//! An **order** shows the fields its owner chose (`public_fields`, see
//! `eckwms_domain::OrderPublicFields`), each of them, always in this order and with these names:
//!
//! | field | name | value |
//! | --- | --- | --- |
//! | `status` | Status | `Registered, awaiting arrival`, `Received, in progress`, `Processed, ready to ship` or `Shipped` |
//! | `reference` | Reference | the reference, or `none` |
//! | `tracking_number` | Tracking number | the tracking number, or `not yet` |
//! | `received_at` | Received | the day, `YYYY-MM-DD` (ISO 8601, UTC), or `not yet` |
//! | `processed_at` | Processed | the same |
//! | `shipped_at` | Shipped | the same |
//!
//! A chosen field without a value is still shown (`not yet`), so that the customer sees the
//! steps to come. Dates are days, not times: the page cannot know the reader's time zone, and
//! the day is what a customer asks about. The customer, the boxes, the items and everything
//! else of the order are never shown; an order with nothing chosen is not public: 404.
//!
//! **Boxes, places, users and labels** have no per-object place for data their owner chose to
//! publish (a box's contents are internal), so nothing of them is public: 404.
//!
//! An unknown id, an item or order without public fields, a missing or wrong signature, a
//! timestamp outside ±300 s, and an instance without `global.public_key` all get the same
//! 404: the route says nothing to anyone else. The reason is logged.
//!
//! ## The signature
//!
//! `X-Eckwms-Global-Signature` is base64 of the Ed25519 signature, by the global service's key
//! (`global.public_key`), of the UTF-8 bytes of
//! `ECKWMS-GLOBAL-REQUEST-V1\n<METHOD>\n<path>\n<X-Eckwms-Global-Timestamp>\n<this instance's
//! id>` (the id as a lower-case hyphenated UUID). The global service builds the same string
//! (`eckwms-global-domain`, `public::canonical_request`); the two share a test vector.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use eckwms_codes::check;
use eckwms_domain::{
    IdKind, Item, ItemId, ObjectId, Order, OrderId, OrderStatus, PublicOrderField,
};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::labels::LabelService;
use crate::ports::{Clock, ItemRepository, OrderRepository};

pub const TIMESTAMP_HEADER: &str = "X-Eckwms-Global-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Eckwms-Global-Signature";
/// How far the signed timestamp may be from this instance's clock, either way.
pub const MAX_SKEW_SECS: u64 = 300;
const CANONICAL_PREFIX: &str = "ECKWMS-GLOBAL-REQUEST-V1";

/// Most fields shown; longest value (characters).
pub const MAX_PUBLIC_FIELDS: usize = 50;
pub const MAX_PUBLIC_VALUE: usize = 1000;

/// `global.public_key`: 64 hex digits (an Ed25519 public key), or blank for none.
pub fn parse_global_key(hex_text: &str) -> Result<Option<VerifyingKey>, String> {
    let text = hex_text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(
            "global.public_key must be 64 hex digits (the global service's Ed25519 public key)",
        )?;
    VerifyingKey::from_bytes(&bytes)
        .map(Some)
        .map_err(|_| "global.public_key is not a valid Ed25519 public key".into())
}

/// The canonical string the global service signs (see the module documentation).
pub fn canonical_request(method: &str, path: &str, timestamp: i64, instance_id: &str) -> String {
    format!("{CANONICAL_PREFIX}\n{method}\n{path}\n{timestamp}\n{instance_id}")
}

/// What the route received: the request line and the two headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    pub path: String,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
}

/// The public view of one object (the JSON the global service reads).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PublicView {
    pub kind: &'static str,
    pub number: String,
    pub check: String,
    pub fields: Vec<PublicField>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PublicField {
    pub name: String,
    pub value: String,
}

/// The public fields of an item (see the module documentation); empty: nothing public.
pub fn project_item(item: &Item) -> Vec<PublicField> {
    let Some(Value::Object(public)) = item.attributes.as_map().get("public") else {
        return Vec::new();
    };
    public
        .iter()
        .filter_map(|(name, value)| {
            let value = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                Value::Bool(true) => "yes".to_owned(),
                Value::Bool(false) => "no".to_owned(),
                _ => return None,
            };
            let fits = |s: &str, max: usize| {
                !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
            };
            (fits(name, 100) && fits(&value, MAX_PUBLIC_VALUE)).then(|| PublicField {
                name: name.clone(),
                value,
            })
        })
        .take(MAX_PUBLIC_FIELDS)
        .collect()
}

/// A chosen order field without a value yet.
const NOT_YET: &str = "not yet";

/// An order's status as the public page words it.
fn status_words(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Created => "Registered, awaiting arrival",
        OrderStatus::Received => "Received, in progress",
        OrderStatus::Processed => "Processed, ready to ship",
        OrderStatus::Shipped => "Shipped",
    }
}

/// The fields of an order its owner chose (see the module documentation); empty: nothing
/// public.
pub fn project_order(order: &Order) -> Vec<PublicField> {
    let day = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(
            || NOT_YET.to_owned(),
            |at| at.format("%Y-%m-%d").to_string(),
        )
    };
    order
        .public_fields
        .iter()
        .map(|field| {
            let (name, value) = match field {
                PublicOrderField::Status => ("Status", status_words(order.status).to_owned()),
                PublicOrderField::Reference => (
                    "Reference",
                    order
                        .reference
                        .as_ref()
                        .map_or_else(|| "none".to_owned(), |r| r.as_str().to_owned()),
                ),
                PublicOrderField::TrackingNumber => (
                    "Tracking number",
                    order
                        .tracking_number
                        .as_ref()
                        .map_or_else(|| NOT_YET.to_owned(), |t| t.as_str().to_owned()),
                ),
                PublicOrderField::ReceivedAt => ("Received", day(order.received_at)),
                PublicOrderField::ProcessedAt => ("Processed", day(order.processed_at)),
                PublicOrderField::ShippedAt => ("Shipped", day(order.shipped_at)),
            };
            PublicField {
                name: name.to_owned(),
                value,
            }
        })
        .collect()
}

#[derive(Clone)]
pub struct PublicService {
    labels: LabelService,
    items: Arc<dyn ItemRepository>,
    orders: Arc<dyn OrderRepository>,
    clock: Arc<dyn Clock>,
    global_key: Option<VerifyingKey>,
    instance_id: Arc<OnceLock<String>>,
}

/// Why a request was refused (logged, never answered).
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("global.public_key is not configured")]
    NoKey,
    #[error("a signature header is missing")]
    Unsigned,
    #[error("the timestamp is not a number")]
    BadTimestamp,
    #[error("the timestamp is more than {MAX_SKEW_SECS} s from now")]
    Stale,
    #[error("the signature is malformed")]
    BadSignature,
    #[error("the signature does not verify")]
    Forged,
}

fn not_found(id: &str) -> AppError {
    AppError::NotFound {
        what: "public view",
        id: id.to_owned(),
    }
}

impl PublicService {
    /// `global_key`: the global service's public key (`global.public_key`); `None` refuses
    /// every request.
    pub fn new(
        labels: LabelService,
        items: Arc<dyn ItemRepository>,
        orders: Arc<dyn OrderRepository>,
        clock: Arc<dyn Clock>,
        global_key: Option<VerifyingKey>,
    ) -> Self {
        Self {
            labels,
            items,
            orders,
            clock,
            global_key,
            instance_id: Arc::new(OnceLock::new()),
        }
    }

    fn instance_id(&self) -> AppResult<String> {
        if let Some(id) = self.instance_id.get() {
            return Ok(id.clone());
        }
        let id = self.labels.identity()?.instance_id;
        Ok(self.instance_id.get_or_init(|| id).clone())
    }

    fn verify(&self, request: &SignedRequest) -> AppResult<Result<(), Refusal>> {
        let Some(key) = &self.global_key else {
            return Ok(Err(Refusal::NoKey));
        };
        let (Some(timestamp), Some(signature)) = (&request.timestamp, &request.signature) else {
            return Ok(Err(Refusal::Unsigned));
        };
        let Ok(ts) = timestamp.trim().parse::<i64>() else {
            return Ok(Err(Refusal::BadTimestamp));
        };
        if ts.abs_diff(self.clock.now().timestamp()) > MAX_SKEW_SECS {
            return Ok(Err(Refusal::Stale));
        }
        let Some(signature) = STANDARD
            .decode(signature.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return Ok(Err(Refusal::BadSignature));
        };
        let message = canonical_request(&request.method, &request.path, ts, &self.instance_id()?);
        Ok(key
            .verify(message.as_bytes(), &Signature::from_bytes(&signature))
            .map_err(|_| Refusal::Forged))
    }

    /// The public view of `id` for a signed request; `NotFound` for every refusal.
    pub fn view(&self, id: &str, request: &SignedRequest) -> AppResult<PublicView> {
        if let Err(refusal) = self.verify(request)? {
            tracing::info!(reason = %refusal, "public view request refused");
            return Err(not_found(id));
        }
        let Ok(object) = ObjectId::parse(id) else {
            return Err(not_found(id));
        };
        let (kind, fields) = match object.kind() {
            IdKind::Item => {
                let item_id = ItemId::try_from(object).map_err(|_| not_found(id))?;
                ("item", project_item(&self.items.get_item(item_id)?))
            }
            IdKind::Order => {
                let order_id = OrderId::try_from(object).map_err(|_| not_found(id))?;
                ("order", project_order(&self.orders.get_order(order_id)?))
            }
            IdKind::Box | IdKind::Place | IdKind::User | IdKind::Label => {
                return Err(not_found(id));
            }
        };
        if fields.is_empty() {
            return Err(not_found(id));
        }
        let number = object.number().to_string();
        Ok(PublicView {
            kind,
            check: check::check_chars(&number),
            number,
            fields,
        })
    }
}

#[cfg(test)]
mod tests;
