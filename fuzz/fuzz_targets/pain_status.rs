//! The Treasury's payment status report reader
//! (`maksa_treasury::pain_status::read_pain002`): pain.002 documents from the
//! test reports (`crates/treasury/tests/status/`) with a few bytes changed,
//! inserted or cut, and raw bytes as they are.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_treasury::pain_status::{MAX_TRANSACTIONS, read_pain002};

const REPORTS: &[&[u8]] = &[
    include_bytes!("../../crates/treasury/tests/status/pain002-v10-partly-rejected.xml"),
    include_bytes!("../../crates/treasury/tests/status/pain002-v03-prefixed.xml"),
];

fn document(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    if u.ratio(1, 4)? {
        return Ok(u.arbitrary::<Vec<u8>>()?);
    }
    let mut bytes = u.choose(REPORTS)?.to_vec();
    for _ in 0..u.int_in_range(0..=6)? {
        if bytes.is_empty() {
            break;
        }
        let at = u.choose_index(bytes.len())?;
        match u.int_in_range(0..=3)? {
            0 => bytes[at] = u.arbitrary()?,
            1 => bytes.insert(at, u.arbitrary()?),
            2 => {
                bytes.remove(at);
            }
            _ => {
                let piece: &[u8] = u.choose(&[
                    b"&amp;".as_slice(),
                    b"&x;",
                    b"<![CDATA[E2E]]>",
                    b"<TxInfAndSts>",
                    b"</TxInfAndSts>",
                    b"<OrgnlEndToEndId></OrgnlEndToEndId>",
                    b"<TxSts>RJCT</TxSts>",
                    b"\n",
                ])?;
                bytes.splice(at..at, piece.iter().copied());
            }
        }
    }
    Ok(bytes)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(bytes) = document(&mut u) else {
        return;
    };
    match read_pain002(bytes.as_slice()) {
        Ok(report) => {
            assert!(report.transactions.len() <= MAX_TRANSACTIONS);
            for transaction in &report.transactions {
                // Every status says which payment it is about, and what happened.
                assert!(!transaction.original_end_to_end_id.is_empty());
                assert!(!transaction.status.is_empty());
            }
        }
        Err(error) => {
            // A refusal names where: a line within the document.
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            assert!(error.line >= 1 && error.line <= lines + 1, "{error}");
        }
    }
});
