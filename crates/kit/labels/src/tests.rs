//! Tests of the public API: document structure, page counts, texts, escaping, and that the QR
//! codes in every output decode back to their texts.

use miniz_oxide::inflate::decompress_to_vec_zlib;

use crate::qr::tests::{decode_grey, decode_runs, decode_runs_with_meta, sample_code};
use crate::qr::{LABEL_QR_MODULES, Run};
use crate::scene::tests::sample_label;
use crate::testing::{pdf_page_texts, pdf_text};
use crate::{
    Label, LabelError, Layout, MAX_LABELS, SLIP_MAX_ADDRESS_CHARS, SLIP_MAX_ADDRESS_LINES,
    SLIP_MAX_CODE_CHARS, SLIP_MAX_DATE_CHARS, SLIP_MAX_DESCRIPTION_CHARS, SLIP_MAX_DEVICES,
    SLIP_MAX_INSTRUCTION_CHARS, SLIP_MAX_INSTRUCTIONS, SLIP_MAX_QR_CHARS, SLIP_MAX_REFERENCE_CHARS,
    SLIP_MAX_SERIAL_CHARS, SLIP_MAX_TITLE_CHARS, Slip, pdf, qr_png, qr_svg, slip_pdf, svg,
};

const CAPTION: &str = "A-03 · col 2 row 5";

fn labels(count: usize) -> Vec<Label> {
    (0..count)
        .map(|i| sample_label(i as u64, Some(CAPTION)))
        .collect()
}

// ---------------------------------------------------------------- PDF parsing (just enough)

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn number_at(bytes: &[u8], at: usize) -> usize {
    let digits: String = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().unwrap()
}

/// Check header, xref table (every in-use entry points at its `n 0 obj`), trailer and EOF, and
/// return the page count from the page tree.
fn check_pdf_structure(pdf: &[u8]) -> usize {
    assert!(pdf.starts_with(b"%PDF-1.7\n"), "header");
    assert!(pdf.ends_with(b"%%EOF"), "EOF marker");
    let startxref = rfind(pdf, b"startxref\n").unwrap();
    let xref = number_at(pdf, startxref + 10);
    assert!(
        pdf[xref..].starts_with(b"xref\n0 "),
        "startxref points at the xref table"
    );
    let count = number_at(pdf, xref + 7);
    let mut entry = find(pdf, b"\n", xref + 7).unwrap() + 1;
    assert_eq!(&pdf[entry..entry + 20], b"0000000000 65535 f\r\n");
    for id in 1..count {
        entry += 20;
        let line = &pdf[entry..entry + 20];
        assert_eq!(&line[10..], b" 00000 n\r\n", "entry {id}");
        let offset = number_at(line, 0);
        let header = format!("{id} 0 obj");
        assert!(
            pdf[offset..].starts_with(header.as_bytes()),
            "object {id} at {offset}"
        );
    }
    let trailer = find(pdf, b"trailer", entry + 20).unwrap();
    let trailer = String::from_utf8_lossy(&pdf[trailer..startxref]);
    assert!(trailer.contains(&format!("/Size {count}")), "{trailer}");
    assert!(trailer.contains("/Root 1 0 R"), "{trailer}");

    let text = String::from_utf8_lossy(pdf);
    assert!(text.contains("/BaseFont /Helvetica\n") && text.contains("/BaseFont /Helvetica-Bold"));
    assert_eq!(
        text.matches("/Encoding /WinAnsiEncoding").count(),
        text.matches("/Subtype /Type1").count(),
        "every font is WinAnsi"
    );
    let kids = text.matches("/Type /Page\n").count();
    let declared = number_at(pdf, find(pdf, b"/Count ", 0).unwrap() + 7);
    assert_eq!(kids, declared, "page objects vs /Count");
    declared
}

/// The decompressed content streams, in file order (= page order).
fn content_streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut streams = Vec::new();
    let mut from = 0;
    while let Some(start) = find(pdf, b">>\nstream\n", from) {
        let dict_start = rfind(&pdf[..start], b"<<").unwrap();
        let dict = String::from_utf8_lossy(&pdf[dict_start..start]);
        assert!(dict.contains("/Filter /FlateDecode"), "{dict}");
        let length = number_at(pdf, dict_start + dict.find("/Length ").unwrap() + 8);
        let data_start = start + 10;
        let data = &pdf[data_start..data_start + length];
        assert!(
            pdf[data_start + length..].starts_with(b"\nendstream"),
            "/Length is exact"
        );
        streams.push(decompress_to_vec_zlib(data).unwrap());
        from = data_start + length;
    }
    streams
}

