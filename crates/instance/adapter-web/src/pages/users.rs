//! `/users`: the people who log in. The list (paged) with a form to create a user
//! (username, display name, role, password); `/users/{id}` with the form to change the
//! display name, role and whether the user may log in (sent with the version it was drawn
//! from: a stale form says someone else changed the user), and a form to set a new password.
//! Needs `users.manage`; nobody manages a user holding more than they do.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_application::UserService;
use eckwms_application::access::{NewUserInput, RoleOut, UserPatchInput};
use eckwms_application::ports::{Expected, PageQuery, User};
use eckwms_domain::UserId;
use eckwms_i18n::Arg;
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, encode, html_response, page, see_other};
use crate::pages::admin::{
    PAGE_ROWS, Refusal, done_notice, read, refusal, role_select, roles_to_offer, when,
};
use crate::viewer::Viewer;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/users", web::get().to(users_page))
        .route("/users", web::post().to(create_user))
        .route("/users/{id}", web::get().to(user_page))
        .route("/users/{id}/edit", web::post().to(edit_user))
        .route("/users/{id}/password", web::post().to(set_password));
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    /// The page after this user id.
    after: Option<String>,
    done: Option<String>,
}

/// What the create form showed (kept when it is refused; never the password).
#[derive(Default)]
struct NewUserValues {
    username: String,
    display_name: String,
    role: String,
}

async fn users_page(
    viewer: Viewer,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, Failure> {
    let notice = done_notice(&viewer, query.done.as_deref());
    let after = query.after.as_deref().and_then(|a| a.parse().ok());
    render_list(
        &viewer,
        after,
        notice,
        StatusCode::OK,
        &NewUserValues::default(),
        None,
    )
    .await
}

async fn render_list(
    viewer: &Viewer,
    after: Option<UserId>,
    notice: Option<Notice>,
    status: StatusCode,
    values: &NewUserValues,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let users = read(viewer, move |s, actor| {
        s.users.list(
            actor,
            &PageQuery {
                after,
                limit: PAGE_ROWS,
            },
        )
    })
    .await?;
    let roles = roles_to_offer(viewer).await?;
    let content = html! {
        section.card #users {
            table {
                thead { tr {
                    th { (viewer.t("users-username")) }
                    th { (viewer.t("users-display-name")) }
                    th { (viewer.t("field-role")) }
                    th { (viewer.t("users-active")) }
                    th.hide-narrow { (viewer.t("users-last-login")) }
                } }
                tbody {
                    @for user in &users.items {
                        tr {
                            td { a href={ "/users/" (user.id) } { (user.username) } }
                            td { (user.display_name) }
                            td { (user.role) }
                            td { (active_label(viewer, user.active)) }
                            td.hide-narrow { (when(viewer, user.last_login_at)) }
                        }
                    }
                }
            }
            @if let Some(next) = &users.next_cursor {
                p.pager { a rel="next" href={ "/users?after=" (encode(next)) } { (viewer.t("page-next")) } }
            }
        }
        (create_form(viewer, &roles, values, refused))
    };
    Ok(html_response(
        status,
        page(viewer, &viewer.t("users-title"), notice.as_ref(), content),
    ))
}

fn active_label(viewer: &Viewer, active: bool) -> String {
    viewer.t(if active { "users-yes" } else { "users-no" })
}

fn create_form(
    viewer: &Viewer,
    roles: &[RoleOut],
    values: &NewUserValues,
    refused: Option<&Refusal>,
) -> Markup {
    let role = Some(values.role.as_str()).filter(|r| !r.is_empty());
    html! {
        section.card #create {
            h2 { (viewer.t("users-create")) }
            form.stack method="post" action="/users" {
                (csrf_field(viewer))
                label { (viewer.t("users-username"))
                    input type="text" name="username" required maxlength="64" autocomplete="off"
                        value=(values.username);
                    (Refusal::message(refused, "username")) }
                label { (viewer.t("users-display-name"))
                    input type="text" name="display_name" required maxlength="100"
                        value=(values.display_name);
                    (Refusal::message(refused, "display_name")) }
                label { (viewer.t("field-role"))
                    (role_select(viewer, "role", roles, role, false))
                    (Refusal::message(refused, "role")) }
                label { (viewer.t("login-password"))
                    input type="password" name="password" required minlength="10" maxlength="256"
                        autocomplete="new-password";
                    (Refusal::message(refused, "password")) }
                button type="submit" { (viewer.t("users-create-submit")) }
            }
        }
    }
}

