//! Schemas of the values the service accepts, for the OpenAPI document: ids, texts, barcodes,
//! attributes, page sizes and the two request headers with a form. A value that fits its
//! schema is refused only for a business reason (an object that does not exist, a rule across
//! fields), never because the document promised more than the code accepts; the tests below
//! hold each schema against the validation it describes.
//!
//! Fields and parameters name them with `value_type = ...`; each is one component of the
//! document (`#/components/schemas/ItemId`, ...).

use eckwms_application::SheetFormat;
use eckwms_application::ports::ScanAction;
use eckwms_application::scanning::{MAX_BARCODE_LEN, MAX_TOKEN_LEN};
use eckwms_device_protocol::MAX_DEVICE_ID;
use eckwms_domain::id::ID_DIGITS;
use eckwms_domain::{IdKind, MAX_BARCODES};
use eckwms_http_kit::openapi::{NEVER_IN_TEXT, NOT_BLANK, text_pattern};
use eckwms_http_kit::value_schema;
use serde_json::json;
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};

/// A string schema of 1 to `max` characters of a text (`eckwms_domain::Text`).
fn text(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(text_pattern()))
        .description(Some(format!(
            "1 to {max} characters, with a visible one, neither starting nor ending with white \
             space, without control, format (zero-width, direction), separator, private-use, \
             unassigned or noncharacter code points"
        )))
}

/// The pattern of an id whose type letter is one of `kinds`.
pub fn id_pattern(kinds: &[IdKind]) -> String {
    let letters: String = kinds.iter().map(|k| k.letter()).collect();
    format!("^[{letters}][0-9]{{{ID_DIGITS}}}$")
}

fn id(kinds: &[IdKind], description: &str, example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(id_pattern(kinds)))
        .description(Some(description))
        .examples([json!(example)])
}

