//! The configuration layers of both services, later wins: the defaults compiled into the
//! binary < the files the service names (each optional or required, in the order given) <
//! `.env` < environment variables `PREFIX__SECTION__KEY`.
//!
//! `.env` is not a layer of its own: it fills in the process environment where a variable is
//! not set (so the real environment wins over it), before anything is read. Keys that hold an
//! array of tables (the global service's `labels.keys`), which `PREFIX__SECTION__KEY=value`
//! cannot spell, are set by one variable holding the array as JSON; it replaces the array of
//! the files as a whole. Unknown keys are for the settings types to refuse
//! (`deny_unknown_fields`), so that a misspelt variable stops the start.

use config::builder::DefaultState;
use config::{Config, ConfigBuilder, ConfigError, Environment, File, FileFormat, Map, Value};
use serde::de::DeserializeOwned;

/// Why the settings could not be read. The messages name a setting or a variable, never a
/// value of one (the value may be a secret).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A file or a variable could not be read or parsed.
    #[error("reading configuration")]
    Read(#[source] ConfigError),
    /// The layers were read, but do not make valid settings (a wrong type, an unknown key).
    #[error("invalid configuration")]
    Invalid(#[source] ConfigError),
    /// A variable holding JSON holds something else.
    #[error("reading configuration: {variable}: {problem}")]
    Variable { variable: String, problem: String },
    /// A time setting beyond its bounds ([`crate::check_time`]).
    #[error("{name} must be {min} to {max} (100 years)")]
    TimeOutOfRange { name: String, min: i128, max: i128 },
}

/// The environment the settings are read from: the process's, or (in tests, where changing
/// the process environment is neither safe nor allowed) a given set of variables.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    given: Option<Map<String, String>>,
}

impl Vars {
    /// The process environment, after `.env` (looked for in the working directory and its
    /// parents) has filled in the variables the environment does not set.
    pub fn process() -> Self {
        // No `.env` is the usual case on a server, and not an error.
        let _ = dotenvy::dotenv();
        Self { given: None }
    }

    /// Exactly these variables; neither the process environment nor `.env` is read.
    pub fn given<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            given: Some(
                vars.into_iter()
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect(),
            ),
        }
    }

    /// The variable `name`, if it is set (and valid Unicode).
    pub fn get(&self, name: &str) -> Option<String> {
        match &self.given {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }
}

/// The layers of one service's settings, built in order from the lowest.
pub struct Layers {
    builder: ConfigBuilder<DefaultState>,
}

impl Layers {
    /// The lowest layer: TOML compiled into the binary, so that it runs from any directory.
    pub fn new(defaults_toml: &str) -> Self {
        Self {
            builder: Config::builder().add_source(File::from_str(defaults_toml, FileFormat::Toml)),
        }
    }

    /// A file read if it exists (`name` with or without its `.toml`).
    pub fn optional_file(self, name: &str) -> Self {
        self.file(name, false)
    }

    /// A file that must exist: the operator named it.
    pub fn required_file(self, name: &str) -> Self {
        self.file(name, true)
    }

    fn file(self, name: &str, required: bool) -> Self {
        Self {
            builder: self
                .builder
                .add_source(File::with_name(name).required(required)),
        }
    }

    /// Adds the environment (`PREFIX__SECTION__KEY`, sections nested with `__`; each value is
    /// text, converted by the setting that reads it) and reads the settings. Each of `json_keys` (dotted, such as
    /// `labels.keys`) may be set by the variable [`variable_name`] gives it, holding a JSON
    /// array of objects.
    pub fn load<T: DeserializeOwned>(
        self,
        vars: &Vars,
        prefix: &str,
        json_keys: &[&str],
    ) -> Result<T, SettingsError> {
        let mut builder = self.builder.add_source(
            Environment::with_prefix(prefix)
                .prefix_separator("__")
                .separator("__")
                // Kept as text: the settings type converts it where it wants a number or a
                // yes/no. Parsed here, a key or token made only of digits became a float and
                // came back rounded.
                .try_parsing(false)
                .source(vars.given.clone()),
        );
        for key in json_keys {
            let variable = variable_name(prefix, key);
            if let Some(text) = vars.get(&variable) {
                let value = json_array_of_tables(&variable, &text)?;
                // Above the environment source, which reads the same variable as a string.
                builder = builder
                    .set_override(*key, value)
                    .map_err(SettingsError::Read)?;
            }
        }
        builder
            .build()
            .map_err(SettingsError::Read)?
            .try_deserialize()
            .map_err(SettingsError::Invalid)
    }
}