#[derive(Deserialize)]
struct NewUserForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn create_user(
    viewer: Viewer,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let values = NewUserValues {
        username: form.username.trim().to_owned(),
        display_name: form.display_name.trim().to_owned(),
        role: form.role.trim().to_owned(),
    };
    let input = NewUserInput {
        username: values.username.clone(),
        display_name: values.display_name.clone(),
        role: values.role.clone(),
    };
    let password = form.password;
    let outcome = match viewer
        .calls
        .hash(move |passwords, random| {
            UserService::hash_secrets(passwords, random, Some(&password), None)
        })
        .await
    {
        Ok(secrets) => {
            let meta = viewer.meta.clone();
            viewer
                .calls
                .run(move |s| s.users.create(&input, secrets, &meta))
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(user) => Ok(see_other(&format!("/users/{}?done=created", user.id))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_list(
                &viewer,
                None,
                Some(refused.notice.clone()),
                refused.status,
                &values,
                Some(&refused),
            )
            .await
        }
    }
}

fn user_id(viewer: &Viewer, raw: &str) -> Result<UserId, Failure> {
    raw.parse::<UserId>().map_err(|_| {
        Failure::page(
            viewer.reading,
            StatusCode::NOT_FOUND,
            viewer
                .lang()
                .text_with("error-no-such-id", &[("id", Arg::Text(raw))]),
        )
    })
}

async fn user_page(
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, Failure> {
    let id = user_id(&viewer, &id)?;
    let notice = done_notice(&viewer, query.done.as_deref());
    render_user(&viewer, id, notice, StatusCode::OK, None).await
}

async fn render_user(
    viewer: &Viewer,
    id: UserId,
    notice: Option<Notice>,
    status: StatusCode,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let user = read(viewer, move |s, actor| s.users.get(actor, id)).await?;
    let roles = roles_to_offer(viewer).await?;
    let content = html! {
        section.card #fields {
            table.fields {
                tr { th scope="row" { (viewer.t("field-id")) } td { code { (user.id) } } }
                tr { th scope="row" { (viewer.t("users-username")) } td { (user.username) } }
                tr { th scope="row" { (viewer.t("users-last-login")) } td { (when(viewer, user.last_login_at)) } }
                tr { th scope="row" { (viewer.t("field-version")) } td { (user.version) } }
            }
        }
        (edit_form(viewer, &user, &roles, refused))
        (password_form(viewer, &user, refused))
        p { a href="/users" { (viewer.t("users-back")) } }
    };
    let title = if user.display_name.is_empty() {
        user.username.clone()
    } else {
        user.display_name.clone()
    };
    Ok(html_response(
        status,
        page(viewer, &title, notice.as_ref(), content),
    ))
}

fn edit_form(viewer: &Viewer, user: &User, roles: &[RoleOut], refused: Option<&Refusal>) -> Markup {
    html! {
        section.card #edit {
            h2 { (viewer.t("section-edit")) }
            form.stack method="post" action={ "/users/" (user.id) "/edit" } {
                (csrf_field(viewer))
                input type="hidden" name="version" value=(user.version);
                label { (viewer.t("users-display-name"))
                    input type="text" name="display_name" required maxlength="100"
                        value=(user.display_name);
                    (Refusal::message(refused, "display_name")) }
                label { (viewer.t("field-role"))
                    (role_select(viewer, "role", roles, Some(&user.role), false))
                    (Refusal::message(refused, "role")) }
                label.check {
                    input type="checkbox" name="active" value="1" checked[user.active];
                    (viewer.t("users-may-log-in"))
                }
                button type="submit" { (viewer.t("edit-submit")) }
            }
        }
    }
}

fn password_form(viewer: &Viewer, user: &User, refused: Option<&Refusal>) -> Markup {
    html! {
        section.card #password {
            h2 { (viewer.t("users-password")) }
            form.stack method="post" action={ "/users/" (user.id) "/password" } {
                (csrf_field(viewer))
                input type="hidden" name="version" value=(user.version);
                label { (viewer.t("users-new-password"))
                    input type="password" name="password" required minlength="10" maxlength="256"
                        autocomplete="new-password";
                    (Refusal::message(refused, "password")) }
                button type="submit" { (viewer.t("users-password-submit")) }
            }
        }
    }
}

#[derive(Deserialize)]
struct EditUserForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    /// A checkbox: sent only when checked.
    #[serde(default)]
    active: Option<String>,
}

async fn edit_user(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<EditUserForm>,
) -> Result<HttpResponse, Failure> {
    let id = user_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    let input = UserPatchInput {
        display_name: Some(form.display_name.trim().to_owned()),
        role: Some(form.role.trim().to_owned()).filter(|r| !r.is_empty()),
        active: Some(form.active.is_some()),
    };
    let (version, meta) = (form.version, viewer.meta.clone());
    let outcome = viewer
        .calls
        .run(move |s| {
            s.users
                .update(id, Expected::Version(version), &input, &meta)
        })
        .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/users/{id}?done=saved"))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_user(
                &viewer,
                id,
                Some(refused.notice.clone()),
                refused.status,
                Some(&refused),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    password: String,
}

async fn set_password(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, Failure> {
    let id = user_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    let PasswordForm {
        version, password, ..
    } = form.into_inner();
    let hashed = viewer
        .calls
        .hash(move |passwords, random| {
            UserService::hash_secrets(passwords, random, Some(&password), None)
        })
        .await;
    let outcome = match hashed {
        Ok(secrets) => {
            let meta = viewer.meta.clone();
            viewer
                .calls
                .run(move |s| {
                    s.users
                        .set_secrets(id, Expected::Version(version), secrets, &meta)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/users/{id}?done=password"))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_user(
                &viewer,
                id,
                Some(refused.notice.clone()),
                refused.status,
                Some(&refused),
            )
            .await
        }
    }
}