/// The QR symbols of a content stream, in drawing order: the `re` operands between each
/// symbol's `cm` and its `f`.
fn pdf_symbols(content: &[u8]) -> Vec<Vec<Run>> {
    let text = String::from_utf8_lossy(content);
    let mut symbols = Vec::new();
    let mut current: Option<Vec<Run>> = None;
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.last().copied() {
            Some("cm") => current = Some(Vec::new()),
            Some("re") if current.is_some() => {
                let n: Vec<u32> = parts[..4].iter().map(|p| p.parse().unwrap()).collect();
                assert_eq!(n[3], 1, "runs are one module high");
                current.as_mut().unwrap().push(Run {
                    x: n[0],
                    y: n[1],
                    len: n[2],
                });
            }
            Some("f") => symbols.extend(current.take()),
            _ => {}
        }
    }
    symbols
}

// ---------------------------------------------------------------- PDF

#[test]
fn pdf_page_counts() {
    let layout = Layout::default();
    assert_eq!(pdf(&[], &layout), Err(LabelError::NoLabels));
    for (count, pages) in [(1, 1), (32, 1), (33, 2), (64, 2), (65, 3)] {
        let document = pdf(&labels(count), &layout).unwrap();
        assert_eq!(check_pdf_structure(&document), pages, "{count} labels");
        let streams = content_streams(&document);
        assert_eq!(streams.len(), pages);
        let symbols: usize = streams.iter().map(|s| pdf_symbols(s).len()).sum();
        assert_eq!(symbols, 3 * count);
    }
    let small_pages = Layout {
        columns: 1,
        rows: 4,
        ..Layout::default()
    };
    assert_eq!(
        check_pdf_structure(&pdf(&labels(9), &small_pages).unwrap()),
        3
    );
}

#[test]
fn pdf_rejects_too_many_labels_and_bad_layouts() {
    let many = vec![sample_label(1, None); MAX_LABELS + 1];
    assert!(matches!(
        pdf(&many, &Layout::default()),
        Err(LabelError::TooManyLabels { .. })
    ));
    let bad = Layout {
        columns: 21,
        ..Layout::default()
    };
    assert!(matches!(
        pdf(&labels(1), &bad),
        Err(LabelError::InvalidLayout(_))
    ));
    let tiny = Layout {
        columns: 8,
        ..Layout::default()
    };
    assert!(matches!(
        pdf(&labels(1), &tiny),
        Err(LabelError::CellTooSmall { .. })
    ));
    assert!(matches!(
        svg(&labels(1), &tiny),
        Err(LabelError::CellTooSmall { .. })
    ));
}

#[test]
fn pdf_shows_the_label_texts() {
    let mut label = sample_label(41, Some("Grüße (A-03) \\ col 2 · Склад"));
    label.kind = "PLACE".into();
    label.check = "M3".into();
    let document = pdf(&[label], &Layout::default()).unwrap();
    let content = &content_streams(&document)[0];
    let text = String::from_utf8_lossy(content);
    assert!(text.contains("(42) Tj"), "{text}");
    assert!(text.contains("(M3) Tj"));
    assert!(text.contains("(PLACE) Tj"));
    assert!(
        text.contains("/F2 "),
        "the check characters use Helvetica-Bold"
    );
    // WinAnsi bytes (ü = FC, ß = DF, · = B7), escaped parentheses and backslash, `?` for Cyrillic.
    // pdf-writer writes non-ASCII strings in hex.
    let caption: Vec<u8> = b"Gr\xFC\xDFe (A-03) \\ col 2 \xB7 ?????".to_vec();
    let hex: String = caption.iter().map(|b| format!("{b:02X}")).collect();
    assert!(text.contains(&format!("<{hex}> Tj")), "{text}");
}

