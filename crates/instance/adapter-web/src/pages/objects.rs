//! The pages of the things in the warehouse: `/items/{id}`, `/boxes/{id}`, `/places/{id}`,
//! `/orders/{id}`. Each shows the fields, where the thing is (the location path with its
//! ids), what it holds (paged), and its history with who did what; items and boxes have an
//! edit form (sent with the version the form was drawn from: a stale form is refused and
//! says so) and a move form (the target typed or scanned).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_adapter_http::ApiError;
use eckwms_application::overview::Activity;
use eckwms_application::ports::{ContentEntry, Expected, Location, MoveCommand, PageQuery};
use eckwms_application::{AppError, Found, Page};
use eckwms_domain::ChangeKind;
use eckwms_domain::access::Permission;
use eckwms_domain::{
    BoxId, BoxPatch, Code, IdKind, Item, ItemId, ItemPatch, Movable, Name, ObjectId, Order,
    OrderId, Parent, Place, PlaceId, StorageBox,
};
use eckwms_i18n::Arg;
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, encode, html_response, page, see_other};
use crate::pages::labels::reprint_form;
use crate::viewer::{Viewer, read};

/// Rows per page of contents and of history.
const PAGE_ROWS: u32 = 50;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/items/{id}", web::get().to(item_page))
        .route("/items/{id}/edit", web::post().to(edit_item))
        .route("/items/{id}/move", web::post().to(move_item))
        .route("/boxes/{id}", web::get().to(box_page))
        .route("/boxes/{id}/edit", web::post().to(edit_box))
        .route("/boxes/{id}/move", web::post().to(move_box))
        .route("/places/{id}", web::get().to(place_page))
        .route("/orders/{id}", web::get().to(order_page));
}

/// The paging and the outcome of the last form, from the query.
#[derive(Deserialize, Default)]
pub struct ObjectQuery {
    /// The contents page after this object id.
    after: Option<String>,
    /// Every level of the contents, not only the direct ones.
    all: Option<String>,
    /// The history page after this ledger sequence number.
    history: Option<i64>,
    /// What the last form did (`saved`, `moved`).
    done: Option<String>,
}

impl ObjectQuery {
    fn notice(&self, viewer: &Viewer) -> Option<Notice> {
        match self.done.as_deref() {
            Some("saved") => Some(Notice::Ok(viewer.t("notice-saved"))),
            Some("moved") => Some(Notice::Ok(viewer.t("notice-moved"))),
            _ => None,
        }
    }
}

/// The page of an object, by the kind of its id.
pub fn href(id: ObjectId) -> Option<String> {
    let kind = match id.kind() {
        IdKind::Item => "items",
        IdKind::Box => "boxes",
        IdKind::Place => "places",
        IdKind::Order => "orders",
        IdKind::User | IdKind::Label => return None,
    };
    Some(format!("/{kind}/{id}"))
}

/// An object's id as a link to its page (as code when it has none).
pub fn id_link(id: ObjectId) -> Markup {
    match href(id) {
        Some(href) => html! { a.id href=(href) { (id) } },
        None => html! { code { (id) } },
    }
}

fn path_id<T: std::str::FromStr>(viewer: &Viewer, raw: &str) -> Result<T, Failure> {
    raw.parse::<T>().map_err(|_| {
        Failure::page(
            viewer.reading,
            StatusCode::NOT_FOUND,
            viewer
                .lang()
                .text_with("error-no-such-id", &[("id", Arg::Text(raw))]),
        )
    })
}

fn fields_table(rows: Vec<(String, Markup)>) -> Markup {
    html! {
        table.fields {
            @for (label, value) in rows {
                tr { th scope="row" { (label) } td { (value) } }
            }
        }
    }
}

fn text_or_dash(value: Option<&str>) -> Markup {
    match value {
        Some(v) if !v.is_empty() => html! { (v) },
        _ => html! { span.muted { "—" } },
    }
}

