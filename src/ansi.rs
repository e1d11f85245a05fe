//! ANSI escape sequences to styled spans, for the log viewer.
//!
//! Workflows print coloured output (SGR sequences such as `ESC[1;31m`). The
//! log viewer renders each line as spans with CSS classes for the 16 basic
//! colours and inline styles for 256-colour and truecolor. Parsing uses `vte`
//! (alacritty's terminal parser) rather than a hand-written state machine:
//! it handles every escape shape (CSI with sub-parameters, OSC hyperlinks and
//! titles, stray ESC bytes) and never panics on garbage.
//!
//! Each line is parsed on its own: colour state does not carry over from one
//! line to the next. That keeps rendering of a window of a huge log O(window).
//! A carriage return followed by more text starts the visible line over
//! (progress bars), and backspace erases one character.

use vte::{Params, Parser, Perform};

/// A colour from an SGR sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// 0–15: the basic and bright palette (themed by CSS); 16–255: xterm.
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// Text attributes in force for a span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub inverse: bool,
    pub strike: bool,
}

impl Style {
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }

    /// CSS classes: `ansi-b` (bold), `ansi-fg1` (basic colour 1)…
    pub fn classes(&self) -> String {
        let mut c = Vec::new();
        let (fg, bg) = if self.inverse { (self.bg, self.fg) } else { (self.fg, self.bg) };
        if self.bold {
            c.push("ansi-b".to_string());
        }
        if self.dim {
            c.push("ansi-d".into());
        }
        if self.italic {
            c.push("ansi-i".into());
        }
        if self.underline {
            c.push("ansi-u".into());
        }
        if self.strike {
            c.push("ansi-s".into());
        }
        if self.inverse {
            c.push("ansi-inv".into());
        }
        if let Some(Color::Indexed(n)) = fg {
            if n < 16 {
                c.push(format!("ansi-fg{n}"));
            }
        }
        if let Some(Color::Indexed(n)) = bg {
            if n < 16 {
                c.push(format!("ansi-bg{n}"));
            }
        }
        c.join(" ")
    }

    /// Inline `style` for colours outside the 16-colour palette.
    pub fn inline_css(&self) -> Option<String> {
        let (fg, bg) = if self.inverse { (self.bg, self.fg) } else { (self.fg, self.bg) };
        let mut out = String::new();
        if let Some(rgb) = fg.and_then(extended_rgb) {
            out.push_str(&format!("color:#{:02x}{:02x}{:02x};", rgb.0, rgb.1, rgb.2));
        }
        if let Some(rgb) = bg.and_then(extended_rgb) {
            out.push_str(&format!("background-color:#{:02x}{:02x}{:02x};", rgb.0, rgb.1, rgb.2));
        }
        (!out.is_empty()).then_some(out)
    }
}

/// RGB for 256-colour indexes ≥ 16 and truecolor; `None` for the themed 16.
fn extended_rgb(c: Color) -> Option<(u8, u8, u8)> {
    match c {
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(n) if n < 16 => None,
        Color::Indexed(n) if n < 232 => {
            let n = n - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            Some((level(n / 36), level((n / 6) % 6), level(n % 6)))
        }
        Color::Indexed(n) => {
            let v = 8 + (n - 232) * 10;
            Some((v, v, v))
        }
    }
}

/// A run of text with one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

/// Parses one log line into styled spans. Escape sequences are consumed;
/// only printable text (and tabs) is kept.
pub fn parse_line(line: &str) -> Vec<Span> {
    if !line.as_bytes().iter().any(|&b| b == 0x1b || b == b'\r' || b == 0x08 || b == 0x9b) {
        return vec![Span { text: line.to_string(), style: Style::default() }];
    }
    let mut p = Painter::default();
    let mut parser = Parser::new();
    parser.advance(&mut p, line.as_bytes());
    p.flush();
    p.spans
}

/// The visible text of a line, escapes removed (for search and copy).
pub fn strip(line: &str) -> String {
    parse_line(line).into_iter().map(|s| s.text).collect()
}

#[derive(Default)]
struct Painter {
    spans: Vec<Span>,
    cur: String,
    style: Style,
    /// A `\r` was seen: the next printed character starts the line over.
    pending_cr: bool,
}

