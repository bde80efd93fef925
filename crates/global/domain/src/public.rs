//! The public label page: the global service's signing identity, the signed request it sends
//! to an instance, and the public view an instance answers with.
//!
//! A request to an instance's `GET /ECK/API/PUBLIC/{id}` carries two headers:
//!
//! ```text
//! X-Eckwms-Global-Timestamp: <Unix seconds>
//! X-Eckwms-Global-Signature: base64(Ed25519(canonical_request(...)))
//! ```
//!
//! The canonical string binds the method, the path, the timestamp and the instance the request
//! is meant for, so a captured request cannot be sent to another instance, and is refused
//! outside [`MAX_SKEW_SECS`] of the instance's clock. The instance service checks it with its
//! own copy of these rules (the two services share no crate); one test vector (seed `[7; 32]`,
//! its signature of a fixed request) is asserted on both sides.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Map, Value, json};

use crate::InstanceId;

pub const TIMESTAMP_HEADER: &str = "X-Eckwms-Global-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Eckwms-Global-Signature";
/// How far a request's timestamp may be from the instance's clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;
/// The first line of every canonical string (domain separation from device signatures).
pub const CANONICAL_PREFIX: &str = "ECKWMS-GLOBAL-REQUEST-V1";

/// The bytes the global service signs:
/// `ECKWMS-GLOBAL-REQUEST-V1\n<METHOD>\n<path>\n<timestamp>\n<instance id>`, where the
/// instance id is the hyphenated lower-case UUID and the path has no query.
pub fn canonical_request(
    method: &str,
    path: &str,
    timestamp: i64,
    instance: &InstanceId,
) -> String {
    format!("{CANONICAL_PREFIX}\n{method}\n{path}\n{timestamp}\n{instance}")
}

/// The global service's Ed25519 identity (made once, stored in its database). `Debug` shows
/// the public key only.
#[derive(Clone)]
pub struct GlobalIdentity {
    key: SigningKey,
}

impl std::fmt::Debug for GlobalIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalIdentity")
            .field("public_key", &self.public_key_hex())
            .finish_non_exhaustive()
    }
}

impl GlobalIdentity {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }

    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The public key, 64 lower-case hex digits (what instances configure as
    /// `global.public_key`).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The signature header's value for a request to `instance`.
    pub fn sign_request(
        &self,
        method: &str,
        path: &str,
        timestamp: i64,
        instance: &InstanceId,
    ) -> String {
        let message = canonical_request(method, path, timestamp, instance);
        STANDARD.encode(self.key.sign(message.as_bytes()).to_bytes())
    }
}

/// Why a signed request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefusal {
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is more than {MAX_SKEW_SECS} s away from now")]
    Stale,
    #[error("the signature is not base64 of 64 bytes")]
    BadSignature,
    #[error("the signature does not verify")]
    Forged,
}

/// Checks a signed request as an instance does (the reference of the instance's own copy).
pub fn verify_request(
    key: &VerifyingKey,
    method: &str,
    path: &str,
    timestamp: &str,
    signature: &str,
    instance: &InstanceId,
    now_secs: i64,
) -> Result<(), RequestRefusal> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| RequestRefusal::BadTimestamp)?;
    if ts.abs_diff(now_secs) > MAX_SKEW_SECS as u64 {
        return Err(RequestRefusal::Stale);
    }
    let bytes = STANDARD
        .decode(signature.trim())
        .map_err(|_| RequestRefusal::BadSignature)?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| RequestRefusal::BadSignature)?;
    let message = canonical_request(method, path, ts, instance);
    key.verify(message.as_bytes(), &Signature::from_bytes(&bytes))
        .map_err(|_| RequestRefusal::Forged)
}

/// Most fields a public view may show.
pub const MAX_PUBLIC_FIELDS: usize = 50;
/// Longest field name, in characters.
pub const MAX_FIELD_NAME: usize = 100;
/// Longest field value, in characters.
pub const MAX_FIELD_VALUE: usize = 1000;

/// One field the owner marked public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicField {
    pub name: String,
    pub value: String,
}

/// What an instance shows of one object: its kind, its short label number (the id's number
/// and its two check characters, as printed on the label) and the fields its owner marked
/// public. Built only from a validated instance answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicView {
    kind: String,
    number: String,
    check: String,
    fields: Vec<PublicField>,
}

const KINDS: [&str; 6] = ["item", "box", "place", "order", "user", "label"];

