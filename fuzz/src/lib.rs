//! Structure-aware inputs for maksa's fuzz targets, and the checks every
//! target that reaches the domain shares.
//!
//! Random bytes rarely get past the first `-` of a date or the first `{` of a
//! JSON body, so each target's input is an enum whose first variants build
//! text the way clients write it — dates, numbers, codes, JSON bodies with the
//! real field names, SOAP envelopes with the real element names — and then
//! damage it: multi-byte characters inserted at any position, characters
//! removed, the text cut short. The last variant (`Raw`) takes the bytes as
//! they come, so plain-text seeds (prefixed with four `0xFF` bytes, which
//! select the last variant) and libFuzzer's own mutations still reach the
//! parsers (fuzz/corpus/README.md).

use arbitrary::{Arbitrary, Result, Unstructured};
use maksa_domain::catalog::Catalog;
use maksa_domain::ids::ClientId;
use maksa_domain::request::{
    ClientInfoInput, CreationRules, Entropy, PaymentRequest, PaymentRequestInput,
    PriceListItemInput, create_payment_request,
};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::OnceLock;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub mod envelope;
pub mod json;

/// The clock of every target: fixed, so a crash reproduces.
pub const NOW: OffsetDateTime = time::macros::datetime!(2026-11-30 06:00:00 UTC);

/// Characters that break code which slices strings by bytes or expects ASCII:
/// two-, three- and four-byte UTF-8, combining marks, invisible characters,
/// digits, signs and letters of other scripts that look like ASCII, and the
/// code points XML and JSON treat specially.
pub const AWKWARD: &[char] = &[
    'é', 'ā', 'Ž', 'ß', '€', '„', '“', '😀', '𝟗', '\u{0301}', '\u{feff}', '\u{200b}', '\u{200f}',
    '\u{a0}', '\u{2028}', '٣', '०', '０', '９', '＋', '－', '：', '．', 'Ｔ', 'Ｚ', '\u{fffd}',
    '\u{fffe}', '\u{ffff}', '\u{0}', '\u{7f}', '\u{85}', '\u{1b}', '<', '&', '"', '\\', ':', '-',
    '+', '.', 'T', 'Z', 'e', ' ',
];

pub fn awkward_char(u: &mut Unstructured<'_>) -> Result<char> {
    if u.ratio(3, 4)? {
        Ok(*u.choose(AWKWARD)?)
    } else {
        u.arbitrary()
    }
}

/// Damages `text`: usually not at all, else up to three edits at character
/// positions the input chooses — so every position of every shape is reached.
pub fn damage(u: &mut Unstructured<'_>, text: String) -> Result<String> {
    if u.ratio(2, 3)? {
        return Ok(text);
    }
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..u.int_in_range(1..=3)? {
        let at = u.int_in_range(0..=chars.len())?;
        match u.int_in_range(0..=5)? {
            0..=2 => chars.insert(at, awkward_char(u)?),
            3 => {
                if at < chars.len() {
                    chars.remove(at);
                }
            }
            4 => {
                if let Some(&c) = chars.get(at) {
                    chars.insert(at, c);
                }
            }
            _ => chars.truncate(at),
        }
    }
    Ok(chars.into_iter().collect())
}

/// A number from `choices` (or, a quarter of the time, any), written with a
/// chosen zero-padding width.
fn padded(u: &mut Unstructured<'_>, choices: &[u64]) -> Result<String> {
    let value = if u.ratio(15, 16)? {
        *u.choose(choices)?
    } else {
        u64::from(u.arbitrary::<u32>()?)
    };
    Ok(match u.int_in_range(0..=4)? {
        0 => format!("{value:01}"),
        1 | 2 => format!("{value:02}"),
        3 => format!("{value:04}"),
        _ => format!("{value:05}"),
    })
}

fn push_choice(u: &mut Unstructured<'_>, text: &mut String, choices: &[&str]) -> Result<()> {
    text.push_str(u.choose(choices)?);
    Ok(())
}

/// Years at and beyond every edge: the proleptic year 0, the Unix epoch, the
/// range the hub documents, the last four-digit year, five and six digits.
const YEARS: &[u64] = &[
    0, 1, 999, 1000, 1582, 1900, 1969, 1970, 1999, 2000, 2013, 2020, 2026, 2030, 2038, 2199, 2200,
    2201, 9998, 9999, 10000, 99999, 262143, 262144, 999999,
];

