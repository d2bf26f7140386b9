//! Latvian identifiers and bank codes whose check digits the hub verifies.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What the check of a payer's code found. Lenient clients keep a failed code and
/// this verdict is recorded on the request; strict clients are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeCheck {
    PersonalCodeValid,
    RegistrationNumberValid,
    CheckDigitMismatch,
}

/// A payer's code as sent (11 digits, optionally `DDMMYY-NNNNN`), normalised to
/// the 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 11 digits, optionally written DDMMYY-NNNNN")]
pub struct ClientCodeFormatError;

const PERSONAL_WEIGHTS: [u32; 10] = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const COMPANY_WEIGHTS: [u32; 11] = [9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1];

impl ClientCode {
    pub fn parse(text: &str) -> Result<Self, ClientCodeFormatError> {
        let text = text.trim();
        let digits: String = match text.len() {
            11 => text.to_owned(),
            12 => match (text.get(..6), text.get(6..7), text.get(7..)) {
                (Some(head), Some("-"), Some(tail)) => format!("{head}{tail}"),
                _ => return Err(ClientCodeFormatError),
            },
            _ => return Err(ClientCodeFormatError),
        };
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClientCodeFormatError);
        }
        Ok(ClientCode(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn digits(&self) -> impl Iterator<Item = u32> + '_ {
        // Only digits are ever stored (`parse`).
        self.0.bytes().map(|b| u32::from(b.saturating_sub(b'0')))
    }

    /// Company registration numbers start with a digit above 3; personal codes are
    /// `DDMMYY…` (day 0–3) or the date-free `32…` form.
    pub fn check(&self) -> CodeCheck {
        let first = self.digits().next().unwrap_or(0);
        let valid = if first > 3 {
            self.registration_number_valid()
        } else {
            self.personal_code_valid()
        };
        match (valid, first > 3) {
            (true, true) => CodeCheck::RegistrationNumberValid,
            (true, false) => CodeCheck::PersonalCodeValid,
            (false, _) => CodeCheck::CheckDigitMismatch,
        }
    }

    fn personal_code_valid(&self) -> bool {
        let digits: Vec<u32> = self.digits().collect();
        let sum = weighted_sum(digits.iter().copied(), &PERSONAL_WEIGHTS);
        let check = 1101_u32.saturating_sub(sum % 1101) % 11;
        // A remainder of 10 cannot be written as one digit: no valid code has it.
        check < 10 && digits.get(10) == Some(&check)
    }

    fn registration_number_valid(&self) -> bool {
        weighted_sum(self.digits(), &COMPANY_WEIGHTS) % 11 == 3
    }
}

/// Σ digit × weight (at most 11 single digits times weights up to 10: no
/// overflow, saturating all the same).
fn weighted_sum(digits: impl Iterator<Item = u32>, weights: &[u32]) -> u32 {
    digits.zip(weights).fold(0_u32, |sum, (d, w)| {
        sum.saturating_add(d.saturating_mul(*w))
    })
}

impl fmt::Display for ClientCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IBAN with valid mod-97 check digits, stored without spaces, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    #[error("is not an IBAN (two letters, two check digits, up to 30 letters or digits)")]
    Format,
    #[error("has wrong check digits")]
    CheckDigits,
    #[error("is not a Latvian IBAN of 21 characters")]
    LatvianLength,
}

