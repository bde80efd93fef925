//! The orders wing: orders (customer orders and RMAs) and the boxes linked to them. An order's
//! history is the movement wing's.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::ports::OrderFilter;
use eckwms_application::repair::rma_code;
use eckwms_domain::repair::Declared;
use eckwms_domain::{
    BoxId, Code, Customer, Name, NewOrder, Order, OrderId, OrderPatch, OrderPublicFields,
    OrderStatus, PublicOrderField, Text,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::{BoxOut, Check, Field, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, created, ok_with_etag, path_id};
use crate::problem::ApiError;
use crate::schema;

/// Registers the orders' routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(update_order)
        .service(delete_order)
        .service(link_box)
        .service(unlink_box);
}

/// Customer fields of an order; all optional.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerDto {
    #[schema(value_type = Option<schema::NameText>)]
    pub company: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub person: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub street: Option<String>,
    #[schema(value_type = Option<schema::CodeText>)]
    pub house_number: Option<String>,
    #[schema(value_type = Option<schema::CodeText>)]
    pub postal_code: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub city: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub country: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub email: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub invoice_email: Option<String>,
    #[schema(value_type = Option<schema::CodeText>)]
    pub phone: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub reseller: Option<String>,
}

impl From<Customer> for CustomerDto {
    fn from(c: Customer) -> Self {
        Self {
            company: c.company.map(Text::into_string),
            person: c.person.map(Text::into_string),
            street: c.street.map(Text::into_string),
            house_number: c.house_number.map(Text::into_string),
            postal_code: c.postal_code.map(Text::into_string),
            city: c.city.map(Text::into_string),
            country: c.country.map(Text::into_string),
            email: c.email.map(Text::into_string),
            invoice_email: c.invoice_email.map(Text::into_string),
            phone: c.phone.map(Text::into_string),
            reseller: c.reseller.map(Text::into_string),
        }
    }
}

impl CustomerDto {
    pub(crate) fn into_domain(self, c: &mut Check) -> Customer {
        fn name(c: &mut Check, field: &str, v: Option<String>) -> Option<Name> {
            c.opt_text(&format!("customer.{field}"), v)
        }
        fn code(c: &mut Check, field: &str, v: Option<String>) -> Option<Code> {
            c.opt_text(&format!("customer.{field}"), v)
        }
        Customer {
            company: name(c, "company", self.company),
            person: name(c, "person", self.person),
            street: name(c, "street", self.street),
            house_number: code(c, "house_number", self.house_number),
            postal_code: code(c, "postal_code", self.postal_code),
            city: name(c, "city", self.city),
            country: name(c, "country", self.country),
            email: name(c, "email", self.email),
            invoice_email: name(c, "invoice_email", self.invoice_email),
            phone: code(c, "phone", self.phone),
            reseller: name(c, "reseller", self.reseller),
        }
    }
}

/// Order progress; it only moves forward.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusDto {
    Created,
    Received,
    Processed,
    Shipped,
}

impl From<OrderStatus> for OrderStatusDto {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::Created => OrderStatusDto::Created,
            OrderStatus::Received => OrderStatusDto::Received,
            OrderStatus::Processed => OrderStatusDto::Processed,
            OrderStatus::Shipped => OrderStatusDto::Shipped,
        }
    }
}

pub(crate) const STATUS_MESSAGE: &str = "must be one of created, received, processed, shipped";

/// The order fields that may be published (`public_fields`), in the order the page shows them.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicOrderFieldDto {
    Status,
    Reference,
    TrackingNumber,
    ReceivedAt,
    ProcessedAt,
    ShippedAt,
}

