//! Who is looking at a page: the user of the session cookie, with the language and time zone
//! the page is written in, and the CSRF token the page's forms carry.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, FixedOffset, Offset, Utc};
use eckwms_adapter_http::auth::SESSION_COOKIE;
use eckwms_adapter_http::extract::accepted_language;
use eckwms_adapter_http::extract::app_state;
use eckwms_adapter_http::request_id::RequestId;
use eckwms_adapter_http::{ApiError, Calls};
use eckwms_application::access::csrf_token;
use eckwms_application::{Actor, AppResult, RequestMeta, Services, SessionService, Who};
use eckwms_domain::access::Permission;
use eckwms_i18n::Lang;
use futures_util::future::LocalBoxFuture;
use subtle::ConstantTimeEq;

use crate::layout::Failure;

/// The cookie that keeps the language chosen with the language switch.
pub const LANG_COOKIE: &str = "eckwms_lang";
/// The cookie the script sets to the browser's offset from UTC, in minutes east.
pub const TZ_COOKIE: &str = "eckwms_tz";

/// How a page is written for its reader: the language and the time zone. Known before login
/// too (the login page is written in the reader's language).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub lang: Lang,
    pub offset: FixedOffset,
}

impl Reading {
    /// The language the switch chose (cookie), else the browser's (`Accept-Language`); the
    /// browser's offset (cookie), else UTC. For a logged-in user, the language they chose
    /// (their setting) wins over both.
    pub fn of(req: &HttpRequest) -> Reading {
        let chosen = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
        let lang = chosen.unwrap_or_else(|| accepted_language(req));
        let offset = req
            .cookie(TZ_COOKIE)
            .and_then(|c| c.value().parse::<i32>().ok())
            // Real offsets lie within UTC-12 and UTC+14.
            .filter(|minutes| (-12 * 60..=14 * 60).contains(minutes))
            .and_then(|minutes| FixedOffset::east_opt(minutes * 60))
            .unwrap_or_else(utc);
        Reading { lang, offset }
    }

    /// A moment in the reader's language and time zone.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        self.lang.date_time(at.with_timezone(&self.offset))
    }
}

fn utc() -> FixedOffset {
    Utc.fix()
}

/// A logged-in user looking at a page.
#[derive(Clone)]
pub struct Viewer {
    pub actor: Actor,
    /// What the page's forms carry in `_csrf`.
    pub csrf: String,
    pub reading: Reading,
    pub calls: Calls,
    /// The request's metadata, for use cases that write.
    pub meta: RequestMeta,
    /// The path and query of the page, for the language switch and the login's way back.
    pub here: String,
    token: String,
}

impl Viewer {
    pub fn lang(&self) -> Lang {
        self.reading.lang
    }

    /// The message `id` in the viewer's language.
    pub fn t(&self, id: &str) -> String {
        self.reading.lang.text(id)
    }

    /// Whether the viewer holds `permission` (what a page offers; the use case checks anyway).
    pub fn may(&self, permission: Permission) -> bool {
        self.actor.may(permission)
    }

    /// A page only for holders of `permission`: its 403 page for the others (for pages
    /// that call no use case before they show a form).
    pub fn require(&self, permission: Permission) -> Result<(), Failure> {
        self.actor
            .require(permission)
            .map_err(|e| self.fail(eckwms_adapter_http::problem::from_app(e)))
    }

    /// The viewer's username.
    pub fn username(&self) -> &str {
        match self.actor.who() {
            Who::User { username, .. } => username,
            _ => "",
        }
    }

    /// The session token (for logout).
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// A form's `_csrf` field must be the session's token: a page of another site cannot
    /// know it. 403 otherwise (the cookie is `SameSite=Strict` besides).
    pub fn check_csrf(&self, sent: &str) -> Result<(), Failure> {
        let matches = bool::from(sent.trim().as_bytes().ct_eq(self.csrf.as_bytes()));
        if matches {
            Ok(())
        } else {
            Err(Failure::page(
                self.reading,
                StatusCode::FORBIDDEN,
                self.t("error-csrf"),
            ))
        }
    }

    /// A problem of a use case as this viewer's error page (or the way to the login).
    pub fn fail(&self, e: ApiError) -> Failure {
        Failure::from_api(self.reading, &self.here, e)
    }
}

impl FromRequest for Viewer {
    type Error = Failure;
    type Future = LocalBoxFuture<'static, Result<Self, Failure>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { viewer_of(&req).await })
    }
}

async fn viewer_of(req: &HttpRequest) -> Result<Viewer, Failure> {
    let reading = Reading::of(req);
    let here = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
    // After the login the browser asks again for the page it was on; a form's address is no
    // page to come back to.
    let back = if req.method() == actix_web::http::Method::GET {
        here.clone()
    } else {
        "/".to_owned()
    };
    let state = app_state(req).map_err(|e| Failure::from_api(reading, &back, e))?;
    let token = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().trim().to_owned())
        .filter(|t| SessionService::is_session_token(t))
        .ok_or_else(|| Failure::to_login(&back, false))?;
    let presented = token.clone();
    let actor = state
        .calls
        .run(move |s| s.sessions.authenticate(&presented))
        .await
        .map_err(|e| {
            if e.status() == StatusCode::UNAUTHORIZED {
                // Ended: idle too long, past its end, logged out elsewhere.
                Failure::to_login(&back, true)
            } else {
                Failure::from_api(reading, &back, e)
            }
        })?;
    // The language the user chose wins over the browser's and the switch's cookie.
    let reading = Reading {
        lang: actor.language().unwrap_or(reading.lang),
        ..reading
    };
    let meta = RequestMeta {
        actor: actor.clone(),
        request_id: req.extensions().get::<RequestId>().map(|id| id.0.clone()),
        idempotency: None,
        address: eckwms_adapter_http::auth::client_address(req),
    };
    Ok(Viewer {
        actor,
        csrf: csrf_token(&token),
        reading,
        calls: state.calls.clone(),
        meta,
        here,
        token,
    })
}

/// Runs a read of the services as the viewer; a problem is its error page.
pub async fn read<T, F>(viewer: &Viewer, f: F) -> Result<T, Failure>
where
    F: FnOnce(&Services, &Actor) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let actor = viewer.actor.clone();
    viewer
        .calls
        .run(move |s| f(s, &actor))
        .await
        .map_err(|e| viewer.fail(e))
}