#[test]
fn pdf_qr_codes_decode() {
    let all = labels(33);
    let document = pdf(&all, &Layout::default()).unwrap();
    let streams = content_streams(&document);
    for (page, stream) in streams.iter().enumerate() {
        for (i, runs) in pdf_symbols(stream).iter().enumerate() {
            let label = &all[page * 32 + i / 3];
            assert_eq!(
                decode_runs(LABEL_QR_MODULES, runs),
                label.codes[i % 3],
                "page {page} symbol {i}"
            );
        }
    }
}

#[test]
fn pdf_cut_guides_are_optional() {
    let plain = content_streams(&pdf(&labels(2), &Layout::default()).unwrap()).remove(0);
    let guided = Layout {
        cut_guides: true,
        ..Layout::default()
    };
    let guides = content_streams(&pdf(&labels(2), &guided).unwrap()).remove(0);
    let strokes = |s: &[u8]| {
        String::from_utf8_lossy(s)
            .lines()
            .filter(|l| *l == "S")
            .count()
    };
    assert_eq!((strokes(&plain), strokes(&guides)), (0, 2));
}

// ---------------------------------------------------------------- SVG

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}"))
}

/// Runs from a path `d` written as `M{x} {y}h{len}v1h-{len}z`…, minus the quiet-zone offset.
fn svg_runs(d: &str, offset: u32) -> Vec<Run> {
    d.split('M')
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (xy, rest) = part.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (len, tail) = rest.split_once('v').unwrap();
            assert_eq!(tail, format!("1h-{len}z"));
            Run {
                x: x.parse::<u32>().unwrap() - offset,
                y: y.parse::<u32>().unwrap() - offset,
                len: len.parse().unwrap(),
            }
        })
        .collect()
}

#[test]
fn svg_is_well_formed_with_stacked_pages() {
    for (count, pages) in [(1, 1), (32, 1), (33, 2)] {
        let document = svg(&labels(count), &Layout::default()).unwrap();
        let doc = parse(&document);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.attribute("viewBox"),
            Some(format!("0 0 210 {}", 297 * pages).as_str())
        );
        assert_eq!(
            root.attribute("height"),
            Some(format!("{}mm", 297 * pages).as_str())
        );
        assert_eq!(
            root.attribute("font-family"),
            Some("Helvetica, Arial, sans-serif")
        );
        let groups = root
            .children()
            .filter(|n| n.tag_name().name() == "g")
            .count();
        assert_eq!(groups, pages);
        let cells = root
            .descendants()
            .filter(|n| n.tag_name().name() == "svg" && *n != root)
            .count();
        assert_eq!(cells, count);
        let paths = root
            .descendants()
            .filter(|n| n.tag_name().name() == "path")
            .count();
        assert_eq!(paths, 3 * count);
    }
    assert_eq!(svg(&[], &Layout::default()), Err(LabelError::NoLabels));
}

