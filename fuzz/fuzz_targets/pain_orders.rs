//! The Treasury simulator's pain.001 reader
//! (`maksa_ekase::pain_orders::read_pain001`): payment order documents from
//! the seeds with a few bytes changed, inserted or cut, and raw bytes.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_ekase::pain_orders::{MAX_TRANSFERS, read_pain001};

const ORDERS: &[&[u8]] = &[
    include_bytes!("../corpus/pain_orders/pain001-v03-one.xml"),
    include_bytes!("../corpus/pain_orders/pain001-v09-two-prefixed.xml"),
];

fn document(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    if u.ratio(1, 4)? {
        return Ok(u.arbitrary::<Vec<u8>>()?);
    }
    let mut bytes = u.choose(ORDERS)?.to_vec();
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
                    b"<!DOCTYPE d>",
                    b"<CdtTrfTxInf>",
                    b"</CdtTrfTxInf>",
                    b"<InstdAmt Ccy=\"EUR\">1.005</InstdAmt>",
                    b"<EndToEndId></EndToEndId>",
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
    if let Ok(orders) = read_pain001(&bytes) {
        // What the simulator executes is whole: an id, a positive amount, a creditor.
        assert!(!orders.transfers.is_empty() && orders.transfers.len() <= MAX_TRANSFERS);
        for transfer in &orders.transfers {
            assert!(!transfer.end_to_end_id.is_empty());
            assert!(transfer.amount.minor() > 0);
        }
    }
});
