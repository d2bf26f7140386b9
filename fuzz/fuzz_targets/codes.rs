//! Latvian identifiers and bank codes (`maksa_domain::codes`): payers'
//! personal codes and registration numbers with their check digits, IBANs,
//! provider codes (BICs and the hub's own names).
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_domain::codes::{ClientCode, Iban, ProviderCode};
use maksa_fuzz::{Input, Shape, client_code_text, iban_text, lossy, provider_text};

#[derive(Debug)]
struct Fields {
    code: String,
    iban: String,
    provider: String,
}

/// A raw text is tried as a payer's code, an IBAN and a provider code.
struct Texts;

impl Shape for Texts {
    type Value = Fields;
    fn raw(bytes: &[u8]) -> Fields {
        let text = lossy(bytes);
        Fields {
            code: text.clone(),
            iban: text.clone(),
            provider: text,
        }
    }
    fn shaped(u: &mut Unstructured<'_>) -> Result<Fields> {
        Ok(Fields {
            code: client_code_text(u)?,
            iban: iban_text(u)?,
            provider: provider_text(u)?,
        })
    }
}

fuzz_target!(|input: Input<Texts>| {
    let input = input.0;
    if let Ok(code) = ClientCode::parse(&input.code) {
        code.check();
        assert_eq!(code.as_str().len(), 11);
        assert_eq!(ClientCode::parse(code.as_str()), Ok(code.clone()));
    }
    if let Ok(iban) = Iban::parse(&input.iban) {
        assert!((15..=34).contains(&iban.as_str().len()), "{iban}");
        assert_eq!(Iban::parse(iban.as_str()), Ok(iban.clone()));
    }
    if let Some(code) = ProviderCode::parse(&input.provider) {
        assert_eq!(ProviderCode::parse(code.as_str()), Some(code.clone()));
    }
});
