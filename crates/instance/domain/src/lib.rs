#![doc = include_str!("../README.md")]

pub mod access;
pub mod catalog;
pub mod devices;
pub mod error;
pub mod events;
pub mod global;
pub mod id;
pub mod meta;
pub mod movement;
pub mod orders;
mod refusals;
pub mod repair;
pub mod scanning;
pub mod text;
pub mod webhooks;

pub use catalog::{
    ActionKind, Attributes, Barcodes, BoxPatch, Item, ItemAction, ItemPatch, MAX_ATTRIBUTES_BYTES,
    MAX_BARCODES, MAX_RACK_CELLS, NewBox, NewItem, NewPlace, NewRack, NewWarehouse, Parent, Place,
    PlacePatch, PlaceRole, Rack, RackCell, RackLayout, RackPatch, StorageBox, Warehouse,
    WarehousePatch, check_rotation, rack_place_name,
};
pub use devices::{Device, DeviceId, DevicePublicKey, DeviceStatus};
pub use error::{DomainError, FieldError, Validation};
pub use events::EventFilter;
pub use id::{
    BoxId, IdError, IdKind, ItemId, ObjectId, OrderId, PlaceId, RackId, UserId, WarehouseId,
};
pub use meta::Meta;
pub use movement::Movable;
pub use movement::ledger::{Change, ChangeKind, LedgerEntry, Replay, State};
pub use movement::moves::{MoveError, MoveSubject};
pub use orders::public::{OrderPublicFields, PublicOrderField};
pub use orders::{Customer, NewOrder, Order, OrderPatch, OrderStatus};
pub use text::{Code, Name, Note, Text};
pub use webhooks::{Subscription, SubscriptionPatch, WebhookId, WebhookSecret, WebhookUrl};
