//! First Data ECOMM on the hub's side (`crates/providers/src/firstdata`): the
//! bounded `KEY: value` reader of the acquirer's answers, and the readers of
//! the answers to `v` (registration), `c` (status, and its mapping to an
//! outcome), `r` (reversal) and `b` (day close) on top of it. Answers are
//! built from the real keys and the acquirer's words, then damaged; raw
//! bytes reach the same readers. Nothing may panic, and what is believed
//! must obey the bounds: a registered id is a transaction id, a status's
//! card number is masked, an executed payment has an approval code.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_app::providers::EVIDENCE_CHARS;
use maksa_domain::attempt::Outcome;
use maksa_fuzz::{Bytes, Input, Shape, damage, free_text, number_text};
use maksa_providers::firstdata::keyvalue::{Answer, AnswerError, MAX_KEY, MAX_LINES, MAX_VALUE};
use maksa_providers::firstdata::{
    self, approved_code, masked_card_number, read_day_totals, read_registration, read_reversal,
    read_status, status_outcome, valid_trans_id,
};

const KEYS: &[&str] = &[
    "TRANSACTION_ID",
    "RESULT",
    "RESULT_CODE",
    "3DSECURE",
    "RRN",
    "APPROVAL_CODE",
    "CARD_NUMBER",
    "FLD_074",
    "FLD_075",
    "FLD_076",
    "FLD_077",
    "FLD_086",
    "FLD_087",
    "FLD_088",
    "FLD_089",
    "error",
    "result",
    "RECC_PMNT_ID",
];

fn value(u: &mut Unstructured<'_>, key: &str) -> Result<String> {
    let words: &[&str] = match key {
        "TRANSACTION_ID" => &["7Q9cDfpSXp3uIv0bhHPVlCBLJtQ=", "a+b/c=", "a b", "", "ā"],
        "RESULT" => &[
            "OK",
            "FAILED",
            "CREATED",
            "PENDING",
            "DECLINED",
            "REVERSED",
            "AUTOREVERSED",
            "TIMEOUT",
            "ok",
            "NEW_WORD",
        ],
        "RESULT_CODE" => &["000", "007", "008", "116", "129", "400", "500", "0", "abc"],
        "3DSECURE" => &[
            "AUTHENTICATED",
            "DECLINED",
            "NOTPARTICIPATED",
            "ATTEMPTED",
            "x",
        ],
        "CARD_NUMBER" => &[
            "4***********0013",
            "411111******1111",
            "4111111111111111",
            "XXXXXXXXXXXX1111",
            "4***0013",
        ],
        _ => &[],
    };
    Ok(match u.int_in_range(0..=3)? {
        0 if !words.is_empty() => (*u.choose(words)?).to_owned(),
        1 => number_text(u)?,
        2 => {
            let text = free_text(u)?;
            damage(u, text)?
        }
        _ => u.int_in_range(0u64..=99_999_999_999)?.to_string(),
    })
}

#[derive(Debug)]
enum Case {
    Raw(Bytes),
    Built(Vec<u8>),
}

impl Shape for Case {
    type Value = Case;

    fn raw(bytes: &[u8]) -> Case {
        Case::Raw(Bytes(bytes.to_vec()))
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<Case> {
        let mut text = String::new();
        for _ in 0..u.int_in_range(0..=12)? {
            let key = (*u.choose(KEYS)?).to_owned();
            let value = value(u, &key)?;
            let separator = *u.choose(&[": ", ":", " : ", ":\t", " "])?;
            let end = *u.choose(&["\n", "\r\n", "\n\n", ""])?;
            text.push_str(&format!("{key}{separator}{value}{end}"));
        }
        let mut body = if u.ratio(1, 8)? {
            damage(u, text)?.into_bytes()
        } else {
            text.into_bytes()
        };
        if u.ratio(1, 16)? && !body.is_empty() {
            let at = u.choose_index(body.len())?;
            if let Some(b) = body.get_mut(at) {
                *b = u.arbitrary()?;
            }
        }
        Ok(Case::Built(body))
    }
}

fuzz_target!(|case: Input<Case>| {
    let body = match case.0 {
        Case::Raw(Bytes(bytes)) | Case::Built(bytes) => bytes,
    };
    match Answer::parse(&body) {
        Ok(answer) => {
            assert!(answer.fields().len() <= MAX_LINES);
            for (i, (key, value)) in answer.fields().iter().enumerate() {
                assert!(firstdata::keyvalue::valid_key(key) && key.len() <= MAX_KEY);
                assert!(value.len() <= MAX_VALUE);
                assert_eq!(value.trim(), value);
                assert!(!value.chars().any(char::is_control));
                assert!(
                    !answer.fields().iter().skip(i + 1).any(|(k, _)| k == key),
                    "{key} twice"
                );
            }
        }
        Err(AnswerError::Acquirer(text)) => {
            assert!(text.chars().count() <= firstdata::keyvalue::ERROR_CHARS);
            assert!(!text.chars().any(char::is_control));
        }
        Err(AnswerError::Malformed(_)) => {}
    }
    if let Ok(id) = read_registration(&body) {
        assert!(valid_trans_id(&id), "{id}");
    }
    if let Ok(status) = read_status(&body) {
        if let Some(card) = &status.card_number {
            assert!(masked_card_number(card), "{card} was believed");
        }
        assert!(status.evidence().chars().count() <= EVIDENCE_CHARS);
        if let Ok(Some(Outcome::Executed)) = status_outcome(&status) {
            assert_eq!(status.result, "OK");
            assert!(status.result_code.as_deref().is_some_and(approved_code));
        }
    }
    let _ = read_reversal(&body);
    if let Ok(totals) = read_day_totals(&body) {
        assert!(totals.debit_amount >= 0 && totals.reversal_amount >= 0);
    }
});
