#![doc = include_str!("../README.md")]

pub mod device;
pub mod discovery;
pub mod error;
pub mod instance;
pub mod labels;
pub mod public;
pub mod relay;
pub mod secret;

pub use error::{FieldError, Validation};
pub use instance::{
    Instance, InstanceId, InstanceName, InstanceStatus, Report, ServerPublicKey, Tier,
};
