//! GS1 Digital Link URLs: the AIs in the path and the query of a URL.

use super::ai::{Ai, Fields, is_cset82};
use super::{Gs1, Gs1Error};

/// Reads a Digital Link URL: path `.../01/{gtin}[/22/{cpv}][/10/{batch}][/21/{serial}]` (in that
/// order, after any path prefix), query parameters for other AIs (17 is read, other numeric
/// keys are skipped, non-numeric keys such as `linkType` ignored). Values are percent-decoded.
pub(super) fn parse_digital_link(text: &str) -> Result<Gs1, Gs1Error> {
    let rest = crate::label::strip_scheme(text);
    let rest = rest.split_once('#').map_or(rest, |(head, _)| head);
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, path) = location.split_once('/').ok_or(Gs1Error::NotGs1)?;
    if host.is_empty()
        || host
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(Gs1Error::NotGs1);
    }
    let mut segments = path.split('/').skip_while(|segment| *segment != "01");
    if segments.next().is_none() {
        return Err(Gs1Error::NotGs1);
    }
    let mut fields = Fields::default();
    let gtin = segments.next().ok_or(Gs1Error::Syntax)?;
    fields.set(Ai::Gtin, &percent_decode(gtin)?, true)?;
    // Key qualifiers: each at most once, in this order.
    let mut order = ["22", "10", "21"].into_iter();
    while let Some(ai) = segments.next() {
        if ai.is_empty() && segments.clone().next().is_none() {
            break; // a trailing slash
        }
        if !order.any(|allowed| allowed == ai) {
            return Err(Gs1Error::Syntax);
        }
        let value = percent_decode(segments.next().ok_or(Gs1Error::Syntax)?)?;
        match Ai::from_code(ai.as_bytes()) {
            Some(known) => fields.set(known, &value, true)?,
            // (22) consumer product variant: checked, not kept.
            None if value.is_empty()
                || value.len() > 20
                || !value.iter().all(|&c| is_cset82(c)) =>
            {
                return Err(Gs1Error::Value { ai: "22" });
            }
            None => {}
        }
    }
    for parameter in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        if key.is_empty() || !key.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        match Ai::from_code(key.as_bytes()) {
            Some(Ai::Expiry) => fields.set(Ai::Expiry, &percent_decode(value)?, true)?,
            // The key and its qualifiers belong in the path.
            Some(_) => return Err(Gs1Error::Syntax),
            None if key == "22" => return Err(Gs1Error::Syntax),
            None => {}
        }
    }
    fields.finish()
}

fn percent_decode(text: &str) -> Result<Vec<u8>, Gs1Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(Gs1Error::Syntax)?;
            let text = std::str::from_utf8(hex).map_err(|_| Gs1Error::Syntax)?;
            out.push(u8::from_str_radix(text, 16).map_err(|_| Gs1Error::Syntax)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}
