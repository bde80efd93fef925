//! The warehouse layout: `/layout` lists the warehouses and draws the chosen one's floor plan
//! (each rack a rectangle of its columns by rows where it stands, turned by its rotation about
//! its position, filled by how many of its places hold something, linking to its page), with
//! the racks as a table and a form for a new rack; `/layout/racks/{id}` shows a rack's fields,
//! its places as a grid of cells, each occupied or empty, and a form to rename and move it
//! (sent with the version it was drawn from: a stale form says someone else changed the rack).
//! Reading needs `inventory.view`; the forms need `settings.edit`.
//!
//! Positions are in cells: a rack at (2, 3) starts two cells right of and three cells below
//! the plan's origin, and a rack of 4 columns is 4 cells wide.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_adapter_http::ApiError;
use eckwms_application::catalog::floor::{Floor, RackFloor};
use eckwms_application::ports::{Expected, PageQuery, RackOccupancy};
use eckwms_domain::access::Permission;
use eckwms_domain::{
    DomainError, FieldError, Name, NewRack, Rack, RackId, RackLayout, RackPatch, Warehouse,
    WarehouseId, check_rotation,
};
use eckwms_i18n::Arg;
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, html_response, page, see_other};
use crate::pages::admin::{Refusal, done_notice, read, refusal};
use crate::viewer::Viewer;

/// Warehouses listed on `/layout`.
const WAREHOUSES: u32 = 200;
/// Pixels per cell on the floor plan.
const CELL: f64 = 24.0;
/// Room around the racks on the plan, in cells.
const MARGIN: f64 = 1.0;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/layout", web::get().to(layout_page))
        .route("/layout/racks", web::post().to(create_rack))
        .route("/layout/racks/{id}", web::get().to(rack_page))
        .route("/layout/racks/{id}/edit", web::post().to(edit_rack));
}

#[derive(Deserialize, Default)]
pub struct LayoutQuery {
    /// The warehouse whose floor is drawn; the first one when absent.
    warehouse: Option<String>,
    done: Option<String>,
}

/// What the new rack form showed (kept when it is refused).
struct NewRackValues {
    name: String,
    columns: String,
    rows: String,
    /// Empty: the number after the last cell of the warehouse's racks.
    start_index: String,
    pos_x: String,
    pos_y: String,
    rotation: String,
}

impl Default for NewRackValues {
    fn default() -> Self {
        Self {
            name: String::new(),
            columns: "4".into(),
            rows: "3".into(),
            start_index: String::new(),
            pos_x: "0".into(),
            pos_y: "0".into(),
            rotation: "0".into(),
        }
    }
}

fn not_found(viewer: &Viewer, raw: &str) -> Failure {
    Failure::page(
        viewer.reading,
        StatusCode::NOT_FOUND,
        viewer
            .lang()
            .text_with("error-no-such-id", &[("id", Arg::Text(raw))]),
    )
}

/// A positive number of the path or query, else a 404 page.
fn serial(viewer: &Viewer, raw: &str) -> Result<i64, Failure> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| not_found(viewer, raw))
}

async fn layout_page(
    viewer: Viewer,
    query: web::Query<LayoutQuery>,
) -> Result<HttpResponse, Failure> {
    let chosen = match query.warehouse.as_deref() {
        Some(raw) if !raw.trim().is_empty() => Some(WarehouseId(serial(&viewer, raw)?)),
        _ => None,
    };
    let notice = done_notice(&viewer, query.done.as_deref());
    render_layout(
        &viewer,
        chosen,
        notice,
        StatusCode::OK,
        &NewRackValues::default(),
        None,
    )
    .await
}

