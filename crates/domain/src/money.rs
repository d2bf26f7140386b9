//! Exact money. Amounts are integer minor units (cents); decimal text is parsed
//! digit by digit, never through binary floating point.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a decimal text could not become an amount or a quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("is not a decimal number")]
    NotANumber,
    #[error("has too many digits")]
    TooLarge,
    #[error("must not be negative")]
    Negative,
    #[error("must be greater than zero")]
    Zero,
    #[error("has more than {0} decimal places")]
    TooPrecise(u32),
}

/// A parsed decimal: `units / 10^scale`, sign included in `units`.
/// Only an intermediate form between text and the domain's integer types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

const MAX_DIGITS: usize = 30;

impl Decimal {
    /// Parses `12`, `12.5`, `-0.50`, `+3`, `1.2e1`, `.5` — the forms JSON numbers and
    /// the originals' decimal strings take. Whitespace around the text is ignored.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let text = text.trim();
        let (negative, rest) = match (text.strip_prefix('-'), text.strip_prefix('+')) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => (false, text),
        };
        let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
            Some((mantissa, exp)) => {
                let exp: i32 = exp.parse().map_err(|_| DecimalError::NotANumber)?;
                (mantissa, exp)
            }
            None => (rest, 0),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((w, f)) => (w, f),
            None => (mantissa, ""),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(DecimalError::NotANumber);
        }
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(DecimalError::NotANumber);
        }
        if whole.len().saturating_add(fraction.len()) > MAX_DIGITS || exponent.unsigned_abs() > 30 {
            return Err(DecimalError::TooLarge);
        }
        // At most 30 digits: an i128 holds them; checked all the same.
        let mut units: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            units = units
                .checked_mul(10)
                .and_then(|u| u.checked_add(i128::from(b.saturating_sub(b'0'))))
                .ok_or(DecimalError::TooLarge)?;
        }
        let mut scale = i64::try_from(fraction.len())
            .ok()
            .and_then(|digits| digits.checked_sub(i64::from(exponent)))
            .ok_or(DecimalError::TooLarge)?;
        while scale < 0 {
            units = units.checked_mul(10).ok_or(DecimalError::TooLarge)?;
            scale = scale.saturating_add(1);
        }
        let mut scale = u32::try_from(scale).map_err(|_| DecimalError::TooLarge)?;
        // Trailing zeros carry no value: "12.00" is as exact as "12".
        while scale > 0 && units % 10 == 0 {
            units /= 10;
            scale = scale.saturating_sub(1);
        }
        if negative {
            units = units.checked_neg().ok_or(DecimalError::TooLarge)?;
        }
        Ok(Decimal { units, scale })
    }

    /// The value scaled to `places` decimal places, if it is exact there.
    fn scaled_to(self, places: u32) -> Result<i128, DecimalError> {
        if self.scale > places {
            return Err(DecimalError::TooPrecise(places));
        }
        let factor = places
            .checked_sub(self.scale)
            .and_then(|missing| 10_i128.checked_pow(missing))
            .ok_or(DecimalError::TooLarge)?;
        self.units.checked_mul(factor).ok_or(DecimalError::TooLarge)
    }
}

/// An ISO 4217 currency code: three upper-case Latin letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    /// Accepts `eur` as `EUR`: the originals' clients are not consistent about case.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.trim().as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let letters = <[u8; 3]>::try_from(bytes).ok()?;
        Some(Currency(letters.map(|b| b.to_ascii_uppercase())))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value).ok_or_else(|| format!("`{value}` is not a currency code"))
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-negative amount of money in minor units (cents). Every currency the hub
/// handles has two decimal places.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Amount(i64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn from_minor(minor: i64) -> Result<Self, DecimalError> {
        if minor < 0 {
            Err(DecimalError::Negative)
        } else {
            Ok(Amount(minor))
        }
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses decimal text such as `12`, `7.99` or `12.00` (at most two decimal places).
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        Self::from_decimal(Decimal::parse(text)?)
    }

    pub fn from_decimal(value: Decimal) -> Result<Self, DecimalError> {
        if value.units < 0 {
            return Err(DecimalError::Negative);
        }
        let minor = value.scaled_to(2)?;
        i64::try_from(minor)
            .map(Amount)
            .map_err(|_| DecimalError::TooLarge)
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// `quantity × self`, rounded half away from zero to whole cents.
    pub fn times(self, quantity: Quantity) -> Option<Amount> {
        let product = i128::from(self.0).checked_mul(i128::from(quantity.0))?;
        let scale = i128::from(Quantity::SCALE);
        let rounded = product.checked_add(scale / 2)?.checked_div(scale)?;
        i64::try_from(rounded).ok().map(Amount)
    }
}

