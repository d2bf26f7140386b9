//! `maksa_x509::parse_mm_cert`, the reader of `MM_Cert` (JSON bodies in
//! legacy mode, client registration): base64 DER, PEM, base64 of PEM, and
//! password-less PKCS#12. Inputs start from real certificates and archives
//! (fuzz/fixtures/), damaged at the DER level and then encoded in each form
//! clients send — libFuzzer alone would rarely get through the base64.
#![no_main]

use arbitrary::{Result, Unstructured};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Input, Shape, lossy};
use maksa_x509::parse_mm_cert;

const FIXTURES: &[&[u8]] = &[
    include_bytes!("../fixtures/ec.der"),
    include_bytes!("../fixtures/rsa.der"),
    include_bytes!("../fixtures/plain.p12"),
    include_bytes!("../fixtures/empty-password.p12"),
];

/// An `MM_Cert` value: a fixture, damaged and encoded, or raw text.
struct Value;

fn damaged_der(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut der = u.choose(FIXTURES)?.to_vec();
    for _ in 0..u.int_in_range(0..=4)? {
        if der.is_empty() {
            break;
        }
        let at = u.choose_index(der.len())?;
        match u.int_in_range(0..=4)? {
            0 => der[at] = u.arbitrary()?,
            1 => der[at] ^= 1 << u.int_in_range(0..=7)?,
            // Lengths of ASN.1 elements: the byte after a tag.
            2 => der[at] = *u.choose(&[0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x88, 0xff])?,
            3 => {
                der.remove(at);
            }
            _ => der.truncate(at),
        }
    }
    if u.ratio(1, 8)? {
        let extra: Vec<u8> = u.arbitrary()?;
        der.extend(extra);
    }
    Ok(der)
}

fn pem(der: &[u8], newline: &str) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----{newline}{}{newline}-----END CERTIFICATE-----{newline}",
        lines.join(newline)
    )
}

impl Shape for Value {
    type Value = String;

    fn raw(bytes: &[u8]) -> String {
        lossy(bytes)
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<String> {
        let der = damaged_der(u)?;
        let text = match u.int_in_range(0..=8)? {
            0 => STANDARD.encode(&der),
            1 => STANDARD_NO_PAD.encode(&der),
            2 => pem(&der, "\n"),
            3 => pem(&der, "\\n"),
            4 => pem(&der, "\r\n").replace("-----END CERTIFICATE-----", ""),
            5 => STANDARD.encode(pem(&der, "\n")),
            6 => format!("\u{feff}{}\n", STANDARD.encode(&der)),
            7 => {
                let encoded = STANDARD.encode(&der);
                let mut wrapped = String::new();
                for (i, c) in encoded.chars().enumerate() {
                    if i > 0 && i % 76 == 0 {
                        wrapped.push_str("\r\n");
                    }
                    wrapped.push(c);
                }
                wrapped
            }
            _ => format!("-----BEGIN CERTIFICATE-----\n{}", STANDARD.encode(&der)),
        };
        maksa_fuzz::damage(u, text)
    }
}

fuzz_target!(|input: Input<Value>| {
    if let Ok(info) = parse_mm_cert(&input.0) {
        assert_eq!(info.thumbprint_sha256.len(), 64);
        assert!(!info.der.is_empty());
    }
});