value_schema!(
    /// A name people read (`eckwms_domain::Name`).
    NameText => text(200)
);
value_schema!(
    /// A short code: serial, class code, reference, condition, prefix (`eckwms_domain::Code`).
    CodeText => text(100)
);
value_schema!(
    /// A declared device's serial as the scanner reads it (`eckwms_domain::repair::DeclaredSerial`).
    DeclaredSerialText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(64))
        .pattern(Some(format!("^[^\\s{NEVER_IN_TEXT}]+$")))
        .description(Some(
            "1 to 64 characters without white space, control, format, private-use or \
             unassigned code points: a 7-digit device serial, another serial, or a code"
        ))
        .examples([json!("1234567")])
);
value_schema!(
    /// A line of parts used in a repair (`eckwms_domain::repair::RepairResult`).
    PartLine => text(200)
);
value_schema!(
    /// What a customer says is wrong with a declared device.
    DescriptionText => text(1000)
);
value_schema!(
    /// An RMA code: RMA, 10 digits and 2 check characters.
    RmaCodeText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^RMA[0-9]{10}[0-9A-Z]{2}$"))
        .description(Some("RMA, the 10 digits of its number and 2 check characters"))
        .examples([json!("RMA17651016002K")])
);
value_schema!(
    /// Free text: an action's message, a move's reason (`eckwms_domain::Note`).
    NoteText => text(4000)
);
value_schema!(
    /// A free text filter of a list (`crate::extract::QueryCheck::text`).
    QueryText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(200))
        .pattern(Some("^[^\\u0000-\\u001f\\u007f-\\u009f]*$"))
        .description(Some("1 to 200 characters, no control characters"))
);
value_schema!(
    /// A scan's `msg_id` or `device_id` (`eckwms_application::scanning::token_problem`).
    TokenText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_TOKEN_LEN))
        .pattern(Some(NOT_BLANK))
        .description(Some(format!(
            "1 to {MAX_TOKEN_LEN} characters, not only white space, no control characters"
        )))
);
value_schema!(
    /// The name of an API key.
    KeyName => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(100))
        .pattern(Some(NOT_BLANK))
        .description(Some("1 to 100 characters, not only white space, no control characters"))
);
value_schema!(
    /// A scanned text.
    ScannedText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        // The limit is in bytes: this many characters always fit.
        .max_length(Some(MAX_BARCODE_LEN / 4))
        // Not only white space; no control character but GS (0x1d), which separates GS1 fields.
        .pattern(Some(
            "^[^\\u0000-\\u001c\\u001e\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001c\\u001e\\u001f\\u007f-\\u009f]*$",
        ))
        .description(Some(format!(
            "The text as read: at most {MAX_BARCODE_LEN} bytes of UTF-8 (any {} characters fit), \
             not only white space, no control characters but GS (0x1d)",
            MAX_BARCODE_LEN / 4
        )))
);
value_schema!(
    /// An item id.
    ItemId => id(&[IdKind::Item], "An item id: `i` and 18 digits", "i000000000000000001")
);
value_schema!(
    /// A box id.
    BoxId => id(&[IdKind::Box], "A box id: `b` and 18 digits", "b000000000000000042")
);
value_schema!(
    /// A place id.
    PlaceId => id(&[IdKind::Place], "A place id: `p` and 18 digits", "p000000000000000030")
);
value_schema!(
    /// An order id.
    OrderId => id(&[IdKind::Order], "An order id: `o` and 18 digits", "o000000000000000001")
);
value_schema!(
    /// A user id.
    UserId => id(&[IdKind::User], "A user id: `u` and 18 digits", "u000000000000000001")
);
value_schema!(
    /// A username (`eckwms_domain::access::Username`): unique without regard to case.
    Username => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9._@-]{1,64}$"))
        .description(Some("1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '@', '-'"))
        .examples([json!("anna.k")])
);
value_schema!(
    /// A user's name as people read it.
    DisplayName => text(100)
);
value_schema!(
    /// A new password (`eckwms_domain::access::check_password`).
    Password => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(10))
        .max_length(Some(256))
        .pattern(Some("\\S"))
        .description(Some("10 to 256 characters, not only white space"))
);
value_schema!(
    /// A PIN for operator login on a scanner (`eckwms_domain::access::check_pin`).
    Pin => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9]{4,8}$"))
        .description(Some("4 to 8 digits"))
);
value_schema!(
    /// A role name (`eckwms_domain::access::RoleName`).
    RoleName => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z][A-Za-z0-9_.-]{0,49}$"))
        .description(Some(
            "1 to 50 characters of A-Z, a-z, 0-9, '_', '.', '-', starting with a letter",
        ))
        .examples([json!("PICKER")])
);
value_schema!(
    /// A role's description.
    RoleDescription => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(200))
        .description(Some("Empty, or a text of 1 to 200 characters (see NameText's rules)"))
);
value_schema!(
    /// A permission's name.
    PermissionName => one_of(
        &eckwms_domain::access::Permission::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>(),
        "A permission (GET /api/v1/permissions lists them with what they allow)"
    )
);
value_schema!(
    /// Where an item or a box can be: a box or a place.
    ParentId => id(
        &[IdKind::Box, IdKind::Place],
        "A box or place id: `b` or `p` and 18 digits",
        "p000000000000000030"
    )
);
value_schema!(
    /// What moves: an item or a box.
    MovableId => id(
        &[IdKind::Item, IdKind::Box],
        "An item or box id: `i` or `b` and 18 digits",
        "i000000000000000001"
    )
);
value_schema!(
    /// Any object id.
    AnyId => id(
        &IdKind::ALL,
        "An id: a type letter (`i`, `b`, `p`, `o`, `u`, `l`) and 18 digits",
        "b000000000000000042"
    )
);
value_schema!(
    /// The number of a warehouse, rack, API key or scan.
    Serial => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(i64::MAX))
        .description(Some("A positive integer"))
        .examples([json!(1)])
);
value_schema!(
    /// A page size.
    PageLimit => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(500))
        .description(Some("Page size, 1 to 500 (default 50)"))
);
value_schema!(
    /// Extra barcodes of an item or a box (`eckwms_domain::Barcodes`).
    BarcodeList => ArrayBuilder::new()
        .items(CodeText::schema())
        .max_items(Some(MAX_BARCODES))
        .unique_items(true)
        .description(Some(format!("At most {MAX_BARCODES} codes, each once")))
);
value_schema!(
    /// Free attributes of an item (`eckwms_domain::Attributes`).
    AttributeMap => ObjectBuilder::new()
        .schema_type(Type::Object)
        .max_properties(Some(100))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(100)),
        ))
        .description(Some(
            "A JSON object of at most 100 keys of 1 to 100 characters, at most 16 KiB as JSON",
        ))
);