/// A date or date-time as clients write it (`2019-12-31T15:45:00+3:00`,
/// `2013-02-15`, `2020-09-30T14:00:00.1234567Z`), at and beyond every edge:
/// extreme years, offsets of ±18 and beyond, one-digit fields, leap seconds,
/// long fractions; then [`damage`]d.
pub fn date_text(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 2)? {
        let text = ordinary_date(u)?;
        return damage(u, text);
    }
    let mut text = String::new();
    if u.ratio(1, 10)? {
        push_choice(u, &mut text, &[" ", "\t", "\u{a0}", "\u{feff}", "\n"])?;
    }
    let year = *u.choose(YEARS)?;
    text.push_str(&match u.int_in_range(0..=5)? {
        0 => format!("{year}"),
        1 => format!("{year:05}"),
        _ => format!("{year:04}"),
    });
    let separator = if u.ratio(9, 10)? {
        "-"
    } else {
        *u.choose(&["/", ".", "", "－"])?
    };
    text.push_str(separator);
    text.push_str(&padded(u, &[0, 1, 2, 3, 9, 10, 12, 13, 99])?);
    text.push_str(separator);
    text.push_str(&padded(u, &[0, 1, 15, 28, 29, 30, 31, 32, 99])?);
    if u.ratio(3, 4)? {
        push_choice(u, &mut text, &["T", "T", "T", "t", " "])?;
        text.push_str(&padded(u, &[0, 1, 3, 9, 12, 22, 23, 24, 25, 99])?);
        text.push(':');
        text.push_str(&padded(u, &[0, 5, 30, 41, 59, 60, 99])?);
        if u.ratio(3, 4)? {
            text.push(':');
            text.push_str(&padded(u, &[0, 1, 30, 59, 60, 61, 99])?);
        }
        if u.ratio(1, 3)? {
            push_choice(u, &mut text, &[".", ".", ","])?;
            let length = u.int_in_range(0..=14)?;
            let nines = u.ratio(1, 3)?;
            for _ in 0..length {
                let digit = if nines { 9 } else { u.int_in_range(0..=9)? };
                text.push(char::from(b'0' + digit));
            }
        }
        match u.int_in_range(0..=5)? {
            0 => {}
            1 => text.push('Z'),
            2 => text.push('z'),
            _ => {
                text.push(if u.arbitrary()? { '+' } else { '-' });
                let hours = *u.choose(&[0_u64, 1, 2, 3, 9, 10, 12, 14, 17, 18, 19, 23, 24, 99])?;
                let minutes = *u.choose(&[0_u64, 1, 30, 45, 59, 60, 99])?;
                text.push_str(&match u.int_in_range(0..=5)? {
                    0 => format!("{hours:02}:{minutes:02}"),
                    1 => format!("{hours}:{minutes:02}"),
                    2 => format!("{hours:02}{minutes:02}"),
                    3 => format!("{hours:02}"),
                    4 => format!("{hours}"),
                    _ => format!("{hours}:{minutes}"),
                });
            }
        }
    }
    if u.ratio(1, 10)? {
        push_choice(u, &mut text, &[" ", "\r\n", "\u{a0}", "\u{200b}"])?;
    }
    damage(u, text)
}

/// A date as a well-behaved client writes it: a year near today, a real day,
/// a real time, one of the zone forms the originals use.
fn ordinary_date(u: &mut Unstructured<'_>) -> Result<String> {
    let year = u.int_in_range(2020..=2035)?;
    let month = u.int_in_range(1..=12)?;
    let day = u.int_in_range(1..=28)?;
    if u.ratio(1, 4)? {
        return Ok(format!("{year}-{month:02}-{day:02}"));
    }
    let hour = u.int_in_range(0..=23)?;
    let minute = u.int_in_range(0..=59)?;
    let second = u.int_in_range(0..=59)?;
    let zone = *u.choose(&[
        "",
        "Z",
        "+03:00",
        "+3:00",
        "+02:00",
        "-05:00",
        "+0300",
        "+3",
        ".1234567+03:00",
        ".5Z",
    ])?;
    Ok(format!(
        "{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}"
    ))
}

/// A run of digits: random, all nines, a one and zeros, or all zeros.
fn digit_run(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let length = if u.ratio(3, 4)? {
        u.int_in_range(0..=4.min(max))?
    } else {
        u.int_in_range(0..=max)?
    };
    let style = u.int_in_range(0..=3)?;
    let mut run = String::with_capacity(length);
    for i in 0..length {
        let digit = match style {
            0 => u.int_in_range(0..=9)?,
            1 => 9,
            2 => u8::from(i == 0),
            _ => 0,
        };
        run.push(char::from(b'0' + digit));
    }
    Ok(run)
}

