//! Tests of the whole app (all middleware) against mocked ports ([`crate::testing`]).

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use eckwms_domain::{BoxId, Item, ItemId, Meta, Name, Parent, PlaceId, StorageBox};
use serde_json::Value;

pub use crate::testing::*;
// What the test modules take from here with `super::*`.
pub(crate) use crate::testing::stored_key;
use crate::{HttpState, build_app};
pub use chrono::{DateTime, TimeZone, Utc};
pub use eckwms_application::ports::ApiKey;
pub use std::time::Duration;

mod access;
mod api;
mod calls;
mod devices;
mod errors;
mod events;
mod idempotency;
mod lookup;
mod openapi;
mod orders;
mod overview;
mod processed;
mod public;
mod relay;
mod repair;
mod scans;
mod webhooks;

/// What a test sees of a response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `field` of every entry of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts a problem response: status, code, and the full problem shape.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {:?}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["code"], code, "problem: {p}");
        assert_eq!(p["type"], format!("urn:eckwms:problem:{code}"));
        assert_eq!(p["status"], status);
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()));
        let request_id = self.header("x-request-id").unwrap();
        assert_eq!(p["request_id"], request_id);
    }
}

/// Sends one request through a fresh instance of the complete app.
pub async fn call(state: &HttpState, req: TestRequest) -> Reply {
    let app = test::init_service(build_app(state.clone())).await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Reply {
        status,
        headers,
        body,
    }
}

pub fn bearer(key: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {key}"))
}

pub fn get(path: &str, key: &str) -> TestRequest {
    TestRequest::get().uri(path).insert_header(bearer(key))
}

pub fn post_json(path: &str, key: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(bearer(key))
        .set_json(body)
}

pub fn patch_json(path: &str, key: &str, body: Value) -> TestRequest {
    TestRequest::patch()
        .uri(path)
        .insert_header(bearer(key))
        .set_json(body)
}

pub fn meta(version: i64) -> Meta {
    Meta {
        version,
        created_at: now(),
        updated_at: now(),
    }
}

pub fn box_id(n: u64) -> BoxId {
    BoxId::new(n).unwrap()
}

pub fn place_id(n: u64) -> PlaceId {
    PlaceId::new(n).unwrap()
}

pub fn item_id(n: u64) -> ItemId {
    ItemId::new(n).unwrap()
}

pub fn storage_box(n: u64, version: i64) -> StorageBox {
    StorageBox {
        id: box_id(n),
        name: Some(Name::new("name", format!("Box {n}")).unwrap()),
        parent: Some(Parent::Place(place_id(30))),
        order: None,
        barcodes: Default::default(),
        meta: meta(version),
    }
}

pub fn item(n: u64, version: i64) -> Item {
    Item {
        id: item_id(n),
        serial: None,
        class_code: None,
        name: Some(Name::new("name", "Scanner").unwrap()),
        condition: None,
        attributes: Default::default(),
        barcodes: Default::default(),
        parent: None,
        meta: meta(version),
    }
}
