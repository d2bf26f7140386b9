//! Money and quantities (`maksa_domain::money`): decimal text → `Amount`,
//! `Quantity`, `Currency`, and quantity × price as the price list computes it;
//! the demo bank's one-spelling amounts (`VK_AMOUNT`).
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_domain::money::{Amount, Currency, Decimal, Quantity};
use maksa_fuzz::{number_text, raw_or_shaped};
use maksa_providers::vk;

#[derive(Debug)]
struct Input {
    amount: String,
    quantity: String,
    currency: String,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let bytes: &[u8] = u.arbitrary()?;
        Self::arbitrary_take_rest(Unstructured::new(bytes))
    }

    /// A raw text is tried as amount, quantity and currency at once.
    fn arbitrary_take_rest(u: Unstructured<'a>) -> Result<Self> {
        raw_or_shaped(
            u,
            |text| Input {
                amount: text.clone(),
                quantity: text.clone(),
                currency: text,
            },
            |u| {
                Ok(Input {
                    amount: number_text(u)?,
                    quantity: number_text(u)?,
                    currency: if u.ratio(3, 4)? {
                        (*u.choose(&["EUR", "eur", " usd ", "EU", "€UR", "ÉUR"])?).to_owned()
                    } else {
                        u.arbitrary()?
                    },
                })
            },
        )
    }
}

fuzz_target!(|input: Input| {
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
