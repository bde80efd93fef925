//! The repair desk: `/repair` (the RMA requests by status and age, the received ones missing
//! devices, the service report), `/repair/new` (a new RMA request), and the repair parts of
//! the order page (the slip, the reconciliation, the status form) and of the item page (the
//! repair actions and the form to record one). Every use case is the JSON API's: the repair
//! wing's, the orders wing's and the catalogue's item actions.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, ServiceConfig};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use eckwms_adapter_http::ApiError;
use eckwms_application::Page;
use eckwms_application::ports::{Expected, OrderFilter, PageQuery};
use eckwms_application::repair::{Reconciliation, rma_code};
use eckwms_domain::access::Permission;
use eckwms_domain::repair::reconcile::age_days;
use eckwms_domain::repair::{
    Declared, DeclaredInput, DeclaredSerial, Outcome, RMA_ORDER_BASE, RepairResult, is_rma_order,
};
use eckwms_domain::{
    ActionKind, Code, Customer, FieldError, ItemId, Name, NewOrder, Note, Order, OrderId,
    OrderPatch, OrderStatus, Text,
};
use eckwms_i18n::Arg;
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, encode, html_response, page, secure, see_other};
use crate::pages::objects::{self, id_link};
use crate::viewer::Viewer;

/// RMA requests per list of the desk.
const DESK_ROWS: u32 = 100;
/// Repair actions shown on an item's page.
const ACTION_ROWS: u32 = 200;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/repair", web::get().to(desk))
        .route("/repair/new", web::get().to(new_form))
        .route("/repair/new", web::post().to(create))
        .route("/repair/report", web::get().to(report))
        .route("/orders/{id}/slip.pdf", web::get().to(slip))
        .route("/orders/{id}/status", web::post().to(set_status))
        .route("/items/{id}/actions", web::post().to(add_action));
}

/// What a form's fields were refused for, by field name.
type FieldErrors = BTreeMap<String, String>;

fn field_error(errors: &FieldErrors, name: &str) -> Markup {
    html! {
        @if let Some(message) = errors.get(name) {
            span.field-error role="alert" { (message) }
        }
    }
}

fn put_error(errors: &mut FieldErrors, e: FieldError) {
    errors.entry(e.field).or_insert(e.message);
}

/// A text field: empty is none, anything else must be a valid text.
fn optional_text<const N: usize>(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
) -> Option<Text<N>> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match Text::<N>::new(field, value) {
        Ok(text) => Some(text),
        Err(e) => {
            put_error(errors, e);
            None
        }
    }
}

/// The desk is for those who manage RMA requests or repair them; others get its 403 page.
fn require_desk(viewer: &Viewer) -> Result<(), Failure> {
    if viewer.may(Permission::RepairWork) {
        return Ok(());
    }
    viewer
        .actor
        .require(Permission::OrdersManage)
        .map_err(|e| viewer.fail(objects::problem(e)))
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

fn time(viewer: &Viewer, at: DateTime<Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (viewer.reading.time(at)) } }
}

fn dash() -> Markup {
    html! { span.muted { "—" } }
}

/// The order's RMA code, or its id for an order of another range.
fn code_of(id: OrderId) -> String {
    rma_code(id).map_or_else(|| id.to_string(), |code| code.to_string())
}

fn customer_of(order: &Order) -> String {
    [
        order.customer.company.as_ref(),
        order.customer.person.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|n| n.as_str())
    .collect::<Vec<_>>()
    .join(", ")
}

fn days(viewer: &Viewer, days: i64) -> String {
    viewer
        .lang()
        .text_with("repair-age-days", &[("count", Arg::Number(days))])
}

// ---- the desk ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct DeskQuery {
    /// Only this list, from `after` on.
    status: Option<String>,
    /// The received requests that miss declared devices.
    missing: Option<String>,
    /// The list's page after this order id.
    after: Option<String>,
}

/// The service report's form as it was sent.
#[derive(Deserialize, Default, Clone)]
struct ReportForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    status: String,
}

/// The lists the desk shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DeskList {
    Received,
    Missing,
    Created,
    Processed,
}

impl DeskList {
    fn key(self) -> &'static str {
        match self {
            DeskList::Received => "received",
            DeskList::Missing => "missing",
            DeskList::Created => "created",
            DeskList::Processed => "processed",
        }
    }

    fn status(self) -> OrderStatus {
        match self {
            DeskList::Received | DeskList::Missing => OrderStatus::Received,
            DeskList::Created => OrderStatus::Created,
            DeskList::Processed => OrderStatus::Processed,
        }
    }
}