/// A decimal number as clients write it (`12`, `12.00`, `"7.99"`, `4.56`,
/// `1.2e1`, `-0.50`, `.5`), with up to 40 digits and exponents around the
/// limits of `i32`, `i64` and the parser's own; then [`damage`]d.
pub fn number_text(u: &mut Unstructured<'_>) -> Result<String> {
    let mut text = String::new();
    if u.ratio(1, 10)? {
        push_choice(u, &mut text, &[" ", "\t", "\u{a0}"])?;
    }
    if u.ratio(1, 5)? {
        push_choice(u, &mut text, &["-", "+", "--", "-+"])?;
    }
    text.push_str(&digit_run(u, 40)?);
    if u.ratio(1, 2)? {
        push_choice(u, &mut text, &[".", ".", ".", ","])?;
        text.push_str(&digit_run(u, 40)?);
    }
    if u.ratio(1, 6)? {
        push_choice(u, &mut text, &["e", "E", "e+", "e-", "E-"])?;
        let exponent = *u.choose(&[
            0_u64,
            1,
            2,
            6,
            18,
            19,
            29,
            30,
            31,
            38,
            39,
            99,
            2147483647,
            2147483648,
            4294967296,
            9223372036854775807,
        ])?;
        text.push_str(&exponent.to_string());
    }
    damage(u, text)
}

/// Ordinary text of any script, very long words, awkward characters, or
/// nothing: what payers' names and addresses and free-text fields hold.
pub fn free_text(u: &mut Unstructured<'_>) -> Result<String> {
    let text = match u.int_in_range(0..=5)? {
        0 => String::new(),
        1 => (*u.choose(&[
            "Paraudziņš",
            "Ernests",
            "Rātslaukums 1, LV-1050, Rīga",
            "SIA Ērglis",
            "Valsts nodeva par pakalpojumu",
            "„Citāts“ ar pēdiņām & <tagiem>",
            "שלום עולם",
            "مرحبا",
            "Ωμέγα",
            "草枕",
        ])?)
        .to_owned(),
        2 => {
            // One unbreakable word, long enough to overflow any column.
            let c = awkward_char(u)?;
            let n = u.int_in_range(1..=600)?;
            std::iter::repeat_n(c, n).collect()
        }
        3 => {
            let word: String = u.arbitrary()?;
            let n = u.int_in_range(1..=60)?;
            vec![word; n].join(" ")
        }
        _ => u.arbitrary()?,
    };
    damage(u, text)
}

/// Mixes the letter case of `name`: as written, all lower, all upper, or
/// letter by letter. Both doors match member names in any case.
pub fn cased(u: &mut Unstructured<'_>, name: &str) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0..=2 => name.to_owned(),
        3 => name.to_ascii_lowercase(),
        4 => name.to_ascii_uppercase(),
        _ => {
            let mut mixed = String::with_capacity(name.len());
            for c in name.chars() {
                mixed.push(if u.arbitrary()? {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                });
            }
            mixed
        }
    })
}

/// The demo catalogue (`demo/catalog.toml`), read as `maksa demo` reads it.
pub fn demo_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        maksa_app::catalog_file::parse_catalog(include_str!("../../demo/catalog.toml"))
            .unwrap_or_else(|e| panic!("demo/catalog.toml does not load: {e}"))
    })
}

/// The demo catalogue's client, whose contract allows every service.
pub fn demo_client() -> ClientId {
    ClientId::parse("demo").unwrap_or_else(|| panic!("`demo` is a client id"))
}

/// Identifiers from a counter: repeatable, and distinct within one request.
#[derive(Default)]
pub struct CountingEntropy(u8);

impl Entropy for CountingEntropy {
    fn fill(&mut self, buffer: &mut [u8]) {
        for byte in buffer {
            self.0 = self.0.wrapping_add(1);
            *byte = self.0;
        }
    }
}

fn step_codes() -> Vec<&'static str> {
    demo_catalog()
        .steps
        .iter()
        .map(|s| s.code.as_str())
        .collect()
}

fn position_codes(step: Option<&str>) -> Vec<&'static str> {
    demo_catalog()
        .positions
        .iter()
        .filter(|p| step.is_none_or(|s| p.step == s))
        .map(|p| p.code.as_str())
        .collect()
}

