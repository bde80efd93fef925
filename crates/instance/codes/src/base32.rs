//! Base32 of the reference (section 2): 32 symbols, no `I`, `O`, `S` or `Z`, so that printed codes
//! cannot confuse `1/I`, `0/O`, `5/S` or `2/Z`, and every symbol stays in the QR alphanumeric set.
//!
//! Bytes are packed most significant bit first, 5 bits per symbol: every whole group of 5 bytes
//! gives 8 symbols, exactly as the original encoder did. The original silently dropped a final
//! partial group (its encoder ignored trailing bytes, its decoder trailing symbols); ECK v1 never
//! has one (35 bytes = 7 groups). This codec never drops data: a final partial group is written
//! with its unused low bits set to zero, like unpadded RFC 4648, and decoding insists on those
//! bits being zero, so every byte string has exactly one text.
//!
//! Decoding is strict: upper case only. Labels are printed in upper case and scanners send what is
//! printed; the original decoder did not map lower case either.

/// The 32 symbols, in value order.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKLMNPQRTUVWXY";

const INVALID: u8 = 0xFF;

/// Symbol byte -> value, `INVALID` for anything outside the alphabet.
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut value = 0;
    while value < 32 {
        table[ALPHABET[value] as usize] = value as u8;
        value += 1;
    }
    table
};

/// Why a text is not Base32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Base32Error {
    /// 1, 3 or 6 symbols past the last whole group cannot come from whole bytes.
    #[error("{0} symbols are not the Base32 of whole bytes")]
    Length(usize),
    /// Position (0-based, in bytes) of the first symbol outside the alphabet.
    #[error("the symbol at position {0} is not in the Base32 alphabet")]
    Symbol(usize),
    /// The unused low bits of the last symbol are not zero: not the canonical text of any bytes.
    #[error("the unused bits of the last Base32 symbol are not zero")]
    Padding,
}

/// The value (0..32) of one symbol, `None` outside the alphabet.
pub fn value(symbol: u8) -> Option<u8> {
    match VALUES[usize::from(symbol)] {
        INVALID => None,
        value => Some(value),
    }
}

/// The symbol of the low 5 bits of `value`.
pub(crate) fn symbol(value: u32) -> u8 {
    ALPHABET[(value & 31) as usize]
}

/// Number of symbols that encode `bytes` bytes.
pub const fn encoded_len(bytes: usize) -> usize {
    // Whole groups first, so the multiplication cannot overflow.
    bytes / 5 * 8 + [0, 2, 4, 5, 7][bytes % 5]
}

/// Number of bytes that `symbols` symbols decode to, `None` if no byte count encodes to it.
pub const fn decoded_len(symbols: usize) -> Option<usize> {
    match symbols % 8 {
        1 | 3 | 6 => None,
        rest => Some(symbols / 8 * 5 + [0, 0, 1, 0, 2, 3, 0, 4][rest]),
    }
}

/// Encodes bytes as Base32 text.
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(encoded_len(bytes.len()));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &byte in bytes {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            text.push(char::from(symbol(acc >> bits)));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        text.push(char::from(symbol(acc << (5 - bits))));
    }
    text
}

