//! Money and quantities (`maksa_domain::money`): decimal text → `Amount`,
//! `Quantity`, `Currency`, and quantity × price as the price list computes it;
//! the demo bank's one-spelling amounts (`VK_AMOUNT`).
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_domain::money::{Amount, Currency, Decimal, Quantity};
use maksa_fuzz::{Input, Shape, lossy, number_text};
use maksa_providers::vk;

#[derive(Debug)]
struct Fields {
    amount: String,
    quantity: String,
    currency: String,
}

/// A raw text is tried as amount, quantity and currency at once.
struct Texts;

impl Shape for Texts {
    type Value = Fields;
    fn raw(bytes: &[u8]) -> Fields {
        let text = lossy(bytes);
        Fields {
            amount: text.clone(),
            quantity: text.clone(),
            currency: text,
        }
    }
    fn shaped(u: &mut Unstructured<'_>) -> Result<Fields> {
        Ok(Fields {
            amount: number_text(u)?,
            quantity: number_text(u)?,
            currency: if u.ratio(3, 4)? {
                (*u.choose(&["EUR", "eur", " usd ", "EU", "€UR", "ÉUR"])?).to_owned()
            } else {
                u.arbitrary()?
            },
        })
    }
}

fuzz_target!(|input: Input<Texts>| {
    let input = input.0;
    let _ = Decimal::parse(&input.amount);
    let amount = Amount::parse(&input.amount);
    let quantity = Quantity::parse(&input.quantity);
    if let Ok(amount) = amount {
        assert!(
            amount.minor() >= 0,
            "negative amount from {:?}",
            input.amount
        );
        // Printed and read back, an amount is the same amount.
        let printed = amount.to_string();
        assert_eq!(Amount::parse(&printed), Ok(amount), "{printed}");
        // The demo bank's spelling reads back too, up to its 15 whole digits.
        if amount.minor() < 100_000_000_000_000_000 {
            assert_eq!(vk::parse_amount(&vk::format_amount(amount)), Some(amount));
        }
    }
    if let Ok(quantity) = quantity {
        assert!(quantity.millionths() > 0, "{:?}", input.quantity);
    }
    if let (Ok(amount), Ok(quantity)) = (amount, quantity)
        && let Some(total) = amount.times(quantity)
    {
        assert!(total.minor() >= 0);
        let _ = total.checked_add(amount);
    }
    if let Some(amount) = vk::parse_amount(&input.amount) {
        assert!(amount.minor() >= 0);
    }
    if let Some(currency) = Currency::parse(&input.currency) {
        assert_eq!(Currency::parse(currency.as_str()), Some(currency));
    }
});