fn provider_codes() -> Vec<&'static str> {
    demo_catalog()
        .providers
        .iter()
        .map(|p| p.code.as_str())
        .collect()
}

/// A payer's code: valid personal codes and registration numbers, the
/// `DDMMYY-NNNNN` form, or anything; then [`damage`]d.
pub fn client_code_text(u: &mut Unstructured<'_>) -> Result<String> {
    let text = match u.int_in_range(0..=3)? {
        0 => (*u.choose(&[
            "07018710513",
            "070187-10513",
            "32123456789",
            "40003278467",
            "90000036859",
            "00000000000",
        ])?)
        .to_owned(),
        1 => {
            let mut digits = String::new();
            for _ in 0..11 {
                digits.push(char::from(b'0' + u.int_in_range(0..=9)?));
            }
            if u.arbitrary()? {
                digits.insert(6, '-');
            }
            digits
        }
        2 => digit_run(u, 14)?,
        _ => u.arbitrary()?,
    };
    damage(u, text)
}

/// An IBAN: a country, a BBAN and check digits that are right most of the
/// time, written compact or in groups of four, any case; then [`damage`]d.
pub fn iban_text(u: &mut Unstructured<'_>) -> Result<String> {
    let country = if u.ratio(3, 4)? {
        (*u.choose(&["LV", "LT", "EE", "DE", "GB", "FR", "NO", "MT"])?).to_owned()
    } else {
        let a = char::from(b'A' + u.int_in_range(0..=25)?);
        let b = char::from(b'A' + u.int_in_range(0..=25)?);
        format!("{a}{b}")
    };
    let length = if country == "LV" && u.ratio(3, 4)? {
        17
    } else {
        u.int_in_range(0..=32)?
    };
    let mut bban = String::new();
    for _ in 0..length {
        bban.push(if u.ratio(1, 3)? {
            char::from(b'A' + u.int_in_range(0..=25)?)
        } else {
            char::from(b'0' + u.int_in_range(0..=9)?)
        });
    }
    let check = if u.ratio(3, 4)? {
        iban_check_digits(&country, &bban)
    } else {
        u.int_in_range(0..=99)?
    };
    let mut text = format!("{country}{check:02}{bban}");
    if u.ratio(1, 4)? {
        let grouped: Vec<String> = text
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect())
            .collect();
        text = grouped.join(" ");
    }
    if u.ratio(1, 5)? {
        text = text.to_lowercase();
    }
    damage(u, text)
}