async fn render_layout(
    viewer: &Viewer,
    chosen: Option<WarehouseId>,
    notice: Option<Notice>,
    status: StatusCode,
    values: &NewRackValues,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let (warehouses, floor) = read(viewer, move |s, actor| {
        let warehouses = s.catalog.floor_warehouses(
            actor,
            &PageQuery {
                after: None,
                limit: WAREHOUSES,
            },
        )?;
        let shown = chosen.or_else(|| warehouses.items.first().map(|w| w.id));
        let floor = shown.map(|id| s.catalog.floor(actor, id)).transpose()?;
        Ok((warehouses.items, floor))
    })
    .await?;
    let content = html! {
        section.card #warehouses {
            h2 { (viewer.t("layout-warehouses")) }
            @if warehouses.is_empty() {
                p.muted { (viewer.t("layout-no-warehouses")) }
            } @else {
                (warehouse_list(viewer, &warehouses, floor.as_ref().map(|f| f.warehouse.id)))
            }
        }
        @if let Some(floor) = &floor {
            section.card #floor {
                h2 { (floor.warehouse.name.as_str()) }
                @if floor.racks.is_empty() {
                    p.muted { (viewer.t("layout-no-racks")) }
                } @else {
                    (plan(viewer, &floor.racks))
                    (legend(viewer))
                }
            }
            @if !floor.racks.is_empty() {
                section.card #racks {
                    h2 { (viewer.t("layout-racks")) }
                    (rack_table(viewer, &floor.racks))
                }
            }
            @if viewer.may(Permission::SettingsEdit) {
                (new_rack_form(viewer, floor, values, refused))
            }
        }
    };
    Ok(html_response(
        status,
        page(viewer, &viewer.t("layout-title"), notice.as_ref(), content),
    ))
}

fn warehouse_list(viewer: &Viewer, warehouses: &[Warehouse], shown: Option<WarehouseId>) -> Markup {
    html! {
        ul.warehouses {
            @for w in warehouses {
                li {
                    @if Some(w.id) == shown {
                        a href={ "/layout?warehouse=" (w.id.0) } aria-current="page" { (w.name.as_str()) }
                    } @else {
                        a href={ "/layout?warehouse=" (w.id.0) } { (w.name.as_str()) }
                    }
                    " " span.muted { "#" (w.id.0) }
                }
            }
        }
        @if warehouses.len() >= WAREHOUSES as usize {
            p.muted { (viewer.lang().text_with("layout-first-warehouses", &[("count", Arg::Number(i64::from(WAREHOUSES)))])) }
        }
    }
}

/// The share of a rack's places that hold something, in percent (0 without places).
fn percent(places: i64, occupied: i64) -> i64 {
    if places <= 0 {
        0
    } else {
        (occupied.clamp(0, places) * 100) / places
    }
}

/// The class of a rack's fill: `occ-0` when nothing is there, then `occ-1` to `occ-4` by
/// quarters, `occ-4` full.
pub fn occupancy_class(places: i64, occupied: i64) -> &'static str {
    if places <= 0 || occupied <= 0 {
        return "occ-0";
    }
    match percent(places, occupied) {
        0..=24 => "occ-1",
        25..=49 => "occ-2",
        50..=74 => "occ-3",
        _ => "occ-4",
    }
}

/// A rack's outline on the plan: its width and height in cells, and its corners turned by its
/// rotation about its position, in cells.
struct Outline {
    width: f64,
    height: f64,
    corners: [(f64, f64); 4],
    centre: (f64, f64),
}

impl Outline {
    fn of(rack: &Rack) -> Outline {
        let width = f64::from(rack.layout.columns());
        let height = f64::from(rack.layout.rows());
        let (x, y) = (f64::from(rack.pos_x), f64::from(rack.pos_y));
        let (sin, cos) = f64::from(rack.rotation).to_radians().sin_cos();
        let turn = |dx: f64, dy: f64| (x + dx * cos - dy * sin, y + dx * sin + dy * cos);
        Outline {
            width,
            height,
            corners: [
                turn(0.0, 0.0),
                turn(width, 0.0),
                turn(width, height),
                turn(0.0, height),
            ],
            centre: turn(width / 2.0, height / 2.0),
        }
    }
}

/// A length on the plan, in pixels, written without needless decimals.
fn px(cells: f64) -> String {
    let value = (cells * CELL * 10.0).round() / 10.0;
    format!("{value}")
}

