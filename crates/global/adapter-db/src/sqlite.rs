//! The query functions compiled for SQLite: the files of `src/sql/` mounted as modules here,
//! with `Conn` the SQLite connection. The same files are mounted again in `pg.rs`; each reads
//! `Conn`, the shared imports and its sibling files through `use super::*`.

use crate::prelude::*;

pub(crate) type Conn = diesel::SqliteConnection;

// The files of `src/sql/`, mounted here as modules (paths relative to `src/`, written out, not
// made by a macro, so that rustfmt and the IDE see the files) and re-exported. Their names end
// in `_queries` because the tables of `schema.rs` already take `instances`, `devices` and the
// like. clippy's duplicate_mod warns of a file mounted twice; that is the point here.
#[allow(clippy::duplicate_mod)]
#[path = "sql/devices.rs"]
mod device_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/instances.rs"]
mod instance_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/public_views.rs"]
mod public_view_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/relay.rs"]
mod relay_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/system.rs"]
mod system_queries;

pub(crate) use device_queries::*;
pub(crate) use instance_queries::*;
pub(crate) use public_view_queries::*;
pub(crate) use relay_queries::*;
pub(crate) use system_queries::*;