/// ISO 13616 check digits of an IBAN made of ASCII letters and digits.
fn iban_check_digits(country: &str, bban: &str) -> u32 {
    let mut remainder: u32 = 0;
    for c in bban.chars().chain(country.chars()).chain("00".chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return 0,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    98 - remainder
}

/// A provider code from the catalogue, another BIC-like text, or anything.
pub fn provider_text(u: &mut Unstructured<'_>) -> Result<String> {
    let text = match u.int_in_range(0..=3)? {
        0 | 1 => (*u.choose(&provider_codes())?).to_owned(),
        2 => {
            (*u.choose(&["habalv22", "TRELLV22", "ABC", "ABCDEFGHIJKL", "FIRSTDATA "])?).to_owned()
        }
        _ => u.arbitrary()?,
    };
    damage(u, text)
}

/// A URL within the demo contract's origins, outside them, or not a URL.
pub fn url_text(u: &mut Unstructured<'_>) -> Result<String> {
    let text = match u.int_in_range(0..=3)? {
        0 | 1 => {
            let origin = *u.choose(&[
                "https://tv-vraa.zzdats.lv",
                "https://latvija.lv",
                "http://127.0.0.1:8080",
                "https://evil.example",
                "javascript:",
                "//latvija.lv",
                "https://latvija.lv@evil.example",
            ])?;
            let path =
                *u.choose(&["/", "/EP21/", "/MMTests/S2S/?id=", "", "/%2e%2e/", "?a=b#c"])?;
            format!("{origin}{path}")
        }
        2 => format!("https://latvija.lv/{}", free_text(u)?),
        _ => u.arbitrary()?,
    };
    damage(u, text)
}

/// A `PaymentRequestInput` as a door could hand it over, biased towards what
/// the demo catalogue accepts: a real step, its positions, small quantities,
/// allowed URLs and providers.
pub fn request_input(u: &mut Unstructured<'_>) -> Result<PaymentRequestInput> {
    let steps = step_codes();
    let step = if u.ratio(9, 10)? {
        Some((*u.choose(&steps)?).to_owned())
    } else {
        Some(free_text(u)?)
    };
    let positions = position_codes(step.as_deref());
    let mut price_list = Vec::new();
    let count = if u.ratio(15, 16)? {
        u.int_in_range(1..=3)?
    } else {
        u.int_in_range(0..=40)?
    };
    for _ in 0..count {
        let position = if u.ratio(15, 16)? && !positions.is_empty() {
            Some((*u.choose(&positions)?).to_owned())
        } else {
            Some(free_text(u)?)
        };
        // An amount only where the catalogue allows one; sometimes anyway.
        let amount_allowed = demo_catalog().positions.iter().any(|p| {
            Some(&p.code) == position.as_ref() && Some(&p.step) == step.as_ref() && p.amount_allowed
        });
        let item_element_name = match u.int_in_range(0..=15)? {
            0..=5 => None,
            6..=10 => Some("Quantity"),
            11..=13 if amount_allowed => Some("Amount"),
            11..=13 => Some("Quantity"),
            14 => Some("amount"),
            _ => Some("Other"),
        };
        price_list.push(PriceListItemInput {
            position,
            item: if u.ratio(1, 32)? {
                None
            } else {
                Some(
                    usual(
                        u,
                        &["1", "2", "12.00", "4.56", "0.54", "0.01", "100", "999999"],
                        number_text,
                    )?
                    .unwrap_or_else(|| "3".to_owned()),
                )
            },
            item_element_name: item_element_name.map(str::to_owned),
        });
    }
    let client_info = if u.ratio(3, 4)? {
        Some(ClientInfoInput {
            client_name: usual(u, &["Paraudziņš", "SIA Ērglis"], free_text)?,
            client_first_name: usual(u, &["Ernests", "Anna-Marija"], free_text)?,
            client_code: usual(
                u,
                &["07018710513", "070187-10513", "40003278467"],
                client_code_text,
            )?,
            client_email: usual(u, &["e@p.lv"], free_text)?,
            client_phone: usual(u, &["26620000", "+371 26620000"], free_text)?,
            client_address: usual(u, &["Rātslaukums 1, LV-1050, Rīga"], free_text)?,
        })
    } else {
        None
    };
    let mut allowed_banks = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        if let Some(bank) = usual(u, &provider_codes(), provider_text)? {
            allowed_banks.push(bank);
        }
    }
    Ok(PaymentRequestInput {
        service_step: step,
        price_list,
        client_info,
        expiry_date: usual(u, &["2030-09-30T14:00:00+3:00", "2031-02-15"], date_text)?,
        invoice_issue_date: usual(u, &["2026-11-30", "2026-11-30T10:00:00Z"], date_text)?,
        no_invoice: u.arbitrary()?,
        parent_payment_request_id: if u.ratio(1, 10)? {
            Some(u.arbitrary()?)
        } else {
            None
        },
        payment_object: usual(u, &["DEM11 payment", "Nodeva „Ā“ & <b>"], free_text)?,
        response_url: usual(u, &["https://tv-vraa.zzdats.lv/MMTests/S2S/?id="], url_text)?,
        server_response_url: usual(
            u,
            &["https://tv-vraa.zzdats.lv/MMTests/S2S/ok1?id="],
            url_text,
        )?,
        return_redirect_url: usual(u, &["https://latvija.lv/EP21/"], url_text)?,
        swift_code: usual(u, &["DEMO0000", "HABALV22"], provider_text)?,
        allowed_banks,
    })
}

