#![doc = include_str!("../README.md")]

pub mod devices;
pub mod discovery;
pub mod error;
pub mod instances;
pub mod metrics;
pub mod ports;
pub mod public_page;
pub mod relay;
pub mod system;
pub mod targets;

#[cfg(test)]
mod public_page_tests;
#[cfg(test)]
mod tests;

pub use devices::{DeviceService, PublishDevice, RegisterDevice, SignedRequest};
pub use discovery::{Caller, DiscoveryService, InstanceInfo};
pub use error::{AppError, AppResult, ProblemCode};
pub use instances::{AdminKey, InstanceService, InstanceSettings, InstanceView, Issued};
pub use public_page::{PublicPage, PublicPageService, PublicPageSettings, load_identity};
pub use relay::RelayService;
pub use system::{OsSecrets, SystemClock, SystemService};
pub use targets::TargetMemory;

/// Every service, as the HTTP adapter and the binary use them.
#[derive(Clone)]
pub struct Services {
    pub instances: InstanceService,
    pub discovery: DiscoveryService,
    pub devices: DeviceService,
    pub relay: RelayService,
    pub public: PublicPageService,
    pub system: SystemService,
    pub admin: AdminKey,
}
