//! Text measurement for the PDF standard fonts we use, and their WinAnsi encoding.
//!
//! The standard 14 fonts need no embedding, but the writer still has to know how wide the text is:
//! nothing may be drawn outside a label cell, so every line is measured and, when too wide,
//! shrunk or shortened. Arial is metric-compatible with Helvetica, so the same numbers serve the
//! SVG output (whose font-family is `Helvetica, Arial, sans-serif`).

/// One of the fonts of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
    /// Courier-Bold, for serial numbers on the RMA slip (PDF only): every glyph is 0.6 em wide,
    /// so a serial's width follows from its length and `0`/`O`, `1`/`l` stay apart; bold because
    /// plain Courier's hairline strokes print faintly.
    Mono,
}

/// Height of a capital letter, as a fraction of the font size (both fonts' AFM `CapHeight` 718).
pub(crate) const CAP_HEIGHT: f32 = 0.718;
/// Depth of the lowest descender, as a fraction of the font size (AFM `Descender` -207).
pub(crate) const DESCENT: f32 = 0.207;

/// Width in 1/1000 em assumed for a character the font cannot show. In the PDF it becomes a
/// narrower `?`; in the SVG the reader's font shows the real glyph, which may be as wide as a CJK
/// ideograph (1 em). Measuring 1 em keeps both inside the cell.
const UNKNOWN_WIDTH: u16 = 1000;
/// Width in 1/1000 em of every Courier glyph, `?` included (the font is used only in the PDF,
/// where a character it cannot show becomes `?`).
const MONO_WIDTH: u16 = 600;

/// Glyph widths (1/1000 em) of Helvetica for WinAnsi codes 32..=255 (from the Adobe core AFM
/// metrics; unused codes carry the bullet width 350).
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 32
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 48
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 64
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 80
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 96
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, // 112
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 128
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, // 144
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 160
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 176
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 192
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 208
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 224
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 240
];

/// Glyph widths (1/1000 em) of Helvetica-Bold for WinAnsi codes 32..=255.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 32
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 48
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 64
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 80
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 96
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, // 112
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 128
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, // 144
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 160
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 176
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 192
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 208
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 224
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 240
];

/// The characters Windows-1252 puts in 0x80..=0x9F (the rest of WinAnsi is Latin-1).
const CP1252_EXTRAS: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// The WinAnsiEncoding (Windows-1252) byte of a character, if it has one.
///
/// The standard fonts are used with `/Encoding /WinAnsiEncoding`, so this is the whole repertoire
/// a PDF label can show; anything else is printed as `?` (see [`to_win_ansi`]).
pub(crate) fn win_ansi(c: char) -> Option<u8> {
    let code = u32::from(c);
    match code {
        0x20..=0x7E | 0xA0..=0xFF => u8::try_from(code).ok(),
        _ => CP1252_EXTRAS
            .iter()
            .find(|&&(extra, _)| extra == c)
            .map(|&(_, byte)| byte),
    }
}

/// The character a WinAnsi byte shows (the inverse of [`win_ansi`]); `None` for the control
/// codes and the five unused codes of 0x80..=0x9F.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn from_win_ansi(byte: u8) -> Option<char> {
    match byte {
        0x20..=0x7E | 0xA0..=0xFF => Some(char::from(byte)),
        _ => CP1252_EXTRAS
            .iter()
            .find(|&&(_, extra)| extra == byte)
            .map(|&(c, _)| c),
    }
}

/// The text as WinAnsi bytes for a PDF string; characters outside the encoding become `?`.
pub(crate) fn to_win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(|c| win_ansi(c).unwrap_or(b'?')).collect()
}

/// Advance width of one character in 1/1000 em.
fn char_width(font: Font, c: char) -> u16 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
        Font::Mono => return MONO_WIDTH,
    };
    win_ansi(c)
        .and_then(|byte| table.get(usize::from(byte).wrapping_sub(32)))
        .copied()
        .unwrap_or(UNKNOWN_WIDTH)
}

