#![doc = include_str!("../README.md")]

pub mod logging;
pub mod media;
pub mod metrics;
pub mod numbers;
pub mod openapi;
pub mod problem;
pub mod request_id;
pub mod routes;
pub mod serve;
pub mod turns;

pub use eckwms_problems::ProblemCode;
pub use numbers::decimal_i64;
pub use problem::{ApiError, PROBLEM_CONTENT_TYPE, Problem, ProblemField};
pub use request_id::{REQUEST_ID_HEADER, RequestId, current_request_id};
pub use routes::{RouteTable, fallback};
