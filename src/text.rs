//! Text from outside skewsim on its way to a terminal: one escaping rule and
//! one cap for everything that was not written by skewsim itself (vector
//! files' ids, comments and names, adapters' and tools' answers, baseline
//! entries, paths).
//!
//! The rule: a character that is not printable (a control character such as
//! the escape that starts a terminal sequence, a newline, a line or
//! paragraph separator, a bidirectional override or another format
//! character, a combining mark) is written as Rust writes it in a string
//! literal (`\u{1b}`, `\n`, `\u{202e}`), and so is the backslash, so that an
//! escape made by this rule cannot be told apart from text that only looked
//! like one. Quotes stay as they are (they neither end a line nor move the
//! cursor, and comments are full of apostrophes); [`quoted`] escapes its own
//! delimiter. No text can then clear the screen, retitle the window or begin
//! a second line that forges `error: …` or a verdict.
//!
//! The cap: at most [`MAX_CHARS`] characters of escaped text, then a marker
//! that says how many characters of the original were left out, so that a
//! 50 MB id is one short line.
//!
//! ```
//! use skewsim::text::printable;
//!
//! assert_eq!(printable("a\u{1b}[2J\nerror: forged"), "a\\u{1b}[2J\\nerror: forged");
//! assert_eq!(printable("it's \"fine\""), "it's \"fine\"");
//! assert!(printable(&"x".repeat(1000)).ends_with("… (700 more characters)"));
//! ```

use std::path::Path;

/// The most characters of escaped text [`printable`] gives before its
/// marker: room for an id, a comment or a path on one line, and far below
/// what could flood a terminal.
pub const MAX_CHARS: usize = 300;

/// `c` as the rule writes it, appended to `out`: itself, or its escape.
fn push_escaped(out: &mut String, c: char, escape_backslash: bool) {
    match c {
        '\'' | '"' => out.push(c),
        '\\' if !escape_backslash => out.push(c),
        _ => out.extend(c.escape_debug()),
    }
}

/// `text` escaped by the rule and cut at [`MAX_CHARS`] characters.
pub fn printable(text: &str) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut piece = String::new();
    for (at, c) in text.char_indices() {
        piece.clear();
        push_escaped(&mut piece, c, true);
        // Escapes are ASCII; an unescaped character is one.
        let width = piece.chars().count();
        if shown + width > MAX_CHARS {
            let left = text[at..].chars().count();
            out.push_str(&format!("… ({left} more characters)"));
            return out;
        }
        out.push_str(&piece);
        shown += width;
    }
    out
}

/// [`printable`] in double quotes, a double quote inside escaped as `\"`.
///
/// ```
/// assert_eq!(skewsim::text::quoted("a\"b\n"), "\"a\\\"b\\n\"");
/// ```
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", printable(text).replace('"', "\\\""))
}

/// A path as [`printable`] text (a name that is not UTF-8 shows its
/// replacement characters).
pub fn path(path: &Path) -> String {
    printable(&path.to_string_lossy())
}

/// A message made of skewsim's words and pieces already made
/// [`printable`], as one line: any character that is not printable is
/// escaped, backslashes are left as they are (the pieces' escapes stay
/// single), and nothing is cut (the pieces are). The last guard before an
/// `error:` line is printed.
///
/// ```
/// assert_eq!(skewsim::text::line("bad \\u{1b} value\nforged"), "bad \\u{1b} value\\nforged");
/// ```
pub fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c, false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_and_line_breaks_are_escaped() {
        let hostile =
            "id\u{1b}[2J\u{1b}]0;pwned\u{7}\nerror: forged\r\u{2028}\u{202e}\u{9b}\u{200b}";
        let shown = printable(hostile);
        assert!(shown.chars().all(|c| !c.is_control()), "{shown:?}");
        assert_eq!(
            shown,
            "id\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nerror: forged\\r\\u{2028}\\u{202e}\\u{9b}\\u{200b}"
        );
        assert_eq!(line(hostile), shown);
    }

    #[test]
    fn a_backslash_is_escaped_so_escapes_are_unambiguous() {
        assert_eq!(printable("\\u{1b}"), "\\\\u{1b}");
        assert_eq!(line("\\u{1b}"), "\\u{1b}");
    }

    #[test]
    fn long_text_is_cut_at_the_cap_with_what_was_left_out() {
        let id = "é".repeat(50_000);
        let shown = printable(&id);
        assert_eq!(
            shown,
            format!("{}… (49700 more characters)", "é".repeat(MAX_CHARS))
        );
        // Escapes count as what they print: the cap bounds the line.
        let escapes = "\u{1b}".repeat(1000);
        let shown = printable(&escapes);
        assert!(shown.chars().count() < MAX_CHARS + 30, "{shown}");
        assert!(shown.ends_with("… (950 more characters)"), "{shown}");
        // Text at the cap is whole.
        assert_eq!(printable(&"x".repeat(MAX_CHARS)), "x".repeat(MAX_CHARS));
    }

    #[test]
    fn quotes_stay_unless_they_delimit() {
        assert_eq!(printable("it's \"x\""), "it's \"x\"");
        assert_eq!(quoted("it's \"x\""), "\"it's \\\"x\\\"\"");
    }

    #[test]
    fn a_path_is_printable_text() {
        assert_eq!(path(Path::new("/tmp/a\nb")), "/tmp/a\\nb");
    }
}
