//! What the admins' and managers' pages (`/scanners`, `/users`, `/roles`, `/apikeys`,
//! `/audit`) share: reading through the services, a refused form with its field messages,
//! and small pieces of markup.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use eckwms_adapter_http::ApiError;
use eckwms_application::access::RoleOut;
use maud::{Markup, html};

use crate::layout::{Failure, Notice};
use crate::viewer::Viewer;
pub use crate::viewer::read;

/// Rows per page of the paged lists.
pub const PAGE_ROWS: u32 = 50;

/// The roles a form may offer (reading them needs `settings.view`: without it, none).
pub async fn roles_to_offer(viewer: &Viewer) -> Result<Vec<RoleOut>, Failure> {
    if !viewer.may(eckwms_domain::access::Permission::SettingsView) {
        return Ok(Vec::new());
    }
    read(viewer, |s, actor| s.roles.list(actor)).await
}

/// A form the use case refused: the notice, the status the page comes back with, and the
/// message of each field by its name.
pub struct Refusal {
    pub notice: Notice,
    pub status: StatusCode,
    pub fields: HashMap<String, String>,
}

impl Refusal {
    /// A form whose field `field` the page itself refused (before any use case).
    pub fn field(viewer: &Viewer, field: &str, message: String) -> Refusal {
        Refusal {
            notice: Notice::Error(format!("{} {field}: {message}", viewer.t("notice-invalid"))),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            fields: HashMap::from([(field.to_owned(), message)]),
        }
    }

    /// The message of `field`, next to it.
    pub fn message(refusal: Option<&Refusal>, field: &str) -> Markup {
        match refusal.and_then(|r| r.fields.get(field)) {
            Some(message) => html! { span.field-error role="alert" { (message) } },
            None => html! {},
        }
    }
}

/// A refused form: a stale one (`412`) says someone else changed the object (`409`); bad
/// input is `422` with each field's message; another conflict (a name taken, a role in use)
/// is `409` with its words. What the viewer may not do, and anything else, is its error page.
pub fn refusal(viewer: &Viewer, e: ApiError) -> Result<Refusal, Failure> {
    match e.status() {
        StatusCode::PRECONDITION_FAILED | StatusCode::PRECONDITION_REQUIRED => Ok(Refusal {
            notice: Notice::Error(viewer.t("notice-stale")),
            status: StatusCode::CONFLICT,
            fields: HashMap::new(),
        }),
        StatusCode::CONFLICT => Ok(Refusal {
            notice: Notice::Error(e.detail().to_owned()),
            status: StatusCode::CONFLICT,
            fields: HashMap::new(),
        }),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            let fields: HashMap<String, String> = e
                .errors()
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect();
            let detail = if fields.is_empty() {
                e.detail().to_owned()
            } else {
                e.errors()
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            Ok(Refusal {
                notice: Notice::Error(format!("{} {detail}", viewer.t("notice-invalid"))),
                status: StatusCode::UNPROCESSABLE_ENTITY,
                fields,
            })
        }
        _ => Err(viewer.fail(e)),
    }
}

/// A moment in the viewer's language and time zone, or a dash.
pub fn when(viewer: &Viewer, at: Option<DateTime<Utc>>) -> Markup {
    match at {
        Some(at) => html! { time datetime=(at.to_rfc3339()) { (viewer.reading.time(at)) } },
        None => dash(),
    }
}

pub fn dash() -> Markup {
    html! { span.muted { "—" } }
}

/// A select of roles named `name`, `current` chosen; with `none` a first option "no role"
/// (the empty value).
pub fn role_select(
    viewer: &Viewer,
    name: &str,
    roles: &[RoleOut],
    current: Option<&str>,
    none: bool,
) -> Markup {
    html! {
        select name=(name) {
            @if none {
                option value="" selected[current.is_none()] { (viewer.t("admin-no-role")) }
            }
            @for role in roles {
                option value=(role.role.name) selected[current == Some(role.role.name.as_str())] {
                    (role.role.name)
                }
            }
        }
    }
}

/// What the last form on a page did (`?done=`), as the notice its page shows.
pub fn done_notice(viewer: &Viewer, done: Option<&str>) -> Option<Notice> {
    let id = match done? {
        "saved" => "notice-saved",
        "created" => "admin-notice-created",
        "deleted" => "admin-notice-deleted",
        "approved" => "scanners-notice-approved",
        "blocked" => "scanners-notice-blocked",
        "password" => "users-notice-password",
        "revoked" => "apikeys-notice-revoked",
        _ => return None,
    };
    Some(Notice::Ok(viewer.t(id)))
}