fn text_ok(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

impl PublicView {
    /// Reads an instance's answer:
    /// `{"kind": "item", "number": "42", "check": "48", "fields": [{"name", "value"}]}`.
    /// Anything else (unknown kind, bad number, too many or too long fields, other keys) is
    /// refused: the page shows only what this shape allows.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("not a JSON object".into());
        };
        if let Some(key) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "kind" | "number" | "check" | "fields"))
        {
            return Err(format!("unexpected key {key:?}"));
        }
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let kind = text("kind").ok_or("kind missing")?;
        if !KINDS.contains(&kind.as_str()) {
            return Err("unknown kind".into());
        }
        let number = text("number").ok_or("number missing")?;
        if number.is_empty() || number.len() > 18 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err("number must be 1 to 18 digits".into());
        }
        let check = text("check").ok_or("check missing")?;
        if check.len() != 2 || !check.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("check must be 2 characters".into());
        }
        let Some(Value::Array(list)) = map.get("fields") else {
            return Err("fields missing".into());
        };
        if list.is_empty() || list.len() > MAX_PUBLIC_FIELDS {
            return Err(format!("fields must hold 1 to {MAX_PUBLIC_FIELDS} entries"));
        }
        let mut fields = Vec::with_capacity(list.len());
        for entry in list {
            let (Some(name), Some(value)) = (
                entry.get("name").and_then(Value::as_str),
                entry.get("value").and_then(Value::as_str),
            ) else {
                return Err("a field needs a name and a value".into());
            };
            if entry.as_object().is_some_and(|o| o.len() != 2) {
                return Err("a field has only a name and a value".into());
            }
            if !text_ok(name, MAX_FIELD_NAME) || !text_ok(value, MAX_FIELD_VALUE) {
                return Err(
                    "a field name or value is empty, too long or has control characters".into(),
                );
            }
            fields.push(PublicField {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        Ok(Self {
            kind,
            number,
            check,
            fields,
        })
    }

    /// The same shape [`PublicView::from_json`] reads (what the cache stores).
    pub fn to_json(&self) -> String {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| json!({"name": f.name, "value": f.value}))
            .collect();
        let mut map = Map::new();
        map.insert("kind".into(), Value::from(self.kind.as_str()));
        map.insert("number".into(), Value::from(self.number.as_str()));
        map.insert("check".into(), Value::from(self.check.as_str()));
        map.insert("fields".into(), Value::Array(fields));
        Value::Object(map).to_string()
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn check(&self) -> &str {
        &self.check
    }

    pub fn fields(&self) -> &[PublicField] {
        &self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const VECTOR_SEED: [u8; 32] = [7; 32];
    pub const VECTOR_INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
    pub const VECTOR_PATH: &str = "/ECK/API/PUBLIC/i000000000000000042";
    pub const VECTOR_TIMESTAMP: i64 = 1_764_000_000;
    /// Ed25519 is deterministic: the instance service's tests assert the same value (also
    /// computed with Python's `cryptography`).
    pub const VECTOR_SIGNATURE: &str =
        "EsxCa4JZyPi3uwC6gXHLH8RoWxnVCrShPvLAl5Qtf2IwHQx9Unz6giMK7rDHIIx0qWhHRJkJNDoDHtQZZetjCQ==";

    fn instance(text: &str) -> InstanceId {
        InstanceId::parse(text).unwrap()
    }

    #[test]
    fn canonical_string_binds_method_path_time_and_instance() {
        assert_eq!(
            canonical_request(
                "GET",
                VECTOR_PATH,
                VECTOR_TIMESTAMP,
                &instance(VECTOR_INSTANCE)
            ),
            "ECKWMS-GLOBAL-REQUEST-V1\nGET\n/ECK/API/PUBLIC/i000000000000000042\n1764000000\n\
             0b0e6f3a-1234-4abc-8def-0123456789ab"
        );
        // The dash-less form of the id names the same instance and gives the same string.
        assert_eq!(
            canonical_request("GET", "/", 1, &instance("0b0e6f3a12344abc8def0123456789ab")),
            canonical_request("GET", "/", 1, &instance(VECTOR_INSTANCE))
        );
    }

    #[test]
    fn signature_vector() {
        let identity = GlobalIdentity::from_seed(&VECTOR_SEED);
        let signature = identity.sign_request(
            "GET",
            VECTOR_PATH,
            VECTOR_TIMESTAMP,
            &instance(VECTOR_INSTANCE),
        );
        assert_eq!(signature, VECTOR_SIGNATURE);
        assert_eq!(
            identity.public_key_hex(),
            "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
        );
    }

    #[test]
    fn verification_refuses_every_change() {
        let identity = GlobalIdentity::from_seed(&VECTOR_SEED);
        let key = identity.verifying_key();
        let target = instance(VECTOR_INSTANCE);
        let ts = VECTOR_TIMESTAMP.to_string();
        let sig = identity.sign_request("GET", VECTOR_PATH, VECTOR_TIMESTAMP, &target);
        let now = VECTOR_TIMESTAMP + 10;
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, &ts, &sig, &target, now),
            Ok(())
        );
        // Wrong key.
        let other = GlobalIdentity::from_seed(&[8; 32]).verifying_key();
        assert_eq!(
            verify_request(&other, "GET", VECTOR_PATH, &ts, &sig, &target, now),
            Err(RequestRefusal::Forged)
        );
        // Another instance.
        let elsewhere = instance("0b0e6f3a-1234-4abc-8def-0123456789ac");
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, &ts, &sig, &elsewhere, now),
            Err(RequestRefusal::Forged)
        );
        // Tampered path, method, timestamp.
        let tampered = "/ECK/API/PUBLIC/i000000000000000043";
        assert_eq!(
            verify_request(&key, "GET", tampered, &ts, &sig, &target, now),
            Err(RequestRefusal::Forged)
        );
        assert_eq!(
            verify_request(&key, "POST", VECTOR_PATH, &ts, &sig, &target, now),
            Err(RequestRefusal::Forged)
        );
        let later = (VECTOR_TIMESTAMP + 1).to_string();
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, &later, &sig, &target, now),
            Err(RequestRefusal::Forged)
        );
        // Old and future timestamps, at the edge and past it.
        let edge = VECTOR_TIMESTAMP + MAX_SKEW_SECS;
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, &ts, &sig, &target, edge),
            Ok(())
        );
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, &ts, &sig, &target, edge + 1),
            Err(RequestRefusal::Stale)
        );
        assert_eq!(
            verify_request(
                &key,
                "GET",
                VECTOR_PATH,
                &ts,
                &sig,
                &target,
                VECTOR_TIMESTAMP - MAX_SKEW_SECS - 1
            ),
            Err(RequestRefusal::Stale)
        );
        // Garbage.
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, "soon", &sig, &target, now),
            Err(RequestRefusal::BadTimestamp)
        );
        assert_eq!(
            verify_request(&key, "GET", VECTOR_PATH, &ts, "AAAA", &target, now),
            Err(RequestRefusal::BadSignature)
        );
    }

    #[test]
    fn an_order_view_is_read_like_an_item_view() {
        // What an instance answers for an order whose owner published its status and dates.
        let body = br#"{"kind":"order","number":"800000001764000000","check":"AB",
            "fields":[{"name":"Status","value":"Received, in progress"},
                      {"name":"Received","value":"2026-11-24"},{"name":"Shipped","value":"not yet"}]}"#;
        let view = PublicView::from_json(body).unwrap();
        assert_eq!(view.kind(), "order");
        assert_eq!(view.number(), "800000001764000000");
        assert_eq!(
            view.fields()
                .iter()
                .map(|f| (f.name.as_str(), f.value.as_str()))
                .collect::<Vec<_>>(),
            [
                ("Status", "Received, in progress"),
                ("Received", "2026-11-24"),
                ("Shipped", "not yet")
            ]
        );
        assert_eq!(
            PublicView::from_json(view.to_json().as_bytes()).unwrap(),
            view
        );
        // An order answer is held to the same shape: no customer object beside the fields.
        let with_customer = br#"{"kind":"order","number":"42","check":"48",
            "fields":[{"name":"Status","value":"Shipped"}],"customer":{"email":"a@b.example"}}"#;
        assert!(PublicView::from_json(with_customer).is_err());
    }

    #[test]
    fn public_view_round_trip_and_refusals() {
        let body = br#"{"kind":"item","number":"42","check":"48",
            "fields":[{"name":"Model","value":"<b>X</b>"},{"name":"Colour","value":"red"}]}"#;
        let view = PublicView::from_json(body).unwrap();
        assert_eq!(view.kind(), "item");
        assert_eq!(view.number(), "42");
        assert_eq!(view.fields().len(), 2);
        assert_eq!(view.fields()[0].value, "<b>X</b>");
        assert_eq!(
            PublicView::from_json(view.to_json().as_bytes()).unwrap(),
            view
        );
        for bad in [
            &br#"[]"#[..],
            br#"{"kind":"item","number":"42","check":"48","fields":[]}"#,
            br#"{"kind":"ship","number":"42","check":"48","fields":[{"name":"a","value":"b"}]}"#,
            br#"{"kind":"item","number":"4x","check":"48","fields":[{"name":"a","value":"b"}]}"#,
            br#"{"kind":"item","number":"42","check":"48","fields":[{"name":"a","value":"b"}],"location":"p1"}"#,
            br#"{"kind":"item","number":"42","check":"48","fields":[{"name":"a","value":"b","id":"i1"}]}"#,
            br#"{"kind":"item","number":"42","check":"48","fields":[{"name":"a","value":1}]}"#,
            br#"{"kind":"item","number":"42","check":"48","fields":[{"name":"a","value":"x\u0007"}]}"#,
        ] {
            assert!(
                PublicView::from_json(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
