//! OpenAPI post-processing both services share: the generated document is completed with the
//! problem responses each kind of operation can answer, so that every refusal the server makes
//! is documented, with the content type it is sent with.
//!
//! Each service decides which problems an operation can answer (from its path, parameters,
//! body and security); the helpers here read an operation and add responses to it.

use actix_web::http::Method;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::problem::PROBLEM_CONTENT_TYPE;

/// The name of the problem schema in `components.schemas`.
pub const PROBLEM_SCHEMA: &str = "Problem";

/// The characters a text people read never holds (`eckwms_domain::Text`), as far as a pattern
/// every engine reads can say them (no Unicode classes; characters of the Basic Multilingual
/// Plane): control characters, the format characters (soft hyphen, Arabic number signs,
/// zero-width, direction marks, embeddings, overrides and isolates, invisible operators, the
/// BOM, interlinear annotation), line and paragraph separators, private-use characters and
/// noncharacters. (Surrogates never reach a text: the JSON reader refuses them.)
pub const NEVER_IN_TEXT: &str = "\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ue000-\\uf8ff\\ufdd0-\\ufdef\\ufeff\\ufff9-\\ufffb\\ufffe\\uffff";

/// The white space `str::trim` removes (Unicode `White_Space`), as a character class body.
const TRIMMED: &str =
    "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// A text of `eckwms_domain::Text`'s rules: none of [`NEVER_IN_TEXT`], and neither starting
/// nor ending with white space. The domain refuses a little more than the pattern says (a text
/// with no visible character inside, such as a lone combining mark; unassigned and private-use
/// code points outside the Basic Multilingual Plane), never less.
pub fn text_pattern() -> String {
    format!("^[^\\s{NEVER_IN_TEXT}]([^{NEVER_IN_TEXT}]*[^\\s{NEVER_IN_TEXT}])?$")
}

/// A text that meets `eckwms_domain::Text`'s rules once the white space around it is trimmed
/// (as [`text_pattern`], with any white space before and after).
pub fn trimmed_text_pattern() -> String {
    format!(
        "^[{TRIMMED}]*[^\\s{NEVER_IN_TEXT}]([^{NEVER_IN_TEXT}]*[^\\s{NEVER_IN_TEXT}])?[{TRIMMED}]*$"
    )
}

/// A pattern of texts with a character that is not white space, and no control character.
pub const NOT_BLANK: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// Declares a unit struct whose OpenAPI schema is `$schema` (an expression of a schema
/// builder), one component named like the struct: the schema of a value the service
/// validates by hand (an id, a bounded text), for fields and parameters to name with
/// `value_type = ...`. The crate using it depends on `utoipa`.
#[macro_export]
macro_rules! value_schema {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::schema::Schema::from($schema).into()
            }
        }

        impl ::utoipa::ToSchema for $name {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

/// Every operation of a path, with its method.
pub fn operations_mut(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// Whether the operation takes a parameter in `location`.
pub fn has_param(op: &Operation, location: ParameterIn) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == location)
}

/// Whether the operation takes the header `name` (case-insensitive).
pub fn has_header(op: &Operation, name: &str) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case(name))
}

/// The security schemes an operation names, in any of its alternatives (none for a public
/// operation, `security: [{}]`, and for one that names no security of its own).
pub fn security_schemes(op: &Operation) -> Vec<String> {
    let mut names: Vec<String> = op
        .security
        .iter()
        .flatten()
        .filter_map(|requirement| serde_json::to_value(requirement).ok())
        .filter_map(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
        .flatten()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Adds a problem response for `status`, unless the operation documents that status already
/// (its description names its codes); [`problem_bodies`] gives such a response its body.
pub fn problem(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_CONTENT_TYPE,
                    Content::new(Some(Ref::from_schema_name(PROBLEM_SCHEMA))),
                )
                .build()
                .into()
        });
}

/// The problems both services' operations have for what they take: 404 for an object named
/// in the path, 413, 415 and 422 for a JSON body. A service adds its own first (credentials,
/// headers, a 422 with more causes): [`problem`] keeps the first description of a status.
pub fn input_problems(op: &mut Operation) {
    if has_param(op, ParameterIn::Path) {
        problem(op, "404", "No such object (`not_found`)");
    }
    if op.request_body.is_some() {
        problem(op, "413", "Body too large (`payload_too_large`)");
        problem(op, "415", "Body is not JSON (`unsupported_media_type`)");
        problem(
            op,
            "422",
            "Invalid fields (`validation_failed`), listed in `errors`",
        );
    }
}

