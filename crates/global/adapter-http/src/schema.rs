//! Schemas of the values the global service accepts, for the OpenAPI document: instance and
//! device ids, names, keys, scans. A value that fits its schema is refused only for a business
//! reason (an unknown instance, a used token, a signature that does not verify), never because
//! the document promised more than the code accepts; the tests below hold each schema against
//! the validation it describes.

use eckwms_device_protocol::MAX_DEVICE_ID;
use eckwms_global_domain::instance::{MAX_LOCAL_IPS, MAX_NAME_CHARS};
use eckwms_global_domain::relay::{MAX_BARCODE, MAX_BATCH, MAX_MSG_ID};
use eckwms_http_kit::openapi::{NOT_BLANK, trimmed_text_pattern};
use eckwms_http_kit::value_schema;
use serde_json::json;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
};

/// 32 hex digits, with or without the dashes of the 8-4-4-4-12 form.
const UUID: &str = "^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$";

value_schema!(
    /// An instance's UUID (`InstanceId::parse`).
    InstanceUuid => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(UUID))
        .description(Some("A UUID (not the nil UUID), dashes optional"))
        .examples([json!("0b0e6f3a-1234-4abc-8def-0123456789ab")])
);
value_schema!(
    /// A device's id (`DeviceId::parse`).
    DeviceIdText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[A-Za-z0-9._:-]{{1,{MAX_DEVICE_ID}}}$")))
        .description(Some(format!(
            "1 to {MAX_DEVICE_ID} characters of A-Z, a-z, 0-9, '.', '_', ':', '-'"
        )))
        .examples([json!("PDA-7")])
);
value_schema!(
    /// The name of an instance (`InstanceName::parse`: a text people read, trimmed).
    InstanceNameText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_NAME_CHARS))
        .pattern(Some(trimmed_text_pattern()))
        .description(Some(format!(
            "1 to {MAX_NAME_CHARS} characters (white space around is trimmed), with a visible one, without control, format (zero-width, direction), separator, \
             private-use, unassigned or noncharacter code points"
        )))
);
value_schema!(
    /// The name of a device.
    NameText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_NAME_CHARS))
        .pattern(Some(NOT_BLANK))
        .description(Some(format!(
            "1 to {MAX_NAME_CHARS} characters, not only white space, no control characters"
        )))
);
value_schema!(
    /// An Ed25519 public key as an instance reports it (`ServerPublicKey::parse`).
    ServerKeyText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$"))
        .description(Some("An Ed25519 public key: 64 hex digits or 44 characters of base64"))
        .examples([json!(
            "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29"
        )])
);
value_schema!(
    /// A device's Ed25519 public key (`DevicePublicKey::parse`).
    DeviceKeyText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9+/]{43}=$"))
        .description(Some("An Ed25519 public key in canonical standard base64 (44 characters)"))
);
value_schema!(
    /// An Ed25519 signature (`DeviceSignature::parse`).
    SignatureText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9+/]{86}==$"))
        .description(Some("An Ed25519 signature in standard base64 (88 characters)"))
);
value_schema!(
    /// A nonce of `POST /ECK/API/DEVICE/CHALLENGE` (`is_nonce`).
    NonceText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]{43}$"))
        .description(Some("43 characters of base64url"))
);
value_schema!(
    /// A LAN address an instance reports (`parse_local_ip`).
    LocalIp => OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Ipv4))))
        .item(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Ipv6))))
        .description(Some("A unicast IPv4 or IPv6 address"))
);
value_schema!(
    /// The LAN addresses of an instance.
    LocalIpList => ArrayBuilder::new()
        .items(LocalIp::schema())
        .max_items(Some(MAX_LOCAL_IPS))
        .description(Some(format!("At most {MAX_LOCAL_IPS} unicast IPv4 or IPv6 addresses")))
);
value_schema!(
    /// A TCP port.
    Port => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(65535))
);
value_schema!(
    /// How many relayed scans one call handles.
    BatchSize => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(MAX_BATCH))
        .description(Some(format!("1 to {MAX_BATCH}")))
);
value_schema!(
    /// A relayed scan's `msgId` (`parse_msg_id`).
    MsgIdText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[!-~]{{1,{MAX_MSG_ID}}}$")))
        .description(Some(format!(
            "1 to {MAX_MSG_ID} printable ASCII characters without spaces"
        )))
);
value_schema!(
    /// A relayed scan's text (`parse_barcode`).
    BarcodeText => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        // The limit is in bytes: this many characters always fit.
        .max_length(Some(MAX_BARCODE / 4))
        .pattern(Some("^[^\\u0000\\n\\r]*$"))
        .description(Some(format!(
            "At most {MAX_BARCODE} bytes of UTF-8 (any {} characters fit), no NUL and no line \
             breaks",
            MAX_BARCODE / 4
        )))
);
value_schema!(
    /// An instance's tier.
    TierName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["free", "paid"]))
);
value_schema!(
    /// A device's status.
    DeviceStatusName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["pending", "active", "blocked"]))
);

