//! Browser tests of the web UI: the real `eckwms` binary on a fresh SQLite database, driven
//! through Debian's `chromium` (headless) by `chromedriver` over WebDriver.
//!
//! Without `chromedriver` on the PATH (or at `ECKWMS_CHROMEDRIVER`) the tests are skipped and
//! say so, unless `ECKWMS_REQUIRE_BROWSER=1` (set by CI), which makes a missing browser a
//! failure. Screenshots of the pages go to `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../blackbox/harness.rs"]
mod harness;

mod driver;
mod pages;
mod repair;

#[allow(dead_code)]
#[path = "../blackbox/devices.rs"]
mod devices;

mod admin;
mod layout;
