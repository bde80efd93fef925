//! The one catalogue of ECKWMS's texts for people: the web UI's pages and the scanners'
//! messages (the answers of the scan flow, `scan-*`), in English, German and Russian, as
//! Project Fluent files under `locales/` compiled into the binary.
//!
//! - [`Lang`] is a language the catalogue has; [`Lang::negotiate`] picks one from an
//!   `Accept-Language` header.
//! - [`Lang::text`] (and [`Lang::text_with`] for messages with variables) formats a message;
//!   a message missing in a language falls back to English, and one missing there too shows
//!   its id, so a page never fails over a text. A test keeps the three files in step.
//! - [`Message`] is a message with its values, owned, for a use case that does not know the
//!   reader's language: [`Lang::render`] writes it (values may be messages themselves).
//! - [`Lang::number`] and [`Lang::date_time`] write numbers and times as readers of the
//!   language expect them.

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    De,
    Ru,
}

/// A value for a message's variable.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A message with its variables, owned: what a use case hands to the adapter that knows the
/// reader's language (the scan flow's answers are such messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    id: Cow<'static, str>,
    args: Vec<(&'static str, Value)>,
}

/// An owned value of a [`Message`]'s variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Number(i64),
    /// Another message, written in the same language first (an object's name, a count with
    /// its noun).
    Message(Box<Message>),
}

impl Message {
    /// The message `id` without variables.
    pub fn new(id: impl Into<Cow<'static, str>>) -> Self {
        Self {
            id: id.into(),
            args: Vec::new(),
        }
    }

    /// The message with the variable `name` set to a text.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, Value::Text(value.into())));
        self
    }

    /// The message with the variable `name` set to a number.
    pub fn number(mut self, name: &'static str, value: impl TryInto<i64>) -> Self {
        let value = value.try_into().unwrap_or(i64::MAX);
        self.args.push((name, Value::Number(value)));
        self
    }

    /// The message with the variable `name` set to another message.
    pub fn message(mut self, name: &'static str, value: Message) -> Self {
        self.args.push((name, Value::Message(Box::new(value))));
        self
    }

    /// The message's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

