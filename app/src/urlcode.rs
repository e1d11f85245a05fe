//! URL and form coding, for both sides: the browser builds query strings
//! with [`encode_component`]; the server reads urlencoded form bodies with
//! [`form_field`] (the perimeter's token field, the plain HTML forms).
//!
//! Built on `form_urlencoded` and `percent-encoding` (rust-url's, no_std,
//! wasm-friendly). The rules:
//!
//! * decoding (`application/x-www-form-urlencoded`): `+` is a space, `%XX`
//!   a byte, an invalid or cut-off escape stays literally, and the bytes are
//!   decoded as UTF-8 lossily (invalid sequences become U+FFFD);
//! * encoding: every byte but `A–Z a–z 0–9 - _ . ~` becomes `%XX` with
//!   uppercase hex (a space is `%20`, never `+`), so the result is safe in
//!   a query value, a path segment or a fragment.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// What [`encode_component`] escapes: everything but RFC 3986's
/// unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes a query value (or path segment).
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

/// The first value of `name` in an `application/x-www-form-urlencoded`
/// body (possibly empty); names are compared after
/// decoding, and a pair without `=` has the value `""`.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields() {
        assert_eq!(form_field(b"a=1&attune_client=x%2Dy+z&b=2", "attune_client").as_deref(), Some("x-y z"));
        assert_eq!(form_field(b"a=1", "attune_client"), None);
        assert_eq!(decode_form_value(b"%zz%4"), "%zz%4");
        assert_eq!(decode_form_value(b"%E2%80%94"), "—");
    }

    #[test]
    fn form_field_edges() {
        assert_eq!(form_field(b"&&k&k=2", "k").as_deref(), Some(""));
        assert_eq!(form_field(b"a%5Fb=1", "a_b").as_deref(), Some("1"));
        assert_eq!(form_field(b"k=a=b", "k").as_deref(), Some("a=b"));
        assert_eq!(form_field(b"k=%2B+", "k").as_deref(), Some("+ "));
        assert_eq!(form_field(b"k=%ff", "k").as_deref(), Some("\u{fffd}"));
        assert_eq!(form_field(b"", "k"), None);
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_component("a b/c?d=e&f#g"), "a%20b%2Fc%3Fd%3De%26f%23g");
        assert_eq!(encode_component("Az09-_.~"), "Az09-_.~");
        assert_eq!(encode_component("invalid path: 'x' (—)"), "invalid%20path%3A%20%27x%27%20%28%E2%80%94%29");
        assert_eq!(encode_component(""), "");
    }

    /// One value as [`form_field`] decodes it.
    fn decode_form_value(s: &[u8]) -> String {
        let plus: Vec<u8> = s.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        percent_encoding::percent_decode(&plus).decode_utf8_lossy().into_owned()
    }

    /// The hand-written coders these replaced, kept to show the crates
    /// answer byte for byte the same.
    fn old_percent_decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (hex(s[i + 1]), hex(s[i + 2])) {
                        (Some(a), Some(b)) => {
                            out.push((a * 16 + b) as u8);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn old_form_field(body: &[u8], name: &str) -> Option<String> {
        for pair in body.split(|&b| b == b'&') {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let k = it.next().unwrap_or_default();
            let v = it.next().unwrap_or_default();
            if old_percent_decode(k) == name {
                return Some(old_percent_decode(v));
            }
        }
        None
    }

    fn old_encode_component(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    /// Every string of up to five bytes over an alphabet that exercises
    /// escapes, cut-off escapes, `+`, separators and invalid UTF-8.
    fn inputs() -> Vec<Vec<u8>> {
        const ALPHABET: &[u8] = b"%+&=k4Ez\xff\xe2";
        let mut all = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..5 {
            let next: Vec<Vec<u8>> =
                last.iter().flat_map(|p: &Vec<u8>| ALPHABET.iter().map(move |&c| [p.as_slice(), &[c]].concat())).collect();
            all.extend(next.iter().cloned());
            last = next;
        }
        all
    }

    #[test]
    fn same_as_the_hand_written_coders() {
        for s in inputs() {
            assert_eq!(decode_form_value(&s), old_percent_decode(&s), "{s:?}");
            for name in ["k", "k4", " ", "=k"] {
                let body = [b"a=1&".as_slice(), &s].concat();
                assert_eq!(form_field(&body, name), old_form_field(&body, name), "{body:?} {name:?}");
            }
            let text = String::from_utf8_lossy(&s);
            assert_eq!(encode_component(&text), old_encode_component(&text), "{text:?}");
        }
        for text in ["", " ", "ünï €😀", "\u{0}\u{7f}", "/specs?q=a b#x"] {
            assert_eq!(encode_component(text), old_encode_component(text));
        }
    }
}