/// The floor plan as inline SVG: the drawing fits the racks, each a rectangle moved to its
/// position and turned about it (`transform`, a presentation attribute: no inline style).
fn plan(viewer: &Viewer, racks: &[RackOccupancy]) -> Markup {
    let outlines: Vec<Outline> = racks.iter().map(|r| Outline::of(&r.rack)).collect();
    let corners = outlines.iter().flat_map(|o| o.corners.iter().copied());
    let (mut left, mut top, mut right, mut bottom) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in corners {
        left = left.min(x);
        top = top.min(y);
        right = right.max(x);
        bottom = bottom.max(y);
    }
    let (left, top) = (left - MARGIN, top - MARGIN);
    let (width, height) = (right + MARGIN - left, bottom + MARGIN - top);
    let lang = viewer.lang();
    html! {
        svg.floor #plan viewBox={ (px(left)) " " (px(top)) " " (px(width)) " " (px(height)) }
            width=(px(width)) height=(px(height))
            role="img" aria-label=(viewer.t("layout-plan")) {
            @for (entry, outline) in racks.iter().zip(&outlines) {
                @let rack = &entry.rack;
                a.rack href={ "/layout/racks/" (rack.id.0) } {
                    title {
                        (rack.name.as_str()) ": "
                        (lang.text_with("layout-occupied-of", &[
                            ("occupied", Arg::Number(entry.occupied)),
                            ("places", Arg::Number(entry.places)),
                        ]))
                    }
                    rect class={ "rack " (occupancy_class(entry.places, entry.occupied)) }
                        data-rack=(rack.id.0)
                        x="0" y="0" width=(px(outline.width)) height=(px(outline.height))
                        transform={ "translate(" (px(f64::from(rack.pos_x))) " " (px(f64::from(rack.pos_y))) ") rotate(" (rack.rotation) ")" } {}
                    text x=(px(outline.centre.0)) y=(px(outline.centre.1))
                        text-anchor="middle" dominant-baseline="middle" { (rack.name.as_str()) }
                }
            }
        }
    }
}

fn legend(viewer: &Viewer) -> Markup {
    html! {
        ul.legend aria-label=(viewer.t("layout-legend")) {
            @for (class, label) in [
                ("occ-0", "0%"),
                ("occ-1", "1–24%"),
                ("occ-2", "25–49%"),
                ("occ-3", "50–74%"),
                ("occ-4", "75–100%"),
            ] {
                li { svg.swatch viewBox="0 0 10 10" width="14" height="14" aria-hidden="true" {
                    rect class={ "rack " (class) } x="0" y="0" width="10" height="10" {}
                } " " (label) }
            }
        }
    }
}

fn rack_table(viewer: &Viewer, racks: &[RackOccupancy]) -> Markup {
    let lang = viewer.lang();
    html! {
        table {
            thead { tr {
                th { (viewer.t("field-name")) }
                th.hide-narrow { (viewer.t("layout-cells")) }
                th.hide-narrow { (viewer.t("layout-position")) }
                th.hide-narrow { (viewer.t("layout-rotation")) }
                th.num { (viewer.t("layout-places")) }
                th.num { (viewer.t("layout-occupied")) }
            } }
            tbody {
                @for entry in racks {
                    @let rack = &entry.rack;
                    tr data-rack=(rack.id.0) {
                        td { a href={ "/layout/racks/" (rack.id.0) } { (rack.name.as_str()) } }
                        td.hide-narrow { (rack.layout.columns()) " × " (rack.layout.rows()) }
                        td.hide-narrow { (rack.pos_x) ", " (rack.pos_y) }
                        td.hide-narrow { (rack.rotation) "°" }
                        td.num { (lang.number(entry.places)) }
                        td.num.occupied { (lang.number(entry.occupied)) " (" (percent(entry.places, entry.occupied)) "%)" }
                    }
                }
            }
        }
    }
}