/// Where an object is: the warehouse, then each container from the outside in.
fn location_section(viewer: &Viewer, location: &Location) -> Markup {
    html! {
        section.card #location {
            h2 { (viewer.t("section-location")) }
            @if location.path.is_empty() {
                p.muted { (viewer.t("location-nowhere")) }
            } @else {
                ol.path {
                    @if let Some(warehouse) = &location.warehouse {
                        li { (warehouse.name.as_str()) " " code { (warehouse.id) } }
                    }
                    @for step in location.path.iter().rev() {
                        li {
                            @if let Some(name) = &step.name { (name) " " }
                            (id_link(step.container.object_id()))
                        }
                    }
                }
            }
        }
    }
}

fn contents_section(
    viewer: &Viewer,
    base: &str,
    page_of: &Page<ContentEntry>,
    all: bool,
) -> Markup {
    html! {
        section.card #contents {
            h2 { (viewer.t("section-contents")) }
            p {
                @if all {
                    a href=(base) { (viewer.t("contents-direct")) }
                } @else {
                    a href={ (base) "?all=1" } { (viewer.t("contents-all")) }
                }
            }
            @if page_of.items.is_empty() {
                p.muted { (viewer.t("contents-empty")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("field-id")) }
                        th { (viewer.t("field-name")) }
                        @if all { th { (viewer.t("field-in")) } }
                    } }
                    tbody {
                        @for entry in &page_of.items {
                            tr {
                                td { (id_link(entry.object.object_id())) }
                                td { (text_or_dash(entry.name.as_deref())) }
                                @if all { td { (id_link(entry.parent.object_id())) } }
                            }
                        }
                    }
                }
                @if let Some(next) = &page_of.next_cursor {
                    p.pager {
                        a rel="next" href={ (base) "?after=" (encode(next)) @if all { "&all=1" } } {
                            (viewer.t("page-next"))
                        }
                    }
                }
            }
        }
    }
}

pub fn change_label(viewer: &Viewer, kind: ChangeKind) -> String {
    viewer.t(&format!("change-{}", kind.as_str()))
}

/// A page of an object's history, with who made each change by name.
pub struct History {
    rows: Vec<Activity>,
    next_cursor: Option<String>,
}

/// An object's history page with its actors' names.
fn named_history(
    s: &eckwms_application::Services,
    actor: &eckwms_application::Actor,
    object: ObjectId,
    page: &PageQuery<i64>,
) -> eckwms_application::AppResult<History> {
    let Page { items, next_cursor } = s.movement.history(actor, object, page)?;
    Ok(History {
        rows: s.overview.with_names(actor, items)?,
        next_cursor,
    })
}

fn history_section(viewer: &Viewer, base: &str, history: &History) -> Markup {
    html! {
        section.card #history {
            h2 { (viewer.t("section-history")) }
            @if history.rows.is_empty() {
                p.muted { (viewer.t("history-empty")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("history-when")) }
                        th { (viewer.t("history-what")) }
                        th.hide-narrow { (viewer.t("history-from-to")) }
                        th { (viewer.t("history-who")) }
                        th.hide-narrow { (viewer.t("history-reason")) }
                    } }
                    tbody {
                        @for entry in &history.rows {
                            tr {
                                td { time datetime=(entry.at.to_rfc3339()) { (viewer.reading.time(entry.at)) } }
                                td { (change_label(viewer, entry.kind)) }
                                td.hide-narrow {
                                    @if let Some(from) = entry.from { (id_link(from)) }
                                    @if entry.from.is_some() || entry.to.is_some() { " → " }
                                    @if let Some(to) = entry.to { (id_link(to)) }
                                }
                                td.actor {
                                    span title=(entry.actor) { (entry.who) }
                                    @if let Some(device) = &entry.device { " · " (device) }
                                }
                                td.hide-narrow { (text_or_dash(entry.reason.as_deref())) }
                            }
                        }
                    }
                }
                @if let Some(next) = &history.next_cursor {
                    p.pager {
                        a rel="next" href={ (base) "?history=" (encode(next)) "#history" } {
                            (viewer.t("page-older"))
                        }
                    }
                }
            }
        }
    }
}

