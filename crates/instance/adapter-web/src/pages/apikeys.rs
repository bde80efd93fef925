//! `/apikeys`: the API keys (never their secrets), a form to create one (name, role,
//! optional last day), and a revoke button on each active key (the script asks first). A new
//! key's text is shown once, in the answer to the create form itself: it is not stored, and
//! no address ever carries it. Needs `apikeys.manage`; nobody hands out more than they hold.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use eckwms_adapter_http::ApiError;
use eckwms_application::CreatedKey;
use eckwms_application::access::RoleOut;
use eckwms_application::ports::ApiKey;
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, html_response, page, see_other};
use crate::pages::admin::{
    Refusal, dash, done_notice, read, refusal, role_select, roles_to_offer, when,
};
use crate::viewer::Viewer;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/apikeys", web::get().to(keys_page))
        .route("/apikeys", web::post().to(create_key))
        .route("/apikeys/{id}/revoke", web::post().to(revoke_key));
}

#[derive(Deserialize, Default)]
pub struct KeysQuery {
    done: Option<String>,
}

/// What the create form showed (kept when it is refused).
#[derive(Default)]
struct NewKeyValues {
    name: String,
    role: String,
    expires: String,
}

async fn keys_page(viewer: Viewer, query: web::Query<KeysQuery>) -> Result<HttpResponse, Failure> {
    let notice = done_notice(&viewer, query.done.as_deref());
    render(
        &viewer,
        notice,
        StatusCode::OK,
        None,
        &NewKeyValues::default(),
        None,
    )
    .await
}

async fn render(
    viewer: &Viewer,
    notice: Option<Notice>,
    status: StatusCode,
    created: Option<&CreatedKey>,
    values: &NewKeyValues,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let keys = read(viewer, |s, actor| s.api_keys.list(actor)).await?;
    let roles = roles_to_offer(viewer).await?;
    let now = Utc::now();
    let content = html! {
        @if let Some(created) = created {
            section.card #new-key {
                h2 { (viewer.t("apikeys-new-key")) }
                p.notice.warn { (viewer.t("apikeys-shown-once")) }
                p { input.key type="text" readonly value=(created.secret) aria-label=(viewer.t("apikeys-new-key"))
                    size="80" autocomplete="off" spellcheck="false"; }
            }
        }
        section.card #keys {
            @if keys.is_empty() {
                p.muted { (viewer.t("apikeys-none")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("field-name")) }
                        th { (viewer.t("apikeys-key-id")) }
                        th { (viewer.t("field-role")) }
                        th.hide-narrow { (viewer.t("apikeys-created")) }
                        th { (viewer.t("apikeys-expires")) }
                        th.hide-narrow { (viewer.t("apikeys-last-used")) }
                        th { (viewer.t("field-status")) }
                        th {}
                    } }
                    tbody {
                        @for key in &keys {
                            (key_row(viewer, key, now))
                        }
                    }
                }
            }
        }
        (create_form(viewer, &roles, values, refused))
    };
    Ok(html_response(
        status,
        page(viewer, &viewer.t("apikeys-title"), notice.as_ref(), content),
    ))
}

fn key_row(viewer: &Viewer, key: &ApiKey, now: DateTime<Utc>) -> Markup {
    let state = if key.revoked_at.is_some() {
        "revoked"
    } else if key.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else {
        "active"
    };
    html! {
        tr data-key=(key.id) {
            td { (key.name) }
            td { code { (key.key_id) } }
            td { (key.role) }
            td.hide-narrow { (when(viewer, Some(key.created_at))) }
            td { (when(viewer, key.expires_at)) }
            td.hide-narrow { (when(viewer, key.last_used_at)) }
            td { span class={ "status key-" (state) } { (viewer.t(&format!("apikeys-state-{state}"))) } }
            td {
                @if key.revoked_at.is_none() {
                    form.inline method="post" action={ "/apikeys/" (key.id) "/revoke" }
                        data-confirm=(viewer.t("apikeys-revoke-confirm")) {
                        (csrf_field(viewer))
                        button.secondary type="submit" { (viewer.t("apikeys-revoke")) }
                    }
                } @else {
                    (dash())
                }
            }
        }
    }
}