fn new_rack_form(
    viewer: &Viewer,
    floor: &Floor,
    values: &NewRackValues,
    refused: Option<&Refusal>,
) -> Markup {
    html! {
        section.card #new-rack {
            h2 { (viewer.t("layout-new-rack")) }
            form.stack method="post" action="/layout/racks" {
                (csrf_field(viewer))
                input type="hidden" name="warehouse" value=(floor.warehouse.id.0);
                label { (viewer.t("field-name"))
                    input type="text" name="name" required maxlength="200" value=(values.name);
                    (Refusal::message(refused, "name")) }
                label { (viewer.t("layout-columns"))
                    input type="number" name="columns" required min="1" max="1000" value=(values.columns);
                    (Refusal::message(refused, "columns")) }
                label { (viewer.t("layout-rows"))
                    input type="number" name="rows" required min="1" max="1000" value=(values.rows);
                    (Refusal::message(refused, "rows")) }
                label { (viewer.t("layout-start-index"))
                    input type="number" name="start_index" required min="0"
                        value=(if values.start_index.is_empty() { next_cell(floor).to_string() } else { values.start_index.clone() });
                    (Refusal::message(refused, "start_index")) }
                (position_fields(viewer, &values.pos_x, &values.pos_y, &values.rotation, refused))
                button type="submit" { (viewer.t("layout-new-rack-submit")) }
            }
        }
    }
}

/// The number after the last cell of the warehouse's racks (at least 1): where a new rack's
/// cells may start without taking theirs (a place made on its own may still hold it: the
/// rack is refused then, and says so).
fn next_cell(floor: &Floor) -> u64 {
    floor
        .racks
        .iter()
        .map(|r| r.rack.layout.start_index() + r.rack.layout.cell_count())
        .max()
        .unwrap_or(1)
        .max(1)
}

fn position_fields(
    viewer: &Viewer,
    x: &str,
    y: &str,
    rotation: &str,
    refused: Option<&Refusal>,
) -> Markup {
    html! {
        label { (viewer.t("layout-pos-x"))
            input type="number" name="pos_x" required value=(x);
            (Refusal::message(refused, "pos_x")) }
        label { (viewer.t("layout-pos-y"))
            input type="number" name="pos_y" required value=(y);
            (Refusal::message(refused, "pos_y")) }
        label { (viewer.t("layout-rotation"))
            input type="number" name="rotation" required min="0" max="359" value=(rotation);
            (Refusal::message(refused, "rotation")) }
    }
}

/// Reads whole numbers of a form, collecting a message per field that is none.
struct Numbers<'a> {
    viewer: &'a Viewer,
    errors: Vec<eckwms_adapter_http::ProblemField>,
}

impl<'a> Numbers<'a> {
    fn new(viewer: &'a Viewer) -> Self {
        Self {
            viewer,
            errors: Vec::new(),
        }
    }

    fn whole<T: std::str::FromStr>(&mut self, field: &str, raw: &str) -> Option<T> {
        let parsed = raw.trim().parse::<T>().ok();
        if parsed.is_none() {
            self.field(FieldError::new(field, self.viewer.t("layout-not-a-number")));
        }
        parsed
    }

    fn field(&mut self, e: FieldError) {
        self.errors.push(eckwms_adapter_http::problem::field(e));
    }