const SOURCES: [(Lang, &str); 3] = [
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::De, include_str!("../locales/de.ftl")),
    (Lang::Ru, include_str!("../locales/ru.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle; 3] {
    static BUNDLES: OnceLock<[Bundle; 3]> = OnceLock::new();
    BUNDLES.get_or_init(|| SOURCES.map(|(lang, source)| bundle(lang, source)))
}

/// The bundle of one language. A file with syntax errors keeps the entries that parsed (the
/// catalogue test fails on any error, so a shipped file has none).
fn bundle(lang: Lang, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
    let mut bundle = FluentBundle::new_concurrent(vec![lang.id()]);
    // Values go into HTML, where the isolation marks would only be noise.
    bundle.set_use_isolating(false);
    // Overriding entries are reported by the catalogue test; the first one stays.
    let _ = bundle.add_resource(resource);
    bundle
}

impl Lang {
    /// Every language, in the order the language switch offers them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Ru];

    /// The language's code (`en`, `de`, `ru`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Ru => "ru",
        }
    }

    /// The language's name in itself, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Ru => "Русский",
        }
    }

    fn id(self) -> unic_langid::LanguageIdentifier {
        match self {
            Lang::En => unic_langid::langid!("en"),
            Lang::De => unic_langid::langid!("de"),
            Lang::Ru => unic_langid::langid!("ru"),
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::De => 1,
            Lang::Ru => 2,
        }
    }

    /// The language of a code or tag (`de`, `de-AT`, `RU`); `None` for one the catalogue lacks.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The language an `Accept-Language` header prefers among the catalogue's (by weight, the
    /// first listed among equals); English when it names none of them or cannot be read.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for part in accept_language.split(',').take(32) {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality)
                .unwrap_or(0);
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The message `id` without variables.
    pub fn text(self, id: &str) -> String {
        self.text_with(id, &[])
    }

    /// The message `id` with its variables.
    pub fn text_with(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(text) => fluent_args.set(*name, FluentValue::from(*text)),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        let all = bundles();
        for bundle in [&all[self.index()], &all[Lang::En.index()]] {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                return replace_numbers(self, &text, args);
            }
        }
        id.to_owned()
    }

    /// A [`Message`] in this language.
    pub fn render(self, message: &Message) -> String {
        let nested: Vec<String> = message
            .args
            .iter()
            .map(|(_, value)| match value {
                Value::Message(inner) => self.render(inner),
                _ => String::new(),
            })
            .collect();
        let args: Vec<(&str, Arg<'_>)> = message
            .args
            .iter()
            .zip(&nested)
            .map(|((name, value), rendered)| {
                let arg = match value {
                    Value::Text(text) => Arg::Text(text),
                    Value::Number(n) => Arg::Number(*n),
                    Value::Message(_) => Arg::Text(rendered),
                };
                (*name, arg)
            })
            .collect();
        self.text_with(&message.id, &args)
    }

    /// Whether the catalogue has the message `id` (in English, so in every language).
    pub fn has(id: &str) -> bool {
        bundles()[Lang::En.index()].has_message(id)
    }

    /// A whole number with the language's digit grouping (`12,345`, `12.345`, `12 345`).
    pub fn number(self, n: i64) -> String {
        let separator = match self {
            Lang::En => ",",
            Lang::De => ".",
            // A narrow no-break space, as Russian typography groups digits.
            Lang::Ru => "\u{202f}",
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(digit);
        }
        out
    }

    /// A moment as the language writes it: `7 Dec 2026, 14:05` in English, `07.12.2026, 14:05`
    /// in German and Russian, in the offset it carries.
    pub fn date_time(self, at: DateTime<FixedOffset>) -> String {
        match self {
            Lang::En => format!(
                "{} {} {}, {:02}:{:02}",
                at.day(),
                MONTHS_EN[at.month0() as usize],
                at.year(),
                at.hour(),
                at.minute()
            ),
            Lang::De | Lang::Ru => format!(
                "{:02}.{:02}.{}, {:02}:{:02}",
                at.day(),
                at.month(),
                at.year(),
                at.hour(),
                at.minute()
            ),
        }
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Fluent writes numbers without grouping; the numbers of `args` are written again with it.
fn replace_numbers(lang: Lang, text: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut text = text.to_owned();
    for (_, value) in args {
        if let Arg::Number(n) = value
            && n.unsigned_abs() >= 1000
        {
            text = text.replace(&n.to_string(), &lang.number(*n));
        }
    }
    text
}

/// A `q=` weight in thousandths; `None` when unreadable.
fn quality(raw: &str) -> Option<u16> {
    let value: f32 = raw.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        // In 0..=1000 by the check above.
        .then(|| (value * 1000.0).round() as u16)
}

/// The ids of every message of a language's file, in order (for the catalogue test and for
/// a page's own checks).
pub fn message_ids(lang: Lang) -> Vec<String> {
    let source = SOURCES[lang.index()].1;
    source
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_has_every_message_of_the_others() {
        for (lang, source) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
                panic!("{}: {errors:?}", lang.code());
            }
            let mut check = FluentBundle::new_concurrent(vec![lang.id()]);
            let added = check.add_resource(FluentResource::try_new(source.to_owned()).unwrap());
            assert!(added.is_ok(), "{}: {added:?}", lang.code());
        }
        let english = message_ids(Lang::En);
        assert!(english.len() > 20);
        for lang in [Lang::De, Lang::Ru] {
            let ids = message_ids(lang);
            let missing: Vec<&String> = english.iter().filter(|id| !ids.contains(id)).collect();
            let extra: Vec<&String> = ids.iter().filter(|id| !english.contains(id)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.code());
        }
    }

    #[test]
    fn every_message_formats_in_every_language_without_errors() {
        for lang in Lang::ALL {
            let bundle = &bundles()[lang.index()];
            for id in message_ids(lang) {
                let message = bundle.get_message(&id).unwrap();
                let pattern = message.value().unwrap();
                let mut errors = Vec::new();
                // Every variable any message names, given a number (numbers fit every
                // message: selectors and plain references alike).
                let mut args = FluentArgs::new();
                for name in variables(SOURCES[lang.index()].1) {
                    args.set(name, FluentValue::from(2));
                }
                bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{} {id}: {errors:?}", lang.code());
            }
        }
    }

    /// The names of the `$variables` of a catalogue file.
    fn variables(source: &str) -> Vec<String> {
        let mut names: Vec<String> = source
            .split('$')
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect()
            })
            .filter(|name: &String| !name.is_empty())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn the_preferred_language_wins_by_weight() {
        assert_eq!(Lang::negotiate("de-DE,de;q=0.9,en;q=0.8"), Lang::De);
        assert_eq!(Lang::negotiate("fr-FR, ru;q=0.5, en;q=0.4"), Lang::Ru);
        assert_eq!(Lang::negotiate("en;q=0.2, de;q=0.7"), Lang::De);
        assert_eq!(Lang::negotiate("fr, es"), Lang::En);
        assert_eq!(Lang::negotiate("de;q=0, ru;q=x"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::parse("RU_ru"), Some(Lang::Ru));
        assert_eq!(Lang::parse("pl"), None);
    }

    #[test]
    fn numbers_and_times_follow_the_language() {
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::De.number(-1_234), "-1.234");
        assert_eq!(Lang::Ru.number(12_345), "12\u{202f}345");
        assert_eq!(Lang::En.number(999), "999");
        let at = DateTime::parse_from_rfc3339("2026-12-07T09:05:00+01:00").unwrap();
        assert_eq!(Lang::En.date_time(at), "7 Dec 2026, 09:05");
        assert_eq!(Lang::De.date_time(at), "07.12.2026, 09:05");
    }

    #[test]
    fn a_missing_message_falls_back_to_english_then_to_its_id() {
        assert_eq!(Lang::De.text("no-such-message"), "no-such-message");
        assert_eq!(Lang::De.text("nav-dashboard"), "Übersicht");
        assert_eq!(
            Lang::De.text_with("count-items", &[("count", Arg::Number(12_000))]),
            "12.000 Artikel"
        );
    }
}