/// The move form of an item or a box, with where the form saw it (a move of something moved
/// meanwhile is refused as a conflict).
fn move_form(viewer: &Viewer, action: &str, from: Option<Parent>) -> Markup {
    html! {
        section.card #move {
            h2 { (viewer.t("section-move")) }
            form.inline method="post" action=(action) {
                (csrf_field(viewer))
                input type="hidden" name="from" value=(from.map(|p| p.to_string()).unwrap_or_default());
                label {
                    (viewer.t("move-to"))
                    input type="text" name="to" required maxlength="512" autocomplete="off"
                        placeholder=(viewer.t("move-to-placeholder"));
                }
                button type="submit" { (viewer.t("move-submit")) }
            }
        }
    }
}

fn contents_query(query: &ObjectQuery) -> PageQuery<ObjectId> {
    PageQuery {
        after: query.after.as_deref().and_then(|a| a.parse().ok()),
        limit: PAGE_ROWS,
    }
}

fn history_query(query: &ObjectQuery) -> PageQuery<i64> {
    PageQuery {
        after: query.history,
        limit: PAGE_ROWS,
    }
}

// ---- items -------------------------------------------------------------------------------

async fn item_page(
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<ObjectQuery>,
) -> Result<HttpResponse, Failure> {
    let id: ItemId = path_id(&viewer, &id)?;
    let notice = query.notice(&viewer);
    render_item(&viewer, id, &query, notice, StatusCode::OK).await
}

async fn render_item(
    viewer: &Viewer,
    id: ItemId,
    query: &ObjectQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    let history = history_query(query);
    let (item, location, history) = read(viewer, move |s, actor| {
        let item = s.catalog.get_item(actor, id)?;
        let location = s.movement.location(actor, Movable::Item(id))?;
        let history = named_history(s, actor, id.object_id(), &history)?;
        Ok((item, location, history))
    })
    .await?;
    let repair = crate::pages::repair::item_part(viewer, id).await?;
    let base = format!("/items/{id}");
    let title = item
        .name
        .as_ref()
        .map_or_else(|| id.to_string(), |n| n.as_str().to_owned());
    let content = html! {
        section.card #fields {
            (item_fields(viewer, &item))
            (reprint_form(viewer, id.object_id()))
        }
        (location_section(viewer, &location))
        @if viewer.may(Permission::InventoryAdjust) {
            (move_form(viewer, &format!("{base}/move"), item.parent))
            (item_edit_form(viewer, &item))
        }
        (repair)
        (history_section(viewer, &base, &history))
    };
    Ok(html_response(
        status,
        page(viewer, &title, notice.as_ref(), content),
    ))
}

fn item_fields(viewer: &Viewer, item: &Item) -> Markup {
    let barcodes: Vec<&str> = item
        .barcodes
        .as_slice()
        .iter()
        .map(|c| c.as_str())
        .collect();
    let attributes = serde_json::to_string(item.attributes.as_map()).unwrap_or_default();
    fields_table(vec![
        (viewer.t("field-id"), html! { code { (item.id) } }),
        (
            viewer.t("field-name"),
            text_or_dash(item.name.as_ref().map(|n| n.as_str())),
        ),
        (
            viewer.t("field-serial"),
            text_or_dash(item.serial.as_ref().map(|c| c.as_str())),
        ),
        (
            viewer.t("field-class"),
            text_or_dash(item.class_code.as_ref().map(|c| c.as_str())),
        ),
        (
            viewer.t("field-condition"),
            text_or_dash(item.condition.as_ref().map(|c| c.as_str())),
        ),
        (
            viewer.t("field-barcodes"),
            text_or_dash(Some(&barcodes.join(", "))),
        ),
        (
            viewer.t("field-attributes"),
            if item.attributes.as_map().is_empty() {
                text_or_dash(None)
            } else {
                html! { code { (attributes) } }
            },
        ),
        (viewer.t("field-version"), html! { (item.meta.version) }),
    ])
}

