#![doc = include_str!("../README.md")]

mod backend;
mod backup;
mod error;
#[cfg(feature = "floor")]
pub mod floor;
mod pool;
mod repos;
mod rows;
mod schema;
mod single_move;
mod statements;
#[cfg(feature = "testing")]
pub mod testing;
mod tx;
mod unit_of_work;
mod writer;

pub use backup::{Backup, backup};
pub use pool::{Database, DbSettings, redact_url};

diesel::define_sql_function! {
    /// SQL `lower()`: lower-cases text (ASCII on SQLite, all letters on PostgreSQL).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Imports shared by both compilations of the query functions.
mod prelude {
    pub(crate) use std::collections::BTreeMap;

    pub(crate) use chrono::{DateTime, Utc};
    pub(crate) use diesel::prelude::*;
    pub(crate) use eckwms_application::ports::{
        ADMIN_KEY_ROLE, ApiKey, AuditEntry, AuditFilter, AuditRecord, BoxFilter, Claim,
        ContentEntry, DeviceFilter, DevicePatch, DeviceRegistration, Expected, IdempotencyKeyRef,
        IdempotencyRecord, IdempotencyState, InstanceIdentity, ItemFilter, LabelPrint,
        LabelSubject, Location, LoginUser, NewApiKey, NewCredentials, NewOperator, NewSession,
        NewUser, Operator, OrderFilter, PageQuery, PathStep, PlaceFilter, RackWithPlaces,
        RecordedAction, Role, RolePatch, ScanFilter, ScanRecord, SessionRecord, Signer,
        StoredResponse, StoredSession, User, UserPatch, WriteContext,
    };
    pub(crate) use eckwms_application::{AppError, AppResult, ProblemCode};
    pub(crate) use eckwms_domain::access::Permissions;
    pub(crate) use eckwms_domain::devices::{Device, DeviceId};
    pub(crate) use eckwms_domain::movement::ledger::{diff, state_of};
    pub(crate) use eckwms_domain::{
        BoxId, BoxPatch, Change, ChangeKind, Code, Item, ItemAction, ItemId, ItemPatch,
        LedgerEntry, Meta, Movable, NewBox, NewItem, NewOrder, NewPlace, NewRack, NewWarehouse,
        ObjectId, Order, OrderId, OrderPatch, OrderStatus, Parent, Place, PlaceId, PlacePatch,
        PlaceRole, Rack, RackId, RackPatch, Replay, State, StorageBox, UserId, Warehouse,
        WarehouseId, WarehousePatch, rack_place_name,
    };

    pub(crate) use crate::backend::{BackendOps, Locked, MovableTable, NewLedgerRows, RoleLock};
    pub(crate) use crate::error::DbError;
    pub(crate) use crate::lower;
    pub(crate) use crate::rows::*;
    pub(crate) use crate::schema::*;
}

/// The query functions compiled for SQLite (`src/sqlite.rs`).
pub(crate) mod sqlite;

/// The query functions compiled for PostgreSQL (`src/pg.rs`).
pub(crate) mod pg;