/// Encodes into a buffer of exactly `encoded_len(bytes.len())` symbols; the label codecs use it
/// so that encoding allocates only the final text.
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) {
    debug_assert_eq!(out.len(), encoded_len(bytes.len()));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut symbols = out.iter_mut();
    for &byte in bytes {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if let Some(slot) = symbols.next() {
                *slot = symbol(acc >> bits);
            }
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0
        && let Some(slot) = symbols.next()
    {
        *slot = symbol(acc << (5 - bits));
    }
}

/// Decodes Base32 text (upper case only).
pub fn decode(text: &str) -> Result<Vec<u8>, Base32Error> {
    let symbols = text.as_bytes();
    let len = decoded_len(symbols.len()).ok_or(Base32Error::Length(symbols.len()))?;
    let mut bytes = vec![0; len];
    decode_into(symbols, &mut bytes)?;
    Ok(bytes)
}

/// Decodes into a buffer of exactly `decoded_len(symbols.len())` bytes, without allocating: the
/// label decoders run this on every scan.
pub(crate) fn decode_into(symbols: &[u8], out: &mut [u8]) -> Result<(), Base32Error> {
    if decoded_len(symbols.len()) != Some(out.len()) {
        return Err(Base32Error::Length(symbols.len()));
    }
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut bytes = out.iter_mut();
    for (position, &symbol) in symbols.iter().enumerate() {
        let value = VALUES[usize::from(symbol)];
        if value == INVALID {
            return Err(Base32Error::Symbol(position));
        }
        acc = (acc << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            if let Some(slot) = bytes.next() {
                *slot = (acc >> bits) as u8;
            }
        }
        acc &= (1 << bits) - 1;
    }
    if acc != 0 {
        return Err(Base32Error::Padding);
    }
    Ok(())
}

/// Writes the symbols of a 10-bit value (high 5 bits, then low 5 bits): the form of check
/// characters and of ECK v2 key ids.
pub(crate) fn ten_bits(value: u16) -> [u8; 2] {
    [symbol(u32::from(value) >> 5), symbol(u32::from(value))]
}

/// Reads two symbols written by [`ten_bits`].
pub(crate) fn read_ten_bits(symbols: [u8; 2]) -> Option<u16> {
    let high = value(symbols[0])?;
    let low = value(symbols[1])?;
    Some(u16::from(high) << 5 | u16::from(low))
}

/// Debug helper for error messages and tests: the symbols as text.
#[cfg(test)]
pub(crate) fn to_text(symbols: &[u8]) -> String {
    String::from_utf8_lossy(symbols).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn alphabet_has_no_confusable_letters_and_is_qr_alphanumeric() {
        for banned in [b'I', b'O', b'S', b'Z'] {
            assert!(!ALPHABET.contains(&banned));
        }
        assert!(
            ALPHABET
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        let mut sorted = *ALPHABET;
        sorted.sort_unstable();
        assert_eq!(&sorted, ALPHABET, "value order is ASCII order");
    }

    #[test]
    fn whole_groups_pack_msb_first() {
        // 0x00 0x44 0x32 0x14 0xC7 = 00000 00001 00010 00011 00100 00101 00110 00111
        assert_eq!(encode(&[0x00, 0x44, 0x32, 0x14, 0xC7]), "01234567");
        assert_eq!(encode(&[0xFF; 5]), "YYYYYYYY");
        assert_eq!(
            decode("01234567").unwrap(),
            vec![0x00, 0x44, 0x32, 0x14, 0xC7]
        );
    }

    #[test]
    fn partial_group_is_zero_padded_and_checked() {
        assert_eq!(encode(&[0xFF]), "YV"); // 11111 111(00)
        assert_eq!(decode("YV").unwrap(), vec![0xFF]);
        assert_eq!(decode("YW"), Err(Base32Error::Padding));
        assert_eq!(encode(&[]), "");
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn lengths() {
        for bytes in 0..50 {
            let symbols = encoded_len(bytes);
            assert_eq!(decoded_len(symbols), Some(bytes));
            assert_eq!(encode(&vec![0xA5; bytes]).len(), symbols);
        }
        assert_eq!(encoded_len(35), 56);
        assert_eq!(encoded_len(36), 58);
        for bad in [1, 3, 6, 9, 11, 14] {
            assert_eq!(decoded_len(bad), None);
            assert_eq!(decode(&"0".repeat(bad)), Err(Base32Error::Length(bad)));
        }
    }

    #[test]
    fn rejects_symbols_outside_the_alphabet_including_lower_case() {
        assert_eq!(decode("0123456I"), Err(Base32Error::Symbol(7)));
        assert_eq!(decode("a0"), Err(Base32Error::Symbol(0)));
        assert_eq!(decode("0S"), Err(Base32Error::Symbol(1)));
        assert_eq!(decode("é"), Err(Base32Error::Symbol(0)));
    }

    #[test]
    fn ten_bit_values() {
        assert_eq!(ten_bits(0), *b"00");
        assert_eq!(ten_bits(1023), *b"YY");
        assert_eq!(to_text(&ten_bits(33)), "11");
        for value in 0..1024 {
            assert_eq!(read_ten_bits(ten_bits(value)), Some(value));
        }
        assert_eq!(read_ten_bits(*b"I0"), None);
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), encoded_len(bytes.len()));
            let mut buffer = vec![0u8; text.len()];
            encode_into(&bytes, &mut buffer);
            prop_assert_eq!(buffer.as_slice(), text.as_bytes());
            prop_assert_eq!(decode(&text).unwrap(), bytes);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,80}") {
            let _ = decode(&text);
        }

        #[test]
        fn arbitrary_symbols_never_panic(text in "[0-9A-Z]{0,80}") {
            if let Ok(bytes) = decode(&text) {
                prop_assert_eq!(encode(&bytes), text);
            }
        }
    }
}