    fn domain(&mut self, e: DomainError) {
        match e {
            DomainError::Invalid(fields) => fields.into_iter().for_each(|f| self.field(f)),
            other => self.field(FieldError::new("name", other.to_string())),
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

#[derive(Deserialize)]
struct NewRackForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    warehouse: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    columns: String,
    #[serde(default)]
    rows: String,
    #[serde(default)]
    start_index: String,
    #[serde(default)]
    pos_x: String,
    #[serde(default)]
    pos_y: String,
    #[serde(default)]
    rotation: String,
}

/// The new rack of a form, or each field's refusal.
fn new_rack(
    viewer: &Viewer,
    warehouse: WarehouseId,
    form: &NewRackForm,
) -> Result<NewRack, ApiError> {
    let mut n = Numbers::new(viewer);
    let name = Name::new("name", form.name.trim())
        .map_err(|e| n.field(e))
        .ok();
    let columns = n.whole::<i64>("columns", &form.columns);
    let rows = n.whole::<i64>("rows", &form.rows);
    let start = n.whole::<i64>("start_index", &form.start_index);
    let layout = match (columns, rows, start) {
        (Some(columns), Some(rows), Some(start)) => RackLayout::new(columns, rows, start)
            .map_err(|e| n.domain(e))
            .ok(),
        _ => None,
    };
    let pos_x = n.whole::<i32>("pos_x", &form.pos_x);
    let pos_y = n.whole::<i32>("pos_y", &form.pos_y);
    let rotation = n.whole::<i32>("rotation", &form.rotation);
    if let Some(r) = rotation
        && let Err(e) = check_rotation("rotation", r)
    {
        n.field(e);
    }
    n.finish()?;
    match (name, layout, pos_x, pos_y, rotation) {
        (Some(name), Some(layout), Some(pos_x), Some(pos_y), Some(rotation)) => Ok(NewRack {
            warehouse_id: warehouse,
            name,
            prefix: None,
            layout,
            sort_order: 0,
            pos_x,
            pos_y,
            rotation,
        }),
        _ => Err(ApiError::validation(Vec::new())),
    }
}

async fn create_rack(
    viewer: Viewer,
    form: web::Form<NewRackForm>,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let warehouse = WarehouseId(serial(&viewer, &form.warehouse)?);
    let outcome = match new_rack(&viewer, warehouse, &form) {
        Ok(new) => {
            let meta = viewer.meta.clone();
            viewer
                .calls
                .run(move |s| s.catalog.create_rack(&new, &meta))
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(made) => Ok(see_other(&format!(
            "/layout/racks/{}?done=created",
            made.rack.id.0
        ))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            let values = NewRackValues {
                name: form.name,
                columns: form.columns,
                rows: form.rows,
                start_index: form.start_index,
                pos_x: form.pos_x,
                pos_y: form.pos_y,
                rotation: form.rotation,
            };
            render_layout(
                &viewer,
                Some(warehouse),
                Some(refused.notice.clone()),
                refused.status,
                &values,
                Some(&refused),
            )
            .await
        }
    }
}

// ---- a rack ------------------------------------------------------------------------------

async fn rack_page(
    viewer: Viewer,
    id: web::Path<String>,
    query: web::Query<LayoutQuery>,
) -> Result<HttpResponse, Failure> {
    let id = RackId(serial(&viewer, &id)?);
    let notice = done_notice(&viewer, query.done.as_deref());
    render_rack(&viewer, id, notice, StatusCode::OK, None).await
}

async fn render_rack(
    viewer: &Viewer,
    id: RackId,
    notice: Option<Notice>,
    status: StatusCode,
    refused: Option<&Refusal>,
) -> Result<HttpResponse, Failure> {
    let floor = read(viewer, move |s, actor| s.catalog.rack_floor(actor, id)).await?;
    let rack = &floor.rack;
    let lang = viewer.lang();
    let content = html! {
        section.card #fields {
            table.fields {
                tr { th scope="row" { (viewer.t("field-id")) } td { code { (rack.id.0) } } }
                tr { th scope="row" { (viewer.t("field-warehouse")) }
                    td { a href={ "/layout?warehouse=" (rack.warehouse_id.0) } { "#" (rack.warehouse_id.0) } } }
                tr { th scope="row" { (viewer.t("layout-cells")) }
                    td { (rack.layout.columns()) " × " (rack.layout.rows()) } }
                tr { th scope="row" { (viewer.t("layout-position")) } td { (rack.pos_x) ", " (rack.pos_y) } }
                tr { th scope="row" { (viewer.t("layout-rotation")) } td { (rack.rotation) "°" } }
                tr { th scope="row" { (viewer.t("layout-occupied")) }
                    td #occupancy { (lang.text_with("layout-occupied-of", &[
                        ("occupied", Arg::Number(floor.occupied() as i64)),
                        ("places", Arg::Number(floor.places.len() as i64)),
                    ])) } }
                tr { th scope="row" { (viewer.t("field-version")) } td { (rack.meta.version) } }
            }
        }
        section.card #cells {
            h2 { (viewer.t("layout-cells")) }
            (grid(viewer, &floor))
        }
        @if viewer.may(Permission::SettingsEdit) {
            (edit_form(viewer, rack, refused))
        }
        p { a href={ "/layout?warehouse=" (rack.warehouse_id.0) } { (viewer.t("layout-back")) } }
    };
    Ok(html_response(
        status,
        page(viewer, rack.name.as_str(), notice.as_ref(), content),
    ))
}