/// `None` a quarter of the time; else mostly one of `ordinary` (values the
/// demo catalogue's contract accepts, so that requests get through
/// validation), one time in sixteen a value from `make`.
pub fn usual(
    u: &mut Unstructured<'_>,
    ordinary: &[&str],
    make: impl FnOnce(&mut Unstructured<'_>) -> Result<String>,
) -> Result<Option<String>> {
    Ok(match u.int_in_range(0..=15)? {
        0..=3 => None,
        4..=14 => Some((*u.choose(ordinary)?).to_owned()),
        _ => Some(make(u)?),
    })
}

/// `None` a third of the time, else a value from `make`.
pub fn optional<T>(
    u: &mut Unstructured<'_>,
    make: impl FnOnce(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    if u.ratio(1, 3)? {
        Ok(None)
    } else {
        make(u).map(Some)
    }
}

/// Runs the domain's validation of a new request against the demo catalogue,
/// as `savepaymentrequest` does after reading the body; checks what it accepts.
pub fn validate(input: &PaymentRequestInput) -> Option<PaymentRequest> {
    let request = create_payment_request(
        input,
        &demo_client(),
        demo_catalog(),
        &CreationRules::default(),
        NOW,
        &mut CountingEntropy::default(),
    )
    .ok()?;
    check_accepted(&request);
    Some(request)
}

/// What must hold for every request the domain accepts.
pub fn check_accepted(request: &PaymentRequest) {
    let mut total: i64 = 0;
    for payment in &request.payments {
        let lines: i64 = payment.lines.iter().map(|l| l.amount.minor()).sum();
        assert_eq!(lines, payment.amount.minor(), "payment amount ≠ its lines");
        total += payment.amount.minor();
        assert!(
            payment.purpose.chars().count() <= CreationRules::default().purpose_max_length,
            "purpose longer than the limit: {:?}",
            payment.purpose
        );
    }
    assert_eq!(total, request.terms.total.minor(), "total ≠ its payments");
    // A date the hub accepted is a date it can print (issue 11 §1.2): in
    // answers, documents and notifications, as RFC 3339 / xs:dateTime.
    let dates = [
        Some(request.created_at),
        Some(request.terms.expires_at),
        request.terms.invoice_issue_date,
    ];
    for at in dates.into_iter().flatten() {
        assert!(
            at.format(&Rfc3339).is_ok(),
            "an accepted date cannot be printed as RFC 3339: {at}"
        );
    }
}

/// A JSON value of a scalar type, or a wrong type where a scalar belongs.
pub fn json_scalar(
    u: &mut Unstructured<'_>,
    text: impl FnOnce(&mut Unstructured<'_>) -> Result<String>,
) -> Result<Value> {
    Ok(match u.int_in_range(0..=15)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Array(vec![Value::String(text(u)?)]),
        3 => Value::Object(Map::new()),
        4 | 5 => {
            // A number written without quotes, as PHP clients do: kept when it
            // is a JSON number, else sent as a string.
            let t = text(u)?;
            match t.parse::<serde_json::Number>() {
                Ok(n) => Value::Number(n),
                Err(_) => Value::String(t),
            }
        }
        _ => Value::String(text(u)?),
    })
}

/// What a target is fed: how raw bytes read, and how a structured value is built.
pub trait Shape {
    type Value: fmt::Debug;
    fn raw(bytes: &[u8]) -> Self::Value;
    fn shaped(u: &mut Unstructured<'_>) -> Result<Self::Value>;
}

/// The convention of every target's input: four leading `0xFF` bytes select
/// [`Shape::raw`] with the rest of the bytes (how plain-text seeds are fed),
/// anything else builds a structured value with [`Shape::shaped`].
pub struct Input<S: Shape>(pub S::Value);

impl<'a, S: Shape> Arbitrary<'a> for Input<S> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let bytes: &[u8] = u.arbitrary()?;
        Self::arbitrary_take_rest(Unstructured::new(bytes))
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> Result<Self> {
        let selector: u32 = u.arbitrary()?;
        if selector == u32::MAX {
            Ok(Input(S::raw(u.take_rest())))
        } else {
            S::shaped(&mut u).map(Input)
        }
    }
}

impl<S: Shape> fmt::Debug for Input<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Raw bytes as text (invalid UTF-8 replaced).
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A date or date-time text: [`date_text`], or raw.
pub struct Date;

impl Shape for Date {
    type Value = String;
    fn raw(bytes: &[u8]) -> String {
        lossy(bytes)
    }
    fn shaped(u: &mut Unstructured<'_>) -> Result<String> {
        date_text(u)
    }
}

/// A message body, printed as text in crash reports.
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// A REST body: [`json::body`], or raw bytes.
pub struct JsonBody;

impl Shape for JsonBody {
    type Value = Bytes;
    fn raw(bytes: &[u8]) -> Bytes {
        Bytes(bytes.to_vec())
    }
    fn shaped(u: &mut Unstructured<'_>) -> Result<Bytes> {
        json::body(u).map(Bytes)
    }
}

/// A SOAP message: [`envelope::envelope`], or raw bytes.
pub struct Envelope;

impl Shape for Envelope {
    type Value = Bytes;
    fn raw(bytes: &[u8]) -> Bytes {
        Bytes(bytes.to_vec())
    }
    fn shaped(u: &mut Unstructured<'_>) -> Result<Bytes> {
        envelope::envelope(u).map(Bytes)
    }
}
