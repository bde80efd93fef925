//! The public label page `GET /ECK/{code}` and the global identity `GET /ECK/API/IDENTITY`.
//!
//! A label's QR code holds `ECK1.COM/<code>` (or ECK2, ECK3); a phone opening it goes to
//! `https://eck1.com/<code>`, which nginx maps to `/ECK/ECK1.COM/<code>` here (see
//! `docs/deploy`). The route takes the code in every form a label reaches it in: the full
//! label text after `/ECK/` (with or without a scanner's `http://`/`https://`, one slash or
//! two), or the bare code after the host, for which the three hosts are tried.
//!
//! Every answer is HTML: the view, or one friendly 404 page for anything that cannot be shown
//! (never saying whether the code was invalid, its instance unknown or disabled, or the object
//! not public), or 503 when the owner cannot be asked and nothing is cached, or 429 when one
//! client asks too often (the proxy's per-client limit, `proxy.rate_limit.per_client`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, guard, web};
use eckwms_global_application::PublicPage;
use serde::Serialize;
use utoipa::ToSchema;

use crate::HttpState;
use crate::extract::run;
use crate::page;
use crate::problem::ApiError;

/// The page's Content-Security-Policy: nothing may load, inline styles only.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// Browser caching of a shown view / of the 404 page, in seconds (the 503 page: no-store).
pub const FOUND_MAX_AGE: u32 = 60;
pub const NOT_FOUND_MAX_AGE: u32 = 30;

/// Longest code accepted after `/ECK/` (a v1 label with its scheme is 84 characters).
const MAX_TAIL: usize = 128;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityOut {
    /// The global service's Ed25519 public key, 64 hex digits: what instances configure as
    /// `global.public_key` to accept its signed requests.
    #[schema(example = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c")]
    pub public_key: String,
}

/// The global service's public key (public).
#[utoipa::path(tag = "system", responses((status = 200, description = "The public key", body = IdentityOut)))]
#[get("/ECK/API/IDENTITY")]
pub async fn identity(state: web::Data<HttpState>) -> HttpResponse {
    HttpResponse::Ok().json(IdentityOut {
        public_key: state.services.public.public_key_hex(),
    })
}

/// Mounts the label page: GET and HEAD only, after every other `/ECK/` route (the guard lets
/// other methods fall through to the 404/405 fallback).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/ECK/{tail:.*}")
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(label_page),
    );
}

/// Paths under `/ECK/` that belong to the API, never to labels.
fn reserved(tail: &str) -> bool {
    let first = tail.split('/').next().unwrap_or_default();
    ["API", "PROXY", "HEALTH"]
        .iter()
        .any(|r| first.eq_ignore_ascii_case(r))
}

/// The label texts a path tail may stand for, in the decoder's form (`ECKn.COM/<code>`).
pub fn label_candidates(tail: &str) -> Vec<String> {
    if tail.is_empty() || tail.len() > MAX_TAIL || !tail.is_ascii() {
        return Vec::new();
    }
    let mut rest = tail;
    for scheme in ["https://", "http://", "https:/", "http:/"] {
        if let Some(head) = rest.get(..scheme.len())
            && head.eq_ignore_ascii_case(scheme)
        {
            rest = &rest[scheme.len()..];
            break;
        }
    }
    let is_host = |h: &str| {
        ["ECK1.COM", "ECK2.COM", "ECK3.COM"]
            .iter()
            .any(|known| h.eq_ignore_ascii_case(known))
    };
    match rest.split_once('/') {
        Some((host, code)) if is_host(host) && !code.is_empty() && !code.contains('/') => {
            vec![rest.to_owned()]
        }
        None => ["ECK1.COM/", "ECK2.COM/", "ECK3.COM/"]
            .iter()
            .map(|host| format!("{host}{rest}"))
            .collect(),
        Some(_) => Vec::new(),
    }
}

