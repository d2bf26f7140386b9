//! Finding the hub's 34-character payment identifier in what a payer's bank
//! wrote as the remittance information: `MK`, the date `YYYYMMDD`, then 24
//! characters `0-9A-Z`. Banks cut long remittance texts into several
//! `Ustrd` lines (140 characters each, sometimes far fewer) and some insert
//! spaces or line breaks, so the lines are joined and whitespace inside a
//! candidate is skipped; letters are compared in upper case.

use maksa_domain::ids::PurposeId;

/// Every identifier in `lines` (joined in order), each once, in the order
/// found. An identifier is `MK` + 32 characters of `0-9A-Z` where the first
/// eight are digits; whitespace between its characters is ignored, any other
/// character ends it.
pub fn purpose_ids<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<PurposeId> {
    // Whitespace anywhere is dropped; every other character is kept, so a
    // punctuation mark still separates two identifiers.
    let compact: Vec<char> = lines
        .into_iter()
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut found: Vec<PurposeId> = Vec::new();
    let mut start = 0;
    while let Some(window) = compact.get(start..) {
        let Some(offset) = window
            .windows(2)
            .position(|pair| pair.first() == Some(&'M') && pair.get(1) == Some(&'K'))
        else {
            break;
        };
        let at = start.saturating_add(offset);
        let candidate: String = compact.iter().skip(at).take(PurposeId::LENGTH).collect();
        if is_identifier(&candidate)
            && let Ok(id) = PurposeId::try_from(candidate)
        {
            if !found.contains(&id) {
                found.push(id);
            }
            start = at.saturating_add(PurposeId::LENGTH);
        } else {
            start = at.saturating_add(1);
        }
    }
    found
}

fn is_identifier(candidate: &str) -> bool {
    candidate.chars().count() == PurposeId::LENGTH
        && candidate.starts_with("MK")
        && candidate
            .chars()
            .skip(2)
            .take(8)
            .all(|c| c.is_ascii_digit())
        && candidate
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "MK202611300Q3Q3UGNCRZF37G3DCBPCV4P";

    fn ids(lines: &[&str]) -> Vec<String> {
        purpose_ids(lines.iter().copied())
            .into_iter()
            .map(|id| id.as_str().to_owned())
            .collect()
    }

    #[test]
    fn an_identifier_is_found_whole_split_spaced_or_in_lower_case() {
        assert_eq!(ids(&[&format!("{ID} Valsts nodeva")]), [ID]);
        assert_eq!(ids(&["MK202611300Q3Q3UGN", "CRZF37G3DCBPCV4P DEM11"]), [ID]);
        assert_eq!(
            ids(&["Maksājums MK2026 1130 0Q3Q3UGN\nCRZF37G3DCBPCV4P"]),
            [ID]
        );
        assert_eq!(ids(&[&ID.to_ascii_lowercase()]), [ID]);
    }

    #[test]
    fn several_identifiers_each_once_and_near_misses_none() {
        let other = "MK20261201000000000000000000000001";
        assert_eq!(ids(&[&format!("{ID}, {other}; {ID}")]), [ID, other]);
        assert!(ids(&["MK2026113"]).is_empty());
        assert!(ids(&["MKX02611300Q3Q3UGNCRZF37G3DCBPCV4P"]).is_empty());
        assert!(ids(&["MK202611300Q3Q3UGNCRZF37G3DCBPCV4"]).is_empty());
        assert!(ids(&["MK202611300Q3Q3UGN-CRZF37G3DCBPCV4P"]).is_empty());
        assert!(ids(&["", "ĀŽ MK MKMK"]).is_empty());
    }
}