/// The rack's places as its grid: a row of cells per rack row, each linking to its place.
fn grid(viewer: &Viewer, floor: &RackFloor) -> Markup {
    let (columns, rows) = (floor.rack.layout.columns(), floor.rack.layout.rows());
    let by_cell: HashMap<(u32, u32), usize> = floor
        .places
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.place.rack.map(|cell| ((cell.row, cell.column), i)))
        .collect();
    let (occupied, empty) = (
        viewer.t("layout-cell-occupied"),
        viewer.t("layout-cell-empty"),
    );
    html! {
        table.rack-grid {
            @for row in 0..rows {
                tr {
                    @for column in 0..columns {
                        @match by_cell.get(&(row, column)).and_then(|i| floor.places.get(*i)) {
                            Some(cell) => {
                                td class=(if cell.occupied { "cell occupied" } else { "cell empty" }) {
                                    a href={ "/places/" (cell.place.id) } { (cell.place.name.as_str()) }
                                    br;
                                    span.state { (if cell.occupied { &occupied } else { &empty }) }
                                }
                            }
                            None => { td.cell.none { span.muted { "—" } } }
                        }
                    }
                }
            }
        }
    }
}

fn edit_form(viewer: &Viewer, rack: &Rack, refused: Option<&Refusal>) -> Markup {
    html! {
        section.card #edit {
            h2 { (viewer.t("section-edit")) }
            form.stack method="post" action={ "/layout/racks/" (rack.id.0) "/edit" } {
                (csrf_field(viewer))
                input type="hidden" name="version" value=(rack.meta.version);
                label { (viewer.t("field-name"))
                    input type="text" name="name" required maxlength="200" value=(rack.name.as_str());
                    (Refusal::message(refused, "name")) }
                (position_fields(viewer, &rack.pos_x.to_string(), &rack.pos_y.to_string(),
                    &rack.rotation.to_string(), refused))
                button type="submit" { (viewer.t("edit-submit")) }
            }
        }
    }
}

#[derive(Deserialize)]
struct RackForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    pos_x: String,
    #[serde(default)]
    pos_y: String,
    #[serde(default)]
    rotation: String,
}

fn rack_patch(viewer: &Viewer, form: &RackForm) -> Result<RackPatch, ApiError> {
    let mut n = Numbers::new(viewer);
    let name = Name::new("name", form.name.trim())
        .map_err(|e| n.field(e))
        .ok();
    let pos_x = n.whole::<i32>("pos_x", &form.pos_x);
    let pos_y = n.whole::<i32>("pos_y", &form.pos_y);
    let rotation = n.whole::<i32>("rotation", &form.rotation);
    if let Some(r) = rotation
        && let Err(e) = check_rotation("rotation", r)
    {
        n.field(e);
    }
    n.finish()?;
    Ok(RackPatch {
        name,
        pos_x,
        pos_y,
        rotation,
        ..RackPatch::default()
    })
}

async fn edit_rack(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<RackForm>,
) -> Result<HttpResponse, Failure> {
    let id = RackId(serial(&viewer, &id)?);
    viewer.check_csrf(&form.csrf)?;
    let outcome = match rack_patch(&viewer, &form) {
        Ok(patch) => {
            let (version, meta) = (form.version, viewer.meta.clone());
            viewer
                .calls
                .run(move |s| {
                    s.catalog
                        .update_rack(id, Expected::Version(version), &patch, &meta)
                })
                .await
                .map(drop)
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/layout/racks/{}?done=saved", id.0))),
        Err(e) => {
            let refused = refusal(&viewer, e)?;
            render_rack(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn racks_are_filled_by_the_quarter_of_their_places_that_hold_something() {
        assert_eq!(occupancy_class(0, 0), "occ-0");
        assert_eq!(occupancy_class(12, 0), "occ-0");
        assert_eq!(occupancy_class(100, 1), "occ-1");
        assert_eq!(occupancy_class(4, 1), "occ-2");
        assert_eq!(occupancy_class(4, 2), "occ-3");
        assert_eq!(occupancy_class(4, 3), "occ-4");
        assert_eq!(occupancy_class(4, 4), "occ-4");
        assert_eq!(percent(3, 1), 33);
    }
}
