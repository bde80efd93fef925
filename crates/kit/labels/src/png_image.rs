//! The standalone QR as a 1-bit greyscale PNG.

use png::{BitDepth, ColorType, Encoder};

use crate::qr::QrMatrix;
use crate::svg_doc::STANDALONE_QUIET;

/// Encode the symbol with a 4-module quiet zone, `module_px` pixels per module (checked by the
/// caller). One bit per pixel: the smallest lossless form of a two-colour image, and every PNG
/// reader supports it.
pub(crate) fn write_qr(symbol: &QrMatrix, module_px: u32) -> Result<Vec<u8>, png::EncodingError> {
    let modules = symbol.width() + 2 * STANDALONE_QUIET;
    let side = modules * module_px;
    let row_bytes = side.div_ceil(8) as usize;

    let mut pixels = vec![0xFFu8; row_bytes * side as usize];
    for (row_index, row) in pixels.chunks_exact_mut(row_bytes).enumerate() {
        let module_y = row_index as u32 / module_px;
        let Some(symbol_y) = module_y.checked_sub(STANDALONE_QUIET) else {
            continue;
        };
        for x in 0..side {
            let module_x = x / module_px;
            let dark = module_x
                .checked_sub(STANDALONE_QUIET)
                .is_some_and(|symbol_x| symbol.is_dark(symbol_x, symbol_y));
            if dark {
                // In a greyscale PNG 0 is black; bits are packed from the most significant.
                if let Some(byte) = row.get_mut((x / 8) as usize) {
                    *byte &= !(0x80 >> (x % 8));
                }
            }
        }
    }

    let mut out = Vec::with_capacity(pixels.len() / 8 + 128);
    let mut encoder = Encoder::new(&mut out, side, side);
    encoder.set_color(ColorType::Grayscale);
    encoder.set_depth(BitDepth::One);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}
