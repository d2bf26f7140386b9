//! Bounding what the hub repeats back. Error messages quote the caller's input
//! so the caller can see what was wrong; a quoted value is cut so that a
//! 400 KB field cannot become a 400 KB header (proxies and clients refuse
//! header lines of that size) or a 400 KB log line.

use std::borrow::Cow;

/// The most characters of one input value an answer repeats.
pub const ECHO_MAX_CHARS: usize = 200;

/// `text` as an answer may quote it: at most [`ECHO_MAX_CHARS`] characters,
/// a longer text cut and marked with how long it was (`…… (cut: 400000
/// characters)`), so the caller sees both what it sent and that it was cut.
pub fn echo(text: &str) -> Cow<'_, str> {
    bounded(text, ECHO_MAX_CHARS)
}

/// `text` cut to at most `max_chars` characters, then `… (cut: N characters)`
/// with its whole length when it is longer. Cuts on a character boundary,
/// never inside a multi-byte character.
pub fn bounded(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let kept = text.get(..cut).unwrap_or_default();
            let total = text.chars().count();
            Cow::Owned(format!("{kept}{CUT_MARK}{total} characters)"))
        }
    }
}

/// A message as an answer may carry it. Messages quote the values they refuse
/// in backquotes (``ServiceStep: `…` is not a service step``): each quoted
/// value is cut as [`echo`] cuts it (unless it already was), then the whole to
/// `max_chars` (a value with backquotes of its own ends up cut there).
pub fn bounded_message(message: &str, max_chars: usize) -> String {
    let quoted_bounded: Vec<Cow<'_, str>> = message
        .split('`')
        .enumerate()
        .map(|(index, piece)| {
            if index % 2 == 1 && !is_cut(piece) {
                echo(piece)
            } else {
                Cow::Borrowed(piece)
            }
        })
        .collect();
    bounded(&quoted_bounded.join("`"), max_chars).into_owned()
}

/// What [`bounded`] puts after the part it keeps.
pub const CUT_MARK: &str = "… (cut: ";

/// Whether `text` already went through [`bounded`] (and so is not cut twice).
pub fn is_cut(text: &str) -> bool {
    text.rsplit_once(CUT_MARK)
        .and_then(|(_, tail)| tail.strip_suffix(" characters)"))
        .is_some_and(|count| !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()))
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
        assert_eq!(
            cut,
            format!("{}… (cut: 400000 characters)", "ē".repeat(ECHO_MAX_CHARS))
        );
        assert!(is_cut(&cut));
        assert_eq!(bounded("abcdef", 3), "abc… (cut: 6 characters)");
        assert_eq!(bounded("abc", 0), "… (cut: 3 characters)");
        assert_eq!(bounded("", 0), "");
        assert!(!is_cut("abc"));
        let message = format!("step `{}` and `{}` refused", "s".repeat(300), echo(&long));
        assert_eq!(
            bounded_message(&message, 2_000),
            format!(
                "step `{}… (cut: 300 characters)` and `{cut}` refused",
                "s".repeat(ECHO_MAX_CHARS)
            )
        );
        assert!(bounded_message(&"`x".repeat(5_000), 100).ends_with("… (cut: 10000 characters)"));
        assert!(!is_cut("a… (cut:  characters)"));
    }
}
