//! The Treasury's statement reader (`maksa_treasury::camt`): ISO 20022
//! camt.052/053/054 read as a stream, and the payment identifiers found in
//! each entry's remittance lines. Inputs start from the test statements
//! (`crates/treasury/tests/statements/`, written the way banks and
//! accounting programs write them) with a few bytes changed, inserted or cut;
//! raw bytes go in as they are.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_treasury::camt;
use maksa_treasury::remittance::purpose_ids;

const STATEMENTS: &[&[u8]] = &[
    include_bytes!("../../crates/treasury/tests/statements/camt053-two-statements.xml"),
    include_bytes!("../../crates/treasury/tests/statements/camt052-intraday.xml"),
    include_bytes!("../../crates/treasury/tests/statements/camt054-notification.xml"),
    include_bytes!("../../crates/treasury/tests/statements/camt053-v08-prefixed.xml"),
];

fn document(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    if u.ratio(1, 4)? {
        return Ok(u.arbitrary::<Vec<u8>>()?);
    }
    let mut bytes = u.choose(STATEMENTS)?.to_vec();
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
                    b"<![CDATA[MK]]>",
                    b"<Ntry>",
                    b"</Ntry>",
                    b"<Ustrd>MK2026",
                    b"12.345",
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
    let mut seen = 0u64;
    let result = camt::read_entries(bytes.as_slice(), |entry| {
        seen += 1;
        for id in purpose_ids(entry.remittance_lines()) {
            assert_eq!(id.as_str().len(), 34);
        }
        assert!(entry.details.len() <= camt::MAX_DETAILS);
        Ok::<(), std::io::Error>(())
    });
    match result {
        Ok(summary) => assert_eq!(summary.entries, seen),
        Err(camt::ReadError::Document(error)) => {
            // An error names where: a line within the document.
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            assert!(error.line >= 1 && error.line <= lines + 1, "{error}");
        }
        Err(camt::ReadError::Caller(_)) => unreachable!("the callback never fails"),
    }
});
