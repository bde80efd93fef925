//! ECKWMS codes: what a scanner reads and what a label carries. Pure: no I/O, no clock, no RNG
//! (callers pass time and randomness in), and no panics on any input.
//!
//! - [`base32`]: the reference's 32-symbol alphabet.
//! - [`check`]: two check characters from a CRC-32.
//! - [`ids`]: manufacturer serials and RMA codes, and the ids they map to.
//! - [`v1`]: the original ECK label code (decode kept for printed labels).
//! - [`v2`]: the ECK label code for new labels: random nonce, AES-256-GCM-SIV, authenticated host
//!   and suffix, key ids for rotation.
//! - [`tracking`]: carrier tracking numbers.
//! - [`gs1`]: GTINs, GS1 element strings and GS1 Digital Link URLs.
//! - [`Decoder`]: one call that says what a scanned text is.
//!
//! docs/CODES.md specifies every format.

pub mod base32;
pub mod check;
mod decoder;
pub mod gs1;
pub mod ids;
mod label;
pub mod tracking;
pub mod v1;
pub mod v2;

pub use decoder::{Decoder, LabelVersion, MAX_SCAN_LEN, Other, Scanned, Settings};
pub use label::{ConfigError, Host, LabelError, MAX_KEY_ID, Suffix};
pub use v1::V1Key;
pub use v2::{KeyRing, V2Key};
