//! The operators' web UI (the `ui` wing): server-rendered pages over the same use cases and
//! permission checks as the JSON API, served by the instance service on its own port.
//!
//! - [`viewer`]: who looks (the session cookie), in which language and time zone, and the
//!   CSRF token every form carries;
//! - [`layout`]: the page shell (navigation, the search field `q`, the language switch) and
//!   the answers every page shares (security headers, error pages);
//! - [`pages`]: one module per page or group of pages, each with its routes;
//! - [`assets`]: the style sheet and the script, compiled into the binary.
//!
//! docs/UI.md says how to add a page.

use actix_web::web::ServiceConfig;

pub mod assets;
pub mod layout;
pub mod pages;
pub mod viewer;

#[cfg(test)]
mod tests;

/// Registers every page and asset of the UI (outside the API's scopes; each page
/// authenticates its viewer itself).
pub fn configure(cfg: &mut ServiceConfig) {
    assets::configure(cfg);
    pages::configure(cfg);
}
