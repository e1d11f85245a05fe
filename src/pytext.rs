//! Python's string semantics where files and messages must match the
//! reference byte for byte: `str.isspace` / `strip`, `splitlines`, `repr`,
//! and `Path.read_text` (strict UTF-8 with universal newlines).

use std::path::Path;

/// `str.isspace()` for one character: Rust's `White_Space` plus the four
/// information separators `\x1c`–`\x1f`, which Python also counts.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `str.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `str.splitlines()`: splits on `\n`, `\r`, `\r\n`, `\v`, `\f`, `\x1c`,
/// `\x1d`, `\x1e`, `\x85`, `\u2028` and `\u2029`; no empty last piece.
pub fn splitlines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let brk = matches!(c, '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}');
        if !brk {
            continue;
        }
        out.push(&s[start..i]);
        let mut end = i + c.len_utf8();
        if c == '\r' {
            if let Some((j, '\n')) = it.peek().copied() {
                it.next();
                end = j + 1;
            }
        }
        start = end;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Text-mode newline translation (`newline=None`): `\r\n` and a lone `\r`
/// both become `\n`.
pub fn universal_newlines(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_string();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadTextError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not valid UTF-8")]
    NotUtf8,
}

/// `Path.read_text(encoding="utf-8")`: strict UTF-8 (a BOM is kept as
/// `\u{feff}`), newlines translated.
pub fn read_text(path: &Path) -> Result<String, ReadTextError> {
    let bytes = std::fs::read(path)?;
    let s = String::from_utf8(bytes).map_err(|_| ReadTextError::NotUtf8)?;
    Ok(universal_newlines(&s))
}

/// `str.isprintable()` for one character: everything but the "Other"
/// (Cc, Cf, Cs, Co, Cn) and "Separator" (Zl, Zp, Zs) categories, with the
/// ASCII space printable.
pub fn is_printable(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    if c == ' ' {
        return true;
    }
    !matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::SpaceSeparator
    )
}

/// `repr(str)`: single quotes unless the text has `'` and no `"`; `\\`,
/// the quote, `\t`, `\n`, `\r` escaped; other unprintable characters as
/// `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x7f && (c as u32) >= 0x20 => out.push(c),
            c if (c as u32) < 0x100 && !is_printable(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// The value of a Unicode decimal digit (`\d` in a Python pattern, which
/// `int()` accepts), by its position in its block: decimal digits are
/// always encoded as runs of ten, 0 to 9, and adjacent runs start at 0.
pub fn decimal_digit_value(c: char) -> Option<u32> {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    if c.is_ascii_digit() {
        return Some(c as u32 - '0' as u32);
    }
    if get_general_category(c) != G::DecimalNumber {
        return None;
    }
    let mut start = c as u32;
    while start > 0 {
        match char::from_u32(start - 1) {
            Some(p) if get_general_category(p) == G::DecimalNumber => start -= 1,
            _ => break,
        }
    }
    Some((c as u32 - start) % 10)
}

/// `int(s)` for a run of Unicode decimal digits.
pub fn parse_decimal(s: &str) -> Option<u64> {
    let mut v: u64 = 0;
    for c in s.chars() {
        v = v.checked_mul(10)?.checked_add(decimal_digit_value(c)? as u64)?;
    }
    (!s.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_whitespace_and_lines() {
        assert_eq!(strip("\x1c a \u{a0}\t"), "a");
        assert_eq!(splitlines("a\r\nb\rc\nd\x0be\u{2028}f\n"), vec!["a", "b", "c", "d", "e", "f"]);
        assert_eq!(splitlines("a\n\nb"), vec!["a", "", "b"]);
        assert!(splitlines("").is_empty());
        assert_eq!(universal_newlines("a\r\nb\rc"), "a\nb\nc");
    }

    #[test]
    fn python_repr() {
        assert_eq!(repr("approved"), "'approved'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(repr("a\tb\\c"), "'a\\tb\\\\c'");
        assert_eq!(repr("nb\u{a0}sp zw\u{200b} ✓ é \x7f"), "'nb\\xa0sp zw\\u200b ✓ é \\x7f'");
        assert_eq!(repr("\u{10ffff}"), "'\\U0010ffff'");
    }

    #[test]
    fn unicode_digits() {
        assert_eq!(parse_decimal("42"), Some(42));
        assert_eq!(parse_decimal("\u{0664}\u{0662}"), Some(42)); // Arabic-Indic
        assert_eq!(parse_decimal("\u{1D7D0}"), Some(2)); // mathematical bold digit two
        assert_eq!(parse_decimal("4a"), None);
    }
}
