//! `/roles`: the roles and the permissions each grants. Reading them needs `settings.view`;
//! creating, changing (the permissions as checkboxes, sent with the version the form was
//! drawn from) and deleting them `core.admin`, and nobody grants a permission they lack.
//! Fixed roles cannot be changed, seeded ones not deleted (the use case says so).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_application::access::{NewRoleInput, RoleOut, RolePatchInput};
use eckwms_application::ports::Expected;
use eckwms_domain::access::Permission;
use eckwms_domain::access::role::seeded;
use maud::{Markup, html};

use crate::layout::{Failure, Notice, csrf_field, encode, html_response, page, see_other};
use crate::pages::admin::{Refusal, done_notice, read, refusal};
use crate::viewer::Viewer;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/roles", web::get().to(roles_page))
        .route("/roles", web::post().to(create_role))
        .route("/roles/{name}", web::get().to(role_page))
        .route("/roles/{name}/edit", web::post().to(edit_role))
        .route("/roles/{name}/delete", web::post().to(delete_role));
}

#[derive(serde::Deserialize, Default)]
pub struct RolesQuery {
    done: Option<String>,
}

/// A form with repeated fields (the permission checkboxes), as its pairs.
type Pairs = web::Form<Vec<(String, String)>>;

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn checked(pairs: &[(String, String)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == "permission")
        .map(|(_, v)| v.clone())
        .collect()
}

fn href(name: &str) -> String {
    format!("/roles/{}", encode(name))
}

/// The message id of what a permission allows.
fn about(permission: Permission) -> String {
    format!("permission-{}", permission.as_str().replace('.', "-"))
}

/// What the create form showed (kept when it is refused).
#[derive(Default)]
struct NewRoleValues {
    name: String,
    description: String,
    permissions: Vec<String>,
}

async fn roles_page(
    viewer: Viewer,
    query: web::Query<RolesQuery>,
) -> Result<HttpResponse, Failure> {
    let notice = done_notice(&viewer, query.done.as_deref());
    render_list(
        &viewer,
        notice,
        StatusCode::OK,
        &NewRoleValues::default(),
        None,
    )
    .await
}

async fn render_list(
    viewer: &Viewer,
    notice: Option<Notice>,
    status: StatusCode,
    values: &NewRoleValues,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let roles = read(viewer, |s, actor| s.roles.list(actor)).await?;
    let content = html! {
        section.card #roles {
            table {
                thead { tr {
                    th { (viewer.t("field-name")) }
                    th { (viewer.t("field-description")) }
                    th { (viewer.t("roles-permissions")) }
                } }
                tbody {
                    @for role in &roles {
                        tr {
                            td {
                                a href=(href(&role.role.name)) { (role.role.name) }
                                @if role.fixed { " " span.muted { "(" (viewer.t("roles-fixed")) ")" } }
                            }
                            td { (role.role.description) }
                            td { (permission_names(role)) }
                        }
                    }
                }
            }
        }
        @if viewer.may(Permission::CoreAdmin) {
            section.card #create {
                h2 { (viewer.t("roles-create")) }
                form.stack method="post" action="/roles" {
                    (csrf_field(viewer))
                    label { (viewer.t("field-name"))
                        input type="text" name="name" required maxlength="64" autocomplete="off"
                            value=(values.name);
                        (Refusal::message(refused, "name")) }
                    label { (viewer.t("field-description"))
                        input type="text" name="description" maxlength="200" value=(values.description);
                        (Refusal::message(refused, "description")) }
                    (checkboxes(viewer, &values.permissions, refused))
                    button type="submit" { (viewer.t("roles-create-submit")) }
                }
            }
        }
    };
    Ok(html_response(
        status,
        page(viewer, &viewer.t("roles-title"), notice.as_ref(), content),
    ))
}

fn permission_names(role: &RoleOut) -> Markup {
    let names: Vec<&str> = role
        .role
        .permissions
        .list()
        .into_iter()
        .map(Permission::as_str)
        .collect();
    html! { code { (names.join(", ")) } }
}

/// One checkbox per permission, the ones in `on` checked.
fn checkboxes(viewer: &Viewer, on: &[String], refused: Option<&Refusal>) -> Markup {
    html! {
        fieldset.permissions {
            legend { (viewer.t("roles-permissions")) }
            @for permission in Permission::ALL {
                label.check {
                    input type="checkbox" name="permission" value=(permission.as_str())
                        checked[on.iter().any(|p| p == permission.as_str())];
                    code { (permission.as_str()) } " "
                    span.muted { (viewer.t(&about(*permission))) }
                }
            }
            (Refusal::message(refused, "permissions"))
        }
    }
}

