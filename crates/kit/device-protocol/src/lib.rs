#![doc = include_str!("../README.md")]

pub mod device;
pub mod registration;
pub mod request;
#[cfg(any(test, feature = "signing"))]
pub mod signing;
#[cfg(feature = "testing")]
pub mod vectors;

pub use device::{DeviceId, DevicePublicKey, DeviceSignature, DeviceStatus, MAX_DEVICE_ID};
pub use registration::{
    RegistrationRefusal, check_registration, is_nonce, new_nonce, registration_message,
};
pub use request::{
    DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIMESTAMP_HEADER, REQUEST_WINDOW_SECS,
    SignatureRefusal, SignedCredentials, SignedHeaders, request_message, within_window,
};