#[cfg(test)]
mod tests {
    use eckwms_device_protocol::{DeviceId, is_nonce};
    use eckwms_global_domain::instance::{InstanceId, InstanceName};
    use eckwms_global_domain::relay::{parse_barcode, parse_msg_id};
    use proptest::prelude::*;
    use serde_json::Value;
    use utoipa::PartialSchema;

    use super::*;
    use eckwms_http_kit::openapi::testing::fits;

    fn json_of<T: PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    /// What the pattern can say, it says: the names `InstanceName::parse` refuses for a
    /// character or for white space alone do not fit (a generated name once did).
    #[test]
    fn instance_names_the_service_refuses_do_not_fit() {
        let schema = json_of::<InstanceNameText>();
        for refused in [
            "!\u{2028}ವ",
            "a\u{202e}b",
            "\u{feff}A",
            " ",
            "\u{3000}",
            "a\nb",
            "a\u{200b}",
        ] {
            assert!(InstanceName::parse(refused).is_err(), "{refused:?}");
            assert!(!fits(&schema, refused), "{refused:?}");
        }
        for taken in ["Site A", "  Site A ", "\u{3000}Lager Nord\t", "Склад 1"] {
            assert!(InstanceName::parse(taken).is_ok(), "{taken:?}");
            assert!(fits(&schema, taken), "{taken:?}");
        }
    }

    proptest! {
        #[test]
        fn instance_ids_fit_exactly_when_they_parse(
            s in "[0-9a-fA-F-]{30,38}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|.{0,40}"
        ) {
            let nil = s.chars().all(|c| c == '0' || c == '-');
            if !nil {
                prop_assert_eq!(fits(&json_of::<InstanceUuid>(), &s), InstanceId::parse(&s).is_ok());
            }
        }

        #[test]
        fn device_ids_fit_exactly_when_they_parse(s in "[A-Za-z0-9._:-]{0,130}|.{0,20}") {
            prop_assert_eq!(fits(&json_of::<DeviceIdText>(), &s), DeviceId::parse(&s).is_ok());
        }

        #[test]
        fn msg_ids_fit_exactly_when_they_parse(s in "[!-~]{0,130}|.{0,20}") {
            prop_assert_eq!(fits(&json_of::<MsgIdText>(), &s), parse_msg_id(&s).is_ok());
        }

        #[test]
        fn nonces_fit_exactly_when_they_are_nonces(s in "[A-Za-z0-9_-]{41,45}|.{0,50}") {
            prop_assert_eq!(fits(&json_of::<NonceText>(), &s), is_nonce(&s));
        }

        #[test]
        fn fitting_barcodes_are_accepted(s in "\\PC{0,1100}|[a \\n\\u{0}\\u{1d}]{0,8}") {
            if fits(&json_of::<BarcodeText>(), &s) {
                prop_assert!(parse_barcode(&s).is_ok());
            }
        }

        /// The schema of an instance name never refuses a name the service takes. The service
        /// refuses a little more than the pattern can say (see `trimmed_text_pattern`).
        #[test]
        fn the_instance_name_schema_never_refuses_a_valid_name(
            s in "\\PC{0,40}|[a \\n\\u{0}\\u{2028}\\u{202e}\\u{a0}\\u{3000}]{0,8}|.{0,40}"
        ) {
            if InstanceName::parse(&s).is_ok() {
                prop_assert!(fits(&json_of::<InstanceNameText>(), &s), "{s:?}");
            }
        }
    }
}
