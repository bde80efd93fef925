//! Persistence of the ECKWMS global service: diesel over SQLite (the default) and PostgreSQL,
//! chosen from the URL, with embedded migrations (`migrations/global/{sqlite,postgres}`).
//! [`Database`] implements every repository port of `eckwms-global-application`.

mod error;
mod pool;
mod repos;
mod rows;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;

pub use pool::{Database, DbSettings, redact_url};
