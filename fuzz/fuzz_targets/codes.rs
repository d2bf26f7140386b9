//! Latvian identifiers and bank codes (`maksa_domain::codes`): payers'
//! personal codes and registration numbers with their check digits, IBANs,
//! provider codes (BICs and the hub's own names).
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_domain::codes::{ClientCode, Iban, ProviderCode};
use maksa_fuzz::{client_code_text, iban_text, provider_text, raw_or_shaped};

#[derive(Debug)]
struct Input {
    code: String,
    iban: String,
    provider: String,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let bytes: &[u8] = u.arbitrary()?;
        Self::arbitrary_take_rest(Unstructured::new(bytes))
    }

    /// A raw text is tried as a payer's code, an IBAN and a provider code.
    fn arbitrary_take_rest(u: Unstructured<'a>) -> Result<Self> {
        raw_or_shaped(
            u,
            |text| Input {
                code: text.clone(),
                iban: text.clone(),
                provider: text,
            },
            |u| {
                Ok(Input {
                    code: client_code_text(u)?,
                    iban: iban_text(u)?,
                    provider: provider_text(u)?,
                })
            },
        )
    }
}

fuzz_target!(|input: Input| {
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
