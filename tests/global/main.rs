//! Black-box tests of the real `eckwms-global` binary: each test starts it on a fresh
//! database (SQLite, and PostgreSQL when `ECKWMS_TEST_PG_URL` is set) on a free port and
//! talks HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod flows;
mod harness;
mod link;
mod metrics;
mod process;
mod proxy;
mod public_page;
mod relay;
mod timing;

/// The instance service's black-box harness, reused to run the real `eckwms` next to
/// `eckwms-global`.
#[path = "../blackbox/harness.rs"]
#[allow(dead_code)]
mod instance;

/// The Prometheus text parser and the listening-socket reader of the instance's black-box tests.
#[path = "../blackbox/prometheus.rs"]
mod prometheus;