/// 503 when the operation calls a service (its database may be unreachable, its turn may not
/// come), and 500 for every operation.
pub fn server_problems(op: &mut Operation, calls_services: bool) {
    if calls_services {
        problem(op, "503", "Temporarily unavailable (`unavailable`); retry");
    }
    problem(
        op,
        "500",
        "Internal error (`internal`); the detail reveals nothing",
    );
}

/// Every refusal (4xx, 5xx) is documented with the body it is sent with: a problem, as
/// `application/problem+json` (a route annotation naming `body = Problem` gets
/// `application/json`, one naming no body gets none). A refusal documented with a body of
/// another shape keeps it.
pub fn problem_bodies(doc: &mut OpenApi) {
    let problem_ref = format!("#/components/schemas/{PROBLEM_SCHEMA}");
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                if response.content.is_empty() {
                    response.content.insert(
                        PROBLEM_CONTENT_TYPE.to_owned(),
                        Content::new(Some(Ref::from_schema_name(PROBLEM_SCHEMA))),
                    );
                    continue;
                }
                let is_problem = |content: &Content| matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location == problem_ref);
                let Some(index) = response.content.iter().position(|(kind, content)| {
                    kind != PROBLEM_CONTENT_TYPE && is_problem(content)
                }) else {
                    continue;
                };
                if let Some((_, content)) = response.content.shift_remove_index(index) {
                    response
                        .content
                        .insert(PROBLEM_CONTENT_TYPE.to_owned(), content);
                }
            }
        }
    }
}

/// A link a client (and the stateful phase of a contract test) can follow: from the answer
/// `status` of the operation `from` to the operation `to`, with its parameters as OpenAPI
/// runtime expressions (`$response.body#/id`, `$request.path.id`, ...).
pub struct Link {
    pub from: &'static str,
    pub status: &'static str,
    pub to: &'static str,
    pub parameters: &'static [(&'static str, &'static str)],
}

/// An OpenAPI link object to the operation `operation_id`.
pub fn link_to(operation_id: &str, parameters: &[(&str, &str)]) -> utoipa::openapi::link::Link {
    // utoipa 5 writes the field as `operation_id`, not `operationId` as OpenAPI spells it: it
    // goes in as an extension, which is written as named.
    let mut link =
        LinkBuilder::new().extensions(Some(Extensions::from_iter([("operationId", operation_id)])));
    for (name, expression) in parameters {
        link = link.parameter(*name, *expression);
    }
    link.build()
}

/// Adds `links` to the answers they start from, named after their target operation.
pub fn add_links(doc: &mut OpenApi, links: &[Link]) {
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            let from = op.operation_id.clone().unwrap_or_default();
            for link in links.iter().filter(|l| l.from == from) {
                if let Some(RefOr::T(response)) = op.responses.responses.get_mut(link.status) {
                    response
                        .links
                        .insert(link.to.to_owned(), link_to(link.to, link.parameters).into());
                }
            }
        }
    }
}

/// Checks of a served document (as JSON) for the services' tests.
#[cfg(feature = "testing")]
pub mod testing {
    use serde_json::Value;

