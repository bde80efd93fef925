//! Test helpers (feature `testing`): the text a PDF of this crate shows, so tests here and in
//! other crates can check what a sheet or slip says without a PDF library.
//!
//! It reads only what this crate writes: streams with an exact `/Length`, Flate-compressed or
//! plain, and text shown with `Tj`, `TJ`, `'` or `"` in literal or hex strings, whose bytes are
//! WinAnsi (the encoding of every font here). It is no general PDF parser.

use miniz_oxide::inflate::decompress_to_vec_zlib;

use crate::font::from_win_ansi;

/// The text shown by all content streams of `pdf`, in file order (which is page order here):
/// one line per text-showing operation, each ending in `\n`. A `TJ` array's strings are joined.
/// The five byte values WinAnsi leaves undefined come back as U+FFFD, control bytes as
/// themselves; what the writer replaced by `?` reads as `?`.
pub fn pdf_text(pdf: &[u8]) -> Result<String, String> {
    Ok(pdf_page_texts(pdf)?.concat())
}

/// Like [`pdf_text`], one string per content stream (this crate writes one stream per page, so
/// entry `n` is page `n + 1`).
pub fn pdf_page_texts(pdf: &[u8]) -> Result<Vec<String>, String> {
    if !pdf.starts_with(b"%PDF-") {
        return Err("not a PDF: no %PDF- header".into());
    }
    streams(pdf)?
        .iter()
        .map(|stream| shown_text(stream))
        .collect()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// The integer right after `key` in `dict` (e.g. `/Length 123`).
fn integer_after(dict: &[u8], key: &[u8]) -> Option<usize> {
    let start = find(dict, key, 0)? + key.len();
    let digits: String = dict
        .get(start..)?
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().ok()
}

/// Every stream's data, decompressed where it is Flate-encoded.
fn streams(pdf: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(keyword) = find(pdf, b"stream", from) {
        // `endstream` also contains the keyword; a stream starts after a dictionary's `>>`.
        let before = pdf.get(..keyword).unwrap_or_default();
        let dict_end = before.iter().rposition(|b| !b.is_ascii_whitespace());
        let is_start = dict_end
            .and_then(|end| before.get(end.saturating_sub(1)..=end))
            .is_some_and(|tail| tail == b">>");
        if !is_start {
            from = keyword + 6;
            continue;
        }
        let dict_start =
            rfind(before, b"<<").ok_or_else(|| format!("stream at {keyword} has no dictionary"))?;
        let dict = pdf.get(dict_start..keyword).unwrap_or_default();
        let length = integer_after(dict, b"/Length")
            .ok_or_else(|| format!("stream at {keyword} has no direct /Length"))?;
        let mut data_start = keyword + 6;
        if pdf.get(data_start) == Some(&b'\r') {
            data_start += 1;
        }
        if pdf.get(data_start) == Some(&b'\n') {
            data_start += 1;
        }
        let data = pdf
            .get(data_start..data_start + length)
            .ok_or_else(|| format!("stream at {keyword} runs past the end of the file"))?;
        let flate = find(dict, b"/FlateDecode", 0).is_some();
        let data = if flate {
            decompress_to_vec_zlib(data)
                .map_err(|error| format!("stream at {keyword} does not inflate: {error:?}"))?
        } else {
            data.to_vec()
        };
        out.push(data);
        from = data_start + length;
    }
    Ok(out)
}

/// An operand of a content-stream operator, as far as text extraction cares.
enum Operand {
    String(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Other,
}

fn is_delimiter(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The lines of text one content stream shows.
fn shown_text(content: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    let mut operands: Vec<Operand> = Vec::new();
    // Strings of the array being read (`[` ... `]`), if any.
    let mut array: Option<Vec<Vec<u8>>> = None;
    let mut at = 0;
    while let Some(&byte) = content.get(at) {
        match byte {
            b if b.is_ascii_whitespace() => at += 1,
            b'%' => {
                while content.get(at).is_some_and(|&b| b != b'\n' && b != b'\r') {
                    at += 1;
                }
            }
            b'(' => {
                let (string, end) = literal_string(content, at)?;
                at = end;
                match &mut array {
                    Some(items) => items.push(string),
                    None => operands.push(Operand::String(string)),
                }
            }
            b'<' if content.get(at + 1) == Some(&b'<') => at += 2,
            b'>' if content.get(at + 1) == Some(&b'>') => at += 2,
            b'<' => {
                let (string, end) = hex_string(content, at)?;
                at = end;
                match &mut array {
                    Some(items) => items.push(string),
                    None => operands.push(Operand::String(string)),
                }
            }
            b'[' => {
                array = Some(Vec::new());
                at += 1;
            }
            b']' => {
                let items = array.take().ok_or_else(|| format!("unmatched ] at {at}"))?;
                operands.push(Operand::Array(items));
                at += 1;
            }
            _ => {
                let start = at;
                at += 1;
                while content
                    .get(at)
                    .is_some_and(|&b| !b.is_ascii_whitespace() && !is_delimiter(b))
                {
                    at += 1;
                }
                let token = content.get(start..at).unwrap_or_default();
                let is_operand = byte == b'/'
                    || token
                        .iter()
                        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'));
                if is_operand {
                    if array.is_none() {
                        operands.push(Operand::Other);
                    }
                    continue;
                }
                let shown = match token {
                    b"Tj" | b"'" | b"\"" => match operands.last() {
                        Some(Operand::String(bytes)) => Some(decode(bytes)),
                        _ => None,
                    },
                    b"TJ" => match operands.last() {
                        Some(Operand::Array(items)) => {
                            Some(items.iter().map(|s| decode(s)).collect())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(line) = shown {
                    out.push_str(&line);
                    out.push('\n');
                }
                operands.clear();
            }
        }
    }
    Ok(out)
}

/// A literal string starting at the `(` at `start`: its bytes with the escapes resolved, and the
/// index after its closing `)`. Balanced parentheses need no escape.
fn literal_string(content: &[u8], start: usize) -> Result<(Vec<u8>, usize), String> {
    let mut bytes = Vec::new();
    let mut depth = 0usize;
    let mut at = start + 1;
    loop {
        let byte = *content
            .get(at)
            .ok_or_else(|| format!("unterminated string at {start}"))?;
        at += 1;
        match byte {
            b'(' => {
                depth += 1;
                bytes.push(byte);
            }
            b')' if depth == 0 => return Ok((bytes, at)),
            b')' => {
                depth -= 1;
                bytes.push(byte);
            }
            b'\\' => {
                let escaped = *content
                    .get(at)
                    .ok_or_else(|| format!("unterminated string at {start}"))?;
                at += 1;
                match escaped {
                    b'n' => bytes.push(b'\n'),
                    b'r' => bytes.push(b'\r'),
                    b't' => bytes.push(b'\t'),
                    b'b' => bytes.push(0x08),
                    b'f' => bytes.push(0x0C),
                    b'0'..=b'7' => {
                        let mut value = u32::from(escaped - b'0');
                        for _ in 0..2 {
                            match content.get(at) {
                                Some(&digit @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(digit - b'0');
                                    at += 1;
                                }
                                _ => break,
                            }
                        }
                        // Three octal digits may exceed a byte; the high bit is ignored.
                        bytes.push((value & 0xFF) as u8);
                    }
                    // A backslash at the end of a line continues the string on the next.
                    b'\r' => {
                        if content.get(at) == Some(&b'\n') {
                            at += 1;
                        }
                    }
                    b'\n' => {}
                    other => bytes.push(other),
                }
            }
            other => bytes.push(other),
        }
    }
}

/// A hex string starting at the `<` at `start`, and the index after its `>`. Whitespace is
/// ignored, and an odd last digit stands for its high nibble.
fn hex_string(content: &[u8], start: usize) -> Result<(Vec<u8>, usize), String> {
    let end = find(content, b">", start).ok_or_else(|| format!("unterminated hex at {start}"))?;
    let digits: Vec<u8> = content
        .get(start + 1..end)
        .unwrap_or_default()
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|&b| match b {
            b'0'..=b'9' => Ok(b - b'0'),
            b'a'..=b'f' => Ok(b - b'a' + 10),
            b'A'..=b'F' => Ok(b - b'A' + 10),
            _ => Err(format!("bad hex digit {:?} at {start}", char::from(b))),
        })
        .collect::<Result<_, _>>()?;
    let bytes = digits
        .chunks(2)
        .map(|pair| (pair.first().copied().unwrap_or(0) << 4) | pair.get(1).copied().unwrap_or(0))
        .collect();
    Ok((bytes, end + 1))
}

/// WinAnsi bytes as text; control bytes (which this crate never writes) stay themselves.
fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| match from_win_ansi(byte) {
            Some(c) => c,
            None if byte < 0x20 || byte == 0x7F => char::from(byte),
            None => char::REPLACEMENT_CHARACTER,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::compress_to_vec_zlib;

    fn wrap_in_pdf(content: &[u8]) -> Vec<u8> {
        let compressed = compress_to_vec_zlib(content, 3);
        let mut pdf = b"%PDF-1.7\n1 0 obj\n<<\n  /Length ".to_vec();
        pdf.extend(compressed.len().to_string().as_bytes());
        pdf.extend(b"\n  /Filter /FlateDecode\n>>\nstream\n");
        pdf.extend(&compressed);
        pdf.extend(b"\nendstream\nendobj\n%%EOF");
        pdf
    }

    #[test]
    fn reads_literal_hex_and_array_strings() {
        let content = br#"BT /F1 12 Tf 1 0 0 1 10 20 Tm (a \(b\) (c) \\ \101\102\nx) Tj
<47 72FC DF65> Tj [(Ke) -120 (rn) <20>] TJ (q) ' 1 2 (w) "
(not shown) Tf ET"#;
        let text = pdf_text(&wrap_in_pdf(content)).unwrap();
        assert_eq!(text, "a (b) (c) \\ AB\nx\nGrüße\nKern \nq\nw\n");
    }

    #[test]
    fn rejects_what_is_not_a_pdf() {
        assert!(pdf_text(b"hello").is_err());
        let mut broken = wrap_in_pdf(b"(x) Tj");
        // The zlib header's first byte.
        let at = find(&broken, b"stream\n", 0).unwrap() + 7;
        broken[at] ^= 0xFF;
        assert!(pdf_text(&broken).is_err());
    }
}
