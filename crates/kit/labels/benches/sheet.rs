//! Rendering time of one full A4 sheet (32 labels, 2 x 16) as PDF and SVG, and of the pairing QR.
//!
//! Run: `cargo bench -p eckwms-labels --bench sheet -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use eckwms_labels::{Label, Layout, pdf, qr_png, qr_svg, svg};

const ID_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUVWXY";

/// `ECK1.COM/01` + 58 id characters + `M3`: the typical 71-character label code.
fn code(prefix: &str, seed: u64) -> String {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut text = String::from(prefix);
    for _ in 0..58 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        text.push(char::from(ID_ALPHABET[(state >> 59) as usize]));
    }
    text.push_str("M3");
    text
}

fn sheet() -> Vec<Label> {
    (0..32)
        .map(|i| Label {
            codes: [
                code("ECK1.COM/01", i),
                code("ECK2.COM/01", i),
                code("ECK3.COM/01", i),
            ],
            number: (1000 + i).to_string(),
            check: "K7".into(),
            kind: "ITEM".into(),
            caption: Some(format!("A-{:02} · col {} row {}", i % 12, i % 4, i % 7)),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let labels = sheet();
    let layout = Layout::default();
    c.bench_function("pdf 32 labels (one A4 sheet)", |b| {
        b.iter(|| pdf(black_box(&labels), &layout))
    });
    c.bench_function("svg 32 labels (one A4 sheet)", |b| {
        b.iter(|| svg(black_box(&labels), &layout))
    });
    let pairing = format!(
        "ECK$1${}${}$HTTPS://WMS.EXAMPLE.COM/PAIR",
        "0A".repeat(16),
        "F1".repeat(32)
    );
    c.bench_function("qr_svg pairing", |b| b.iter(|| qr_svg(black_box(&pairing))));
    c.bench_function("qr_png pairing 8 px", |b| {
        b.iter(|| qr_png(black_box(&pairing), 8))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
