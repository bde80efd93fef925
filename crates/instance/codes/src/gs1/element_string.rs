//! The element string, in its two written forms: bracketed for people
//! (`(01)09506000134352(17)201225(10)ABC123`) and raw, as GS1-128, GS1 DataMatrix, GS1 QR and
//! GS1 DataBar carry it (variable-length fields ended by ASCII GS).

use super::ai::{Ai, Fields, is_cset82, predefined_len};
use super::{GS, Gs1, Gs1Error};

/// `(` + 2 to 4 digits + `)` at `at`: returns the AI digits and where its value starts.
fn ai_opener(text: &[u8], at: usize) -> Option<(&[u8], usize)> {
    if text.get(at) != Some(&b'(') {
        return None;
    }
    let digits = text[at + 1..]
        .iter()
        .take(5)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if (2..=4).contains(&digits) && text.get(at + 1 + digits) == Some(&b')') {
        Some((&text[at + 1..at + 1 + digits], at + 2 + digits))
    } else {
        None
    }
}

pub(super) fn parse_bracketed(text: &[u8]) -> Result<Gs1, Gs1Error> {
    let mut fields = Fields::default();
    let mut at = 0;
    while at < text.len() {
        let (ai, start) = ai_opener(text, at).ok_or(Gs1Error::Syntax)?;
        // The value runs to the next well-formed "(NN)"; a "(" that opens none belongs to it.
        let mut end = start;
        while end < text.len() && ai_opener(text, end).is_none() {
            end += 1;
        }
        let value = &text[start..end];
        if value.is_empty() || !value.iter().all(|&c| is_cset82(c)) {
            return Err(Gs1Error::Syntax);
        }
        if let Some(known) = Ai::from_code(ai) {
            fields.set(known, value, false)?;
        }
        at = end;
    }
    fields.finish()
}

pub(super) fn parse_element_string(text: &[u8]) -> Result<Gs1, Gs1Error> {
    let mut fields = Fields::default();
    let mut at = 0;
    while at < text.len() {
        let first_two = text.get(at..at + 2).ok_or(Gs1Error::Syntax)?;
        if !first_two.iter().all(u8::is_ascii_digit) {
            return Err(Gs1Error::Syntax);
        }
        let known = Ai::from_code(first_two);
        if let Some(total) = predefined_len(first_two) {
            let field = text.get(at..at + total).ok_or(Gs1Error::Syntax)?;
            if !field.iter().all(u8::is_ascii_digit) {
                return Err(Gs1Error::Syntax);
            }
            if let Some(ai) = known {
                fields.set(ai, &field[2..], false)?;
            }
            at += total;
            // Some encoders put a GS after a fixed-length field too; it is harmless.
            if text.get(at) == Some(&GS) {
                at += 1;
            }
        } else {
            let end = text[at..]
                .iter()
                .position(|&c| c == GS)
                .map_or(text.len(), |offset| at + offset);
            let field = &text[at..end];
            if field.len() < 3 || !field.iter().all(|&c| is_cset82(c)) {
                return Err(Gs1Error::Syntax);
            }
            if let Some(ai) = known {
                fields.set(ai, &field[2..], false)?;
            }
            at = end + 1;
        }
    }
    fields.finish()
}
