//! In-process figures of the pure crates: label code decoding and label sheet rendering, on
//! one thread. The criterion benches of the crates measure the same with statistics
//! (`cargo bench -p eckwms-codes --bench decode`, `cargo bench -p eckwms-labels --bench sheet`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use eckwms_codes::{Decoder, Settings};
use eckwms_domain::{IdKind, ObjectId};

/// The v1 key and a code of the original implementation (reference vectors).
const V1_KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
const V1_CODES: [&str; 3] = [
    "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3",
    "ECK2.COM/XXHCFDRD395L4DLKME0MJK5V61BKJU424W3MMCJA3V9WHC6P99JYHQ5BU0Y8BPFW6M3",
    "ECK3.COM/EU0TD78YKMD3T6MJQ81X6CLL14F733D8G15WARGYV5JYY1TE0QA44YC7QEY5UFFW6M3",
];
/// A bench-only v2 key.
const V2_KEY: &str = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";

pub struct CodeFigures {
    pub v1_per_sec: f64,
    pub v2_per_sec: f64,
    /// The floors: the bare decryption each version's decoding does, per second on one thread.
    pub v1_cipher_per_sec: f64,
    pub v2_cipher_per_sec: f64,
    /// Median of the 32-label PDF renders, and the number of renders.
    pub pdf_median: Duration,
    pub pdf_runs: usize,
    pub pdf_bytes: usize,
}

fn decoder() -> anyhow::Result<Decoder> {
    Decoder::from_settings(&Settings {
        v1_key: Some(V1_KEY),
        v2_key: Some(V2_KEY),
        ..Settings::default()
    })
    .map_err(|e| anyhow!("bench decoder: {e}"))
}

/// Decodes `codes` round robin for about `time`; codes per second.
fn decode_rate(decoder: &Decoder, codes: &[String], time: Duration) -> anyhow::Result<f64> {
    for code in codes {
        decoder
            .decode_label(code)
            .map_err(|e| anyhow!("bench code does not decode: {e}"))?;
    }
    let started = Instant::now();
    let mut decoded: u64 = 0;
    while started.elapsed() < time {
        for code in codes {
            black_box(decoder.decode_label(black_box(code)).is_ok());
        }
        decoded += codes.len() as u64;
    }
    Ok(decoded as f64 / started.elapsed().as_secs_f64())
}

pub fn measure(time: Duration) -> anyhow::Result<CodeFigures> {
    let decoder = decoder()?;
    let v1: Vec<String> = V1_CODES.iter().map(|c| (*c).to_owned()).collect();
    let mut counter = 0u8;
    let mut rng = |buf: &mut [u8]| {
        for b in buf {
            counter = counter.wrapping_add(97);
            *b = counter;
        }
    };
    let mut v2 = Vec::new();
    let mut labels = Vec::new();
    for n in 1..=32u64 {
        let id = ObjectId::new(IdKind::Box, 1_000 + n).context("bench id")?;
        let codes = decoder
            .label_texts(id, &mut rng)
            .map_err(|e| anyhow!("label texts: {e}"))?;
        v2.push(codes[0].clone());
        let number = id.number().to_string();
        labels.push(eckwms_labels::Label {
            check: eckwms_codes::check::check_chars(&number),
            number,
            codes,
            kind: "BOX".into(),
            caption: Some(format!("Bench box {n}")),
        });
    }
    let v1_per_sec = decode_rate(&decoder, &v1, time)?;
    let v2_per_sec = decode_rate(&decoder, &v2, time)?;
    let (v1_cipher_per_sec, v2_cipher_per_sec) = cipher_rates(time)?;

    let layout = eckwms_labels::Layout::default();
    let mut renders = Vec::new();
    let mut pdf_bytes = 0;
    let started = Instant::now();
    while renders.len() < 10 || (started.elapsed() < time && renders.len() < 500) {
        let t = Instant::now();
        let pdf = eckwms_labels::pdf(&labels, &layout).map_err(|e| anyhow!("pdf: {e}"))?;
        renders.push(t.elapsed());
        pdf_bytes = pdf.len();
    }
    renders.sort_unstable();
    Ok(CodeFigures {
        v1_per_sec,
        v2_per_sec,
        v1_cipher_per_sec,
        v2_cipher_per_sec,
        pdf_median: renders[renders.len() / 2],
        pdf_runs: renders.len(),
        pdf_bytes,
    })
}

/// Runs `decrypt` for about `time`; calls per second.
fn rate_of(time: Duration, mut decrypt: impl FnMut() -> bool) -> anyhow::Result<f64> {
    if !decrypt() {
        return Err(anyhow!("the floor's ciphertext does not decrypt"));
    }
    let started = Instant::now();
    let mut calls: u64 = 0;
    while started.elapsed() < time {
        for _ in 0..64 {
            black_box(decrypt());
        }
        calls += 64;
    }
    Ok(calls as f64 / started.elapsed().as_secs_f64())
}

/// The floors of decoding: the authenticated decryption alone, as each version does it, in a
/// loop on one thread. v1: AES-192-GCM with a 16-byte nonce, 19 bytes (an id) and its tag;
/// v2: AES-256-GCM-SIV with a 12-byte nonce, 8 bytes and 28 bytes of associated data.
fn cipher_rates(time: Duration) -> anyhow::Result<(f64, f64)> {
    use aes_gcm::aead::consts::U16;
    use aes_gcm::aead::{AeadInPlace, KeyInit};

    let v1 = aes_gcm::AesGcm::<aes::Aes192, U16>::new_from_slice(&[7u8; 24])
        .map_err(|e| anyhow!("v1 floor key: {e}"))?;
    let v1_nonce = aes_gcm::Nonce::<U16>::from([3u8; 16]);
    let mut v1_sealed = *b"i000000000000001234";
    let v1_tag = v1
        .encrypt_in_place_detached(&v1_nonce, b"", &mut v1_sealed)
        .map_err(|e| anyhow!("v1 floor: {e}"))?;
    let v1_rate = rate_of(time, || {
        let mut buf = v1_sealed;
        v1.decrypt_in_place_detached(&v1_nonce, b"", black_box(&mut buf), &v1_tag)
            .is_ok()
    })?;

    let v2 = aes_gcm_siv::Aes256GcmSiv::new_from_slice(&[9u8; 32])
        .map_err(|e| anyhow!("v2 floor key: {e}"))?;
    let v2_nonce = aes_gcm_siv::Nonce::from([5u8; 12]);
    let aad = [b'A'; 28];
    let mut v2_sealed = [1u8; 8];
    let v2_tag = v2
        .encrypt_in_place_detached(&v2_nonce, &aad, &mut v2_sealed)
        .map_err(|e| anyhow!("v2 floor: {e}"))?;
    let v2_rate = rate_of(time, || {
        let mut buf = v2_sealed;
        v2.decrypt_in_place_detached(&v2_nonce, &aad, black_box(&mut buf), &v2_tag)
            .is_ok()
    })?;
    Ok((v1_rate, v2_rate))
}
