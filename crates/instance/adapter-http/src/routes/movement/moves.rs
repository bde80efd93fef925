//! Moves: put one or several items or boxes into a box or at a place, atomically.

use actix_web::{HttpResponse, post};
use eckwms_application::ports::{MoveCommand, MoveOutcome};
use eckwms_domain::{Movable, Note};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::{Check, Field};
use crate::extract::{Ctx, Json};
use crate::problem::ApiError;
use crate::schema;

/// Give exactly one of `object` and `objects`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    /// One item or box id.
    #[schema(value_type = schema::MovableId, required = false)]
    pub object: Option<String>,
    /// Several item or box ids (at most 500, each once), moved together or not at all.
    #[schema(value_type = BTreeSet<schema::MovableId>, required = false, min_items = 1, max_items = 500)]
    pub objects: Option<Vec<String>>,
    /// The box or place to move to.
    #[schema(value_type = schema::ParentId)]
    pub to: String,
    /// When given, every object must currently be there (`null`: nowhere), else 409.
    #[serde(default)]
    #[schema(value_type = Option<schema::ParentId>)]
    pub expected_from: Field<String>,
    /// Recorded in the ledger.
    #[schema(value_type = Option<schema::NoteText>)]
    pub reason: Option<String>,
}

impl MoveIn {
    fn into_domain(self) -> Result<(MoveCommand, Option<Note>), ApiError> {
        let mut c = Check::new();
        let raw_objects: Vec<(String, String)> = match (self.object, self.objects) {
            (Some(one), None) => vec![("object".to_owned(), one)],
            (None, Some(many)) => many
                .into_iter()
                .enumerate()
                .map(|(i, raw)| (format!("objects[{i}]"), raw))
                .collect(),
            (Some(_), Some(_)) => {
                c.push("object", "give either object or objects, not both");
                c.push("objects", "give either object or objects, not both");
                Vec::new()
            }
            (None, None) => {
                c.push("object", "give object or objects");
                c.push("objects", "give object or objects");
                Vec::new()
            }
        };
        let objects: Vec<Option<Movable>> = raw_objects
            .iter()
            .map(|(field, raw)| c.movable(field, raw))
            .collect();
        let to = c.parent("to", &self.to);
        let expected_from = match self.expected_from {
            Field::Absent => Some(None),
            Field::Null => Some(Some(None)),
            Field::Value(raw) => c.parent("expected_from", &raw).map(|p| Some(Some(p))),
        };
        let reason: Option<Note> = c.opt_text("reason", self.reason);
        c.finish()?;
        let objects: Option<Vec<Movable>> = objects.into_iter().collect();
        let (Some(objects), Some(to), Some(expected_from)) = (objects, to, expected_from) else {
            return Err(c.error());
        };
        Ok((
            MoveCommand {
                objects,
                to,
                expected_from,
            },
            reason,
        ))
    }
}

/// What happened to one object.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoveOut {
    pub object: String,
    pub from: Option<String>,
    pub to: String,
    /// False when the object was already there.
    pub moved: bool,
}

impl From<MoveOutcome> for MoveOut {
    fn from(m: MoveOutcome) -> Self {
        Self {
            object: m.object.to_string(),
            from: m.from.map(|p| p.to_string()),
            to: m.to.to_string(),
            moved: m.moved,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovesOut {
    pub moves: Vec<MoveOut>,
}

/// Move one or several items or boxes into a box or at a place.
#[utoipa::path(
    tag = "moves",
    responses(
        (status = 200, description = "What moved", body = MovesOut),
        (status = 404, description = "An object or the target does not exist (`not_found`)"),
    )
)]
#[post("/moves")]
pub async fn move_objects(ctx: Ctx, body: Json<MoveIn>) -> Result<HttpResponse, ApiError> {
    let (command, reason) = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let outcomes = services
        .run(move |s| s.movement.move_objects(&command, reason.as_ref(), &meta))
        .await?;
    Ok(HttpResponse::Ok().json(MovesOut {
        moves: outcomes.into_iter().map(MoveOut::from).collect(),
    }))
}
