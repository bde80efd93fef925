//! Items: single physical units (a device, a part), and the repair actions recorded on them.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::ports::ItemFilter;
use eckwms_domain::repair::{Outcome, RepairResult};
use eckwms_domain::{
    ActionKind, Attributes, Barcodes, Code, Item, ItemAction, ItemId, ItemPatch, Name, NewItem,
    Note, Text,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::dto::{Check, Field, HistoryQuery, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, created, ok_with_etag, path_id};
use crate::problem::ApiError;
use crate::schema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    #[schema(example = "i000000000000000001")]
    pub id: String,
    pub serial: Option<String>,
    pub class_code: Option<String>,
    pub name: Option<String>,
    pub condition: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    pub barcodes: Vec<String>,
    /// The box or place the item is in.
    pub parent: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Item> for ItemOut {
    fn from(i: Item) -> Self {
        Self {
            id: i.id.to_string(),
            serial: i.serial.map(Text::into_string),
            class_code: i.class_code.map(Text::into_string),
            name: i.name.map(Text::into_string),
            condition: i.condition.map(Text::into_string),
            attributes: i.attributes.as_map().clone(),
            barcodes: i
                .barcodes
                .as_slice()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            parent: i.parent.map(|p| p.to_string()),
            version: i.meta.version,
            created_at: i.meta.created_at,
            updated_at: i.meta.updated_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateItemIn {
    #[schema(value_type = Option<schema::CodeText>)]
    pub serial: Option<String>,
    #[schema(value_type = Option<schema::CodeText>)]
    pub class_code: Option<String>,
    #[schema(value_type = Option<schema::NameText>)]
    pub name: Option<String>,
    #[schema(value_type = Option<schema::CodeText>)]
    pub condition: Option<String>,
    /// A JSON object of free attributes.
    #[schema(value_type = Option<schema::AttributeMap>)]
    pub attributes: Option<Value>,
    /// Extra barcodes, unique.
    #[schema(value_type = Option<schema::BarcodeList>)]
    pub barcodes: Option<Vec<String>>,
    /// A box or place id to put the new item in.
    #[schema(value_type = Option<schema::ParentId>)]
    pub parent: Option<String>,
}

impl CreateItemIn {
    fn into_domain(self) -> Result<NewItem, ApiError> {
        let mut c = Check::new();
        let serial: Option<Code> = c.opt_text("serial", self.serial);
        let class_code: Option<Code> = c.opt_text("class_code", self.class_code);
        let name: Option<Name> = c.opt_text("name", self.name);
        let condition: Option<Code> = c.opt_text("condition", self.condition);
        let attributes = self
            .attributes
            .and_then(|v| c.take(Attributes::new("attributes", v)))
            .unwrap_or_default();
        let barcodes = self
            .barcodes
            .and_then(|v| c.take(Barcodes::new("barcodes", v)))
            .unwrap_or_default();
        let parent = self.parent.and_then(|p| c.parent("parent", &p));
        c.finish()?;
        Ok(NewItem {
            serial,
            class_code,
            name,
            condition,
            attributes,
            barcodes,
            parent,
        })
    }
}

/// Every field is optional; `null` clears serial, class_code, name and condition, and is
/// refused for attributes and barcodes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchItemIn {
    #[serde(default)]
    #[schema(value_type = Option<schema::CodeText>)]
    pub serial: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<schema::CodeText>)]
    pub class_code: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<schema::NameText>)]
    pub name: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<schema::CodeText>)]
    pub condition: Field<String>,
    /// Replaces all attributes.
    #[serde(default)]
    #[schema(value_type = schema::AttributeMap)]
    pub attributes: Field<Value>,
    /// Replaces all extra barcodes.
    #[serde(default)]
    #[schema(value_type = schema::BarcodeList)]
    pub barcodes: Field<Vec<String>>,
}

