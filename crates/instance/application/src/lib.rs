#![doc = include_str!("../README.md")]

pub mod access;
pub mod catalog;
pub mod common;
pub mod devices;
pub mod error;
pub mod events;
pub mod global;
pub mod idempotency;
pub mod labels;
pub mod metrics;
pub mod movement;
pub mod orders;
pub mod overview;
pub mod ports;
pub mod public;
pub mod relay;
pub mod repair;
pub mod scanning;
pub mod system;
pub mod webhooks;

pub use access::{
    Actor, ApiKeyService, AuditService, CreatedKey, RoleService, SessionService, UserService, Who,
};
pub use catalog::{CatalogPorts, CatalogService};
pub use common::{Page, RequestMeta, page_query};
pub use devices::{DevicePorts, DeviceService};
pub use error::{AppError, AppResult, ProblemCode};
pub use events::{EventPorts, EventService, EventsRequest};
pub use global::{GlobalLinkService, GlobalPorts, LinkError};
pub use idempotency::{Begin, IdempotencyService};
pub use labels::{LabelService, Selection, Sheet, SheetFormat};
pub use movement::{MovementPorts, MovementService, check_move};
pub use orders::{OrderPorts, OrderService};
pub use overview::{OverviewPorts, OverviewQuery, OverviewService};
pub use public::{PublicService, SignedRequest};
pub use relay::{RelayPorts, RelayPuller, RelayService};
pub use scanning::lookup::{Found, Lookup, LookupService, Missing, Resolution};
pub use scanning::{ScanCaller, ScanRequest, ScanService, ScanSettings};
pub use system::{OsSecrets, Readiness, SystemClock, SystemService, VerifyReport};
pub use webhooks::{WebhookPorts, WebhookService, WebhookSettings};

/// Every service of the instance, as the HTTP adapter and the binary use them.
#[derive(Clone)]
pub struct Services {
    pub catalog: CatalogService,
    pub orders: OrderService,
    /// The operator's dashboard.
    pub overview: OverviewService,
    /// The ledger as a stream of changes.
    pub events: EventService,
    /// Subscriptions that receive the changes by HTTP POST, and their delivery.
    pub webhooks: WebhookService,
    /// RMA requests.
    pub repair: repair::RepairService,
    pub movement: MovementService,
    pub api_keys: ApiKeyService,
    pub roles: RoleService,
    pub users: UserService,
    pub sessions: SessionService,
    pub audit: AuditService,
    pub devices: DeviceService,
    /// Password and PIN hashing: slow on purpose, without I/O (the HTTP adapter runs it on a
    /// pool of its own).
    pub passwords: std::sync::Arc<access::passwords::Passwords>,
    pub secrets: std::sync::Arc<dyn ports::SecretSource>,
    pub idempotency: IdempotencyService,
    pub system: SystemService,
    pub scans: ScanService,
    /// What a scanned text names, looked up without acting on it.
    pub lookup: LookupService,
    pub labels: LabelService,
    pub public: PublicService,
    /// The relay's status (its puller is the binary's).
    pub relay: RelayService,
}