fn item_edit_form(viewer: &Viewer, item: &Item) -> Markup {
    html! {
        section.card #edit {
            h2 { (viewer.t("section-edit")) }
            form.stack method="post" action={ "/items/" (item.id) "/edit" } {
                (csrf_field(viewer))
                input type="hidden" name="version" value=(item.meta.version);
                label { (viewer.t("field-name"))
                    input type="text" name="name" maxlength="200"
                        value=(item.name.as_ref().map(|n| n.as_str()).unwrap_or_default()); }
                label { (viewer.t("field-serial"))
                    input type="text" name="serial" maxlength="100"
                        value=(item.serial.as_ref().map(|c| c.as_str()).unwrap_or_default()); }
                label { (viewer.t("field-condition"))
                    input type="text" name="condition" maxlength="100"
                        value=(item.condition.as_ref().map(|c| c.as_str()).unwrap_or_default()); }
                button type="submit" { (viewer.t("edit-submit")) }
            }
        }
    }
}

#[derive(Deserialize)]
struct ItemForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    condition: String,
}

/// An optional text field: empty clears it.
fn optional<T>(
    value: &str,
    make: impl FnOnce(&str) -> Result<T, eckwms_domain::FieldError>,
    errors: &mut Vec<eckwms_adapter_http::ProblemField>,
) -> Option<T> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match make(value) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(eckwms_adapter_http::problem::field(e));
            None
        }
    }
}