fn create_form(
    viewer: &Viewer,
    roles: &[RoleOut],
    values: &NewKeyValues,
    refused: Option<&Refusal>,
) -> Markup {
    let role = Some(values.role.as_str()).filter(|r| !r.is_empty());
    html! {
        section.card #create {
            h2 { (viewer.t("apikeys-create")) }
            form.stack method="post" action="/apikeys" {
                (csrf_field(viewer))
                label { (viewer.t("field-name"))
                    input type="text" name="name" required maxlength="100" autocomplete="off"
                        value=(values.name);
                    (Refusal::message(refused, "name")) }
                label { (viewer.t("field-role"))
                    (role_select(viewer, "role", roles, role, false))
                    (Refusal::message(refused, "role")) }
                label { (viewer.t("apikeys-expires-field"))
                    input type="date" name="expires" value=(values.expires);
                    (Refusal::message(refused, "expires_at")) }
                button type="submit" { (viewer.t("apikeys-create-submit")) }
            }
        }
    }
}

#[derive(Deserialize)]
struct NewKeyForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// The last day the key works (`YYYY-MM-DD`, in the viewer's time zone); empty: no end.
    #[serde(default)]
    expires: String,
}

/// The end of the last day a key works, in the viewer's time zone.
fn expiry(viewer: &Viewer, day: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let day = day.trim();
    if day.is_empty() {
        return Ok(None);
    }
    let refused = || {
        ApiError::validation(vec![ApiError::field(
            "expires_at",
            viewer.t("apikeys-expires-invalid"),
        )])
    };
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| refused())?;
    let end = date
        .checked_add_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(refused)?;
    viewer
        .reading
        .offset
        .from_local_datetime(&end)
        .single()
        .map(|at| Some(at.with_timezone(&Utc)))
        .ok_or_else(refused)
}

async fn create_key(viewer: Viewer, form: web::Form<NewKeyForm>) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let values = NewKeyValues {
        name: form.name.trim().to_owned(),
        role: form.role.trim().to_owned(),
        expires: form.expires.trim().to_owned(),
    };
    let outcome = match expiry(&viewer, &values.expires) {
        Ok(expires_at) => {
            let (name, role, meta) = (
                values.name.clone(),
                values.role.clone(),
                viewer.meta.clone(),
            );
            viewer
                .calls
                .run(move |s| s.api_keys.create(&name, &role, expires_at, &meta))
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        // The key is in this answer only: not stored, not in a redirect's address.
        Ok(created) => {
            let notice = Notice::Ok(viewer.t("apikeys-notice-created"));
            render(
                &viewer,
                Some(notice),
                StatusCode::CREATED,
                Some(&created),
                &NewKeyValues::default(),
                None,
            )
            .await
        }
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render(
                &viewer,
                Some(refused.notice.clone()),
                refused.status,
                None,
                &values,
                Some(&refused),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn revoke_key(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let id: i64 = id.parse().map_err(|_| {
        Failure::page(
            viewer.reading,
            StatusCode::NOT_FOUND,
            viewer.lang().text_with(
                "error-no-such-id",
                &[("id", eckwms_i18n::Arg::Text(id.as_str()))],
            ),
        )
    })?;
    let meta = viewer.meta.clone();
    let outcome = viewer
        .calls
        .run(move |s| s.api_keys.revoke(id, &meta))
        .await;
    match outcome {
        Ok(_) => Ok(see_other("/apikeys?done=revoked")),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render(
                &viewer,
                Some(refused.notice.clone()),
                refused.status,
                None,
                &NewKeyValues::default(),
                None,
            )
            .await
        }
    }
}
