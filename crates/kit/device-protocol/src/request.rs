//! Signed requests: after registration a device sends `X-Device-Id`, `X-Device-Timestamp`
//! (Unix seconds) and `X-Device-Signature`, the base64 Ed25519 signature of
//! [`request_message`], with each request it signs. The timestamp must be within
//! [`REQUEST_WINDOW_SECS`] of the server's clock.
//!
//! A server reads them in two steps, so that its other checks keep their order: which of the
//! three headers came ([`SignedHeaders::from_values`]: none, all, or some, which is refused),
//! then, when it is about to authenticate, their values ([`SignedHeaders::parse`]), the time
//! ([`SignedCredentials::check_time`]), the device's key (its own store) and the signature
//! ([`SignedCredentials::verify`]). Each header is one value in visible ASCII, trimmed: reading
//! it is the HTTP layer's part (a header sent twice or not in visible ASCII is refused there,
//! like any other credential header).

use std::fmt;

use chrono::{DateTime, Utc};
use eckwms_problems::{AppError, ProblemCode};
use sha2::{Digest, Sha256};

use crate::device::{DeviceId, DevicePublicKey, DeviceSignature};

/// The header that names the device (lower case, as HTTP/2 sends header names).
pub const DEVICE_ID_HEADER: &str = "x-device-id";
/// The header with the Unix time (seconds) the device signed.
pub const DEVICE_TIMESTAMP_HEADER: &str = "x-device-timestamp";
/// The header with the base64 signature of [`request_message`].
pub const DEVICE_SIGNATURE_HEADER: &str = "x-device-signature";

/// How far a request's timestamp may be from the server's clock, in seconds.
pub const REQUEST_WINDOW_SECS: i64 = 300;

/// What a registered device signs for a request: a fixed tag, the method, the path with its
/// query, the timestamp and the SHA-256 of the body, one per line.
pub fn request_message(method: &str, path_and_query: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "ECKWMS-DEVICE-V1\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        hex::encode(Sha256::digest(body))
    )
}

/// Whether a request's timestamp is close enough to `now`.
pub fn within_window(timestamp: i64, now: DateTime<Utc>) -> bool {
    (now.timestamp() - timestamp).abs() <= REQUEST_WINDOW_SECS
}

/// Why a request's signature headers do not authenticate it. Every refusal is 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureRefusal {
    /// Some of the three headers came, not all.
    Incomplete,
    /// None of them came where a signature is required.
    Missing,
    /// A value does not parse, the device is unknown, or the signature does not verify.
    Invalid,
    /// The timestamp is outside the window.
    Stale,
}

impl SignatureRefusal {
    /// `invalid_device_signature`, or `stale_device_signature` for [`Self::Stale`].
    pub fn code(self) -> ProblemCode {
        match self {
            Self::Stale => ProblemCode::StaleDeviceSignature,
            Self::Incomplete | Self::Missing | Self::Invalid => ProblemCode::InvalidDeviceSignature,
        }
    }

    /// The problem's `detail`.
    pub fn message(self) -> &'static str {
        match self {
            Self::Incomplete => {
                "a signed device request needs X-Device-Id, X-Device-Timestamp and X-Device-Signature"
            }
            Self::Missing => {
                "a device signature is required (X-Device-Id, X-Device-Timestamp, X-Device-Signature)"
            }
            Self::Invalid => {
                "a valid device signature is required (X-Device-Id, X-Device-Timestamp, X-Device-Signature)"
            }
            Self::Stale => {
                "X-Device-Timestamp is more than 300 seconds away from the server's clock"
            }
        }
    }
}

impl fmt::Display for SignatureRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for SignatureRefusal {}

impl From<SignatureRefusal> for AppError {
    fn from(refusal: SignatureRefusal) -> Self {
        AppError::refused(refusal.code(), refusal.message())
    }
}

/// The three signature headers of a request, as sent (not yet parsed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    pub device_id: String,
    pub timestamp: String,
    pub signature: String,
}

impl SignedHeaders {
    /// The headers' values (each the one value of its header): `None` when none came,
    /// [`SignatureRefusal::Incomplete`] when only some did.
    pub fn from_values(
        device_id: Option<&str>,
        timestamp: Option<&str>,
        signature: Option<&str>,
    ) -> Result<Option<Self>, SignatureRefusal> {
        match (device_id, timestamp, signature) {
            (None, None, None) => Ok(None),
            (Some(device_id), Some(timestamp), Some(signature)) => Ok(Some(Self {
                device_id: device_id.to_owned(),
                timestamp: timestamp.to_owned(),
                signature: signature.to_owned(),
            })),
            _ => Err(SignatureRefusal::Incomplete),
        }
    }

    /// The typed values; any that does not parse is [`SignatureRefusal::Invalid`].
    pub fn parse(&self) -> Result<SignedCredentials, SignatureRefusal> {
        let invalid = |_| SignatureRefusal::Invalid;
        Ok(SignedCredentials {
            device_id: DeviceId::parse(&self.device_id).map_err(invalid)?,
            timestamp: self
                .timestamp
                .trim()
                .parse()
                .map_err(|_| SignatureRefusal::Invalid)?,
            signature: DeviceSignature::parse(&self.signature).map_err(invalid)?,
        })
    }
}