impl Painter {
    fn flush(&mut self) {
        if !self.cur.is_empty() {
            let text = std::mem::take(&mut self.cur);
            match self.spans.last_mut() {
                Some(last) if last.style == self.style => last.text.push_str(&text),
                _ => self.spans.push(Span { text, style: self.style }),
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if self.pending_cr {
            self.pending_cr = false;
            self.cur.clear();
            self.spans.clear();
        }
        self.cur.push(c);
    }

    fn sgr(&mut self, params: &Params) {
        let mut it = params.iter().peekable();
        if params.is_empty() {
            self.style = Style::default();
            return;
        }
        while let Some(p) = it.next() {
            let code = p.first().copied().unwrap_or(0);
            match code {
                0 => self.style = Style::default(),
                1 => self.style.bold = true,
                2 => self.style.dim = true,
                3 => self.style.italic = true,
                4 => self.style.underline = true,
                7 => self.style.inverse = true,
                9 => self.style.strike = true,
                21 | 22 => {
                    self.style.bold = false;
                    self.style.dim = false;
                }
                23 => self.style.italic = false,
                24 => self.style.underline = false,
                27 => self.style.inverse = false,
                29 => self.style.strike = false,
                30..=37 => self.style.fg = Some(Color::Indexed((code - 30) as u8)),
                39 => self.style.fg = None,
                40..=47 => self.style.bg = Some(Color::Indexed((code - 40) as u8)),
                49 => self.style.bg = None,
                90..=97 => self.style.fg = Some(Color::Indexed((code - 90 + 8) as u8)),
                100..=107 => self.style.bg = Some(Color::Indexed((code - 100 + 8) as u8)),
                38 | 48 => {
                    // Either sub-parameters (38:2:r:g:b / 38:5:n) or the
                    // classic semicolon form (38;2;r;g;b / 38;5;n).
                    let color = if p.len() > 1 {
                        extended_color(&p[1..])
                    } else {
                        let mode = it.next().and_then(|x| x.first().copied());
                        match mode {
                            Some(5) => it.next().and_then(|x| x.first().copied()).map(|n| Color::Indexed(n.min(255) as u8)),
                            Some(2) => {
                                let r = it.next().and_then(|x| x.first().copied()).unwrap_or(0);
                                let g = it.next().and_then(|x| x.first().copied()).unwrap_or(0);
                                let b = it.next().and_then(|x| x.first().copied()).unwrap_or(0);
                                Some(Color::Rgb(r.min(255) as u8, g.min(255) as u8, b.min(255) as u8))
                            }
                            _ => None,
                        }
                    };
                    if code == 38 {
                        self.style.fg = color;
                    } else {
                        self.style.bg = color;
                    }
                }
                _ => {}
            }
        }
    }
}

fn extended_color(sub: &[u16]) -> Option<Color> {
    match sub.first() {
        Some(5) => sub.get(1).map(|n| Color::Indexed((*n).min(255) as u8)),
        Some(2) => {
            // 38:2:r:g:b or 38:2:colourspace:r:g:b
            let rgb = if sub.len() >= 5 { &sub[2..5] } else { sub.get(1..4)? };
            Some(Color::Rgb(rgb[0].min(255) as u8, rgb[1].min(255) as u8, rgb[2].min(255) as u8))
        }
        _ => None,
    }
}

impl Perform for Painter {
    fn print(&mut self, c: char) {
        self.push_char(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\t' => self.push_char('\t'),
            b'\r' => self.pending_cr = true,
            0x08 if self.cur.pop().is_none() => {
                if let Some(last) = self.spans.last_mut() {
                    last.text.pop();
                    if last.text.is_empty() {
                        self.spans.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, _intermediates: &[u8], ignore: bool, action: char) {
        if action == 'm' && !ignore {
            self.flush();
            self.sgr(params);
        }
        // Cursor movement, erase and the like have no meaning in a log.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_one_span() {
        let s = parse_line("hello world");
        assert_eq!(s.len(), 1);
        assert!(s[0].style.is_plain());
    }

    #[test]
    fn basic_colours_and_reset() {
        let s = parse_line("\x1b[1;31merror\x1b[0m: bad");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "error");
        assert!(s[0].style.bold);
        assert_eq!(s[0].style.fg, Some(Color::Indexed(1)));
        assert_eq!(s[0].style.classes(), "ansi-b ansi-fg1");
        assert_eq!(s[1].text, ": bad");
        assert!(s[1].style.is_plain());
    }

    #[test]
    fn bright_256_and_truecolor() {
        let s = parse_line("\x1b[92ma\x1b[38;5;208mb\x1b[38;2;1;2;3mc\x1b[48:2::9:8:7md");
        assert_eq!(s[0].style.fg, Some(Color::Indexed(10)));
        assert_eq!(s[1].style.fg, Some(Color::Indexed(208)));
        assert_eq!(s[1].style.inline_css().unwrap(), "color:#ff8700;");
        assert_eq!(s[2].style.fg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(s[3].style.bg, Some(Color::Rgb(9, 8, 7)));
    }

    #[test]
    fn carriage_return_restarts_but_trailing_cr_keeps_text() {
        assert_eq!(strip("10%\r20%\r30%"), "30%");
        assert_eq!(strip("done\r"), "done");
        assert_eq!(strip("ab\x08c"), "ac");
    }

    #[test]
    fn osc_and_cursor_sequences_are_dropped() {
        assert_eq!(strip("\x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[2K\x1b[1Gok"), "link ok");
    }

    #[test]
    fn garbage_never_panics() {
        for s in ["\x1b", "\x1b[", "\x1b[38;5", "\x1b[38;2;999;999;999mX", "\x1b[;;;;m", "\u{9b}31mx"] {
            let _ = parse_line(s);
        }
    }
}