impl Iban {
    pub fn parse(text: &str) -> Result<Self, IbanError> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = compact.as_bytes();
        let (country, check_digits) = match (bytes.get(..2), bytes.get(2..4)) {
            (Some(country), Some(check_digits)) => (country, check_digits),
            _ => return Err(IbanError::Format),
        };
        if !(15..=34).contains(&bytes.len())
            || !country.iter().all(u8::is_ascii_uppercase)
            || !check_digits.iter().all(u8::is_ascii_digit)
            || !bytes.iter().all(u8::is_ascii_alphanumeric)
        {
            return Err(IbanError::Format);
        }
        if compact.starts_with("LV") && bytes.len() != 21 {
            return Err(IbanError::LatvianLength);
        }
        let (head, tail) = bytes.split_at_checked(4).ok_or(IbanError::Format)?;
        let mut remainder: u32 = 0;
        for b in tail.iter().chain(head) {
            // `0`–`9` are 0–9 and `A`–`Z` are 10–35: base 36.
            let value = char::from(*b).to_digit(36).ok_or(IbanError::Format)?;
            // remainder < 97 and value < 36: no overflow.
            let shift = if value >= 10 { 100 } else { 10 };
            remainder = remainder.saturating_mul(shift).saturating_add(value) % 97;
        }
        if remainder != 1 {
            return Err(IbanError::CheckDigits);
        }
        Ok(Iban(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Iban {
    type Error = IbanError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Iban::parse(&value)
    }
}

impl From<Iban> for String {
    fn from(value: Iban) -> Self {
        value.0
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A payment provider's code: a SWIFT/BIC (`HABALV22`, `TRELLV22`) or one of the
/// hub's own names (`FIRSTDATA`, `DEMO0000`). Upper-case letters and digits, 4–11.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProviderCode(String);

impl ProviderCode {
    pub fn parse(text: &str) -> Option<Self> {
        let code = text.trim().to_ascii_uppercase();
        ((4..=11).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some(ProviderCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProviderCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ProviderCode::parse(&value).ok_or_else(|| format!("`{value}` is not a provider code"))
    }
}

impl From<ProviderCode> for String {
    fn from(value: ProviderCode) -> Self {
        value.0
    }
}

impl fmt::Display for ProviderCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn personal_codes_from_the_style_guide_pass() {
        for code in [
            "161175-19997",
            "111111-11111",
            "328673-00679",
            "07018710513",
        ] {
            assert_eq!(
                ClientCode::parse(code).unwrap().check(),
                CodeCheck::PersonalCodeValid,
                "{code}"
            );
        }
    }

    #[test]
    fn the_originals_example_codes_fail_the_check_but_parse() {
        for code in ["31129900000", "31129910101"] {
            assert_eq!(
                ClientCode::parse(code).unwrap().check(),
                CodeCheck::CheckDigitMismatch,
                "{code}"
            );
        }
    }

    #[test]
    fn registration_numbers() {
        assert_eq!(
            ClientCode::parse("40003278467").unwrap().check(),
            CodeCheck::RegistrationNumberValid
        );
        assert_eq!(
            ClientCode::parse("90000036859").unwrap().check(),
            CodeCheck::RegistrationNumberValid
        );
        assert_eq!(
            ClientCode::parse("40003278468").unwrap().check(),
            CodeCheck::CheckDigitMismatch
        );
    }

    #[test]
    fn code_format() {
        assert!(ClientCode::parse("1611751999").is_err());
        assert!(ClientCode::parse("161175_19997").is_err());
        assert!(ClientCode::parse("1611751999a").is_err());
        assert_eq!(
            ClientCode::parse("161175-19997").unwrap().as_str(),
            "16117519997"
        );
    }

    #[test]
    fn ibans() {
        assert_eq!(
            Iban::parse("lv80 bank 0000 4351 9500 1").unwrap().as_str(),
            "LV80BANK0000435195001"
        );
        assert_eq!(
            Iban::parse("LV81BANK0000435195001"),
            Err(IbanError::CheckDigits)
        );
        assert_eq!(
            Iban::parse("LV80BANK000043519500"),
            Err(IbanError::LatvianLength)
        );
        assert_eq!(
            Iban::parse("GB82WEST12345698765432").unwrap().as_str(),
            "GB82WEST12345698765432"
        );
        assert_eq!(Iban::parse("hello"), Err(IbanError::Format));
    }

    proptest! {
        #[test]
        fn code_checks_never_panic(text in "[0-9-]{0,14}") {
            if let Ok(code) = ClientCode::parse(&text) { let _ = code.check(); }
        }

        #[test]
        fn one_changed_digit_breaks_an_iban(pos in 4_usize..21, delta in 1_u8..10) {
            let good = "LV80BANK0000435195001";
            let mut bytes = good.as_bytes().to_vec();
            if bytes[pos].is_ascii_digit() {
                bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
                let changed = String::from_utf8(bytes).unwrap();
                prop_assert!(Iban::parse(&changed).is_err());
            }
        }
    }
}