impl From<PublicOrderField> for PublicOrderFieldDto {
    fn from(f: PublicOrderField) -> Self {
        match f {
            PublicOrderField::Status => PublicOrderFieldDto::Status,
            PublicOrderField::Reference => PublicOrderFieldDto::Reference,
            PublicOrderField::TrackingNumber => PublicOrderFieldDto::TrackingNumber,
            PublicOrderField::ReceivedAt => PublicOrderFieldDto::ReceivedAt,
            PublicOrderField::ProcessedAt => PublicOrderFieldDto::ProcessedAt,
            PublicOrderField::ShippedAt => PublicOrderFieldDto::ShippedAt,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    #[schema(example = "o000000000000000001")]
    pub id: String,
    pub reference: Option<String>,
    pub customer: CustomerDto,
    pub status: OrderStatusDto,
    pub tracking_number: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
    pub shipped_at: Option<DateTime<Utc>>,
    /// What the public label page shows of the order (empty: nothing, the order is not public).
    #[schema(example = json!(["status", "tracking_number"]))]
    pub public_fields: Vec<PublicOrderFieldDto>,
    /// The RMA code of an RMA request (an order of the RMA range); `null` for other orders.
    #[schema(value_type = Option<schema::RmaCodeText>)]
    pub rma_code: Option<String>,
    /// The devices the customer declared (RMA requests), in their order.
    pub declared: Vec<DeclaredOut>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A declared device of an RMA request.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclaredOut {
    #[schema(value_type = schema::DeclaredSerialText)]
    pub serial: String,
    #[schema(value_type = Option<schema::DescriptionText>)]
    pub description: Option<String>,
}

impl From<Order> for OrderOut {
    fn from(o: Order) -> Self {
        Self {
            id: o.id.to_string(),
            reference: o.reference.map(Text::into_string),
            customer: o.customer.into(),
            status: o.status.into(),
            tracking_number: o.tracking_number.map(Text::into_string),
            received_at: o.received_at,
            processed_at: o.processed_at,
            shipped_at: o.shipped_at,
            public_fields: o.public_fields.iter().map(Into::into).collect(),
            rma_code: rma_code(o.id).map(|code| code.to_string()),
            declared: o
                .declared
                .devices()
                .iter()
                .map(|d| DeclaredOut {
                    serial: d.serial.as_str().to_owned(),
                    description: d.description.as_ref().map(|t| t.as_str().to_owned()),
                })
                .collect(),
            version: o.meta.version,
            created_at: o.meta.created_at,
            updated_at: o.meta.updated_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderIn {
    #[schema(value_type = Option<schema::CodeText>)]
    pub reference: Option<String>,
    pub customer: Option<CustomerDto>,
    #[schema(value_type = Option<schema::CodeText>)]
    pub tracking_number: Option<String>,
    /// Fields the public label page may show, each once; the customer never. Default: none.
    #[schema(value_type = Option<BTreeSet<PublicOrderFieldDto>>, example = json!(["status"]))]
    pub public_fields: Option<Vec<String>>,
}

impl CreateOrderIn {
    fn into_domain(self) -> Result<NewOrder, ApiError> {
        let mut c = Check::new();
        let reference: Option<Code> = c.opt_text("reference", self.reference);
        let customer = self
            .customer
            .map(|dto| dto.into_domain(&mut c))
            .unwrap_or_default();
        let tracking_number: Option<Code> = c.opt_text("tracking_number", self.tracking_number);
        let public_fields = self
            .public_fields
            .and_then(|names| c.domain(OrderPublicFields::new("public_fields", names)))
            .unwrap_or_default();
        c.finish()?;
        Ok(NewOrder {
            reference,
            customer,
            tracking_number,
            public_fields,
            declared: Declared::default(),
        })
    }
}

/// Every field is optional; `null` clears reference and tracking_number and is refused for the
/// others. `customer` replaces all customer fields, `public_fields` the whole set (`[]`:
/// nothing public).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOrderIn {
    #[serde(default)]
    #[schema(value_type = Option<schema::CodeText>)]
    pub reference: Field<String>,
    #[serde(default)]
    #[schema(value_type = CustomerDto)]
    pub customer: Field<CustomerDto>,
    #[serde(default)]
    #[schema(value_type = OrderStatusDto)]
    pub status: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<schema::CodeText>)]
    pub tracking_number: Field<String>,
    #[serde(default)]
    #[schema(value_type = BTreeSet<PublicOrderFieldDto>)]
    pub public_fields: Field<Vec<String>>,
}

impl PatchOrderIn {
    fn into_domain(self) -> Result<OrderPatch, ApiError> {
        let mut c = Check::new();
        let reference = c.patch_nullable_text("reference", self.reference);
        let customer = c
            .patch_value("customer", self.customer)
            .map(|dto| dto.into_domain(&mut c));
        let status = c.patch_value("status", self.status).and_then(|s| {
            let parsed = OrderStatus::parse(&s);
            if parsed.is_none() {
                c.push("status", STATUS_MESSAGE);
            }
            parsed
        });
        let tracking_number = c.patch_nullable_text("tracking_number", self.tracking_number);
        let public_fields = c
            .patch_value("public_fields", self.public_fields)
            .and_then(|names| c.domain(OrderPublicFields::new("public_fields", names)));
        c.finish()?;
        Ok(OrderPatch {
            reference,
            customer,
            status,
            tracking_number,
            public_fields,
            // Declared devices change through the repair wing.
            declared: None,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// Only orders in this status.
    #[param(value_type = Option<OrderStatusDto>)]
    pub status: Option<String>,
    /// Case-insensitive part of the reference.
    #[param(value_type = Option<schema::QueryText>)]
    pub q: Option<String>,
    /// Only orders received before this time (RFC 3339); with `status=received`, the repair
    /// desk's overdue list (e.g. received 30 days ago or earlier).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub received_before: Option<String>,
    /// `true`: only RMA requests whose parcel has arrived (`received_at` set) that miss at
    /// least one declared device, exactly as their reconciliation calls missing; `false`: only
    /// those that miss none. Orders still `created` are never listed (until the parcel
    /// arrives, every declared device is missing). A page examines at most 200 orders: it may
    /// come back short, even empty, with a `next_cursor` to go on from.
    #[param(value_type = Option<bool>)]
    pub missing_devices: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::OrderId>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBoxIn {
    /// The box to link.
    #[serde(rename = "box")]
    #[schema(value_type = schema::BoxId)]
    pub box_id: String,
}

/// Create an order.
#[utoipa::path(
    tag = "orders",
    responses((status = 201, description = "The new order", body = OrderOut,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/orders")]
pub async fn create_order(ctx: Ctx, body: Json<CreateOrderIn>) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let o = services
        .run(move |s| s.orders.create_order(&new, &meta))
        .await?;
    Ok(created(format!("/api/v1/orders/{}", o.id), Some(o.meta.version)).json(OrderOut::from(o)))
}

/// List orders by id. With `missing_devices`, the received RMA requests that miss declared
/// devices (or miss none), each reconciled as `GET /orders/{id}/reconciliation` does.
#[utoipa::path(
    tag = "orders",
    params(OrderListQuery),
    responses(
        (status = 200, description = "One page of orders", body = PageOut<OrderOut>),
        (status = 409, description = "With `missing_devices`: the boxes linked to an order examined hold more \
            than 10,000 items (`reconciliation_too_large`, naming the order)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders")]
pub async fn list_orders(
    ctx: Ctx,
    query: web::Query<OrderListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let status = q.status.as_deref().and_then(|raw| {
        let parsed = OrderStatus::parse(raw);
        if parsed.is_none() {
            check.reject("status", STATUS_MESSAGE);
        }
        parsed
    });
    let filter = OrderFilter {
        status,
        text: check.text("q", q.q.as_deref()),
        received_before: check.time("received_before", q.received_before.as_deref()),
        ..OrderFilter::default()
    };
    let missing_devices = check.bool("missing_devices", q.missing_devices.as_deref());
    let cursor = check.id::<OrderId>("cursor", q.cursor.as_deref());
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| match missing_devices {
            // The repair wing reconciles each received RMA request.
            Some(missing) => s
                .repair
                .list_by_missing_devices(&actor, &filter, missing, &page),
            None => s.orders.list_orders(&actor, &filter, &page),
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, OrderOut::from)))
}

/// Read an order.
#[utoipa::path(
    tag = "orders",
    params(("id" = schema::OrderId, Path, description = "Order id")),
    responses((status = 200, description = "The OrderOut and its version", body = OrderOut, headers(("ETag" = String))))
)]
#[get("/orders/{id}")]
pub async fn get_order(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let o = services
        .run(move |s| s.orders.get_order(&actor, id))
        .await?;
    Ok(ok_with_etag(o.meta.version).json(OrderOut::from(o)))
}

/// Change an order; the status only moves forward.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = schema::OrderId, Path, description = "Order id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The OrderOut and its version", body = OrderOut, headers(("ETag" = String))))
)]
#[patch("/orders/{id}")]
pub async fn update_order(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<PatchOrderIn>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let patch = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let o = services
        .run(move |s| s.orders.update_order(id, if_match.0, &patch, &meta))
        .await?;
    Ok(ok_with_etag(o.meta.version).json(OrderOut::from(o)))
}

/// Delete an order without linked boxes.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = schema::OrderId, Path, description = "Order id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/orders/{id}")]
pub async fn delete_order(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.orders.delete_order(id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Link a box to the order (a box belongs to at most one order).
#[utoipa::path(
    tag = "orders",
    params(("id" = schema::OrderId, Path, description = "Order id")),
    responses((status = 200, description = "The linked box", body = BoxOut))
)]
#[post("/orders/{id}/boxes")]
pub async fn link_box(
    ctx: Ctx,
    id: web::Path<String>,
    body: Json<LinkBoxIn>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let mut c = Check::new();
    let box_id = c.id::<BoxId>("box", &body.box_id);
    c.finish()?;
    let Some(box_id) = box_id else {
        return Err(c.error());
    };
    let Ctx { services, meta } = ctx;
    let b = services
        .run(move |s| s.orders.link_box(id, box_id, &meta))
        .await?;
    Ok(HttpResponse::Ok().json(BoxOut::from(b)))
}

/// Unlink a box from the order.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = schema::OrderId, Path, description = "Order id"),
        ("box_id" = schema::BoxId, Path, description = "Box id")
    ),
    responses((status = 200, description = "The unlinked box", body = BoxOut))
)]
#[delete("/orders/{id}/boxes/{box_id}")]
pub async fn unlink_box(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_order, raw_box) = path.into_inner();
    let order = path_id::<OrderId>("id", &raw_order);
    let box_id = path_id::<BoxId>("box_id", &raw_box);
    let (order, box_id) = match (order, box_id) {
        (Ok(order), Ok(box_id)) => (order, box_id),
        (order, box_id) => {
            let errors = [order.err(), box_id.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| e.errors().to_vec())
                .collect();
            return Err(ApiError::invalid_id(errors));
        }
    };
    let Ctx { services, meta } = ctx;
    let b = services
        .run(move |s| s.orders.unlink_box(order, box_id, &meta))
        .await?;
    Ok(HttpResponse::Ok().json(BoxOut::from(b)))
}
