#![doc = include_str!("../README.md")]

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
