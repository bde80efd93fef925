//! The rules of the ECKWMS global service, without I/O: instance records and what instances
//! report ([`instance`]), the secrets handed out and how they are stored ([`secret`]), the
//! candidate addresses of discovery ([`discovery`]), device registration and request
//! signatures ([`device`]), the scan relay's leases and retention ([`relay`]), and the public
//! label page: the label key ring ([`labels`]), the signed request to an instance and the
//! public view it answers with ([`public`]).
//!
//! Time and randomness are arguments, never read here.

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