    /// Whether a string fits a string schema: its length bounds (in characters) and pattern.
    pub fn fits(schema: &Value, s: &str) -> bool {
        let chars = s.chars().count() as u64;
        let min = schema["minLength"].as_u64().unwrap_or(0);
        let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX);
        let pattern = schema["pattern"].as_str().map(regex::Regex::new);
        let matches = match pattern {
            None => true,
            Some(Ok(pattern)) => pattern.is_match(s),
            Some(Err(_)) => false,
        };
        chars >= min && chars <= max && matches
    }

    /// The refusals (4xx, 5xx) of the document not documented with exactly an
    /// `application/problem+json` body, as `METHOD path status: [content types]`; `except` names
    /// the (path, status) documented with another body on purpose.
    pub fn refusals_without_problem_bodies(doc: &Value, except: &[(&str, &str)]) -> Vec<String> {
        let mut wrong = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let refusal = status.starts_with('4') || status.starts_with('5');
                    if !refusal || except.contains(&(path.as_str(), status.as_str())) {
                        continue;
                    }
                    let kinds: Vec<&String> = response["content"]
                        .as_object()
                        .map(|c| c.keys().collect())
                        .unwrap_or_default();
                    if kinds != ["application/problem+json"] {
                        wrong.push(format!(
                            "{} {path} {status}: {kinds:?}",
                            method.to_uppercase()
                        ));
                    }
                }
            }
        }
        wrong
    }

    /// Asserts that a service documents every refusal with exactly a problem+json body, but
    /// the 503 of `/ECK/HEALTH`: the degraded health report, in the original's JSON shape.
    pub fn assert_refusals_are_problem_json(doc: &Value) {
        let health = [("/ECK/HEALTH", "503")];
        assert_eq!(
            refusals_without_problem_bodies(doc, &health),
            Vec::<String>::new()
        );
        let degraded = doc["paths"]["/ECK/HEALTH"]["get"]["responses"]["503"]["content"]
            .as_object()
            .map(|content| content.keys().cloned().collect::<Vec<_>>());
        assert_eq!(degraded, Some(vec!["application/json".to_string()]));
    }
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, PathsBuilder};
    use utoipa::openapi::{HttpMethod, OpenApiBuilder, PathItem};

    use super::*;

    fn document(op: Operation) -> OpenApi {
        OpenApiBuilder::new()
            .paths(PathsBuilder::new().path("/things/{id}", PathItem::new(HttpMethod::Get, op)))
            .build()
    }

    fn only_operation(doc: &mut OpenApi) -> &mut Operation {
        let item = doc.paths.paths.values_mut().next().unwrap();
        item.get.as_mut().unwrap()
    }

    #[test]
    fn problems_are_added_once_and_never_replace_a_documented_status() {
        let mut op = OperationBuilder::new()
            .response(
                "404",
                ResponseBuilder::new().description("No such thing (`gone`)"),
            )
            .build();
        problem(&mut op, "404", "No such object");
        problem(&mut op, "400", "Bad id");
        problem(&mut op, "400", "Another text");
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(
            json["responses"]["404"]["description"],
            "No such thing (`gone`)"
        );
        assert_eq!(json["responses"]["400"]["description"], "Bad id");
        assert_eq!(
            json["responses"]["400"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }

    #[test]
    fn refusals_are_documented_with_problem_json_bodies() {
        let content = |schema: &str| Content::new(Some(Ref::from_schema_name(schema)));
        let op = OperationBuilder::new()
            .response(
                "401",
                ResponseBuilder::new()
                    .description("x")
                    .content("application/json", content("Problem")),
            )
            .response(
                "404",
                ResponseBuilder::new().description("gone (`not_found`)"),
            )
            .response(
                "503",
                ResponseBuilder::new()
                    .description("degraded")
                    .content("application/json", content("Health")),
            )
            .response(
                "200",
                ResponseBuilder::new()
                    .description("y")
                    .content("application/json", content("Problem")),
            )
            .build();
        let mut doc = document(op);
        problem_bodies(&mut doc);
        let json = serde_json::to_value(only_operation(&mut doc)).unwrap();
        let kinds = |status: &str| -> Vec<String> {
            json["responses"][status]["content"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(kinds("401"), ["application/problem+json"]);
        assert_eq!(kinds("404"), ["application/problem+json"]);
        assert_eq!(
            json["responses"]["404"]["description"],
            "gone (`not_found`)"
        );
        // Another shape is kept, and so is any success.
        assert_eq!(kinds("503"), ["application/json"]);
        assert_eq!(kinds("200"), ["application/json"]);
    }

    #[test]
    fn links_name_their_operation_as_openapi_spells_it() {
        let op = OperationBuilder::new()
            .operation_id(Some("create"))
            .response("201", ResponseBuilder::new().description("made"))
            .build();
        let mut doc = document(op);
        add_links(
            &mut doc,
            &[Link {
                from: "create",
                status: "201",
                to: "read",
                parameters: &[("path.id", "$response.body#/id")],
            }],
        );
        let json = serde_json::to_value(&doc).unwrap();
        let link = &json["paths"]["/things/{id}"]["get"]["responses"]["201"]["links"]["read"];
        assert_eq!(
            link,
            &serde_json::json!({"operationId": "read", "parameters": {"path.id": "$response.body#/id"}})
        );
    }

    #[test]
    fn security_schemes_are_read_from_every_alternative() {
        use utoipa::openapi::security::SecurityRequirement;
        let op = OperationBuilder::new()
            .securities(Some([
                SecurityRequirement::default(),
                SecurityRequirement::new("instance_key", Vec::<String>::new()),
                SecurityRequirement::new("admin_key", Vec::<String>::new()),
            ]))
            .build();
        assert_eq!(security_schemes(&op), ["admin_key", "instance_key"]);
        assert!(security_schemes(&OperationBuilder::new().build()).is_empty());
    }

    #[test]
    fn parameters_are_found_by_place_and_header_name() {
        let op = OperationBuilder::new()
            .parameter(
                ParameterBuilder::new()
                    .name("If-Match")
                    .parameter_in(ParameterIn::Header),
            )
            .build();
        assert!(has_header(&op, "if-match"));
        assert!(!has_header(&op, "Idempotency-Key"));
        assert!(has_param(&op, ParameterIn::Header));
        assert!(!has_param(&op, ParameterIn::Query));
    }
}