/// Width of the text in em (multiply by the font size for a length).
pub(crate) fn width_em(font: Font, text: &str) -> f32 {
    let thousandths: u32 = text.chars().map(|c| u32::from(char_width(font, c))).sum();
    // A caption is at most a few dozen characters: the sum is far below f32's exact range.
    thousandths as f32 / 1000.0
}

/// A line of text sized to fit a width: the (possibly shortened) text and its font size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub(crate) text: String,
    pub(crate) size: f32,
    /// Width of `text` at `size`, in the caller's unit.
    pub(crate) width: f32,
}

/// Fit `text` into `max_width`: at `nominal` size if it fits, else shrunk, but not below `min`;
/// text still too wide at `min` is cut and ends with an ellipsis. Shrinking first keeps every
/// character of short numbers and kinds; only long captions lose their tail.
pub(crate) fn fit(text: &str, font: Font, nominal: f32, min: f32, max_width: f32) -> Fitted {
    let em = width_em(font, text);
    if em * nominal <= max_width {
        return Fitted {
            text: text.to_owned(),
            size: nominal,
            width: em * nominal,
        };
    }
    let min = min.min(nominal);
    let size = max_width / em;
    if size >= min {
        return Fitted {
            text: text.to_owned(),
            size,
            width: max_width,
        };
    }
    let ellipsis = f32::from(char_width(font, '…')) / 1000.0;
    let mut kept = String::new();
    let mut kept_em = 0.0;
    for c in text.chars() {
        let c_em = f32::from(char_width(font, c)) / 1000.0;
        if (kept_em + c_em + ellipsis) * min > max_width {
            break;
        }
        kept.push(c);
        kept_em += c_em;
    }
    let kept = kept.trim_end();
    if kept.is_empty() {
        return Fitted {
            text: String::new(),
            size: min,
            width: 0.0,
        };
    }
    let text = format!("{kept}…");
    let width = width_em(font, &text) * min;
    Fitted {
        text,
        size: min,
        width,
    }
}