impl PatchItemIn {
    fn into_domain(self) -> Result<ItemPatch, ApiError> {
        let mut c = Check::new();
        let serial = c.patch_nullable_text("serial", self.serial);
        let class_code = c.patch_nullable_text("class_code", self.class_code);
        let name = c.patch_nullable_text("name", self.name);
        let condition = c.patch_nullable_text("condition", self.condition);
        let attributes = c
            .patch_value("attributes", self.attributes)
            .and_then(|v| c.take(Attributes::new("attributes", v)));
        let barcodes = c
            .patch_value("barcodes", self.barcodes)
            .and_then(|v| c.take(Barcodes::new("barcodes", v)));
        c.finish()?;
        Ok(ItemPatch {
            serial,
            class_code,
            name,
            condition,
            attributes,
            barcodes,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemListQuery {
    /// Only items of this class.
    #[param(value_type = Option<schema::QueryText>)]
    pub class_code: Option<String>,
    /// Only items directly in this box or place.
    #[param(value_type = Option<schema::ParentId>)]
    pub parent: Option<String>,
    /// Case-insensitive part of serial, name or an extra barcode.
    #[param(value_type = Option<schema::QueryText>)]
    pub q: Option<String>,
    /// `true`: only items with open repair work (a `check` or `cause` action and no
    /// `result`); `false`: only items without.
    #[param(value_type = Option<bool>)]
    pub open_repair: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::ItemId>)]
    pub cursor: Option<String>,
}

/// Kind of a repair action.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    Check,
    Cause,
    Result,
    Note,
}

impl From<ActionKind> for ActionType {
    fn from(k: ActionKind) -> Self {
        match k {
            ActionKind::Check => ActionType::Check,
            ActionKind::Cause => ActionType::Cause,
            ActionKind::Result => ActionType::Result,
            ActionKind::Note => ActionType::Note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOut {
    #[serde(rename = "type")]
    pub kind: ActionType,
    pub message: String,
    pub at: DateTime<Utc>,
    /// Who did it: the technician (`user:<id>`, with a scanner `user:<id>/device:<id>`) or key.
    pub actor: String,
    /// A result's outcome; `null` for other kinds (and for results recorded before outcomes).
    pub outcome: Option<OutcomeDto>,
    /// A result's parts used, one line each; `[]` otherwise.
    #[schema(value_type = Vec<schema::PartLine>)]
    pub parts: Vec<String>,
    /// Whether a result was done under warranty; `null` for other kinds.
    pub warranty: Option<bool>,
}

/// What a repair came to.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    Repaired,
    Replaced,
    NoFaultFound,
    BeyondRepair,
    ReturnedUnrepaired,
}

impl From<Outcome> for OutcomeDto {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Repaired => OutcomeDto::Repaired,
            Outcome::Replaced => OutcomeDto::Replaced,
            Outcome::NoFaultFound => OutcomeDto::NoFaultFound,
            Outcome::BeyondRepair => OutcomeDto::BeyondRepair,
            Outcome::ReturnedUnrepaired => OutcomeDto::ReturnedUnrepaired,
        }
    }
}

impl From<ItemAction> for ActionOut {
    fn from(a: ItemAction) -> Self {
        let (outcome, parts, warranty) = match a.result {
            Some(r) => (
                Some(r.outcome.into()),
                r.parts.into_iter().map(|p| p.into_string()).collect(),
                Some(r.warranty),
            ),
            None => (None, Vec::new(), None),
        };
        Self {
            kind: a.kind.into(),
            message: a.message.into_string(),
            at: a.at,
            actor: a.actor,
            outcome,
            parts,
            warranty,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActionIn {
    #[serde(rename = "type")]
    #[schema(value_type = ActionType)]
    pub kind: String,
    #[schema(value_type = schema::NoteText)]
    pub message: String,
    /// A result's outcome (required for a result, refused for the other kinds).
    #[schema(value_type = Option<OutcomeDto>)]
    pub outcome: Option<String>,
    /// A result's parts used, one line each (1–200 characters, at most 50 lines).
    #[schema(value_type = Option<Vec<schema::PartLine>>, max_items = 50)]
    pub parts: Option<Vec<String>>,
    /// Whether a result was done under warranty (default false).
    pub warranty: Option<bool>,
}

type ActionParts = (ActionKind, Note, Option<RepairResult>);

impl CreateActionIn {
    fn into_domain(self) -> Result<ActionParts, ApiError> {
        let mut c = Check::new();
        let kind = ActionKind::parse(&self.kind);
        if kind.is_none() {
            c.push("type", "must be one of check, cause, result, note");
        }
        let message: Option<Note> = c.text("message", self.message);
        let outcome = self.outcome.as_deref().and_then(|text| {
            let outcome = Outcome::parse(text);
            if outcome.is_none() {
                c.push(
                    "outcome",
                    "must be one of repaired, replaced, no_fault_found, beyond_repair, \
                     returned_unrepaired",
                );
            }
            outcome
        });
        let has_extras = self.parts.is_some() || self.warranty.is_some();
        let result = match outcome {
            Some(outcome) => {
                match RepairResult::new(
                    "parts",
                    outcome,
                    self.parts.unwrap_or_default(),
                    self.warranty.unwrap_or(false),
                ) {
                    Ok(result) => Some(result),
                    Err(errors) => {
                        for e in errors {
                            c.push(e.field, e.message);
                        }
                        None
                    }
                }
            }
            None => {
                if has_extras && self.outcome.is_none() {
                    c.push("outcome", "parts and warranty come with an outcome");
                }
                None
            }
        };
        c.finish()?;
        match (kind, message) {
            (Some(kind), Some(message)) => Ok((kind, message, result)),
            _ => Err(c.error()),
        }
    }
}

/// The 409 of item writes.
const SERIAL_IN_USE: &str = "`serial_in_use`: the serial names an item this one cannot be told \
    apart from (the same class code, or either has none); `detail` names it. Nothing changed. \
    Also any other conflict, or an idempotent request in progress";

/// Create an item. Its serial must not name an item it cannot be told apart from (one item
/// per serial and class code; an item without a class clashes with every item of its serial).
#[utoipa::path(
    tag = "items",
    responses(
        (status = 201, description = "The new item", body = ItemOut,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = SERIAL_IN_USE, body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[post("/items")]
pub async fn create_item(ctx: Ctx, body: Json<CreateItemIn>) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let i = services
        .run(move |s| s.catalog.create_item(&new, &meta))
        .await?;
    Ok(created(format!("/api/v1/items/{}", i.id), Some(i.meta.version)).json(ItemOut::from(i)))
}

/// List items by id.
#[utoipa::path(
    tag = "items",
    params(ItemListQuery),
    responses((status = 200, description = "One page of items", body = PageOut<ItemOut>))
)]
#[get("/items")]
pub async fn list_items(
    ctx: Ctx,
    query: web::Query<ItemListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let filter = ItemFilter {
        class_code: check.text("class_code", q.class_code.as_deref()),
        parent: check.parent("parent", q.parent.as_deref()),
        text: check.text("q", q.q.as_deref()),
        open_repair: check.bool("open_repair", q.open_repair.as_deref()),
    };
    let cursor = check.id::<ItemId>("cursor", q.cursor.as_deref());
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.catalog.list_items(&actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, ItemOut::from)))
}

/// Read an item.
#[utoipa::path(
    tag = "items",
    params(("id" = schema::ItemId, Path, description = "Item id")),
    responses((status = 200, description = "The ItemOut and its version", body = ItemOut, headers(("ETag" = String))))
)]
#[get("/items/{id}")]
pub async fn get_item(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let i = services
        .run(move |s| s.catalog.get_item(&actor, id))
        .await?;
    Ok(ok_with_etag(i.meta.version).json(ItemOut::from(i)))
}