impl TryFrom<i64> for Amount {
    type Error = DecimalError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Amount::from_minor(value)
    }
}

impl From<Amount> for i64 {
    fn from(value: Amount) -> Self {
        value.0
    }
}

impl fmt::Display for Amount {
    /// `1234` cents print as `12.34`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// A positive quantity with up to six decimal places (the originals allow `4.56`
/// pieces), stored as millionths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl Quantity {
    const PLACES: u32 = 6;
    pub const SCALE: i64 = 1_000_000;

    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        Self::from_decimal(Decimal::parse(text)?)
    }

    pub fn from_decimal(value: Decimal) -> Result<Self, DecimalError> {
        if value.units < 0 {
            return Err(DecimalError::Negative);
        }
        if value.units == 0 {
            return Err(DecimalError::Zero);
        }
        let millionths = value.scaled_to(Self::PLACES)?;
        i64::try_from(millionths)
            .map(Quantity)
            .map_err(|_| DecimalError::TooLarge)
    }

    pub fn whole(units: i64) -> Option<Self> {
        (units > 0)
            .then(|| units.checked_mul(Self::SCALE).map(Quantity))
            .flatten()
    }

    pub fn millionths(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = DecimalError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        if value <= 0 {
            Err(DecimalError::Zero)
        } else {
            Ok(Quantity(value))
        }
    }
}

impl From<Quantity> for i64 {
    fn from(value: Quantity) -> Self {
        value.0
    }
}

impl fmt::Display for Quantity {
    /// Prints without trailing zeros: `12`, `4.56`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / Self::SCALE;
        let mut fraction = self.0 % Self::SCALE;
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let mut places = Self::PLACES;
        while fraction % 10 == 0 {
            fraction /= 10;
            places = places.saturating_sub(1);
        }
        write!(f, "{whole}.{fraction:0width$}", width = places as usize)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_clients_send() {
        assert_eq!(Amount::parse("7.99").unwrap().minor(), 799);
        assert_eq!(Amount::parse("12").unwrap().minor(), 1200);
        assert_eq!(Amount::parse("12.00").unwrap().minor(), 1200);
        assert_eq!(Amount::parse("12.100").unwrap().minor(), 1210);
        assert_eq!(Amount::parse("1.2e1").unwrap().minor(), 1200);
        assert_eq!(Amount::parse(".5").unwrap().minor(), 50);
        assert_eq!(Amount::parse("0.1").unwrap().minor(), 10);
    }

    #[test]
    fn refuses_what_is_not_an_exact_amount() {
        assert_eq!(Amount::parse("1.005"), Err(DecimalError::TooPrecise(2)));
        assert_eq!(Amount::parse("-1"), Err(DecimalError::Negative));
        assert_eq!(Amount::parse("abc"), Err(DecimalError::NotANumber));
        assert_eq!(Amount::parse(""), Err(DecimalError::NotANumber));
        assert_eq!(Amount::parse("."), Err(DecimalError::NotANumber));
        assert_eq!(Amount::parse("1e99"), Err(DecimalError::TooLarge));
        assert_eq!(
            Amount::parse("99999999999999999999"),
            Err(DecimalError::TooLarge)
        );
        assert_eq!(Quantity::parse("0"), Err(DecimalError::Zero));
    }

    #[test]
    fn quantity_times_price_rounds_half_away_from_zero() {
        let price = Amount::parse("0.15").unwrap();
        // 4.5 × 0.15 = 0.675 → 0.68
        assert_eq!(
            price
                .times(Quantity::parse("4.5").unwrap())
                .unwrap()
                .minor(),
            68
        );
        let price = Amount::parse("1.00").unwrap();
        assert_eq!(
            price
                .times(Quantity::parse("4.56").unwrap())
                .unwrap()
                .minor(),
            456
        );
        assert_eq!(Quantity::parse("4.560").unwrap().to_string(), "4.56");
        assert_eq!(Quantity::parse("12.00").unwrap().to_string(), "12");
    }

    proptest! {
        #[test]
        fn amount_text_round_trips(minor in 0_i64..1_000_000_000_000) {
            let amount = Amount::from_minor(minor).unwrap();
            prop_assert_eq!(Amount::parse(&amount.to_string()).unwrap(), amount);
        }

        #[test]
        fn decimal_parser_never_panics(text in "\\PC{0,40}") {
            let _ = Amount::parse(&text);
            let _ = Quantity::parse(&text);
        }

        #[test]
        fn whole_quantities_multiply_exactly(units in 1_i64..10_000, minor in 0_i64..10_000_000) {
            let amount = Amount::from_minor(minor).unwrap();
            prop_assert_eq!(amount.times(Quantity::whole(units).unwrap()).unwrap().minor(), minor * units);
        }
    }
}