/// Break `text` into lines at most `max_width` wide at font size `size`: at spaces, and inside a
/// word only when the word alone is wider than a line. At most `max_lines` lines (at least one):
/// when text remains, the last line is cut and ends with an ellipsis. Runs of spaces count as one.
pub(crate) fn wrap(
    text: &str,
    font: Font,
    size: f32,
    max_width: f32,
    max_lines: usize,
) -> Vec<String> {
    let fits = |line: &str| width_em(font, line) * size <= max_width;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        if !current.is_empty() {
            let joined = format!("{current} {word}");
            if fits(&joined) {
                current = joined;
                continue;
            }
            lines.push(std::mem::take(&mut current));
        }
        // `current` is empty: the word starts a line, broken where it is wider than one.
        for c in word.chars() {
            current.push(c);
            if !fits(&current) && current.chars().count() > 1 {
                current.pop();
                lines.push(std::mem::replace(&mut current, c.to_string()));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines);
        if let Some(last) = lines.last_mut() {
            // The greedy break left no room for the next piece, so this is wider than a line
            // and `fit` (which may not shrink here) cuts it and adds the ellipsis.
            let joined = format!("{last} {}", rest.join(" "));
            *last = fit(&joined, font, size, size, max_width).text;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_widths_match_the_afm_metrics() {
        assert!((width_em(Font::Regular, "0123456789") - 5.56).abs() < 1e-4);
        assert!((width_em(Font::Regular, "W") - 0.944).abs() < 1e-6);
        assert!((width_em(Font::Bold, "M3") - (0.833 + 0.556)).abs() < 1e-6);
        assert!((width_em(Font::Bold, "@") - 0.975).abs() < 1e-6);
        assert!((width_em(Font::Regular, "~") - 0.584).abs() < 1e-6);
        assert!((width_em(Font::Bold, "ÿ") - 0.556).abs() < 1e-6);
        assert!((width_em(Font::Regular, "·") - 0.278).abs() < 1e-6);
    }

    #[test]
    fn win_ansi_maps_latin1_and_the_1252_extras_and_nothing_else() {
        assert_eq!(to_win_ansi("A-03 · col 2"), b"A-03 \xB7 col 2");
        assert_eq!(
            to_win_ansi("Grüße €5 – “x”"),
            b"Gr\xFC\xDFe \x805 \x96 \x93x\x94"
        );
        assert_eq!(to_win_ansi("Склад 東"), b"????? ?");
        assert_eq!(win_ansi('\u{81}'), None);
        assert_eq!(win_ansi('\n'), None);
    }

    #[test]
    fn fit_keeps_shrinks_then_truncates() {
        let kept = fit("ITEM", Font::Regular, 2.0, 1.0, 100.0);
        assert_eq!((kept.text.as_str(), kept.size), ("ITEM", 2.0));

        let shrunk = fit("123456", Font::Regular, 10.0, 1.0, 16.68);
        assert_eq!(shrunk.text, "123456");
        assert!((shrunk.size - 5.0).abs() < 1e-3);

        let cut = fit(
            "A-03 col 2 row 5 and much more",
            Font::Regular,
            3.0,
            2.0,
            20.0,
        );
        assert!(cut.text.ends_with('…'), "{cut:?}");
        assert_eq!(cut.size, 2.0);
        assert!(cut.width <= 20.0);

        assert_eq!(fit("WWW", Font::Bold, 3.0, 2.0, 0.5).text, "");
    }

    #[test]
    fn win_ansi_round_trips() {
        for byte in (0x20..=0x7E).chain(0x80..=0xFF) {
            if let Some(c) = from_win_ansi(byte) {
                assert_eq!(win_ansi(c), Some(byte), "{byte:#X}");
            }
        }
        assert_eq!(from_win_ansi(0x80), Some('€'));
        assert_eq!(from_win_ansi(0x81), None);
        assert_eq!(from_win_ansi(b'\n'), None);
        assert_eq!(
            (0x80..=0x9F).filter_map(from_win_ansi).count(),
            CP1252_EXTRAS.len()
        );
    }

    #[test]
    fn courier_is_fixed_width() {
        assert!((width_em(Font::Mono, "SN-0001") - 4.2).abs() < 1e-4);
        assert!((width_em(Font::Mono, "WiЖ") - 1.8).abs() < 1e-4);
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_long_words() {
        // "aaaa" is 2.224 em: at size 1 two such words and a space (0.278) fit 5 mm.
        let lines = wrap("aaaa aaaa  aaaa aaaa", Font::Regular, 1.0, 5.0, 5);
        assert_eq!(lines, ["aaaa aaaa", "aaaa aaaa"]);
        let lines = wrap(&"a".repeat(20), Font::Regular, 1.0, 5.0, 5);
        assert_eq!(lines, ["a".repeat(8), "a".repeat(8), "a".repeat(4)]);
        assert!(wrap("  ", Font::Regular, 1.0, 5.0, 5).is_empty());
        for width in [0.1, 1.0, 3.0, 7.0] {
            for line in wrap("Grüße, Склад 東京 WWWWWWWWW x", Font::Bold, 1.0, width, 50) {
                assert!(
                    width_em(Font::Bold, &line) <= width || line.chars().count() == 1,
                    "{line:?} at {width}"
                );
            }
        }
    }

    #[test]
    fn wrap_cuts_the_last_allowed_line_with_an_ellipsis() {
        let text = "one two three four five six seven eight nine ten";
        let lines = wrap(text, Font::Regular, 1.0, 10.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(lines.iter().all(|l| width_em(Font::Regular, l) <= 10.0));
        assert_eq!(wrap(text, Font::Regular, 1.0, 100.0, 2), [text]);
    }
}