value_schema!(
    /// A document answered as it is (a PDF sheet, a PNG image).
    Binary => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
);

/// A string schema of one of `values`.
fn one_of(values: &[&str], description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
}

value_schema!(
    /// What a scan answered (`ScanAction`), as the scan log's filter takes it.
    ScanActionName => one_of(
        &ScanAction::ALL.map(ScanAction::as_str),
        "What the scan answered"
    )
);
value_schema!(
    /// How a looked-up text was read (`eckwms_application::Resolution`).
    LookupResolutionName => one_of(
        &eckwms_application::Resolution::ALL.map(eckwms_application::Resolution::as_str),
        "How the text was read: an ECK label (`label_v1`, `label_v2`), a typed `id`, a \
         `serial`, an `rma` code, an object's `barcode`, a `tracking` number, a `gs1` product \
         code, `unknown`, or a `bad_label`"
    )
);
value_schema!(
    /// Why a looked-up text names no object (`eckwms_application::Missing`).
    LookupReasonName => one_of(
        &eckwms_application::Missing::ALL.map(eckwms_application::Missing::as_str),
        "Why nothing was found: `unknown_code` (no object carries it), `label_not_bound` (a \
         pre-printed label not given to an item or box yet), `bad_label` (an ECK label that \
         does not decode: damaged, of another instance, forged), `place_not_set_up`, \
         `not_created` (an item, box or order id nothing has yet: a scan would create it), \
         `user_badge` (a user's badge, not an object), `serial_moved_on` (a 7-digit serial no \
         item carries, whose item exists with another serial since)"
    )
);
value_schema!(
    /// The kinds of object a lookup finds.
    ObjectKindName => one_of(&["item", "box", "place", "order"], "The object's kind")
);
value_schema!(
    /// The kinds of id labels are printed for.
    LabelKind => one_of(
        &["item", "box", "place", "order", "label", "user"],
        "`label`: a pre-printed label, bound later by scanning; `user`: a user's badge"
    )
);
value_schema!(
    /// How a label sheet is answered.
    SheetFormatName => one_of(
        &[SheetFormat::Pdf, SheetFormat::Svg, SheetFormat::Json].map(SheetFormat::as_str),
        "`pdf` (default), `svg`, or `json` (the codes only)"
    )
);
value_schema!(
    /// How the pairing QR is answered.
    ImageFormat => one_of(&["png", "svg"], "`png` (default) or `svg`")
);

