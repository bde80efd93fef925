//! The query functions compiled for PostgreSQL: the files of `src/sql/` mounted as modules
//! here, with `Conn` the PostgreSQL connection (see `sqlite.rs`).

use crate::prelude::*;

pub(crate) type Conn = diesel::PgConnection;
const IS_POSTGRES: bool = true;

// The files of `src/sql/`, mounted here as modules (paths relative to `src/`, written out, not
// made by a macro, so that rustfmt and the IDE see the files) and re-exported. Their names end
// in `_queries` because the tables of `schema.rs` already take `places`, `scans` and the like.
// clippy's duplicate_mod warns of a file mounted twice; that is the point here.
#[allow(clippy::duplicate_mod)]
#[path = "sql/access.rs"]
mod access_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/barcodes.rs"]
mod barcode_statements;
#[allow(clippy::duplicate_mod)]
#[path = "sql/boxes.rs"]
mod box_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/common.rs"]
mod common_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/devices.rs"]
mod device_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/events.rs"]
mod event_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/floor.rs"]
mod floor_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/global.rs"]
mod global_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/items.rs"]
mod item_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/moves.rs"]
mod move_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/orders.rs"]
mod order_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/overview.rs"]
mod overview_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/places.rs"]
mod place_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/relay.rs"]
mod relay_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/repair.rs"]
mod repair_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/scans.rs"]
mod scan_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/system.rs"]
mod system_queries;
#[allow(clippy::duplicate_mod)]
#[path = "sql/unit.rs"]
mod unit_of_work;
#[allow(clippy::duplicate_mod)]
#[path = "sql/webhooks.rs"]
mod webhook_queries;

pub(crate) use access_queries::*;
pub(crate) use barcode_statements::*;
pub(crate) use box_queries::*;
pub(crate) use common_queries::*;
pub(crate) use device_queries::*;
pub(crate) use event_queries::*;
pub(crate) use floor_queries::*;
pub(crate) use global_queries::*;
pub(crate) use item_queries::*;
pub(crate) use move_queries::*;
pub(crate) use order_queries::*;
pub(crate) use overview_queries::*;
pub(crate) use place_queries::*;
pub(crate) use relay_queries::*;
pub(crate) use repair_queries::*;
pub(crate) use scan_queries::*;
pub(crate) use system_queries::*;
pub(crate) use unit_of_work::*;
pub(crate) use webhook_queries::*;