async fn create_role(viewer: Viewer, form: Pairs) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(value(&form, "_csrf"))?;
    let values = NewRoleValues {
        name: value(&form, "name").trim().to_owned(),
        description: value(&form, "description").trim().to_owned(),
        permissions: checked(&form),
    };
    let input = NewRoleInput {
        name: values.name.clone(),
        description: values.description.clone(),
        permissions: values.permissions.clone(),
    };
    let meta = viewer.meta.clone();
    let outcome = viewer
        .calls
        .run(move |s| s.roles.create(&input, &meta))
        .await;
    match outcome {
        Ok(role) => Ok(see_other(&format!(
            "{}?done=created",
            href(&role.role.name)
        ))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_list(
                &viewer,
                Some(refused.notice.clone()),
                refused.status,
                &values,
                Some(&refused),
            )
            .await
        }
    }
}

async fn role_page(
    viewer: Viewer,
    name: web::Path<String>,
    query: web::Query<RolesQuery>,
) -> Result<HttpResponse, Failure> {
    let notice = done_notice(&viewer, query.done.as_deref());
    render_role(&viewer, name.into_inner(), notice, StatusCode::OK, None).await
}

async fn render_role(
    viewer: &Viewer,
    name: String,
    notice: Option<Notice>,
    status: StatusCode,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let role = read(viewer, move |s, actor| s.roles.get(actor, &name)).await?;
    let admin = viewer.may(Permission::CoreAdmin);
    let on: Vec<String> = role
        .role
        .permissions
        .list()
        .into_iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    let action = href(&role.role.name);
    let content = html! {
        section.card #fields {
            table.fields {
                tr { th scope="row" { (viewer.t("field-description")) } td { (role.role.description) } }
                tr { th scope="row" { (viewer.t("roles-permissions")) } td { (permission_names(&role)) } }
                tr { th scope="row" { (viewer.t("field-version")) } td { (role.role.version) } }
            }
            @if role.fixed { p.muted { (viewer.t("roles-fixed-about")) } }
        }
        @if admin && !role.fixed {
            section.card #edit {
                h2 { (viewer.t("section-edit")) }
                form.stack method="post" action={ (action) "/edit" } {
                    (csrf_field(viewer))
                    input type="hidden" name="version" value=(role.role.version);
                    label { (viewer.t("field-description"))
                        input type="text" name="description" maxlength="200" value=(role.role.description);
                        (Refusal::message(refused, "description")) }
                    (checkboxes(viewer, &on, refused))
                    button type="submit" { (viewer.t("edit-submit")) }
                }
            }
        }
        @if admin && seeded(&role.role.name).is_none() {
            section.card #delete {
                h2 { (viewer.t("roles-delete")) }
                form.inline method="post" action={ (action) "/delete" }
                    data-confirm=(viewer.t("roles-delete-confirm")) {
                    (csrf_field(viewer))
                    input type="hidden" name="version" value=(role.role.version);
                    button.secondary type="submit" { (viewer.t("roles-delete-submit")) }
                }
            }
        }
        p { a href="/roles" { (viewer.t("roles-back")) } }
    };
    Ok(html_response(
        status,
        page(viewer, &role.role.name, notice.as_ref(), content),
    ))
}

fn version(viewer: &Viewer, pairs: &[(String, String)]) -> Result<i64, Failure> {
    value(pairs, "version").trim().parse().map_err(|_| {
        Failure::page(
            viewer.reading,
            StatusCode::BAD_REQUEST,
            format!("version: {}", viewer.t("roles-version-missing")),
        )
    })
}

async fn edit_role(
    viewer: Viewer,
    name: web::Path<String>,
    form: Pairs,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(value(&form, "_csrf"))?;
    let version = version(&viewer, &form)?;
    let name = name.into_inner();
    let input = RolePatchInput {
        description: Some(value(&form, "description").trim().to_owned()),
        permissions: Some(checked(&form)),
    };
    let (meta, target) = (viewer.meta.clone(), name.clone());
    let outcome = viewer
        .calls
        .run(move |s| {
            s.roles
                .update(&target, Expected::Version(version), &input, &meta)
        })
        .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!("{}?done=saved", href(&name)))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_role(
                &viewer,
                name,
                Some(refused.notice.clone()),
                refused.status,
                Some(&refused),
            )
            .await
        }
    }
}

async fn delete_role(
    viewer: Viewer,
    name: web::Path<String>,
    form: Pairs,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(value(&form, "_csrf"))?;
    let version = version(&viewer, &form)?;
    let name = name.into_inner();
    let (meta, target) = (viewer.meta.clone(), name.clone());
    let outcome = viewer
        .calls
        .run(move |s| s.roles.delete(&target, Expected::Version(version), &meta))
        .await;
    match outcome {
        Ok(()) => Ok(see_other("/roles?done=deleted")),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_role(
                &viewer,
                name,
                Some(refused.notice.clone()),
                refused.status,
                Some(&refused),
            )
            .await
        }
    }
}
