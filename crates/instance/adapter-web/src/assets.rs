//! The style sheet and the script, compiled into the binary and served under `/assets/` with
//! a fingerprint in the address, so that browsers may keep them as long as they like.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::web::{self, ServiceConfig};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::layout::secure;

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 2] = [
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/app.js"),
    },
];

/// The first 12 hex digits of each asset's SHA-256, in the order of [`ASSETS`].
fn fingerprints() -> &'static [String; 2] {
    static PRINTS: OnceLock<[String; 2]> = OnceLock::new();
    PRINTS.get_or_init(|| {
        ASSETS.map(|a| {
            let digest = Sha256::digest(a.body.as_bytes());
            hex::encode(&digest[..6])
        })
    })
}

/// The address of an asset, with its fingerprint: `/assets/app.css?v=1a2b3c4d5e6f`.
pub fn url(name: &str) -> String {
    let print = ASSETS
        .iter()
        .position(|a| a.name == name)
        .map(|i| fingerprints()[i].as_str())
        .unwrap_or("0");
    format!("/assets/{name}?v={print}")
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/assets/{name}", web::get().to(asset));
}

async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(i) = ASSETS.iter().position(|a| a.name == name.as_str()) else {
        return secure(HttpResponse::NotFound())
            .content_type("text/plain; charset=utf-8")
            .body("no such asset");
    };
    let asset = &ASSETS[i];
    let print = &fingerprints()[i];
    let etag = format!("\"{print}\"");
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    // Fingerprinted addresses never change content: a year; the bare address: revalidate.
    let cache = if req.query_string() == format!("v={print}") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut builder = if fresh {
        secure(HttpResponse::NotModified())
    } else {
        secure(HttpResponse::Ok())
    };
    builder
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag))
        .content_type(asset.content_type);
    if fresh {
        builder.finish()
    } else {
        builder.body(asset.body)
    }
}
