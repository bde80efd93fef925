//! Request ids: the shared middleware of `eckwms-http-kit`.

pub use eckwms_http_kit::request_id::*;