value_schema!(
    /// A device id (`DeviceId::parse` of the device protocol).
    DeviceIdText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[A-Za-z0-9._:-]{{1,{MAX_DEVICE_ID}}}$")))
        .description(Some(format!(
            "1 to {MAX_DEVICE_ID} characters of A-Z, a-z, 0-9, '.', '_', ':', '-'"
        )))
        .examples([json!("PDA-7")])
);
value_schema!(
    /// A device's Ed25519 public key (`DevicePublicKey::parse`).
    DeviceKeyText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$"))
        .description(Some("An Ed25519 public key in canonical standard base64 (44 characters)"))
);
value_schema!(
    /// An Ed25519 signature (`DeviceSignature::parse`).
    SignatureText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9+/]{85}[AQgw]==$"))
        .description(Some("An Ed25519 signature in canonical standard base64 (88 characters)"))
);
value_schema!(
    /// A nonce of `POST /ECK/API/DEVICE/CHALLENGE` (`is_nonce`).
    NonceText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]{43}$"))
        .description(Some("43 characters of base64url"))
);
value_schema!(
    /// This instance's id, as the pairing QR carries it (without hyphens, upper case) or
    /// hyphenated.
    InstanceUuid => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(
            "^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$",
        ))
        .description(Some("A UUID: 32 hex digits, with or without the hyphens"))
);
value_schema!(
    /// What a device may do (`DeviceStatus`).
    DeviceStatusName => one_of(
        &["pending", "active", "blocked"],
        "`pending` (registered, not yet approved), `active` or `blocked`"
    )
);

/// The schema of `If-Match` (`crate::extract::parse_if_match`).
pub fn if_match() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^(\\*|(W/)?\"(0|[1-9][0-9]{0,17})\")$"))
        .examples([json!("\"3\""), json!("*")])
}

