//! A deliberately tiny DER reader: just enough to walk the outer layers of a
//! PKCS#12 file without decrypting anything.
//!
//! p12-keystore does the real PKCS#12 work, but it is all-or-nothing: one bag
//! it cannot decrypt (typically a password-protected private key) or one MAC
//! it cannot verify fails the whole file, even when the certificates
//! themselves are stored in the clear. This reader finds those clear-text
//! certificates. Every access is bounds-checked and returns `None` on
//! malformed input, so hostile bytes can never panic.

/// Universal tags used by PKCS#12.
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
pub(crate) const TAG_SET: u8 = 0x31;
/// `[0] EXPLICIT`, the wrapper PKCS#7 and PKCS#12 use for "content" fields.
pub(crate) const TAG_CONTEXT_0: u8 = 0xa0;

/// One decoded tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    /// The whole element, header included, for re-encoding a parent around it.
    pub(crate) encoded: &'a [u8],
}

/// Reads the first element of `input`; returns it and what follows.
///
/// Only low tag numbers and definite lengths are supported: DER requires
/// definite lengths, and PKCS#12 uses no high tag numbers.
pub(crate) fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first_length_byte = *input.get(1)?;
    let (content_length, header_length) = if first_length_byte < 0x80 {
        (usize::from(first_length_byte), 2)
    } else {
        let length_bytes = usize::from(first_length_byte & 0x7f);
        // 0x80 is BER's indefinite length; more than 4 length bytes is never a real PKCS#12 file.
        if length_bytes == 0 || length_bytes > 4 {
            return None;
        }
        let mut length = 0usize;
        for byte in input.get(2..2 + length_bytes)? {
            length = length.checked_mul(256)?.checked_add(usize::from(*byte))?;
        }
        (length, 2 + length_bytes)
    };
    let end = header_length.checked_add(content_length)?;
    let encoded = input.get(..end)?;
    let content = encoded.get(header_length..)?;
    let rest = input.get(end..)?;
    Some((
        Tlv {
            tag,
            content,
            encoded,
        },
        rest,
    ))
}

/// Reads exactly one element of the expected tag filling the whole of `input`.
pub(crate) fn read_only(input: &[u8], expected_tag: u8) -> Option<Tlv<'_>> {
    let (tlv, rest) = read_tlv(input)?;
    (tlv.tag == expected_tag && rest.is_empty()).then_some(tlv)
}

/// Splits the content of a SEQUENCE or SET into its elements; `None` if any is malformed.
pub(crate) fn read_all(mut input: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut elements = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = read_tlv(input)?;
        elements.push(tlv);
        input = rest;
    }
    Some(elements)
}

/// Encodes a tag and content back into DER.
pub(crate) fn encode_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut encoded = vec![tag];
    let length = content.len();
    match u8::try_from(length) {
        Ok(short) if short < 0x80 => encoded.push(short),
        _ => {
            let length_bytes: Vec<u8> = length
                .to_be_bytes()
                .into_iter()
                .skip_while(|byte| *byte == 0)
                .collect();
            // A usize has at most 8 bytes, so the count always fits in 7 bits.
            let count = u8::try_from(length_bytes.len()).unwrap_or(0x7f);
            encoded.push(0x80 | count);
            encoded.extend_from_slice(&length_bytes);
        }
    }
    encoded.extend_from_slice(content);
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_and_read_round_trip_short_and_long_lengths() {
        for length in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let content = vec![0x42u8; length];
            let encoded = encode_tlv(TAG_OCTET_STRING, &content);
            let tlv = read_only(&encoded, TAG_OCTET_STRING).expect("round trip");
            assert_eq!(tlv.content, content.as_slice());
            assert_eq!(tlv.encoded, encoded.as_slice());
        }
    }

    #[test]
    fn truncated_and_indefinite_inputs_are_refused() {
        assert!(read_tlv(&[]).is_none());
        assert!(read_tlv(&[0x30]).is_none());
        assert!(read_tlv(&[0x30, 0x05, 0x00]).is_none());
        assert!(read_tlv(&[0x30, 0x80, 0x00, 0x00]).is_none());
        assert!(read_tlv(&[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]).is_none());
        assert!(read_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
    }
}
