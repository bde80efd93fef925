//! [`ProblemCode`]: every stable code, with its status and title.

use std::fmt;

/// Titles shared by many codes. A code without a title of its own is titled by its status's
/// reason phrase, as the services have always answered it (RFC 9110).
const CONFLICT: &str = "Conflict";
const BAD_REQUEST: &str = "Bad Request";
const UNAUTHORIZED: &str = "Unauthorized";
const FORBIDDEN: &str = "Forbidden";
const BAD_GATEWAY: &str = "Bad Gateway";

/// One table, so that a code cannot get a status without a title or be left out of `ALL`.
macro_rules! catalogue {
    ($($(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal, $title:expr),)*) => {
        /// A stable, machine-readable problem code (`code` and `type` of a problem).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $($(#[$doc])* $variant,)*
        }

        impl ProblemCode {
            /// Every code, in the order of the catalogue.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The code as clients see it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)*
                }
            }

            /// The HTTP status every answer with this code has.
            pub const fn status(self) -> u16 {
                match self {
                    $(ProblemCode::$variant => $status,)*
                }
            }

            /// The problem's `title`: fixed per code.
            pub const fn title(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $title,)*
                }
            }
        }
    };
}

catalogue! {
    // Answered by the HTTP layer of both services (http-kit).
    /// Field values break a rule; `errors` names every field.
    ValidationFailed = ("validation_failed", 422, "Validation failed"),
    MalformedBody = ("malformed_body", 400, "Malformed request body"),
    InvalidId = ("invalid_id", 400, "Invalid id"),
    InvalidQuery = ("invalid_query", 400, "Invalid query"),
    InvalidHeader = ("invalid_header", 400, "Invalid header"),
    UnsupportedMediaType = ("unsupported_media_type", 415, "Unsupported media type"),
    PayloadTooLarge = ("payload_too_large", 413, "Payload too large"),
    RouteNotFound = ("route_not_found", 404, "Route not found"),
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed"),
    NotFound = ("not_found", 404, "Not found"),
    Unauthenticated = ("unauthenticated", 401, "Authentication required"),
    /// The database cannot be used now; answered with `Retry-After: 1`.
    Unavailable = ("unavailable", 503, "Service unavailable"),
    /// A failure whose cause is logged, never served.
    Internal = ("internal", 500, "Internal error"),
    /// `GET /ready` only.
    NotReady = ("not_ready", 503, "Not ready"),

    // The instance service.
    Forbidden = ("forbidden", 403, FORBIDDEN),
    PreconditionRequired = ("precondition_required", 428, "Precondition required"),
    PreconditionFailed = ("precondition_failed", 412, "Precondition failed"),
    IdempotencyKeyReused = ("idempotency_key_reused", 422, "Idempotency key reused with another request"),
    IdempotencyInProgress = ("idempotency_in_progress", 409, "A request with this idempotency key is in progress"),
    IdempotencyResponseLost = ("idempotency_response_lost", 409, "The response of this idempotent request was lost"),
    MoveCycle = ("move_cycle", 409, CONFLICT),
    StaleExpectedFrom = ("stale_expected_from", 409, CONFLICT),
    NotEmpty = ("not_empty", 409, CONFLICT),
    NotLinked = ("not_linked", 409, CONFLICT),
    LinkedToOrder = ("linked_to_order", 409, CONFLICT),
    PlaceIdTaken = ("place_id_taken", 409, CONFLICT),
    SerialInUse = ("serial_in_use", 409, CONFLICT),
    RuleViolated = ("rule_violated", 409, CONFLICT),
    LastAdminKey = ("last_admin_key", 409, CONFLICT),
    LabelKeyMissing = ("label_key_missing", 409, CONFLICT),
    GlobalUrlMissing = ("global_url_missing", 409, CONFLICT),
    /// The boxes linked to an RMA request hold more items than one reconciliation reads.
    ReconciliationTooLarge = ("reconciliation_too_large", 409, CONFLICT),
    /// An RMA request set `processed` before it was received, or while a matched device has
    /// no result.
    RepairUnfinished = ("repair_unfinished", 409, CONFLICT),
    /// Wrong username or password (or PIN): one answer for both, in the same time.
    InvalidCredentials = ("invalid_credentials", 401, UNAUTHORIZED),
    /// A cookie-authenticated change without the session's CSRF token.
    CsrfTokenInvalid = ("csrf_token_invalid", 403, FORBIDDEN),
    UsernameTaken = ("username_taken", 409, CONFLICT),
    /// A logout made without a session (with an API key).
    NotASession = ("not_a_session", 409, CONFLICT),
    RoleExists = ("role_exists", 409, CONFLICT),
    RoleInUse = ("role_in_use", 409, CONFLICT),
    /// `SUPER_ADMIN` and the API key roles cannot be changed or deleted.
    RoleProtected = ("role_protected", 409, CONFLICT),
    /// A scanner's signed write sent again: its signature was accepted once already.
    SignatureReplayed = ("signature_replayed", 409, CONFLICT),

    // Both services' databases and scan intake.
    /// A uniqueness constraint fired: a safety net behind the services' own checks.
    AlreadyExists = ("already_exists", 409, CONFLICT),
    /// A foreign-key constraint fired: a safety net for races such as a concurrent delete.
    ReferenceMissing = ("reference_missing", 409, CONFLICT),
    MsgIdReused = ("msg_id_reused", 409, CONFLICT),

    // The global service.
    /// Two kinds of credential where one is taken: which was meant cannot be known.
    AmbiguousCredentials = ("ambiguous_credentials", 400, BAD_REQUEST),
    EnrollmentTokenInvalid = ("enrollment_token_invalid", 401, UNAUTHORIZED),
    EnrollmentTokenExpired = ("enrollment_token_expired", 401, UNAUTHORIZED),
    EnrollmentTokenUsed = ("enrollment_token_used", 409, CONFLICT),
    InstanceExists = ("instance_exists", 409, CONFLICT),
    InvalidInstanceKey = ("invalid_instance_key", 401, UNAUTHORIZED),
    InvalidAdminKey = ("invalid_admin_key", 401, UNAUTHORIZED),
    InvalidPairingToken = ("invalid_pairing_token", 401, UNAUTHORIZED),
    InstanceDisabled = ("instance_disabled", 403, FORBIDDEN),
    NotYourInstance = ("not_your_instance", 403, FORBIDDEN),
    InstanceUnavailable = ("instance_unavailable", 409, CONFLICT),
    InstanceUnreachable = ("instance_unreachable", 409, CONFLICT),
    TargetNotRegistered = ("target_not_registered", 403, FORBIDDEN),
    InvalidSignature = ("invalid_signature", 401, UNAUTHORIZED),
    InvalidDeviceSignature = ("invalid_device_signature", 401, UNAUTHORIZED),
    StaleDeviceSignature = ("stale_device_signature", 401, UNAUTHORIZED),
    ChallengeInvalid = ("challenge_invalid", 409, CONFLICT),
    DeviceKeyChangeUnproven = ("device_key_change_unproven", 409, CONFLICT),
    DeviceChanged = ("device_changed", 409, CONFLICT),
    DeviceNotActive = ("device_not_active", 403, FORBIDDEN),

    // The global service's routing proxy.
    InvalidProxyPath = ("invalid_proxy_path", 400, BAD_REQUEST),
    RequestBodyError = ("request_body_error", 400, BAD_REQUEST),
    RequestBodyTimeout = ("request_body_timeout", 408, "Request Timeout"),
    /// Answered with the exact wait in `Retry-After`.
    RateLimited = ("rate_limited", 429, "Too Many Requests"),
    UpstreamRefused = ("upstream_refused", 502, BAD_GATEWAY),
    UpstreamUnavailable = ("upstream_unavailable", 502, BAD_GATEWAY),
    UpstreamTimeout = ("upstream_timeout", 504, "Gateway Timeout"),
    ProxyLoop = ("proxy_loop", 508, "Loop Detected"),
}

impl ProblemCode {
    /// The code named `code`, if the catalogue has it.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

/// A code equals its wire form, so tests can assert what clients see.
impl PartialEq<str> for ProblemCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ProblemCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_parse_back() {
        let mut seen = HashSet::new();
        for &code in ProblemCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert_eq!(ProblemCode::parse(s), Some(code));
            assert_eq!(code.to_string(), s);
            assert!((400..600).contains(&code.status()), "{s}");
            assert!(!code.title().is_empty(), "{s}");
        }
        assert_eq!(ProblemCode::parse("token_used"), None);
    }
}
