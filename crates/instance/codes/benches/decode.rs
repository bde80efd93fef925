//! Decode throughput of ECK label codes (target: 500k codes/s per core for each version).
//! `cargo bench -p eckwms-codes --bench decode -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eckwms_codes::{Decoder, KeyRing, Suffix, V1Key, V2Key};
use eckwms_domain::ObjectId;

const V1_KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
const V1_CODE: &str =
    "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3";

fn decoder() -> Decoder {
    let ring = KeyRing::new(Some(V2Key::new(1, &[0x42; 32]).unwrap()), vec![]).unwrap();
    Decoder::new(
        Suffix::DEFAULT,
        Some(V1Key::from_hex(V1_KEY).unwrap()),
        ring,
    )
}

fn decode(c: &mut Criterion) {
    let decoder = decoder();
    let id = ObjectId::parse("b000000000000000042").unwrap();
    let mut counter = 0u8;
    let [v2_code, ..] = decoder
        .label_texts(id, &mut |buffer: &mut [u8]| {
            buffer.iter_mut().for_each(|b| {
                counter = counter.wrapping_add(37);
                *b = counter;
            })
        })
        .unwrap();
    assert!(decoder.decode_label(V1_CODE).is_ok());
    assert!(decoder.decode_label(&v2_code).is_ok());

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("v1", |b| {
        b.iter(|| decoder.decode_label(black_box(V1_CODE)))
    });
    group.bench_function("v2", |b| {
        b.iter(|| decoder.decode_label(black_box(&v2_code)))
    });
    group.bench_function("classify_v1", |b| {
        b.iter(|| decoder.classify(black_box(V1_CODE)))
    });
    group.bench_function("classify_v2", |b| {
        b.iter(|| decoder.classify(black_box(&v2_code)))
    });
    group.bench_function("classify_gs1", |b| {
        b.iter(|| decoder.classify(black_box("]d20109506000134352\u{1d}10ABC123\u{1d}21XYZ")))
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