async fn desk(viewer: Viewer, query: web::Query<DeskQuery>) -> Result<HttpResponse, Failure> {
    require_desk(&viewer)?;
    render_desk(
        &viewer,
        &query,
        &ReportForm::default(),
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// The lists of the desk: the one asked for, or received (or missing devices), created and
/// processed.
fn desk_lists(query: &DeskQuery) -> Vec<DeskList> {
    let missing = query.missing.is_some();
    match query.status.as_deref() {
        Some("received") if missing => vec![DeskList::Missing],
        Some("received") => vec![DeskList::Received],
        Some("created") => vec![DeskList::Created],
        Some("processed") => vec![DeskList::Processed],
        _ if missing => vec![DeskList::Missing],
        _ => vec![DeskList::Received, DeskList::Created, DeskList::Processed],
    }
}

/// Reads one page of a list: RMA requests only (their ids follow every other order's).
fn read_list(
    s: &eckwms_application::Services,
    actor: &eckwms_application::Actor,
    list: DeskList,
    after: Option<OrderId>,
) -> eckwms_application::AppResult<Page<Order>> {
    // The last id before the RMA range: the lists start after it.
    let before_rmas = OrderId::new(RMA_ORDER_BASE - 1).ok();
    let page = PageQuery {
        after: after.max(before_rmas),
        limit: DESK_ROWS,
    };
    let filter = OrderFilter {
        status: Some(list.status()),
        ..OrderFilter::default()
    };
    if list == DeskList::Missing {
        s.repair
            .list_by_missing_devices(actor, &filter, true, &page)
    } else {
        s.orders.list_orders(actor, &filter, &page)
    }
}

async fn render_desk(
    viewer: &Viewer,
    query: &DeskQuery,
    report: &ReportForm,
    report_errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    let lists = desk_lists(query);
    let after: Option<OrderId> = query.after.as_deref().and_then(|a| a.parse().ok());
    let wanted = lists.clone();
    let actor = viewer.actor.clone();
    let pages = viewer
        .calls
        .run(move |s| {
            wanted
                .into_iter()
                .map(|list| read_list(s, &actor, list, after).map(|page| (list, page)))
                .collect::<eckwms_application::AppResult<Vec<_>>>()
        })
        .await
        .map_err(|e| viewer.fail(e))?;
    let now = Utc::now();
    let missing = query.missing.is_some();
    let content = html! {
        section.card #desk-actions {
            p.pager {
                @if viewer.may(Permission::OrdersManage) {
                    a.button href="/repair/new" { (viewer.t("repair-new")) }
                }
                @if missing {
                    a href="/repair" { (viewer.t("repair-all-lists")) }
                } @else {
                    a #filter-missing href="/repair?missing=1" { (viewer.t("repair-filter-missing")) }
                }
            }
        }
        @for (list, page_of) in &pages {
            (list_section(viewer, *list, page_of, now))
        }
        @if viewer.may(Permission::ReportsExport) {
            (report_section(viewer, report, report_errors))
        }
    };
    let title = viewer.t("repair-title");
    let notice =
        (!report_errors.is_empty()).then(|| Notice::Error(viewer.t("repair-form-invalid")));
    Ok(html_response(
        status,
        page(viewer, &title, notice.as_ref(), content),
    ))
}

fn list_section(
    viewer: &Viewer,
    list: DeskList,
    page_of: &Page<Order>,
    now: DateTime<Utc>,
) -> Markup {
    let key = list.key();
    let mut orders: Vec<&Order> = page_of.items.iter().collect();
    let received = matches!(list, DeskList::Received | DeskList::Missing);
    if received {
        // The oldest arrival first: the one waiting longest.
        orders.sort_by_key(|o| (o.received_at, o.id));
    }
    html! {
        section.card id={ "list-" (key) } {
            h2 { (viewer.t(&format!("repair-list-{key}"))) " " span.muted { "(" (orders.len()) ")" } }
            @if orders.is_empty() {
                p.muted { (viewer.t("repair-list-empty")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("repair-code")) }
                        th { (viewer.t("field-customer")) }
                        th.hide-narrow { (viewer.t("field-reference")) }
                        th.num { (viewer.t("repair-devices")) }
                        @if received {
                            th { (viewer.t("field-received-at")) }
                            th.num { (viewer.t("repair-age")) }
                        } @else if list == DeskList::Processed {
                            th { (viewer.t("field-processed-at")) }
                        } @else {
                            th { (viewer.t("repair-created-at")) }
                        }
                    } }
                    tbody {
                        @for order in orders {
                            @let age = order.received_at.map(|at| age_days(at, now));
                            @let overdue = age.is_some_and(|(_, overdue)| overdue);
                            tr class=[overdue.then_some("overdue")] {
                                td { a.id href={ "/orders/" (order.id) } { (code_of(order.id)) } }
                                td { (customer_of(order)) }
                                td.hide-narrow {
                                    @match &order.reference { Some(r) => (r.as_str()), None => (dash()) }
                                }
                                td.num { (order.declared.len()) }
                                @if received {
                                    td { @match order.received_at { Some(at) => (time(viewer, at)), None => (dash()) } }
                                    td.num {
                                        @if let Some((n, _)) = age { (days(viewer, n)) }
                                        @if overdue { " " strong.overdue { (viewer.t("repair-overdue")) } }
                                    }
                                } @else if list == DeskList::Processed {
                                    td { @match order.processed_at { Some(at) => (time(viewer, at)), None => (dash()) } }
                                } @else {
                                    td { (time(viewer, order.meta.created_at)) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &page_of.next_cursor {
                p.pager {
                    a rel="next" href={
                        "/repair?status=" (list.status().as_str())
                        @if list == DeskList::Missing { "&missing=1" }
                        "&after=" (encode(next))
                    } { (viewer.t("page-next")) }
                }
            }
        }
    }
}

fn report_section(viewer: &Viewer, form: &ReportForm, errors: &FieldErrors) -> Markup {
    html! {
        section.card #report {
            h2 { (viewer.t("repair-report")) }
            p.muted { (viewer.t("repair-report-hint")) }
            form.inline #report-form method="get" action="/repair/report" {
                label { (viewer.t("repair-report-from"))
                    input type="date" name="from" value=(form.from);
                    (field_error(errors, "from")) }
                label { (viewer.t("repair-report-to"))
                    input type="date" name="to" value=(form.to);
                    (field_error(errors, "to")) }
                label { (viewer.t("field-status"))
                    select name="status" {
                        option value="" { (viewer.t("repair-report-any-status")) }
                        @for status in [OrderStatus::Created, OrderStatus::Received, OrderStatus::Processed, OrderStatus::Shipped] {
                            option value=(status.as_str()) selected[form.status == status.as_str()] {
                                (viewer.t(&format!("status-{}", status.as_str())))
                            }
                        }
                    }
                    (field_error(errors, "status")) }
                button type="submit" { (viewer.t("repair-report-submit")) }
            }
        }
    }
}

/// The first moment of a day in the reader's time zone.
fn start_of(viewer: &Viewer, day: NaiveDate) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    viewer
        .reading
        .offset
        .from_local_datetime(&midnight)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// The service report: the dates of the form (the reader's days, `to` included) become the
/// API's period, and the browser fetches the CSV from the API with its session.
async fn report(viewer: Viewer, form: web::Query<ReportForm>) -> Result<HttpResponse, Failure> {
    viewer
        .actor
        .require(Permission::ReportsExport)
        .map_err(|e| viewer.fail(objects::problem(e)))?;
    let mut errors = FieldErrors::new();
    let day = |field: &str, value: &str, errors: &mut FieldErrors| -> Option<NaiveDate> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.insert(field.to_owned(), viewer.t("repair-report-bad-date"));
        }
        parsed
    };
    let from = day("from", &form.from, &mut errors);
    let to = day("to", &form.to, &mut errors);
    let status = match form.status.trim() {
        "" => None,
        raw => {
            let parsed = OrderStatus::parse(raw);
            if parsed.is_none() {
                errors.insert("status".into(), viewer.t("repair-report-bad-status"));
            }
            parsed
        }
    };
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        errors.insert("to".into(), viewer.t("repair-report-to-before-from"));
    }
    let from = from.and_then(|d| start_of(&viewer, d));
    let to = to
        .and_then(|d| d.succ_opt())
        .and_then(|d| start_of(&viewer, d));
    if !errors.is_empty() {
        require_desk(&viewer)?;
        return render_desk(
            &viewer,
            &DeskQuery::default(),
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut query = Vec::new();
    let rfc = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if let Some(from) = from {
        query.push(format!("from={}", encode(&rfc(from))));
    }
    if let Some(to) = to {
        query.push(format!("to={}", encode(&rfc(to))));
    }
    if let Some(status) = status {
        query.push(format!("status={}", status.as_str()));
    }
    let mut location = "/api/v1/reports/service.csv".to_owned();
    if !query.is_empty() {
        location.push('?');
        location.push_str(&query.join("&"));
    }
    Ok(see_other(&location))
}

// ---- a new RMA request -------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct RmaForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    house_number: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    reference: String,
    /// One device a line: `serial;description` (the description may be left out).
    #[serde(default)]
    declared: String,
}

/// The customer fields of the form: (name, message id of its label, longest length).
const CUSTOMER_FIELDS: [(&str, &str, usize); 9] = [
    ("company", "repair-company", 200),
    ("person", "repair-person", 200),
    ("email", "repair-email", 200),
    ("phone", "repair-phone", 100),
    ("street", "repair-street", 200),
    ("house_number", "repair-house-number", 100),
    ("postal_code", "repair-postal-code", 100),
    ("city", "repair-city", 200),
    ("country", "repair-country", 200),
];

impl RmaForm {
    fn value(&self, field: &str) -> &str {
        match field {
            "company" => &self.company,
            "person" => &self.person,
            "email" => &self.email,
            "phone" => &self.phone,
            "street" => &self.street,
            "house_number" => &self.house_number,
            "postal_code" => &self.postal_code,
            "city" => &self.city,
            "country" => &self.country,
            "reference" => &self.reference,
            _ => "",
        }
    }

    /// The request the form describes, or what is wrong with each field.
    fn to_request(&self, viewer: &Viewer) -> Result<NewOrder, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = |errors: &mut FieldErrors, field: &str| -> Option<Name> {
            optional_text(errors, field, self.value(field))
        };
        let code = |errors: &mut FieldErrors, field: &str| -> Option<Code> {
            optional_text(errors, field, self.value(field))
        };
        let customer = Customer {
            company: name(&mut errors, "company"),
            person: name(&mut errors, "person"),
            street: name(&mut errors, "street"),
            house_number: code(&mut errors, "house_number"),
            postal_code: code(&mut errors, "postal_code"),
            city: name(&mut errors, "city"),
            country: name(&mut errors, "country"),
            email: name(&mut errors, "email"),
            phone: code(&mut errors, "phone"),
            ..Customer::default()
        };
        let reference = code(&mut errors, "reference");
        let declared = match parse_declared(viewer, &self.declared) {
            Ok(declared) => declared,
            Err(message) => {
                errors.insert("declared".into(), message);
                Declared::default()
            }
        };
        if errors.is_empty() {
            Ok(NewOrder {
                reference,
                customer,
                declared,
                ..NewOrder::default()
            })
        } else {
            Err(errors)
        }
    }
}

