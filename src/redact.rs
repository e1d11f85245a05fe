//! Secret redaction for session text shown in the dashboard.
//!
//! The reference's classes (`attune.ops.session_redaction`), in its order:
//! API-key shapes (Anthropic, OpenAI-style, GitHub, Slack, AWS, bearer
//! tokens) → credential assignments (`password=…`, `token: …`; only the
//! value is replaced) → user-home paths → e-mail addresses → IPv4
//! addresses. Placeholders are the reference's.

use std::sync::OnceLock;

use regex::{Captures, Regex};

pub const PLACEHOLDER: &str = "<redacted>";
pub const PLACEHOLDER_HOME: &str = "<user-home>";
pub const PLACEHOLDER_EMAIL: &str = "<redacted-email>";
pub const PLACEHOLDER_IP: &str = "<redacted-ip>";

/// Addresses that are never redacted (commit trailers are everywhere in
/// sessions and identify no one).
const EMAIL_ALLOWLIST: [&str; 1] = ["noreply@anthropic.com"];

struct Patterns {
    keys: Vec<Regex>,
    context: Regex,
    homes: Vec<Regex>,
    email: Regex,
    ipv4: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("redaction patterns are valid");
        Patterns {
            keys: [
                r"sk-ant-[A-Za-z0-9_\-]{20,}",
                r"sk-[A-Za-z0-9]{20,}",
                r"ghp_[A-Za-z0-9]{36}",
                r"gho_[A-Za-z0-9]{36}",
                r"ghu_[A-Za-z0-9]{36}",
                r"ghs_[A-Za-z0-9]{36}",
                r"ghr_[A-Za-z0-9]{36}",
                r"xox[baprs]-[A-Za-z0-9\-]{10,}",
                r"AKIA[0-9A-Z]{16}",
                r"Bearer\s+[A-Za-z0-9._\-+/=]{20,}",
            ]
            .iter()
            .map(|p| r(p))
            .collect(),
            context: r(r#"(?i)\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)\s*[:=]\s*['"]?([A-Za-z0-9._\-+/=!@#$%^&*~]{16,})['"]?"#),
            // The reference's look-ahead `(?=/|$|\s|['"])` becomes an
            // optional trailing group kept in the replacement.
            homes: [
                r#"/Users/[A-Za-z0-9._\-]+(/|$|\s|['"])"#,
                r#"/home/[A-Za-z0-9._\-]+(/|$|\s|['"])"#,
                r#"[A-Za-z]:[\\/]Users[\\/][A-Za-z0-9._\-]+([\\/]|$|\s|['"])"#,
            ]
            .iter()
            .map(|p| r(p))
            .collect(),
            email: r(r"\b[A-Za-z0-9._%+\-]{2,}@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b"),
            ipv4: r(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
        }
    })
}

/// Redacts `text`. Returns the text and how many replacements were made.
pub fn redact(text: &str) -> (String, usize) {
    if text.is_empty() {
        return (String::new(), 0);
    }
    let p = patterns();
    let mut n = 0;
    let mut out = text.to_string();
    for re in &p.keys {
        let c = re.find_iter(&out).count();
        if c > 0 {
            n += c;
            out = re.replace_all(&out, PLACEHOLDER).into_owned();
        }
    }
    out = p
        .context
        .replace_all(&out, |c: &Captures| {
            n += 1;
            let full = &c[0];
            let value = &c[1];
            full.replacen(value, PLACEHOLDER, 1)
        })
        .into_owned();
    for re in &p.homes {
        out = re
            .replace_all(&out, |c: &Captures| {
                n += 1;
                format!("{PLACEHOLDER_HOME}{}", c.get(1).map(|m| m.as_str()).unwrap_or(""))
            })
            .into_owned();
    }
    out = p
        .email
        .replace_all(&out, |c: &Captures| {
            let m = &c[0];
            if EMAIL_ALLOWLIST.contains(&m.to_lowercase().as_str()) {
                m.to_string()
            } else {
                n += 1;
                PLACEHOLDER_EMAIL.to_string()
            }
        })
        .into_owned();
    out = p
        .ipv4
        .replace_all(&out, |c: &Captures| {
            let m = &c[0];
            if m.parse::<std::net::Ipv4Addr>().is_ok() {
                n += 1;
                PLACEHOLDER_IP.to_string()
            } else {
                m.to_string()
            }
        })
        .into_owned();
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_redacted() {
        let (t, n) =
            redact("key sk-ant-api03-abcdefghijklmnop1234567890 and ghp_abcdefghijklmnopqrstuvwxyz0123456789 AKIAABCDEFGHIJKLMNOP");
        assert_eq!(t, "key <redacted> and <redacted> <redacted>");
        assert_eq!(n, 3);
        let (t, _) = redact("password = 'correct-horse-battery-staple'");
        assert_eq!(t, "password = '<redacted>'");
        let (t, _) = redact("see /home/ana/shop and /Users/bob/x");
        assert_eq!(t, "see <user-home>/shop and <user-home>/x");
        let (t, _) = redact("mail ana@example.com or noreply@anthropic.com");
        assert_eq!(t, "mail <redacted-email> or noreply@anthropic.com");
        let (t, _) = redact("hosts 10.0.0.12 and 999.1.1.1");
        assert_eq!(t, "hosts <redacted-ip> and 999.1.1.1");
        assert_eq!(redact("nothing secret here").1, 0);
    }
}