async fn label_page(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let tail = req
        .path()
        .strip_prefix("/ECK/")
        .unwrap_or_default()
        .to_owned();
    if reserved(&tail) {
        return match crate::openapi::fallback(req).await {
            Ok(response) => response,
            Err(e) => actix_web::ResponseError::error_response(&e),
        };
    }
    // The page may make the service ask an instance: a flooding client is turned away first,
    // with the proxy's per-client bucket (one budget per client for both).
    if let Some(engine) = &state.proxy
        && let Some(client) = engine.forwarder.client_ip(&req)
        && let Err(limited) = engine.limiter.check_client(client)
    {
        let retry_after = actix_web::ResponseError::error_response(&limited)
            .headers()
            .get(header::RETRY_AFTER)
            .cloned();
        let mut response = html(StatusCode::TOO_MANY_REQUESTS, "no-store", page::busy_page());
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let candidates = label_candidates(&tail);
    let answer = run(&state, move |s| {
        for text in &candidates {
            match s.public.page(text)? {
                PublicPage::NotFound => continue,
                shown => return Ok(shown),
            }
        }
        Ok(PublicPage::NotFound)
    })
    .await;
    match answer {
        Ok(PublicPage::Found { view, stale }) => html(
            StatusCode::OK,
            &format!("public, max-age={FOUND_MAX_AGE}"),
            page::view_page(&view, stale),
        ),
        Ok(PublicPage::NotFound) => html(
            StatusCode::NOT_FOUND,
            &format!("public, max-age={NOT_FOUND_MAX_AGE}"),
            page::not_found_page(),
        ),
        Ok(PublicPage::Unavailable) => unavailable(),
        Err(e) => {
            // Our own database failed: logged by the error mapping, shown as the 503 page.
            log_error(&e);
            unavailable()
        }
    }
}

fn log_error(e: &ApiError) {
    tracing::warn!(
        status = e.status().as_u16(),
        "the label page could not be made"
    );
}

fn unavailable() -> HttpResponse {
    let mut response = html(
        StatusCode::SERVICE_UNAVAILABLE,
        "no-store",
        page::unavailable_page(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
    response
}

fn html(status: StatusCode, cache: &str, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, cache.to_owned()))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "01L2GT58W4LNKAFA59MAMUQHKV6LJCWEP6HA66MV5GLY2WR25RJT5NWUP9CQM3";

    #[test]
    fn a_tail_stands_for_the_label_texts_it_can_be() {
        let full = format!("ECK1.COM/{CODE}");
        assert_eq!(label_candidates(&full), vec![full.clone()]);
        assert_eq!(
            label_candidates(&format!("eck1.com/{CODE}")),
            vec![format!("eck1.com/{CODE}")]
        );
        for scheme in ["https://", "http://", "HTTPS://", "https:/"] {
            assert_eq!(
                label_candidates(&format!("{scheme}{full}")),
                vec![full.clone()],
                "{scheme}"
            );
        }
        assert_eq!(
            label_candidates(CODE),
            vec![
                format!("ECK1.COM/{CODE}"),
                format!("ECK2.COM/{CODE}"),
                format!("ECK3.COM/{CODE}")
            ]
        );
        for nothing in [
            String::new(),
            format!("EXAMPLE.COM/{CODE}"),
            format!("ECK1.COM/{CODE}/more"),
            "ECK1.COM/".to_owned(),
            "x".repeat(200),
            "é".to_owned(),
        ] {
            assert!(label_candidates(&nothing).is_empty(), "{nothing}");
        }
    }

    #[test]
    fn api_paths_are_not_labels() {
        for tail in ["API", "API/IDENTITY", "api/x", "PROXY/abc", "HEALTH"] {
            assert!(reserved(tail), "{tail}");
        }
        for tail in [CODE, "ECK1.COM/ABC", "APIX"] {
            assert!(!reserved(tail), "{tail}");
        }
    }
}
