//! The rules of the ECKWMS global service, without I/O: instance records and what instances
//! report ([`instance`]), the secrets handed out and how they are stored ([`secret`]), the
//! candidate addresses of discovery ([`discovery`]), device registration and request
//! signatures ([`device`]), and the scan relay's leases and retention ([`relay`]).
//!
//! Time and randomness are arguments, never read here.

pub mod device;
pub mod discovery;
pub mod error;
pub mod instance;
pub mod relay;
pub mod secret;

pub use error::{FieldError, Validation};
pub use instance::{
    Instance, InstanceId, InstanceName, InstanceStatus, Report, ServerPublicKey, Tier,
};
