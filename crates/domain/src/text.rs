//! Bounding what the hub repeats back. Error messages quote the caller's input
//! so the caller can see what was wrong; a quoted value is cut so that a
//! 400 KB field cannot become a 400 KB header (proxies and clients refuse
//! header lines of that size) or a 400 KB log line.

use std::borrow::Cow;

/// The most characters of one input value an answer repeats.
pub const ECHO_MAX_CHARS: usize = 200;

/// `text` as an answer may quote it: at most [`ECHO_MAX_CHARS`] characters,
/// a longer text cut and marked with `…`.
pub fn echo(text: &str) -> Cow<'_, str> {
    bounded(text, ECHO_MAX_CHARS)
}

/// `text` cut to at most `max_chars` characters plus `…` when it is longer.
/// Cuts on a character boundary, never inside a multi-byte character.
pub fn bounded(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let kept = text.get(..cut).unwrap_or_default();
            Cow::Owned(format!("{kept}…"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_as_it_is() {
        assert_eq!(echo("03G10"), "03G10");
        let exact = "ā".repeat(ECHO_MAX_CHARS);
        assert_eq!(echo(&exact), exact.as_str());
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_and_marked() {
        let long = "ē".repeat(400_000);
        let cut = echo(&long);
        assert_eq!(cut.chars().count(), ECHO_MAX_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert!(cut.starts_with("ēē"));
        assert_eq!(bounded("abcdef", 3), "abc…");
        assert_eq!(bounded("abc", 0), "…");
        assert_eq!(bounded("", 0), "");
    }
}