/// Change an item. A new serial or class code is checked like a new item's.
#[utoipa::path(
    tag = "items",
    params(
        ("id" = schema::ItemId, Path, description = "Item id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses(
        (status = 200, description = "The ItemOut and its version", body = ItemOut, headers(("ETag" = String))),
        (status = 409, description = SERIAL_IN_USE, body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[patch("/items/{id}")]
pub async fn update_item(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<PatchItemIn>,
) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    let patch = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let i = services
        .run(move |s| s.catalog.update_item(id, if_match.0, &patch, &meta))
        .await?;
    Ok(ok_with_etag(i.meta.version).json(ItemOut::from(i)))
}

/// Delete an item.
#[utoipa::path(
    tag = "items",
    params(
        ("id" = schema::ItemId, Path, description = "Item id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/items/{id}")]
pub async fn delete_item(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.catalog.delete_item(id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record a repair action (check, cause, result, note) on an item.
#[utoipa::path(
    tag = "items",
    params(("id" = schema::ItemId, Path, description = "Item id")),
    responses((status = 201, description = "The recorded action", body = ActionOut))
)]
#[post("/items/{id}/actions")]
pub async fn add_item_action(
    ctx: Ctx,
    id: web::Path<String>,
    body: Json<CreateActionIn>,
) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    let (kind, message, result) = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let action = services
        .run(move |s| {
            let action = s.catalog.add_item_action(id, kind, message, result, &meta)?;
            if action.kind == ActionKind::Result {
                // The result is recorded whatever follows: an order that could not be set
                // processed now is set so explicitly (which checks the same).
                if let Err(e) = s.repair.after_result(id, &meta) {
                    tracing::warn!(item = %id, error = %e, "an RMA request completed by this result was not set processed");
                }
            }
            Ok(action)
        })
        .await?;
    Ok(HttpResponse::Created().json(ActionOut::from(action)))
}

/// The repair actions of an item, oldest first, a page at a time like every list.
#[utoipa::path(
    tag = "items",
    params(("id" = schema::ItemId, Path, description = "Item id"), HistoryQuery),
    responses((status = 200, description = "One page of actions, oldest first", body = PageOut<ActionOut>))
)]
#[get("/items/{id}/actions")]
pub async fn list_item_actions(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    let query = query.into_inner();
    let mut check = QueryCheck::new();
    let cursor = check.int("cursor", query.cursor.as_deref());
    let page = check.page(cursor, query.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.catalog.list_item_actions(&actor, id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, |a| ActionOut::from(a.action))))
}
