//! The page shell and the answers every page shares: security headers, redirects, error
//! pages.

use std::fmt;

use actix_web::body::BoxBody;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use eckwms_adapter_http::ApiError;
use eckwms_domain::access::Permission;
use eckwms_i18n::Lang;
use maud::{DOCTYPE, Markup, html};

use crate::assets;
use crate::viewer::{Reading, Viewer};

/// The policy of every page: scripts and styles from this origin only (no inline script), no
/// framing, forms posting here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// A response with the UI's security headers; pages are not kept by caches (an asset
/// replaces `Cache-Control`).
pub fn secure(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// An HTML answer with `status`.
pub fn html_response(status: StatusCode, markup: Markup) -> HttpResponse {
    secure(HttpResponse::build(status))
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// `303 See Other` to `location` (after a form, and to the login).
pub fn see_other(location: &str) -> HttpResponse {
    secure(HttpResponse::SeeOther())
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// Where a form may send the reader back to: a path of this site, never another site's
/// (`//host`, `/\host`, a scheme).
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

/// The percent-encoding of a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A page that could not be shown: the way to the login, or an error page.
#[derive(Debug)]
pub enum Failure {
    /// No session, or one that ended (`expired`): the login, then back to `next`.
    ToLogin { next: String, expired: bool },
    Page {
        status: StatusCode,
        reading: Reading,
        detail: String,
    },
}

impl Failure {
    pub fn to_login(next: &str, expired: bool) -> Failure {
        Failure::ToLogin {
            next: local_path(next).unwrap_or("/").to_owned(),
            expired,
        }
    }

    pub fn page(reading: Reading, status: StatusCode, detail: String) -> Failure {
        Failure::Page {
            status,
            reading,
            detail,
        }
    }

    /// A use case's problem: 401 leads to the login; anything else is its error page, with
    /// the problem's words (the cause of a 500 is logged by the layer that met it).
    pub fn from_api(reading: Reading, here: &str, e: ApiError) -> Failure {
        match e.status() {
            StatusCode::UNAUTHORIZED => Failure::to_login(here, true),
            status => Failure::page(reading, status, e.detail().to_owned()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::ToLogin { .. } => f.write_str("login required"),
            Failure::Page { status, detail, .. } => write!(f, "{status}: {detail}"),
        }
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        match self {
            Failure::ToLogin { .. } => StatusCode::SEE_OTHER,
            Failure::Page { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        match self {
            Failure::ToLogin { next, expired } => {
                let mut to = format!("/login?next={}", encode(next));
                if *expired {
                    to.push_str("&expired=1");
                }
                see_other(&to)
            }
            Failure::Page {
                status,
                reading,
                detail,
            } => html_response(*status, error_page(*reading, *status, detail)),
        }
    }
}

/// The title of an error page by its status.
fn error_title(lang: Lang, status: StatusCode) -> String {
    let id = match status.as_u16() {
        403 => "error-forbidden",
        404 => "error-not-found",
        409 | 412 | 428 => "error-conflict",
        400 | 413 | 422 => "error-invalid",
        429 => "error-rate-limited",
        503 => "error-unavailable",
        _ => "error-internal",
    };
    lang.text(id)
}

/// A bare page for an error (no navigation: the viewer may not even be known).
fn error_page(reading: Reading, status: StatusCode, detail: &str) -> Markup {
    let lang = reading.lang;
    let title = error_title(lang, status);
    bare(
        lang,
        &title,
        html! {
            main {
                h1 { (title) }
                @if !detail.is_empty() && status != StatusCode::INTERNAL_SERVER_ERROR {
                    p.notice.error { (detail) }
                }
                p { a href="/" { (lang.text("error-back-home")) } }
            }
        },
    )
}

/// The document around a page's content, without navigation (the login, error pages).
pub fn bare(lang: Lang, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(title))
            body { (content) }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · ECKWMS" }
            link rel="stylesheet" href=(assets::url("app.css"));
            script src=(assets::url("app.js")) defer {}
        }
    }
}

/// One entry of the navigation: the address, the message id of its name, and the
/// permissions that open it, any one of them (what the viewer may not use is not offered).
struct NavEntry {
    href: &'static str,
    label: &'static str,
    any_of: &'static [Permission],
}

const NAV: &[NavEntry] = &[
    NavEntry {
        href: "/",
        label: "nav-dashboard",
        any_of: &[Permission::InventoryView],
    },
    NavEntry {
        href: "/scan",
        label: "nav-scan",
        any_of: &[Permission::ScanExecute],
    },
    NavEntry {
        href: "/layout",
        label: "nav-layout",
        any_of: &[Permission::InventoryView],
    },
    NavEntry {
        href: "/labels",
        label: "nav-labels",
        any_of: &[Permission::LabelsPrint],
    },
    NavEntry {
        href: "/repair",
        label: "nav-repair",
        // The desk serves the technicians and those who manage RMA requests.
        any_of: &[Permission::RepairWork, Permission::OrdersManage],
    },
    NavEntry {
        href: "/scanners",
        label: "nav-scanners",
        any_of: &[Permission::DevicesManage],
    },
    NavEntry {
        href: "/users",
        label: "nav-users",
        any_of: &[Permission::UsersManage],
    },
    NavEntry {
        href: "/roles",
        label: "nav-roles",
        any_of: &[Permission::CoreAdmin],
    },
    NavEntry {
        href: "/apikeys",
        label: "nav-apikeys",
        any_of: &[Permission::ApiKeysManage],
    },
    NavEntry {
        href: "/audit",
        label: "nav-audit",
        any_of: &[Permission::CoreAdmin],
    },
];

/// A notice at the top of a page: what a form did, or why it did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Ok(String),
    Error(String),
}

impl Notice {
    pub fn render(&self) -> Markup {
        match self {
            Notice::Ok(text) => html! { p.notice.ok role="status" { (text) } },
            Notice::Error(text) => html! { p.notice.error role="alert" { (text) } },
        }
    }
}

/// A whole page for a logged-in viewer: navigation, the search field, the content, the
/// language switch and the logout.
pub fn page(viewer: &Viewer, title: &str, notice: Option<&Notice>, content: Markup) -> Markup {
    let lang = viewer.lang();
    let path = viewer.here.split('?').next().unwrap_or("/");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(title))
            body {
                header.top {
                    a.brand href="/" { "ECKWMS" }
                    nav aria-label=(viewer.t("nav-label")) {
                        @for entry in NAV.iter().filter(|e| e.any_of.iter().any(|p| viewer.may(*p))) {
                            @if entry.href == path {
                                a href=(entry.href) aria-current="page" { (viewer.t(entry.label)) }
                            } @else {
                                a href=(entry.href) { (viewer.t(entry.label)) }
                            }
                        }
                    }
                    form.search #search method="get" action="/search" role="search" {
                        input type="search" name="q" required maxlength="512"
                            aria-label=(viewer.t("search-label"))
                            placeholder=(viewer.t("search-placeholder"));
                        button type="submit" { (viewer.t("search-button")) }
                    }
                }
                main {
                    h1 { (title) }
                    @if let Some(notice) = notice { (notice.render()) }
                    (content)
                }
                footer.bottom {
                    span { (viewer.t("signed-in-as")) " " strong.user { (viewer.username()) } }
                    form #logout method="post" action="/logout" {
                        input type="hidden" name="_csrf" value=(viewer.csrf);
                        button.link type="submit" { (viewer.t("logout")) }
                    }
                    (language_form(viewer))
                }
            }
        }
    }
}

/// The language switch: one link per language, back to this page.
pub fn languages(current: Lang, here: &str) -> Markup {
    html! {
        nav.languages #languages aria-label="Language" {
            @for lang in Lang::ALL {
                a href={ "/language?lang=" (lang.code()) "&next=" (encode(here)) }
                    hreflang=(lang.code()) lang=(lang.code())
                    aria-current=(if lang == current { "true" } else { "false" }) {
                    (lang.native_name())
                }
            }
        }
    }
}

/// The language switch of a logged-in viewer: one button per language; the choice becomes
/// the user's setting (so it follows them to other browsers and to their scanner's messages)
/// and the page comes back.
pub fn language_form(viewer: &Viewer) -> Markup {
    let current = viewer.lang();
    html! {
        form.languages #languages method="post" action="/language" aria-label="Language" {
            (csrf_field(viewer))
            input type="hidden" name="next" value=(viewer.here);
            @for lang in Lang::ALL {
                button.link type="submit" name="lang" value=(lang.code()) lang=(lang.code())
                    aria-current=(if lang == current { "true" } else { "false" }) {
                    (lang.native_name())
                }
            }
        }
    }
}

/// A form's hidden CSRF field.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="_csrf" value=(viewer.csrf); }
}