/// The variable that sets the dotted `key` under `prefix`: `labels.keys` under
/// `ECKWMS_GLOBAL` is `ECKWMS_GLOBAL__LABELS__KEYS`.
pub fn variable_name(prefix: &str, key: &str) -> String {
    format!("{prefix}__{}", key.replace('.', "__").to_uppercase())
}

/// `text` as an array of tables. The problems name the variable and a place in it, never a
/// piece of the text: it may hold keys.
fn json_array_of_tables(variable: &str, text: &str) -> Result<Value, SettingsError> {
    let refuse = |problem: String| SettingsError::Variable {
        variable: variable.to_owned(),
        problem,
    };
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        refuse(format!(
            "not valid JSON (line {}, column {}); expected an array of objects",
            e.line(),
            e.column()
        ))
    })?;
    let serde_json::Value::Array(entries) = json else {
        return Err(refuse("expected a JSON array of objects".into()));
    };
    if let Some(n) = entries.iter().position(|entry| !entry.is_object()) {
        return Err(refuse(format!("entry {n} is not a JSON object")));
    }
    Ok(config_value(serde_json::Value::Array(entries)))
}

fn config_value(json: serde_json::Value) -> Value {
    use config::ValueKind;
    use serde_json::Value as Json;
    let kind = match json {
        Json::Null => ValueKind::Nil,
        Json::Bool(b) => ValueKind::Boolean(b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => ValueKind::I64(i),
            (None, Some(u), _) => ValueKind::U64(u),
            (None, None, f) => ValueKind::Float(f.unwrap_or(f64::NAN)),
        },
        Json::String(s) => ValueKind::String(s),
        Json::Array(items) => ValueKind::Array(items.into_iter().map(config_value).collect()),
        Json::Object(fields) => ValueKind::Table(
            fields
                .into_iter()
                .map(|(name, value)| (name, config_value(value)))
                .collect(),
        ),
    };
    Value::new(None, kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;
    use serde::Deserialize;

    const DEFAULTS: &str = "[a]\nx = 1\ny = \"default\"\nz = false\nw = 0.5\n\n[ring]\nkeys = []\n";

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        a: A,
        ring: Ring,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct A {
        x: u32,
        y: String,
        z: bool,
        w: f64,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ring {
        keys: Vec<Entry>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        id: String,
        version: u8,
        key: Secret,
        #[serde(default)]
        key_id: Option<u64>,
    }

    fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn load(layers: Layers, vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        layers.load(&Vars::given(vars.iter().copied()), "APP", &["ring.keys"])
    }

    #[test]
    fn later_layers_win_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let low = write(dir.path(), "low.toml", "[a]\nx = 2\ny = \"low\"\n");
        let high = write(dir.path(), "high.toml", "[a]\nx = 3\n");
        let layers = Layers::new(DEFAULTS)
            .optional_file(&low)
            .optional_file(dir.path().join("absent").to_str().unwrap())
            .required_file(&high);
        let vars = [
            ("APP__A__Z", "true"),
            ("APP__A__W", "2.5"),
            ("OTHER__A__X", "9"),
        ];
        let settings = load(layers, &vars).unwrap();
        assert_eq!(settings.a.w, 2.5);
        assert_eq!(settings.a.x, 3);
        assert_eq!(settings.a.y, "low");
        assert!(settings.a.z);
        let settings = load(Layers::new(DEFAULTS), &[("APP__A__X", "7")]).unwrap();
        assert_eq!((settings.a.x, settings.a.y.as_str()), (7, "default"));
    }

    #[test]
    fn a_value_of_digits_reaches_a_text_setting_unchanged() {
        // A key or token made only of digits: read as a number first, it came back rounded.
        let digits = "12345678901234567890123456789012345";
        let settings = load(Layers::new(DEFAULTS), &[("APP__A__Y", digits)]).unwrap();
        assert_eq!(settings.a.y, digits);
        let settings = load(Layers::new(DEFAULTS), &[("APP__A__Y", "007")]).unwrap();
        assert_eq!(settings.a.y, "007");
    }

    #[test]
    fn a_missing_required_file_and_an_unknown_key_are_refused() {
        let layers = Layers::new(DEFAULTS).required_file("/nonexistent/app.toml");
        let e = load(layers, &[]).unwrap_err();
        assert!(matches!(e, SettingsError::Read(_)), "{e:?}");
        assert_eq!(e.to_string(), "reading configuration");
        let e = load(Layers::new(DEFAULTS), &[("APP__A__TYPO", "1")]).unwrap_err();
        assert!(matches!(e, SettingsError::Invalid(_)), "{e:?}");
    }

    #[test]
    fn an_array_of_tables_comes_from_one_json_variable_and_replaces_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "ring.toml",
            "[[ring.keys]]\nid = \"file\"\nversion = 1\nkey = \"from-file\"\n",
        );
        let layers = Layers::new(DEFAULTS).required_file(&file);
        let settings = load(layers, &[]).unwrap();
        assert_eq!(settings.ring.keys.len(), 1);
        assert_eq!(settings.ring.keys[0].key.expose(), "from-file");

        let json = r#"[{"id": "a", "version": 2, "key": "k-one", "key_id": 7},
                       {"id": "b", "version": 1, "key": "k-two", "key_id": null}]"#;
        let layers = Layers::new(DEFAULTS).required_file(&file);
        let settings = load(layers, &[("APP__RING__KEYS", json)]).unwrap();
        let keys = &settings.ring.keys;
        assert_eq!(keys.len(), 2);
        assert_eq!((keys[0].id.as_str(), keys[0].version), ("a", 2));
        assert_eq!((keys[0].key.expose(), keys[0].key_id), ("k-one", Some(7)));
        assert_eq!((keys[1].key.expose(), keys[1].key_id), ("k-two", None));

        let settings = load(Layers::new(DEFAULTS), &[("APP__RING__KEYS", "[]")]).unwrap();
        assert!(settings.ring.keys.is_empty());
    }

    #[test]
    fn a_malformed_json_variable_is_named_and_its_text_never_echoed() {
        let secret = "5ec12e75ec12e75ec12e75ec12e7";
        for (text, problem) in [
            (
                format!(r#"[{{"id": "a", "version": 2, "key": "{secret}""#),
                "not valid JSON",
            ),
            (format!(r#"{{"key": "{secret}"}}"#), "expected a JSON array"),
            (format!(r#"["{secret}"]"#), "entry 0 is not a JSON object"),
            (secret.to_owned(), "not valid JSON"),
        ] {
            let e = load(Layers::new(DEFAULTS), &[("APP__RING__KEYS", &text)]).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(shown.contains("APP__RING__KEYS"), "{shown}");
            assert!(shown.contains(problem), "{shown}");
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains("5ec1"), "{shown}");
        }
    }

    #[test]
    fn variable_names_follow_the_prefix_and_the_dotted_key() {
        assert_eq!(
            variable_name("ECKWMS_GLOBAL", "labels.keys"),
            "ECKWMS_GLOBAL__LABELS__KEYS"
        );
    }
}
