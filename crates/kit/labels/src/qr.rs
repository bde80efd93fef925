//! QR encoding into a plain module matrix, and the horizontal runs every renderer draws.

use fast_qr::qr::QRCodeError;
use fast_qr::{ECL, Mode, QRBuilder, QRCode};

/// Modules across the largest symbol a label code may need, version 3: the size the cell layout
/// is made for. Version 3 at level L holds 77 alphanumeric characters, the longest label code.
pub(crate) const LABEL_QR_MODULES: u32 = 29;
/// Longest label code (QR version 3-L alphanumeric capacity).
pub(crate) const LABEL_CODE_MAX_CHARS: usize = 77;
/// Longest text for the standalone QR (version 40-L alphanumeric capacity); longer never fits.
pub(crate) const QR_TEXT_MAX_CHARS: usize = 4296;

/// The QR alphanumeric character set: a label code outside it would fall back to byte mode and
/// no longer fit version 3.
pub(crate) fn is_qr_alphanumeric(c: char) -> bool {
    matches!(c, '0'..='9' | 'A'..='Z' | ' ' | '$' | '%' | '*' | '+' | '-' | '.' | '/' | ':')
}

/// A QR symbol as a square of dark/light modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QrMatrix {
    width: u32,
    dark: Vec<bool>,
}

/// A horizontal run of dark modules in one row: drawn as one rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) len: u32,
}

/// Why a text could not become a QR symbol: more data than the allowed versions hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong;

impl QrMatrix {
    fn from_code(code: &QRCode) -> Self {
        let size = code.size;
        let dark: Vec<bool> = code
            .data
            .iter()
            .take(size * size)
            .map(|module| module.value())
            .collect();
        // A version-40 symbol is 177 modules wide: the conversion cannot fail.
        let width = if dark.len() == size * size {
            u32::try_from(size).unwrap_or(0)
        } else {
            0
        };
        Self { width, dark }
    }

    /// Modules per side.
    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (false outside the symbol).
    pub(crate) fn is_dark(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.width {
            return false;
        }
        let index = (y as usize) * (self.width as usize) + x as usize;
        self.dark.get(index).copied().unwrap_or(false)
    }

    /// The dark modules as maximal horizontal runs, row by row. Merging a run into one rectangle
    /// halves the rectangles of a version-3 symbol (~430 dark modules, ~220 runs), and one
    /// filled path per symbol leaves no anti-aliasing seams between modules.
    pub(crate) fn runs(&self) -> Vec<Run> {
        let mut runs = Vec::with_capacity(self.dark.len() / 4);
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push(Run {
                        x: start,
                        y,
                        len: x - start,
                    });
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// Encode a label code: error-correction level L, alphanumeric mode, smallest version up to 3.
///
/// Level L because label codes are short-range, printed on white and carried three times per
/// label (a damaged label still scans through ECK2 or ECK3); alphanumeric because the codes are
/// uppercase (11 bits per 2 characters instead of 16), which is what makes 77 characters fit
/// version 3. The caller has checked the character set.
pub(crate) fn encode_label_code(text: &str) -> Result<QrMatrix, TooLong> {
    let code = QRBuilder::new(text.as_bytes())
        .ecl(ECL::L)
        .mode(Mode::Alphanumeric)
        .build()
        .map_err(|_| TooLong)?;
    let matrix = QrMatrix::from_code(&code);
    if matrix.width == 0 || matrix.width > LABEL_QR_MODULES {
        return Err(TooLong);
    }
    Ok(matrix)
}

/// Encode a free text (the pairing QR) at level M, or at level L when M cannot hold it, in the
/// smallest version and the densest single mode the text allows (numeric, alphanumeric or
/// byte). M first because this code is read off screens and paper at a distance, where the extra
/// correction helps; L only to keep very long texts encodable.
pub(crate) fn encode_text(text: &str) -> Result<QrMatrix, TooLong> {
    let build = |ecl| QRBuilder::new(text.as_bytes()).ecl(ecl).build();
    let code = match build(ECL::M) {
        Ok(code) => code,
        Err(QRCodeError::EncodedData | QRCodeError::SpecifiedVersion) => {
            build(ECL::L).map_err(|_| TooLong)?
        }
    };
    let matrix = QrMatrix::from_code(&code);
    if matrix.width == 0 {
        return Err(TooLong);
    }
    Ok(matrix)
}

/// Encode a free text at level M only, in the smallest version and the densest single mode the
/// text allows: for printed codes that must survive some wear (the RMA slip).
pub(crate) fn encode_text_at_m(text: &str) -> Result<QrMatrix, TooLong> {
    let code = QRBuilder::new(text.as_bytes())
        .ecl(ECL::M)
        .build()
        .map_err(|_| TooLong)?;
    let matrix = QrMatrix::from_code(&code);
    if matrix.width == 0 {
        return Err(TooLong);
    }
    Ok(matrix)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The alphabet of the ECK ids (Crockford-like base 32 without I, O, S, Z).
    pub(crate) const ID_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUVWXY";

    /// A typical 71-character label code: `ECK1.COM/01` + 58 id characters + `M3`, with the id
    /// characters drawn from a small deterministic generator seeded by `seed`.
    pub(crate) fn sample_code(prefix: &str, seed: u64) -> String {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut text = String::from(prefix);
        for _ in 0..58 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let index = usize::try_from(state >> 59).unwrap();
            text.push(char::from(ID_ALPHABET[index]));
        }
        text.push_str("M3");
        text
    }

    /// Render a matrix, scaled and with a quiet zone, into a grey image and decode it with rqrr.
    pub(crate) fn decode_matrix(matrix: &QrMatrix) -> String {
        decode_runs(matrix.width(), &matrix.runs())
    }

    /// Decode a symbol given only as its runs (as parsed back from an SVG path or PDF stream).
    pub(crate) fn decode_runs(width: u32, runs: &[Run]) -> String {
        decode_runs_with_meta(width, runs).1
    }

    /// Like [`decode_runs`], with the symbol's version, error-correction level and mask.
    pub(crate) fn decode_runs_with_meta(width: u32, runs: &[Run]) -> (rqrr::MetaData, String) {
        let scale = 4usize;
        let quiet = 4usize;
        let side = (width as usize + 2 * quiet) * scale;
        let mut pixels = vec![255u8; side * side];
        for run in runs {
            for y in 0..scale {
                let row = (run.y as usize + quiet) * scale + y;
                let start = (run.x as usize + quiet) * scale;
                let end = start + run.len as usize * scale;
                pixels[row * side + start..row * side + end].fill(0);
            }
        }
        decode_grey_with_meta(side, side, &pixels)
    }

    /// Decode the single QR code in an 8-bit grey image.
    pub(crate) fn decode_grey(width: usize, height: usize, pixels: &[u8]) -> String {
        decode_grey_with_meta(width, height, pixels).1
    }

    fn decode_grey_with_meta(
        width: usize,
        height: usize,
        pixels: &[u8],
    ) -> (rqrr::MetaData, String) {
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            pixels[y * width + x]
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "expected exactly one QR code");
        grids[0].decode().unwrap()
    }