/// The declared devices of the form's text: one a line, `serial;description` or `serial`
/// alone; empty lines are skipped. A bad line is named by its number (the first one found).
fn parse_declared(viewer: &Viewer, text: &str) -> Result<Declared, String> {
    let bad = |line: usize, message: &str| {
        viewer.lang().text_with(
            "repair-declared-bad-line",
            &[
                (
                    "count",
                    Arg::Number(i64::try_from(line).unwrap_or(i64::MAX)),
                ),
                ("name", Arg::Text(message)),
            ],
        )
    };
    let mut inputs = Vec::new();
    let mut lines = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let (serial, description) = match raw.split_once(';') {
            Some((serial, description)) => (serial.trim(), description.trim()),
            None => (raw.trim(), ""),
        };
        if serial.is_empty() {
            return Err(bad(line, &viewer.t("repair-declared-no-serial")));
        }
        let checked = DeclaredSerial::new("serial", serial).map_err(|e| bad(line, &e.message))?;
        if let Some(first) = seen.insert(checked.key(), line) {
            let again = viewer.lang().text_with(
                "repair-declared-again",
                &[(
                    "count",
                    Arg::Number(i64::try_from(first).unwrap_or(i64::MAX)),
                )],
            );
            return Err(bad(line, &again));
        }
        let description = if description.is_empty() {
            None
        } else {
            Text::<1000>::new("description", description).map_err(|e| bad(line, &e.message))?;
            Some(description.to_owned())
        };
        inputs.push(DeclaredInput {
            serial: serial.to_owned(),
            description,
        });
        lines.push(line);
    }
    Declared::new("declared", &inputs).map_err(|errors| {
        // Each line was checked already: what is left concerns the whole list (its length).
        errors
            .into_iter()
            .map(|e| {
                let entry = e
                    .field
                    .strip_prefix("declared[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| lines.get(i).copied());
                match entry {
                    Some(line) => bad(line, &e.message),
                    None => e.message,
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}

async fn new_form(viewer: Viewer) -> Result<HttpResponse, Failure> {
    viewer
        .actor
        .require(Permission::OrdersManage)
        .map_err(|e| viewer.fail(objects::problem(e)))?;
    Ok(render_new(
        &viewer,
        &RmaForm::default(),
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    ))
}

fn render_new(
    viewer: &Viewer,
    form: &RmaForm,
    errors: &FieldErrors,
    notice: Option<Notice>,
    status: StatusCode,
) -> HttpResponse {
    let content = html! {
        section.card {
            form.stack #rma-form method="post" action="/repair/new" {
                (csrf_field(viewer))
                fieldset.stack {
                    legend { (viewer.t("repair-customer")) }
                    @for (name, label, max) in CUSTOMER_FIELDS {
                        label { (viewer.t(label))
                            input type=(if name == "email" { "email" } else { "text" }) name=(name)
                                maxlength=(max) value=(form.value(name));
                            (field_error(errors, name)) }
                    }
                }
                label { (viewer.t("field-reference"))
                    input type="text" name="reference" maxlength="100" value=(form.reference);
                    (field_error(errors, "reference")) }
                label { (viewer.t("section-declared"))
                    span.muted { (viewer.t("repair-declared-hint")) }
                    textarea name="declared" rows="8" spellcheck="false"
                        placeholder="1234567;does not charge" { (form.declared) }
                    (field_error(errors, "declared")) }
                button type="submit" { (viewer.t("repair-create")) }
            }
        }
    };
    let title = viewer.t("repair-new");
    html_response(status, page(viewer, &title, notice.as_ref(), content))
}

async fn create(viewer: Viewer, form: web::Form<RmaForm>) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let new = match form.to_request(&viewer) {
        Ok(new) => new,
        Err(errors) => {
            let notice = Notice::Error(viewer.t("repair-form-invalid"));
            return Ok(render_new(
                &viewer,
                &form,
                &errors,
                Some(notice),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let meta = viewer.meta.clone();
    let outcome = viewer
        .calls
        .run(move |s| s.repair.create_rma(&new, &meta))
        .await;
    match outcome {
        Ok(order) => Ok(see_other(&format!("/orders/{}", order.id))),
        Err(e)
            if e.status() == StatusCode::UNPROCESSABLE_ENTITY
                || e.status() == StatusCode::BAD_REQUEST =>
        {
            let errors: FieldErrors = e
                .errors()
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect();
            let notice = Notice::Error(format!("{} {}", viewer.t("notice-invalid"), e.detail()));
            Ok(render_new(
                &viewer,
                &form,
                &errors,
                Some(notice),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

// ---- the order page of an RMA request ----------------------------------------------------

/// The repair part of an order's page: for an RMA request, its code and slip, what arrived
/// against what was declared, and the status form; nothing for another order.
pub async fn order_part(viewer: &Viewer, order: &Order) -> Result<Markup, Failure> {
    if !is_rma_order(order.id) {
        return Ok(html! {});
    }
    let (id, actor) = (order.id, viewer.actor.clone());
    let reconciliation = viewer
        .calls
        .run(move |s| s.repair.reconcile(&actor, id))
        .await;
    let reconciliation = match reconciliation {
        Ok(r) => Ok(r),
        // Too many items to tell: said in place of the reconciliation.
        Err(e) if e.status() == StatusCode::CONFLICT => Err(e.detail().to_owned()),
        Err(e) => return Err(viewer.fail(e)),
    };
    Ok(html! {
        section.card #rma {
            h2 { (viewer.t("repair-rma")) }
            p {
                strong.id { (code_of(id)) }
                @if viewer.may(Permission::OrdersManage) {
                    " · " a #slip href={ "/orders/" (id) "/slip.pdf" } target="_blank" { (viewer.t("repair-slip")) }
                }
            }
        }
        @match &reconciliation {
            Ok(r) => (reconciliation_section(viewer, r)),
            Err(detail) => section.card #reconciliation {
                h2 { (viewer.t("repair-reconciliation")) }
                p.notice.warn { (detail) }
            },
        }
        @if viewer.may(Permission::OrdersManage) {
            (status_form(viewer, order))
        }
    })
}

fn reconciliation_section(viewer: &Viewer, r: &Reconciliation) -> Markup {
    let m = &r.matching;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    html! {
        section.card #reconciliation {
            h2 { (viewer.t("repair-reconciliation")) }
            p.summary {
                span #count-matched { (viewer.lang().text_with("repair-matched-count", &[("count", Arg::Number(count(m.matched.len())))])) }
                " · "
                span #count-missing { (viewer.lang().text_with("repair-missing-count", &[("count", Arg::Number(count(m.missing.len())))])) }
                " · "
                span #count-undeclared { (viewer.lang().text_with("repair-undeclared-count", &[("count", Arg::Number(count(m.undeclared.len())))])) }
            }
            p {
                @match r.received_at {
                    Some(at) => {
                        (viewer.t("field-received-at")) ": " (time(viewer, at))
                        @if let Some(n) = r.age_days { " · " (days(viewer, n)) }
                        @if r.overdue { " " strong.overdue { (viewer.t("repair-overdue")) } }
                    },
                    None => span.muted { (viewer.t("repair-not-received")) },
                }
            }
            @if !m.matched.is_empty() {
                h3 { (viewer.t("repair-matched")) }
                table #matched {
                    thead { tr { th { (viewer.t("field-serial")) } th { (viewer.t("field-description")) } th { (viewer.t("repair-item")) } } }
                    tbody {
                        @for found in &m.matched {
                            tr {
                                td { code { (found.device.serial.as_str()) } }
                                td { @match &found.device.description { Some(d) => (d.as_str()), None => (dash()) } }
                                td { (id_link(found.item.object_id())) }
                            }
                        }
                    }
                }
            }
            @if !m.missing.is_empty() {
                h3 { (viewer.t("repair-missing")) }
                table #missing {
                    thead { tr { th { (viewer.t("field-serial")) } th { (viewer.t("field-description")) } } }
                    tbody {
                        @for device in &m.missing {
                            tr {
                                td { code { (device.serial.as_str()) } }
                                td { @match &device.description { Some(d) => (d.as_str()), None => (dash()) } }
                            }
                        }
                    }
                }
            }
            @if !m.undeclared.is_empty() {
                h3 { (viewer.t("repair-undeclared")) }
                table #undeclared {
                    thead { tr { th { (viewer.t("repair-item")) } th { (viewer.t("field-serial")) } } }
                    tbody {
                        @for item in &m.undeclared {
                            tr {
                                td { (id_link(item.id.object_id())) }
                                td { @match &item.serial { Some(s) => code { (s.as_str()) }, None => (dash()) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The statuses an order may be set to from the desk: forward only, `processed` and
/// `shipped` (`received` is set by the parcel's arrival on an intake place).
fn next_statuses(current: OrderStatus) -> Vec<OrderStatus> {
    [OrderStatus::Processed, OrderStatus::Shipped]
        .into_iter()
        .filter(|s| *s > current)
        .collect()
}

fn status_form(viewer: &Viewer, order: &Order) -> Markup {
    let next = next_statuses(order.status);
    html! {
        @if !next.is_empty() {
            section.card #status {
                h2 { (viewer.t("repair-set-status")) }
                form.inline method="post" action={ "/orders/" (order.id) "/status" } {
                    (csrf_field(viewer))
                    input type="hidden" name="version" value=(order.meta.version);
                    label { (viewer.t("field-status"))
                        select name="status" {
                            @for status in &next {
                                option value=(status.as_str()) { (viewer.t(&format!("status-{}", status.as_str()))) }
                            }
                        }
                    }
                    button type="submit" { (viewer.t("repair-set-status-submit")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    status: String,
}

async fn set_status(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, Failure> {
    let id: OrderId = path_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    let outcome = match OrderStatus::parse(form.status.trim()) {
        Some(status) => {
            let patch = OrderPatch {
                status: Some(status),
                ..OrderPatch::default()
            };
            let (version, meta) = (form.version, viewer.meta.clone());
            viewer
                .calls
                .run(move |s| {
                    s.orders
                        .update_order(id, Expected::Version(version), &patch, &meta)
                })
                .await
                .map(drop)
        }
        None => Err(ApiError::validation(vec![ApiError::field(
            "status",
            viewer.t("repair-report-bad-status"),
        )])),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/orders/{id}?done=saved#status"))),
        Err(e) => {
            let (notice, status) = if e.code() == "repair_unfinished" {
                let text = format!("{} {}", viewer.t("repair-unfinished"), e.detail());
                (Notice::Error(text), StatusCode::CONFLICT)
            } else {
                objects::form_refusal(&viewer, e)?
            };
            objects::render_order(&viewer, id, Some(notice), status).await
        }
    }
}

/// The customer's slip of an RMA request as a PDF (the repair wing renders it).
async fn slip(viewer: Viewer, id: web::Path<String>) -> Result<HttpResponse, Failure> {
    let id: OrderId = path_id(&viewer, &id)?;
    let actor = viewer.actor.clone();
    let slip = viewer
        .calls
        .run(move |s| s.repair.slip(&actor, id))
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(secure(HttpResponse::Ok())
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}.pdf\"", slip.code),
        ))
        .body(slip.pdf))
}

// ---- the item page: repair actions -------------------------------------------------------

/// The repair action form as it was sent.
#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    outcome: String,
    /// A result's parts, one a line.
    #[serde(default)]
    parts: String,
    #[serde(default)]
    warranty: Option<String>,
}

/// The repair part of an item's page: its actions, oldest first, and (for `repair.work`) the
/// form to record one.
pub async fn item_part(viewer: &Viewer, id: ItemId) -> Result<Markup, Failure> {
    let actions = read_actions(viewer, id).await?;
    Ok(actions_section(
        viewer,
        id,
        &actions,
        &ActionForm::default(),
        &FieldErrors::new(),
    ))
}

async fn read_actions(
    viewer: &Viewer,
    id: ItemId,
) -> Result<Page<eckwms_application::ports::RecordedAction>, Failure> {
    let actor = viewer.actor.clone();
    let page = PageQuery {
        after: None,
        limit: ACTION_ROWS,
    };
    viewer
        .calls
        .run(move |s| s.catalog.list_item_actions(&actor, id, &page))
        .await
        .map_err(|e| viewer.fail(e))
}

fn actions_section(
    viewer: &Viewer,
    id: ItemId,
    actions: &Page<eckwms_application::ports::RecordedAction>,
    form: &ActionForm,
    errors: &FieldErrors,
) -> Markup {
    let may_work = viewer.may(Permission::RepairWork);
    html! {
        @if may_work || !actions.items.is_empty() {
            section.card #repair {
                h2 { (viewer.t("repair-actions")) }
                @if actions.items.is_empty() {
                    p.muted { (viewer.t("repair-actions-empty")) }
                } @else {
                    table #actions {
                        thead { tr {
                            th { (viewer.t("history-when")) }
                            th { (viewer.t("repair-action-type")) }
                            th { (viewer.t("repair-action-message")) }
                            th { (viewer.t("repair-outcome")) }
                            th.hide-narrow { (viewer.t("repair-parts")) }
                            th.hide-narrow { (viewer.t("repair-warranty")) }
                            th { (viewer.t("history-who")) }
                        } }
                        tbody {
                            @for recorded in &actions.items {
                                @let action = &recorded.action;
                                tr {
                                    td { (time(viewer, action.at)) }
                                    td { (viewer.t(&format!("repair-type-{}", action.kind.as_str()))) }
                                    td { (action.message.as_str()) }
                                    @match &action.result {
                                        Some(result) => {
                                            td { (viewer.t(&format!("repair-outcome-{}", result.outcome.as_str()))) }
                                            td.hide-narrow {
                                                @for (i, part) in result.parts.iter().enumerate() {
                                                    @if i > 0 { br; }
                                                    (part.as_str())
                                                }
                                            }
                                            td.hide-narrow { (viewer.t(if result.warranty { "repair-yes" } else { "repair-no" })) }
                                        },
                                        None => { td { (dash()) } td.hide-narrow { (dash()) } td.hide-narrow { (dash()) } },
                                    }
                                    td.actor { (action.actor) }
                                }
                            }
                        }
                    }
                    @if actions.next_cursor.is_some() {
                        p.muted { (viewer.t("repair-actions-more")) }
                    }
                }
                @if may_work {
                    h3 { (viewer.t("repair-record")) }
                    form.stack #action-form method="post" action={ "/items/" (id) "/actions" } {
                        (csrf_field(viewer))
                        label { (viewer.t("repair-action-type"))
                            select name="type" {
                                @for kind in [ActionKind::Check, ActionKind::Cause, ActionKind::Result, ActionKind::Note] {
                                    option value=(kind.as_str()) selected[form.kind == kind.as_str()] {
                                        (viewer.t(&format!("repair-type-{}", kind.as_str())))
                                    }
                                }
                            }
                            (field_error(errors, "type")) }
                        label { (viewer.t("repair-action-message"))
                            input type="text" name="message" required maxlength="4000" value=(form.message);
                            (field_error(errors, "message")) }
                        label { (viewer.t("repair-outcome"))
                            span.muted { (viewer.t("repair-outcome-hint")) }
                            select name="outcome" {
                                option value="" { "—" }
                                @for outcome in Outcome::ALL {
                                    option value=(outcome.as_str()) selected[form.outcome == outcome.as_str()] {
                                        (viewer.t(&format!("repair-outcome-{}", outcome.as_str())))
                                    }
                                }
                            }
                            (field_error(errors, "outcome")) }
                        label { (viewer.t("repair-parts"))
                            span.muted { (viewer.t("repair-parts-hint")) }
                            textarea name="parts" rows="3" { (form.parts) }
                            (field_error(errors, "parts")) }
                        label {
                            input type="checkbox" name="warranty" value="1" checked[form.warranty.is_some()];
                            " " (viewer.t("repair-warranty"))
                        }
                        button type="submit" { (viewer.t("repair-record-submit")) }
                    }
                }
            }
        }
    }
}

type ActionParts = (ActionKind, Note, Option<RepairResult>);

impl ActionForm {
    /// The action the form describes (as the API's body checks it), or what is wrong.
    fn to_action(&self, viewer: &Viewer) -> Result<ActionParts, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = ActionKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.insert("type".into(), viewer.t("repair-bad-type"));
        }
        let message: Option<Note> = match Text::new("message", self.message.trim()) {
            Ok(message) => Some(message),
            Err(e) => {
                put_error(&mut errors, e);
                None
            }
        };
        let parts: Vec<String> = self
            .parts
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let outcome = match self.outcome.trim() {
            "" => None,
            raw => {
                let parsed = Outcome::parse(raw);
                if parsed.is_none() {
                    errors.insert("outcome".into(), viewer.t("repair-bad-outcome"));
                }
                parsed
            }
        };
        let result = match (kind, outcome) {
            (Some(ActionKind::Result), None) if self.outcome.trim().is_empty() => {
                errors.insert("outcome".into(), viewer.t("repair-outcome-required"));
                None
            }
            (Some(ActionKind::Result), Some(outcome)) => {
                match RepairResult::new("parts", outcome, parts, self.warranty.is_some()) {
                    Ok(result) => Some(result),
                    Err(list) => {
                        for e in list {
                            let line = e
                                .field
                                .strip_prefix("parts[")
                                .and_then(|rest| rest.split(']').next())
                                .and_then(|i| i.parse::<i64>().ok());
                            let message = match line {
                                Some(i) => viewer.lang().text_with(
                                    "repair-declared-bad-line",
                                    &[
                                        ("count", Arg::Number(i + 1)),
                                        ("name", Arg::Text(&e.message)),
                                    ],
                                ),
                                None => e.message,
                            };
                            errors.entry("parts".into()).or_insert(message);
                        }
                        None
                    }
                }
            }
            (Some(_), _) if outcome.is_some() || !parts.is_empty() || self.warranty.is_some() => {
                errors.insert("outcome".into(), viewer.t("repair-outcome-only-result"));
                None
            }
            _ => None,
        };
        match (kind, message) {
            (Some(kind), Some(message)) if errors.is_empty() => Ok((kind, message, result)),
            _ => Err(errors),
        }
    }
}

async fn add_action(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, Failure> {
    let id: ItemId = path_id(&viewer, &id)?;
    viewer.check_csrf(&form.csrf)?;
    let (kind, message, result) = match form.to_action(&viewer) {
        Ok(parts) => parts,
        Err(errors) => {
            return render_action_refusal(
                &viewer,
                id,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let meta = viewer.meta.clone();
    let outcome = viewer
        .calls
        .run(move |s| {
            let action = s.catalog.add_item_action(id, kind, message, result, &meta)?;
            if action.kind == ActionKind::Result {
                // The result is recorded whatever follows, as the API records it: an order
                // that could not be set processed now is set so explicitly.
                if let Err(e) = s.repair.after_result(id, &meta) {
                    tracing::warn!(item = %id, error = %e, "an RMA request completed by this result was not set processed");
                }
            }
            Ok(action)
        })
        .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/items/{id}?done=saved#repair"))),
        Err(e)
            if e.status() == StatusCode::UNPROCESSABLE_ENTITY
                || e.status() == StatusCode::BAD_REQUEST =>
        {
            let errors: FieldErrors = e
                .errors()
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect();
            render_action_refusal(
                &viewer,
                id,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

/// The action form again, with what was typed and why it was refused, below the item's
/// actions.
async fn render_action_refusal(
    viewer: &Viewer,
    id: ItemId,
    form: &ActionForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    let actions = read_actions(viewer, id).await?;
    let content = html! {
        p { a href={ "/items/" (id) } { (viewer.t("repair-back-to-item")) } }
        (actions_section(viewer, id, &actions, form, errors))
    };
    let title = viewer
        .lang()
        .text_with("repair-item-title", &[("id", Arg::Text(&id.to_string()))]);
    let notice = Notice::Error(viewer.t("repair-form-invalid"));
    Ok(html_response(
        status,
        page(viewer, &title, Some(&notice), content),
    ))
}