async fn edit_item(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse, Failure> {
    let id: ItemId = path_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    let mut errors = Vec::new();
    let patch = ItemPatch {
        name: Some(optional(&form.name, |v| Name::new("name", v), &mut errors)),
        serial: Some(optional(
            &form.serial,
            |v| Code::new("serial", v),
            &mut errors,
        )),
        condition: Some(optional(
            &form.condition,
            |v| Code::new("condition", v),
            &mut errors,
        )),
        ..ItemPatch::default()
    };
    let outcome = if errors.is_empty() {
        let (version, meta) = (form.version, viewer.meta.clone());
        viewer
            .calls
            .run(move |s| {
                s.catalog
                    .update_item(id, Expected::Version(version), &patch, &meta)
            })
            .await
            .map(drop)
    } else {
        Err(ApiError::validation(errors))
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/items/{id}?done=saved#fields"))),
        Err(e) => {
            let (notice, status) = form_refusal(&viewer, e)?;
            render_item(&viewer, id, &ObjectQuery::default(), Some(notice), status).await
        }
    }
}

/// A refused form: the notice and the status its page is shown with again. A stale form
/// says someone else changed the object; what the viewer may not do, and anything else, is
/// its error page.
pub(crate) fn form_refusal(viewer: &Viewer, e: ApiError) -> Result<(Notice, StatusCode), Failure> {
    match e.status() {
        StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED => Ok((
            Notice::Error(format!("{} {}", viewer.t("notice-stale"), e.detail())),
            StatusCode::CONFLICT,
        )),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            let fields: Vec<String> = e
                .errors()
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            let detail = if fields.is_empty() {
                e.detail().to_owned()
            } else {
                fields.join("; ")
            };
            Ok((
                Notice::Error(format!("{} {detail}", viewer.t("notice-invalid"))),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        _ => Err(viewer.fail(e)),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    to: String,
    /// Where the form saw the object; empty: nowhere.
    #[serde(default)]
    from: String,
}

/// The target of a move: a place or a box, by its id or anything a scanner reads of it (its
/// label, a barcode), read by the lookup without acting on it.
async fn target_of(viewer: &Viewer, text: &str) -> Result<Parent, ApiError> {
    let text = text.trim().to_owned();
    let refused = |text: &str| {
        ApiError::validation(vec![ApiError::field(
            "to",
            viewer
                .lang()
                .text_with("move-target-invalid", &[("id", Arg::Text(text))]),
        )])
    };
    let id = match text.parse::<ObjectId>() {
        Ok(id) => id,
        Err(_) => {
            let actor = viewer.actor.clone();
            let asked = text.clone();
            let lookup = viewer
                .calls
                .run(move |s| s.lookup.lookup(&actor, &asked))
                .await?;
            match lookup.found {
                Found::One(id) => id,
                _ => return Err(refused(&text)),
            }
        }
    };
    match id.kind() {
        IdKind::Place => PlaceId::try_from(id)
            .map(Parent::Place)
            .map_err(|_| refused(&text)),
        IdKind::Box => BoxId::try_from(id)
            .map(Parent::Box)
            .map_err(|_| refused(&text)),
        _ => Err(refused(&text)),
    }
}

async fn run_move(viewer: &Viewer, object: Movable, form: &MoveForm) -> Result<(), ApiError> {
    let to = target_of(viewer, &form.to).await?;
    let from = match form.from.trim() {
        "" => None,
        seen => Some(target_of(viewer, seen).await?),
    };
    let command = MoveCommand {
        objects: vec![object],
        to,
        expected_from: Some(from),
    };
    let meta = viewer.meta.clone();
    viewer
        .calls
        .run(move |s| s.movement.move_objects(&command, None, &meta))
        .await
        .map(drop)
}

async fn move_item(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, Failure> {
    let id: ItemId = path_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    match run_move(&viewer, Movable::Item(id), &form).await {
        Ok(()) => Ok(see_other(&format!("/items/{id}?done=moved#location"))),
        Err(e) => {
            let (notice, status) = form_refusal(&viewer, e)?;
            render_item(&viewer, id, &ObjectQuery::default(), Some(notice), status).await
        }
    }
}

// ---- boxes -------------------------------------------------------------------------------

async fn box_page(
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<ObjectQuery>,
) -> Result<HttpResponse, Failure> {
    let id: BoxId = path_id(&viewer, &id)?;
    let notice = query.notice(&viewer);
    render_box(&viewer, id, &query, notice, StatusCode::OK).await
}

async fn render_box(
    viewer: &Viewer,
    id: BoxId,
    query: &ObjectQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    let (contents, history, all) = (
        contents_query(query),
        history_query(query),
        query.all.is_some(),
    );
    let (boxed, location, contents, history) = read(viewer, move |s, actor| {
        let boxed = s.catalog.get_box(actor, id)?;
        let location = s.movement.location(actor, Movable::Box(id))?;
        let contents = s
            .movement
            .contents(actor, Parent::Box(id), all, &contents)?;
        let history = named_history(s, actor, id.object_id(), &history)?;
        Ok((boxed, location, contents, history))
    })
    .await?;
    let base = format!("/boxes/{id}");
    let title = boxed
        .name
        .as_ref()
        .map_or_else(|| id.to_string(), |n| n.as_str().to_owned());
    let content = html! {
        section.card #fields {
            (box_fields(viewer, &boxed))
            (reprint_form(viewer, id.object_id()))
        }
        (location_section(viewer, &location))
        (contents_section(viewer, &base, &contents, all))
        @if viewer.may(Permission::InventoryAdjust) {
            (move_form(viewer, &format!("{base}/move"), boxed.parent))
            section.card #edit {
                h2 { (viewer.t("section-edit")) }
                form.stack method="post" action={ (base) "/edit" } {
                    (csrf_field(viewer))
                    input type="hidden" name="version" value=(boxed.meta.version);
                    label { (viewer.t("field-name"))
                        input type="text" name="name" maxlength="200"
                            value=(boxed.name.as_ref().map(|n| n.as_str()).unwrap_or_default()); }
                    button type="submit" { (viewer.t("edit-submit")) }
                }
            }
        }
        (history_section(viewer, &base, &history))
    };
    Ok(html_response(
        status,
        page(viewer, &title, notice.as_ref(), content),
    ))
}

fn box_fields(viewer: &Viewer, boxed: &StorageBox) -> Markup {
    let barcodes: Vec<&str> = boxed
        .barcodes
        .as_slice()
        .iter()
        .map(|c| c.as_str())
        .collect();
    fields_table(vec![
        (viewer.t("field-id"), html! { code { (boxed.id) } }),
        (
            viewer.t("field-name"),
            text_or_dash(boxed.name.as_ref().map(|n| n.as_str())),
        ),
        (
            viewer.t("field-order"),
            match boxed.order {
                Some(order) => id_link(order.object_id()),
                None => text_or_dash(None),
            },
        ),
        (
            viewer.t("field-barcodes"),
            text_or_dash(Some(&barcodes.join(", "))),
        ),
        (viewer.t("field-version"), html! { (boxed.meta.version) }),
    ])
}

#[derive(Deserialize)]
struct BoxForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    name: String,
}

async fn edit_box(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<BoxForm>,
) -> Result<HttpResponse, Failure> {
    let id: BoxId = path_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    let mut errors = Vec::new();
    let patch = BoxPatch {
        name: Some(optional(&form.name, |v| Name::new("name", v), &mut errors)),
        ..BoxPatch::default()
    };
    let outcome = if errors.is_empty() {
        let (version, meta) = (form.version, viewer.meta.clone());
        viewer
            .calls
            .run(move |s| {
                s.catalog
                    .update_box(id, Expected::Version(version), &patch, &meta)
            })
            .await
            .map(drop)
    } else {
        Err(ApiError::validation(errors))
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/boxes/{id}?done=saved#fields"))),
        Err(e) => {
            let (notice, status) = form_refusal(&viewer, e)?;
            render_box(&viewer, id, &ObjectQuery::default(), Some(notice), status).await
        }
    }
}

async fn move_box(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, Failure> {
    let id: BoxId = path_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    match run_move(&viewer, Movable::Box(id), &form).await {
        Ok(()) => Ok(see_other(&format!("/boxes/{id}?done=moved#location"))),
        Err(e) => {
            let (notice, status) = form_refusal(&viewer, e)?;
            render_box(&viewer, id, &ObjectQuery::default(), Some(notice), status).await
        }
    }
}

// ---- places ------------------------------------------------------------------------------

async fn place_page(
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<ObjectQuery>,
) -> Result<HttpResponse, Failure> {
    let id: PlaceId = path_id(&viewer, &id)?;
    let (contents, history, all) = (
        contents_query(&query),
        history_query(&query),
        query.all.is_some(),
    );
    let (place, contents, history) = read(&viewer, move |s, actor| {
        let place = s.catalog.get_place(actor, id)?;
        let contents = s
            .movement
            .contents(actor, Parent::Place(id), all, &contents)?;
        let history = named_history(s, actor, id.object_id(), &history)?;
        Ok((place, contents, history))
    })
    .await?;
    let base = format!("/places/{id}");
    let content = html! {
        section.card #fields {
            (place_fields(&viewer, &place))
            (reprint_form(&viewer, id.object_id()))
        }
        (contents_section(&viewer, &base, &contents, all))
        (history_section(&viewer, &base, &history))
    };
    let notice = query.notice(&viewer);
    Ok(html_response(
        StatusCode::OK,
        page(&viewer, place.name.as_str(), notice.as_ref(), content),
    ))
}

fn place_fields(viewer: &Viewer, place: &Place) -> Markup {
    fields_table(vec![
        (viewer.t("field-id"), html! { code { (place.id) } }),
        (viewer.t("field-name"), html! { (place.name.as_str()) }),
        (
            viewer.t("field-warehouse"),
            html! { code { (place.warehouse_id) } },
        ),
        (
            viewer.t("field-rack"),
            match &place.rack {
                Some(cell) => html! {
                    code { (cell.rack_id) } " · "
                    (viewer.lang().text_with("rack-cell", &[
                        ("column", Arg::Number(i64::from(cell.column) + 1)),
                        ("row", Arg::Number(i64::from(cell.row) + 1)),
                    ]))
                },
                None => text_or_dash(None),
            },
        ),
        (
            viewer.t("field-role"),
            text_or_dash(place.role.map(|r| r.as_str())),
        ),
        (viewer.t("field-version"), html! { (place.meta.version) }),
    ])
}

// ---- orders ------------------------------------------------------------------------------

async fn order_page(
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<ObjectQuery>,
) -> Result<HttpResponse, Failure> {
    let id: OrderId = path_id(&viewer, &id)?;
    let notice = query.notice(&viewer);
    render_order_with(&viewer, id, &query, notice, StatusCode::OK).await
}

/// An order's page with a form's `notice` (the repair desk's status form).
pub(crate) async fn render_order(
    viewer: &Viewer,
    id: OrderId,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    render_order_with(viewer, id, &ObjectQuery::default(), notice, status).await
}

async fn render_order_with(
    viewer: &Viewer,
    id: OrderId,
    query: &ObjectQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    let viewer = viewer.clone();
    let history = history_query(query);
    let (order, history) = read(&viewer, move |s, actor| {
        let order = s.orders.get_order(actor, id)?;
        let history = named_history(s, actor, id.object_id(), &history)?;
        Ok((order, history))
    })
    .await?;
    let base = format!("/orders/{id}");
    let repair = crate::pages::repair::order_part(&viewer, &order).await?;
    let content = html! {
        section.card #fields {
            (order_fields(&viewer, &order))
            (reprint_form(&viewer, id.object_id()))
        }
        @if !order.declared.devices().is_empty() {
            section.card #declared {
                h2 { (viewer.t("section-declared")) }
                table {
                    thead { tr { th { (viewer.t("field-serial")) } th { (viewer.t("field-description")) } } }
                    tbody {
                        @for device in order.declared.devices() {
                            tr {
                                td { code { (device.serial.as_str()) } }
                                td { (text_or_dash(device.description.as_ref().map(|d| d.as_str()))) }
                            }
                        }
                    }
                }
            }
        }
        (repair)
        (history_section(&viewer, &base, &history))
    };
    let title = viewer
        .lang()
        .text_with("order-title", &[("id", Arg::Text(&id.to_string()))]);
    Ok(html_response(
        status,
        page(&viewer, &title, notice.as_ref(), content),
    ))
}

