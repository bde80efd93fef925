//! Logging of both services: one set-up (filter, format, colours) and the access log.
//!
//! Every request ends with one short line under the target [`ACCESS_TARGET`], written outside
//! the request's span so that it does not repeat the span's fields. That target can be turned
//! off (`log.access = false`, or the filter directive `access=off`) without touching the level
//! of anything else: warnings and errors keep their own targets.

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

/// The tracing target of the one line logged per request.
pub const ACCESS_TARGET: &str = "access";

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; coloured only when standard error is a terminal.
    Text,
    /// One JSON object per line (production).
    Json,
}

/// A service's `[log]` section.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter such as `info` or `eckwms=debug,info`; `RUST_LOG` wins when set.
    pub level: String,
    pub format: LogFormat,
    /// Whether the per-request access line is written.
    pub access: bool,
}

/// The filter for these settings: the directives of `RUST_LOG` (`from_env`) when set, else
/// `log.level`, with the access line turned off when the settings say so.
///
/// # Errors
/// When the directives are not a valid tracing filter; the message names where they came from.
pub fn filter(settings: &LogSettings, from_env: Option<&str>) -> Result<EnvFilter, String> {
    let (source, directives) = match from_env {
        Some(directives) => ("RUST_LOG", directives),
        None => ("log.level", settings.level.as_str()),
    };
    let filter = EnvFilter::try_new(directives).map_err(|e| format!("{source}: {e}"))?;
    Ok(if settings.access {
        filter
    } else {
        filter.add_directive(
            format!("{ACCESS_TARGET}=off")
                .parse()
                .map_err(|e| format!("log.access: {e}"))?,
        )
    })
}

/// Colours only for a person at a terminal, and never when `NO_COLOR` is set.
fn colours(no_color: Option<std::ffi::OsString>) -> bool {
    no_color.is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Installs the global subscriber, writing to standard error.
///
/// # Errors
/// When the level is not a valid tracing filter.
pub fn init(settings: &LogSettings) -> Result<(), String> {
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let filter = filter(settings, from_env.as_deref())?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colours(std::env::var_os("NO_COLOR")));
    let installed = match settings.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    installed.map_err(|e| format!("logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    fn settings(level: &str, access: bool) -> LogSettings {
        LogSettings {
            level: level.into(),
            format: LogFormat::Text,
            access,
        }
    }

    /// Whether the access line passes the filter.
    fn access_passes(filter: EnvFilter) -> bool {
        let subscriber = tracing_subscriber::registry().with(filter);
        tracing::subscriber::with_default(
            subscriber,
            || tracing::enabled!(target: "access", Level::INFO),
        )
    }

    /// Whether an event of another target, at this level, passes the filter.
    fn other_passes(filter: EnvFilter, level: Level) -> bool {
        let subscriber = tracing_subscriber::registry().with(filter);
        tracing::subscriber::with_default(subscriber, || {
            if level == Level::WARN {
                tracing::enabled!(target: "eckwms::serve", Level::WARN)
            } else {
                tracing::enabled!(target: "eckwms::serve", Level::INFO)
            }
        })
    }

    #[test]
    fn the_access_line_turns_off_alone() {
        let on = filter(&settings("info", true), None).unwrap();
        assert!(access_passes(on));
        let off = || filter(&settings("info", false), None).unwrap();
        assert!(!access_passes(off()));
        assert!(other_passes(off(), Level::INFO));
        assert!(other_passes(off(), Level::WARN));
        // A filter directive does the same without the switch.
        let directive = || filter(&settings("info,access=off", true), None).unwrap();
        assert!(!access_passes(directive()));
        assert!(other_passes(directive(), Level::WARN));
    }

    #[test]
    fn rust_log_wins_over_the_level_and_keeps_the_switch() {
        let f = || filter(&settings("info", false), Some("warn")).unwrap();
        assert!(!other_passes(f(), Level::INFO));
        assert!(other_passes(f(), Level::WARN));
        assert!(!access_passes(f()));
        let on = filter(&settings("warn", true), Some("info")).unwrap();
        assert!(access_passes(on));
    }

    #[test]
    fn a_bad_level_is_named() {
        let e = filter(&settings("info,=[", true), None).unwrap_err();
        assert!(e.starts_with("log.level: "), "{e}");
        let e = filter(&settings("info", true), Some("info,=[")).unwrap_err();
        assert!(e.starts_with("RUST_LOG: "), "{e}");
    }

    #[test]
    fn no_color_turns_colours_off() {
        // Test runs have no terminal on standard error, so colours are off either way; with
        // NO_COLOR set they are off whatever standard error is.
        assert!(!colours(Some("1".into())));
        assert!(!colours(None) || std::io::stderr().is_terminal());
    }

    #[test]
    fn formats_read_from_configuration() {
        #[derive(Deserialize)]
        struct Log {
            format: LogFormat,
        }
        let json: Log = serde_json::from_str(r#"{"format":"json"}"#).unwrap();
        assert_eq!(json.format, LogFormat::Json);
        let text: Log = serde_json::from_str(r#"{"format":"text"}"#).unwrap();
        assert_eq!(text.format, LogFormat::Text);
        assert!(serde_json::from_str::<Log>(r#"{"format":"xml"}"#).is_err());
    }
}
