//! HTTP machinery shared by the ECKWMS services (the instance service `eckwms` and the global
//! service `eckwms-global`): one `application/problem+json` error shape with stable codes
//! ([`problem`]) and request ids carried from the first middleware to every log line and
//! problem body ([`request_id`]); integers of paths and queries read in one spelling
//! ([`numbers`]); the one JSON body type both read ([`media`]); the 404/405 fallback
//! ([`routes`]); the OpenAPI post-processing that documents every problem response
//! ([`openapi`]); one logging set-up and the access line ([`logging`]); the turns in which
//! calls into the database run, in arrival order ([`turns`]); running a server until a signal
//! drains and stops it ([`serve`]).
//!
//! It knows no service's use cases: each service maps its own application errors to
//! [`ApiError`] in its HTTP adapter.

pub mod logging;
pub mod media;
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