fn order_fields(viewer: &Viewer, order: &Order) -> Markup {
    let customer = &order.customer;
    let who: Vec<&str> = [customer.company.as_ref(), customer.person.as_ref()]
        .into_iter()
        .flatten()
        .map(|n| n.as_str())
        .collect();
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| match at {
        Some(at) => html! { time datetime=(at.to_rfc3339()) { (viewer.reading.time(at)) } },
        None => text_or_dash(None),
    };
    let status = order.status.as_str();
    fields_table(vec![
        (viewer.t("field-id"), html! { code { (order.id) } }),
        (
            viewer.t("field-status"),
            html! { span class={ "status " (status) } { (viewer.t(&format!("status-{status}"))) } },
        ),
        (
            viewer.t("field-reference"),
            text_or_dash(order.reference.as_ref().map(|c| c.as_str())),
        ),
        (
            viewer.t("field-customer"),
            text_or_dash(Some(&who.join(", "))),
        ),
        (
            viewer.t("field-tracking"),
            text_or_dash(order.tracking_number.as_ref().map(|c| c.as_str())),
        ),
        (viewer.t("field-received-at"), time(order.received_at)),
        (viewer.t("field-processed-at"), time(order.processed_at)),
        (viewer.t("field-shipped-at"), time(order.shipped_at)),
        (viewer.t("field-version"), html! { (order.meta.version) }),
    ])
}

/// An application error as the HTTP layer answers it (for pages that call outside
/// [`read`]).
pub fn problem(e: AppError) -> ApiError {
    eckwms_adapter_http::problem::from_app(e)
}