/// A request's signature headers, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCredentials {
    pub device_id: DeviceId,
    /// Unix seconds.
    pub timestamp: i64,
    pub signature: DeviceSignature,
}

impl SignedCredentials {
    /// [`SignatureRefusal::Stale`] unless the timestamp is within the window of `now`.
    pub fn check_time(&self, now: DateTime<Utc>) -> Result<(), SignatureRefusal> {
        if within_window(self.timestamp, now) {
            Ok(())
        } else {
            Err(SignatureRefusal::Stale)
        }
    }

    /// [`SignatureRefusal::Invalid`] unless the signature is `key`'s of this request.
    pub fn verify(
        &self,
        key: &DevicePublicKey,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<(), SignatureRefusal> {
        let message = request_message(method, path_and_query, self.timestamp, body);
        if key.verifies(message.as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(SignatureRefusal::Invalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{SigningKey, public_key, request_headers};

    #[test]
    fn request_messages_bind_method_path_time_and_body() {
        let a = request_message("post", "/x?y=1", 10, b"{}");
        assert!(a.starts_with("ECKWMS-DEVICE-V1\nPOST\n/x?y=1\n10\n"));
        assert_ne!(a, request_message("POST", "/x?y=1", 10, b"{ }"));
        let now = DateTime::from_timestamp(1_000, 0).unwrap();
        assert!(within_window(1_300, now));
        assert!(!within_window(1_301, now));
        assert!(!within_window(699, now));
    }

    #[test]
    fn some_headers_are_refused_none_are_no_signature() {
        assert_eq!(SignedHeaders::from_values(None, None, None), Ok(None));
        for (id, ts, sig) in [
            (Some("a"), None, None),
            (None, Some("1"), None),
            (None, None, Some("s")),
            (Some("a"), Some("1"), None),
            (None, Some("1"), Some("s")),
        ] {
            assert_eq!(
                SignedHeaders::from_values(id, ts, sig),
                Err(SignatureRefusal::Incomplete)
            );
        }
    }

    #[test]
    fn values_that_do_not_parse_are_invalid_before_the_time_is_looked_at() {
        let sig = format!("{}==", "A".repeat(86));
        let headers = |id: &str, ts: &str, sig: &str| SignedHeaders {
            device_id: id.into(),
            timestamp: ts.into(),
            signature: sig.into(),
        };
        for (id, ts, s) in [
            ("a b", "1", sig.as_str()),
            ("PDA-7", "1.5", sig.as_str()),
            ("PDA-7", "x", sig.as_str()),
            ("PDA-7", "1", "AAAA"),
            ("", "1", sig.as_str()),
        ] {
            assert_eq!(
                headers(id, ts, s).parse(),
                Err(SignatureRefusal::Invalid),
                "{id} {ts} {s}"
            );
        }
        let parsed = headers("PDA-7", " 1000 ", &format!(" {sig} "))
            .parse()
            .unwrap();
        assert_eq!(parsed.timestamp, 1000);
        let now = DateTime::from_timestamp(1_301, 0).unwrap();
        assert_eq!(parsed.check_time(now), Err(SignatureRefusal::Stale));
    }

    #[test]
    fn a_signed_request_verifies_only_as_signed() {
        let sk = SigningKey::from_bytes(&[7; 32]);
        let id = DeviceId::parse("PDA-7").unwrap();
        let [(_, id_value), (_, ts_value), (_, sig_value)] =
            request_headers(&sk, &id, "post", "/x?y=1", 1_000, b"{}");
        let credentials =
            SignedHeaders::from_values(Some(&id_value), Some(&ts_value), Some(&sig_value))
                .unwrap()
                .unwrap()
                .parse()
                .unwrap();
        let key = public_key(&sk);
        assert_eq!(credentials.verify(&key, "POST", "/x?y=1", b"{}"), Ok(()));
        for (method, path, body) in [
            ("GET", "/x?y=1", &b"{}"[..]),
            ("POST", "/x?y=2", b"{}"),
            ("POST", "/x?y=1", b"{ }"),
        ] {
            assert_eq!(
                credentials.verify(&key, method, path, body),
                Err(SignatureRefusal::Invalid)
            );
        }
        let other = public_key(&SigningKey::from_bytes(&[8; 32]));
        assert_eq!(
            credentials.verify(&other, "POST", "/x?y=1", b"{}"),
            Err(SignatureRefusal::Invalid)
        );
    }

    #[test]
    fn refusals_answer_their_codes() {
        assert_eq!(
            SignatureRefusal::Stale.code(),
            ProblemCode::StaleDeviceSignature
        );
        assert!(
            SignatureRefusal::Stale
                .message()
                .contains(&REQUEST_WINDOW_SECS.to_string())
        );
        for r in [
            SignatureRefusal::Incomplete,
            SignatureRefusal::Missing,
            SignatureRefusal::Invalid,
        ] {
            assert_eq!(r.code(), ProblemCode::InvalidDeviceSignature);
        }
    }
}