    #[test]
    fn a_77_character_code_fits_version_3_l() {
        for seed in 0..50 {
            let mut code = sample_code("ECK1.COM/01", seed);
            code.push_str("ABCDEF");
            assert_eq!(code.len(), 77);
            let matrix = encode_label_code(&code).unwrap();
            assert_eq!(matrix.width(), LABEL_QR_MODULES, "seed {seed}");
        }
        let widest = "Z".repeat(77);
        assert_eq!(
            encode_label_code(&widest).unwrap().width(),
            LABEL_QR_MODULES
        );
    }

    #[test]
    fn a_78_character_code_does_not_fit() {
        assert_eq!(encode_label_code(&"A".repeat(78)), Err(TooLong));
    }

    #[test]
    fn short_codes_use_smaller_versions() {
        assert_eq!(encode_label_code("ECK1").unwrap().width(), 21);
    }

    #[test]
    fn label_codes_decode_back() {
        for seed in 0..5 {
            let code = sample_code("ECK1.COM/01", seed);
            assert_eq!(code.len(), 71);
            assert_eq!(decode_matrix(&encode_label_code(&code).unwrap()), code);
        }
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let matrix = encode_label_code(&sample_code("ECK2.COM/01", 7)).unwrap();
        let runs = matrix.runs();
        let dark = (0..29)
            .flat_map(|y| (0..29).map(move |x| (x, y)))
            .filter(|&(x, y)| matrix.is_dark(x, y))
            .count();
        assert_eq!(runs.iter().map(|r| r.len as usize).sum::<usize>(), dark);
        assert!(
            runs.len() * 10 < dark * 6,
            "{} runs for {dark} modules",
            runs.len()
        );
        for run in &runs {
            assert!((run.x..run.x + run.len).all(|x| matrix.is_dark(x, run.y)));
            assert!(run.x == 0 || !matrix.is_dark(run.x - 1, run.y));
            assert!(!matrix.is_dark(run.x + run.len, run.y));
        }
    }

    #[test]
    fn free_text_uses_level_m_when_it_fits() {
        let text = format!(
            "ECK$1${}${}$HTTPS://WMS.EXAMPLE.COM/PAIR",
            "0123456789ABCDEF".repeat(2),
            "F".repeat(64)
        );
        let matrix = encode_text(&text).unwrap();
        assert_eq!(decode_matrix(&matrix), text);
        let m_only = QRBuilder::new(text.as_bytes()).ecl(ECL::M).build().unwrap();
        assert_eq!(matrix.width() as usize, m_only.size);
        // Too long for 40-M (3391 alphanumeric characters) and 39-L (4087), fits 40-L (4296).
        assert_eq!(encode_text(&"A".repeat(4200)).unwrap().width(), 177);
        assert_eq!(
            encode_text(&"A".repeat(QR_TEXT_MAX_CHARS + 1)),
            Err(TooLong)
        );
    }
}