/// The schema of `Idempotency-Key` (`IdempotencyService::validate_key`).
pub fn idempotency_key() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some("^[!-~]+$"))
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;
    use eckwms_application::IdempotencyService;
    use eckwms_application::scanning::token_problem;
    use eckwms_domain::{Code, Name, Note, ObjectId, Parent};
    use proptest::prelude::*;
    use serde_json::Value;
    use utoipa::PartialSchema;

    use super::*;
    use eckwms_http_kit::openapi::testing::fits;

    fn json_of<T: PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    /// Texts near the edges: control characters, white space, other scripts, invisible and
    /// direction-changing characters, noncharacters, any length around the bounds.
    fn edge_texts(max: usize) -> impl Strategy<Value = String> {
        let unit = prop_oneof![
            Just("a".to_owned()),
            Just(" ".to_owned()),
            Just("\u{3000}".to_owned()),
            Just("é".to_owned()),
            Just("🙂".to_owned()),
            Just("\u{1d}".to_owned()),
            Just("\n".to_owned()),
            Just("\u{0}".to_owned()),
            Just("\u{7f}".to_owned()),
            Just("\u{9f}".to_owned()),
            Just("\u{a0}".to_owned()),
            Just("\u{ad}".to_owned()),
            Just("\u{200b}".to_owned()),
            Just("\u{200d}".to_owned()),
            Just("\u{2028}".to_owned()),
            Just("\u{202e}".to_owned()),
            Just("\u{2066}".to_owned()),
            Just("\u{e000}".to_owned()),
            Just("\u{fdd0}".to_owned()),
            Just("\u{feff}".to_owned()),
            Just("\u{ffff}".to_owned()),
        ];
        prop_oneof![
            proptest::collection::vec(unit.clone(), 0..8).prop_map(|v| v.concat()),
            (proptest::collection::vec(unit, 0..3), max - 2..max + 2).prop_map(|(v, n)| format!(
                "{}{}",
                v.concat(),
                "x".repeat(n)
            )),
        ]
    }

    /// The texts above, and any text at all.
    fn texts(max: usize) -> impl Strategy<Value = String> {
        prop_oneof![edge_texts(max), any::<String>()]
    }

    proptest! {
        /// On the edge texts the schemas say exactly what the domain accepts.
        #[test]
        fn text_schemas_accept_what_the_domain_accepts(s in edge_texts(200)) {
            prop_assert_eq!(fits(&json_of::<NameText>(), &s), Name::new("f", s.clone()).is_ok());
            prop_assert_eq!(fits(&json_of::<CodeText>(), &s), Code::new("f", s.clone()).is_ok());
        }

        #[test]
        fn note_schema_accepts_what_the_domain_accepts(s in edge_texts(4000)) {
            prop_assert_eq!(fits(&json_of::<NoteText>(), &s), Note::new("f", s.clone()).is_ok());
        }

        /// On any text, the schemas never refuse what the domain accepts (the domain refuses a
        /// few rare code points the pattern cannot name, see `text_pattern`).
        #[test]
        fn text_schemas_never_refuse_a_valid_text(s in any::<String>()) {
            for (schema, valid) in [
                (json_of::<NameText>(), Name::new("f", s.clone()).is_ok()),
                (json_of::<CodeText>(), Code::new("f", s.clone()).is_ok()),
                (json_of::<NoteText>(), Note::new("f", s.clone()).is_ok()),
            ] {
                prop_assert!(!valid || fits(&schema, &s), "{s:?}");
            }
        }

        #[test]
        fn token_schema_accepts_what_a_scan_accepts(s in texts(MAX_TOKEN_LEN)) {
            prop_assert_eq!(fits(&json_of::<TokenText>(), &s), token_problem(&s).is_none());
        }

        #[test]
        fn id_schemas_accept_the_ids_of_their_kinds(
            s in "[ibpoulx][0-9]{17,19}|[ib][0-9a]{18}|.{0,20}"
        ) {
            prop_assert_eq!(fits(&json_of::<AnyId>(), &s), ObjectId::parse(&s).is_ok());
            prop_assert_eq!(fits(&json_of::<ItemId>(), &s), s.parse::<eckwms_domain::ItemId>().is_ok());
            prop_assert_eq!(fits(&json_of::<BoxId>(), &s), s.parse::<eckwms_domain::BoxId>().is_ok());
            let parent = ObjectId::parse(&s).ok().and_then(|id| Parent::try_from(id).ok());
            prop_assert_eq!(fits(&json_of::<ParentId>(), &s), parent.is_some());
        }

        /// What the schema admits, the server parses; what the server parses, the schema admits
        /// unless padded with white space or longer than 18 digits (the schema is that much
        /// stricter: versions count from 1 and never get there).
        #[test]
        fn if_match_schema_admits_what_the_server_parses(
            s in "(W/)?\"?[0-9]{0,20}\"?|\\*|W/\\*|[ -~]{0,6}"
        ) {
            let schema = serde_json::to_value(if_match().build()).unwrap();
            let parsed = crate::extract::parse_if_match(Some(&HeaderValue::from_str(&s).unwrap()));
            let canonical = s.trim() == s && s.bytes().filter(u8::is_ascii_digit).count() <= 18;
            if fits(&schema, &s) {
                prop_assert!(parsed.is_ok());
            } else if canonical {
                prop_assert!(parsed.is_err());
            }
        }

        #[test]
        fn idempotency_key_schema_accepts_what_the_server_accepts(s in texts(255)) {
            let schema = serde_json::to_value(idempotency_key().build()).unwrap();
            prop_assert_eq!(fits(&schema, &s), IdempotencyService::validate_key(&s).is_ok());
        }
    }

    #[test]
    fn examples_are_ids_of_their_kinds() {
        for (schema, kinds) in [
            (json_of::<ItemId>(), &[IdKind::Item][..]),
            (json_of::<BoxId>(), &[IdKind::Box]),
            (json_of::<PlaceId>(), &[IdKind::Place]),
            (json_of::<OrderId>(), &[IdKind::Order]),
            (json_of::<ParentId>(), &[IdKind::Box, IdKind::Place]),
            (json_of::<MovableId>(), &[IdKind::Item, IdKind::Box]),
            (json_of::<AnyId>(), &IdKind::ALL),
        ] {
            let example = schema["examples"][0].as_str().unwrap();
            let id = ObjectId::parse(example).unwrap();
            assert!(kinds.contains(&id.kind()), "{example}");
            assert!(fits(&schema, example), "{example}");
        }
    }
}
