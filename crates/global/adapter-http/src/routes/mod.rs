//! The routes, one module per area.

pub mod admin;
pub mod devices;
pub mod discovery;
pub mod instances;
pub mod proxy;
pub mod public;
pub mod relay;
pub mod system;

use actix_web::http::header;

/// A response carrying a secret must not be stored by any cache.
pub(crate) fn no_store(
    mut builder: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