#[test]
fn svg_shows_and_escapes_the_texts() {
    let mut label = sample_label(6, Some(r#"<rack> & "A-03" · Größe 東"#));
    label.kind = "BOX".into();
    let document = svg(&[label], &Layout::default()).unwrap();
    assert!(
        document.contains("&lt;rack&gt; &amp; &quot;A-03&quot; · Größe 東"),
        "{document}"
    );
    let doc = parse(&document);
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(texts, [r#"<rack> & "A-03" · Größe 東"#, "K7", "BOX", "7"]);
    let check = doc.descendants().find(|n| n.text() == Some("K7")).unwrap();
    assert_eq!(check.attribute("font-weight"), Some("bold"));
    assert_eq!(check.attribute("text-anchor"), Some("end"));
}

#[test]
fn svg_cells_clip_and_stay_on_their_page() {
    let document = svg(&labels(33), &Layout::default()).unwrap();
    let doc = parse(&document);
    let cells: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("svg") && n.attribute("overflow").is_some())
        .collect();
    assert_eq!(cells.len(), 33);
    for (i, cell) in cells.iter().enumerate() {
        let attr = |name| cell.attribute(name).unwrap().parse::<f32>().unwrap();
        let (x, y, w, h) = (attr("x"), attr("y"), attr("width"), attr("height"));
        assert_eq!(
            cell.attribute("viewBox").unwrap(),
            format!("{x} {y} {w} {h}")
        );
        let page_top = if i < 32 { 0.0 } else { 297.0 };
        assert!(
            y >= page_top && y + h <= page_top + 297.0 + 1e-3,
            "cell {i}: {y} {h}"
        );
        assert!(x >= 0.0 && x + w <= 210.0 + 1e-3);
    }
}

#[test]
fn svg_qr_codes_decode() {
    let all = labels(3);
    let document = svg(&all, &Layout::default()).unwrap();
    let doc = parse(&document);
    let paths: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path"))
        .collect();
    for (i, path) in paths.iter().enumerate() {
        let runs = svg_runs(path.attribute("d").unwrap(), 0);
        assert_eq!(
            decode_runs(LABEL_QR_MODULES, &runs),
            all[i / 3].codes[i % 3]
        );
    }
}

// ---------------------------------------------------------------- standalone QR

fn pairing_text() -> String {
    format!(
        "ECK$1${}${}$HTTPS://WMS.EXAMPLE.COM:8443/API/PAIR",
        "0123456789ABCDEF".repeat(2),
        "89ABCDEF01234567".repeat(4)
    )
}

#[test]
fn qr_svg_decodes() {
    let text = pairing_text();
    let document = qr_svg(&text).unwrap();
    let doc = parse(&document);
    let view_box = doc.root_element().attribute("viewBox").unwrap();
    let side: u32 = view_box.rsplit(' ').next().unwrap().parse().unwrap();
    let d = doc
        .descendants()
        .find(|n| n.has_tag_name("path"))
        .unwrap()
        .attribute("d")
        .unwrap();
    assert_eq!(decode_runs(side - 8, &svg_runs(d, 4)), text);
}

#[test]
fn qr_png_decodes() {
    for text in [
        pairing_text(),
        sample_code("ECK1.COM/01", 9),
        "hello, world".to_owned(),
    ] {
        for module_px in [2, 5] {
            let bytes = qr_png(&text, module_px).unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = decoder.read_info().unwrap();
            let info = reader.info();
            assert_eq!(
                (info.color_type, info.bit_depth),
                (png::ColorType::Grayscale, png::BitDepth::One)
            );
            let (width, height) = (info.width as usize, info.height as usize);
            assert_eq!(width, height);
            assert_eq!(width % module_px as usize, 0);
            let mut packed = vec![0; reader.output_buffer_size().unwrap()];
            let frame = reader.next_frame(&mut packed).unwrap();
            let row_bytes = frame.line_size;
            let grey: Vec<u8> = (0..height)
                .flat_map(|y| (0..width).map(move |x| (y, x)))
                .map(|(y, x)| {
                    if packed[y * row_bytes + x / 8] & (0x80 >> (x % 8)) != 0 {
                        255
                    } else {
                        0
                    }
                })
                .collect();
            // The 4-module quiet zone is white.
            let quiet = 4 * module_px as usize;
            assert!((0..width).all(|x| (0..quiet).all(|y| grey[y * width + x] == 255)));
            assert!((0..height).all(|y| (0..quiet).all(|x| grey[y * width + x] == 255)));
            assert_eq!(decode_grey(width, height, &grey), text, "{module_px} px");
        }
    }
}

#[test]
fn standalone_qr_input_is_checked() {
    assert_eq!(qr_svg(""), Err(LabelError::EmptyQrText));
    assert_eq!(qr_png("", 4), Err(LabelError::EmptyQrText));
    assert_eq!(
        qr_png("X", 0),
        Err(LabelError::InvalidModuleSize {
            module_px: 0,
            max: 32
        })
    );
    assert_eq!(
        qr_png("X", 33),
        Err(LabelError::InvalidModuleSize {
            module_px: 33,
            max: 32
        })
    );
    assert!(matches!(
        qr_svg(&"a".repeat(3000)),
        Err(LabelError::QrTextTooLong { chars: 3000 })
    ));
    assert!(matches!(
        qr_svg(&"A".repeat(5000)),
        Err(LabelError::QrTextTooLong { chars: 5000 })
    ));
    assert!(
        qr_svg(&"A".repeat(4296)).is_ok(),
        "version 40-L holds 4296 alphanumeric characters"
    );
}

#[test]
fn layout_helpers() {
    assert_eq!(Layout::default().labels_per_page(), 32);
    assert!(Layout::default().validate().is_ok());
    assert!(
        Layout {
            rows: 0,
            ..Layout::default()
        }
        .validate()
        .is_err()
    );
}

// ---------------------------------------------------------------- RMA slip

fn slip(devices: usize) -> Slip {
    Slip {
        code: "RMA1765101600K7".into(),
        qr: "ECK1.COM/01RMA1765101600K7M3".into(),
        address: vec![
            "Example Devices GmbH".into(),
            "Erika Mustermann".into(),
            "Hauptstraße 5".into(),
            "12345 Musterstadt".into(),
            "Germany".into(),
        ],
        reference: Some("PO 2026/4711 (repairs)".into()),
        date: "2026-12-07".into(),
        devices: (0..devices)
            .map(|i| {
                let description = (i % 3 != 2).then(|| format!("Handheld scanner, unit {i}"));
                (format!("SN-{:05}-X{}", 7 * i + 3, i % 10), description)
            })
            .collect(),
        instructions: vec![
            "Print this slip and put it in the parcel with the devices.".into(),
            "Send the parcel to: Repair Centre, Werkstraße 1, 54321 Werkstadt.".into(),
        ],
        title: "Repair request".into(),
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn slip_shows_code_address_serials_and_the_rest() {
    let slip = slip(12);
    let document = slip_pdf(&slip).unwrap();
    assert!(document.starts_with(b"%PDF"));
    assert!(document.ends_with(b"%%EOF"));
    assert_eq!(check_pdf_structure(&document), 1);
    assert!(String::from_utf8_lossy(&document).contains("/BaseFont /Courier-Bold"));

    let text = pdf_text(&document).unwrap();
    let shown = lines(&text);
    for expected in [
        "Repair request",
        "RMA1765101600K7",
        "2026-12-07",
        "PO 2026/4711 (repairs)",
        "Page 1 of 1",
        "No.",
        "Serial number",
        "Description",
    ] {
        assert!(shown.contains(&expected), "{expected:?} in {text}");
    }
    for line in slip.address.iter().chain(&slip.instructions) {
        assert!(shown.contains(&line.as_str()), "{line:?} in {text}");
    }
    for (i, (serial, description)) in slip.devices.iter().enumerate() {
        assert_eq!(
            shown.iter().filter(|l| **l == serial).count(),
            1,
            "{serial}"
        );
        assert!(shown.contains(&(i + 1).to_string().as_str()));
        if let Some(description) = description {
            assert!(shown.contains(&description.as_str()), "{description}");
        }
    }
    // The code is on the page twice: large, and in the page header.
    assert_eq!(shown.iter().filter(|l| **l == "RMA1765101600K7").count(), 2);
}

#[test]
fn slip_with_500_devices_flows_over_pages_with_headers() {
    let slip = slip(SLIP_MAX_DEVICES);
    let document = slip_pdf(&slip).unwrap();
    let pages = check_pdf_structure(&document);
    assert!(pages > 5, "{pages} pages");
    let page_texts = pdf_page_texts(&document).unwrap();
    assert_eq!(page_texts.len(), pages);
    for (index, page) in page_texts.iter().enumerate() {
        let shown = lines(page);
        let counter = format!("Page {} of {pages}", index + 1);
        assert!(shown.contains(&counter.as_str()), "{counter} in {page}");
        assert!(shown.contains(&"RMA1765101600K7"), "page {}", index + 1);
        if index > 0 {
            assert!(
                shown.contains(&"Serial number"),
                "the column header repeats"
            );
            assert!(
                !shown.contains(&"Repair request"),
                "the title is on page 1 only"
            );
        }
    }
    // Every serial exactly once, in order, numbered 1..=500.
    let text = pdf_text(&document).unwrap();
    let shown = lines(&text);
    let serial_positions: Vec<usize> = slip
        .devices
        .iter()
        .map(|(serial, _)| {
            let hits: Vec<usize> = shown
                .iter()
                .enumerate()
                .filter(|(_, l)| **l == serial)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(hits.len(), 1, "{serial}");
            hits[0]
        })
        .collect();
    assert!(serial_positions.windows(2).all(|w| w[0] < w[1]));
    for (number, &at) in serial_positions.iter().enumerate() {
        assert_eq!(
            shown[at - 1],
            (number + 1).to_string(),
            "number before serial"
        );
    }
}

/// The QR symbol of the slip's first page with its module size in mm: the `re` runs after the
/// one `cm`, and the `cm`'s scale.
fn slip_symbol(document: &[u8]) -> (Vec<Run>, f32) {
    let streams = content_streams(document);
    let mut symbols = pdf_symbols(&streams[0]);
    assert_eq!(symbols.len(), 1, "one QR code on page 1");
    assert!(streams[1..].iter().all(|s| pdf_symbols(s).is_empty()));
    let content = String::from_utf8_lossy(&streams[0]).into_owned();
    let cm = content.lines().find(|l| l.ends_with(" cm")).unwrap();
    let module_pt: f32 = cm.split(' ').next().unwrap().parse().unwrap();
    (symbols.remove(0), module_pt * 25.4 / 72.0)
}

#[test]
fn slip_qr_code_decodes_at_level_m() {
    let url = format!("https://wms.example.com/rma/{}", "a1b2c3d4".repeat(28));
    assert_eq!(url.chars().count(), 252);
    for qr in [
        "ECK1.COM/01RMA1765101600K7M3".to_owned(),
        url,
        "A".repeat(SLIP_MAX_QR_CHARS),
        "Grüße 東京".to_owned(),
    ] {
        let document = slip_pdf(&Slip {
            qr: qr.clone(),
            ..slip(60)
        })
        .unwrap();
        let (runs, module_mm) = slip_symbol(&document);
        let width = runs.iter().map(|r| r.x + r.len).max().unwrap();
        let (meta, decoded) = decode_runs_with_meta(width, &runs);
        assert_eq!(decoded, qr);
        assert_eq!(meta.ecc_level, 0, "level M (format bits 00)");
        let box_mm = module_mm * (width + 8) as f32;
        assert!(box_mm >= 35.0, "QR box {box_mm} mm with its quiet zone");
        assert!(module_mm >= 0.4, "{module_mm} mm modules");
    }
}

#[test]
fn slip_input_is_checked() {
    let good = slip(3);
    assert!(slip_pdf(&good).is_ok());
    let too_long = |max: usize| "x".repeat(max + 1);
    let mut cases: Vec<(Slip, &str)> = vec![
        (
            Slip {
                code: String::new(),
                ..good.clone()
            },
            "code",
        ),
        (
            Slip {
                code: " \t ".into(),
                ..good.clone()
            },
            "code",
        ),
        (
            Slip {
                code: too_long(SLIP_MAX_CODE_CHARS),
                ..good.clone()
            },
            "code",
        ),
        (
            Slip {
                qr: String::new(),
                ..good.clone()
            },
            "qr",
        ),
        (
            Slip {
                qr: too_long(SLIP_MAX_QR_CHARS),
                ..good.clone()
            },
            "qr",
        ),
        (
            Slip {
                address: vec!["line".into(); SLIP_MAX_ADDRESS_LINES + 1],
                ..good.clone()
            },
            "address",
        ),
        (
            Slip {
                address: vec!["ok".into(), too_long(SLIP_MAX_ADDRESS_CHARS)],
                ..good.clone()
            },
            "address[1]",
        ),
        (
            Slip {
                reference: Some(too_long(SLIP_MAX_REFERENCE_CHARS)),
                ..good.clone()
            },
            "reference",
        ),
        (
            Slip {
                date: too_long(SLIP_MAX_DATE_CHARS),
                ..good.clone()
            },
            "date",
        ),
        (
            Slip {
                devices: vec![("SN".into(), None); SLIP_MAX_DEVICES + 1],
                ..good.clone()
            },
            "devices",
        ),
        (
            Slip {
                instructions: vec!["step".into(); SLIP_MAX_INSTRUCTIONS + 1],
                ..good.clone()
            },
            "instructions",
        ),
        (
            Slip {
                instructions: vec![too_long(SLIP_MAX_INSTRUCTION_CHARS)],
                ..good.clone()
            },
            "instructions[0]",
        ),
        (
            Slip {
                title: too_long(SLIP_MAX_TITLE_CHARS),
                ..good.clone()
            },
            "title",
        ),
    ];
    let mut device = good.clone();
    device.devices[2].0 = too_long(SLIP_MAX_SERIAL_CHARS);
    cases.push((device, "devices[2].serial"));
    let mut device = good.clone();
    device.devices[1].0 = " ".into();
    cases.push((device, "devices[1].serial"));
    let mut device = good.clone();
    device.devices[0].1 = Some(too_long(SLIP_MAX_DESCRIPTION_CHARS));
    cases.push((device, "devices[0].description"));

    for (slip, expected) in cases {
        match slip_pdf(&slip) {
            Err(error @ LabelError::InvalidSlip { .. }) => {
                let LabelError::InvalidSlip { field, reason } = &error else {
                    unreachable!()
                };
                assert_eq!(field, expected, "{error}");
                let message = error.to_string();
                assert!(message.starts_with("RMA slip: "), "{message}");
                assert!(
                    reason.contains("empty") || reason.contains("at most"),
                    "{message}"
                );
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
    // Limits are counted in characters, not bytes.
    let wide = Slip {
        title: "ü".repeat(SLIP_MAX_TITLE_CHARS),
        code: "Ж".repeat(SLIP_MAX_CODE_CHARS),
        ..good.clone()
    };
    assert!(slip_pdf(&wide).is_ok());
    // An empty slip apart from code and QR is fine: one page.
    let bare = Slip {
        code: "RMA1".into(),
        qr: "RMA1".into(),
        ..Slip::default()
    };
    let document = slip_pdf(&bare).unwrap();
    assert_eq!(check_pdf_structure(&document), 1);
    // The page header (code, counter) is written before the large code.
    assert_eq!(pdf_text(&document).unwrap(), "RMA1\nPage 1 of 1\nRMA1\n");
}

#[test]
fn slip_prints_question_marks_for_what_win_ansi_lacks() {
    let slip = Slip {
        code: "RMA-東京-7".into(),
        title: "Ремонт / Grüße €".into(),
        address: vec!["Склад 東京 GmbH 🚚".into(), "Straße\t7".into()],
        reference: Some("参照 ü".into()),
        devices: vec![
            ("SN-Ж1".into(), Some("Gerät «Ω» — ok".into())),
            ("SN-2".into(), Some("\u{0}\u{7}".into())),
        ],
        instructions: vec!["Bitte beilegen 🙂".into()],
        ..slip(0)
    };
    let document = slip_pdf(&slip).unwrap();
    let text = pdf_text(&document).unwrap();
    let shown = lines(&text);
    for expected in [
        "RMA-??-7",
        "?????? / Grüße €",
        "????? ?? GmbH ?",
        "Straße 7",
        "?? ü",
        "SN-?1",
        "Gerät «?» — ok",
        "SN-2",
        "Bitte beilegen ?",
    ] {
        assert!(shown.contains(&expected), "{expected:?} in {text}");
    }
    assert!(!text.contains('\u{FFFD}'), "only WinAnsi bytes are written");
}

#[test]
fn slip_cuts_long_texts_with_an_ellipsis() {
    let mut slip = slip(2);
    let description = "Very long description of a device ".repeat(6);
    let description = description[..SLIP_MAX_DESCRIPTION_CHARS].to_owned();
    slip.devices[0].1 = Some(description.clone());
    slip.address[0] = "W".repeat(SLIP_MAX_ADDRESS_CHARS);
    slip.instructions = vec![
        "Handle with care and pack every device separately in its own bag. ".repeat(4)
            [..SLIP_MAX_INSTRUCTION_CHARS]
            .to_owned(),
    ];
    let text = pdf_text(&slip_pdf(&slip).unwrap()).unwrap();
    let shown = lines(&text);
    let cut = shown.iter().find(|l| l.starts_with("Very long")).unwrap();
    assert!(cut.ends_with('…') && cut.len() < description.len(), "{cut}");
    let address = shown.iter().find(|l| l.starts_with("WWW")).unwrap();
    assert!(address.ends_with('…'), "{address}");
    // The instruction wraps onto a second line instead of being cut.
    let wrapped: Vec<&&str> = shown.iter().filter(|l| l.contains("separately")).collect();
    assert!(!wrapped.is_empty());
    let instruction_lines = shown
        .iter()
        .filter(|l| l.contains("Handle") || l.contains("bag"))
        .count();
    assert!(instruction_lines >= 2, "{text}");
}
