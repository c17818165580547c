//! Where an error is in the scenario's JSON text: the line and column of a field path
//! (`nodes[2].role.service.replicas`) or of a syntax error, so an editor can point at it.

use super::FieldError;

#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Idx(usize),
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !name.is_empty() {
            out.push(Seg::Key(name.to_string()));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Idx(i));
            }
        }
    }
    out
}

/// A small JSON scanner that remembers where the deepest prefix of `want` starts.
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    want: Vec<Seg>,
    cur: Vec<Seg>,
    best: Option<(usize, usize)>,
}

/// Deeper than any scenario (serde refuses more than 128 levels).
const MAX_DEPTH: usize = 160;

impl Scan<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }
    fn note(&mut self, at: usize) {
        let d = self.cur.len();
        if self.want.starts_with(&self.cur) && self.best.is_none_or(|(bd, _)| d > bd) {
            self.best = Some((d, at));
        }
    }
    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut j = start;
        loop {
            match self.b.get(j)? {
                b'\\' => j += 2,
                b'"' => break,
                _ => j += 1,
            }
        }
        self.i = j + 1;
        Some(String::from_utf8_lossy(&self.b[start..j]).into_owned())
    }
    /// After a member or element: `,` continues, `close` ends; returns true at the end.
    fn next(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match *self.b.get(self.i)? {
            b',' => {
                self.i += 1;
                Some(false)
            }
            c if c == close => {
                self.i += 1;
                Some(true)
            }
            _ => None,
        }
    }
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    let at = self.i;
                    let key = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    self.cur.push(Seg::Key(key));
                    self.note(at);
                    self.value(depth + 1)?;
                    self.cur.pop();
                    if self.next(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(());
                }
                let mut k = 0;
                loop {
                    self.ws();
                    self.cur.push(Seg::Idx(k));
                    self.note(self.i);
                    self.value(depth + 1)?;
                    self.cur.pop();
                    k += 1;
                    if self.next(b']')? {
                        return Some(());
                    }
                }
            }
            b'"' => self.string().map(drop),
            _ => {
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
                {
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }
}

/// Byte offset in `text` of the field at `path`, or of its deepest enclosing field present
/// in the text (a defaulted field is not written out). `None` for the whole document.
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let mut s = Scan {
        b: text.as_bytes(),
        i: 0,
        want: parse_path(path),
        cur: Vec::new(),
        best: None,
    };
    let _ = s.value(0);
    s.best.map(|(_, at)| at)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Byte offset of 1-based `line` and `col` (characters).
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// Where an error from [`Scenario::from_json`](super::Scenario::from_json) points in `text`:
/// `(byte offset, line, column)`. Syntax and type errors carry serde's `line L column C`;
/// range and reference errors are found by their field path.
pub fn error_position(text: &str, e: &FieldError) -> Option<(usize, usize, usize)> {
    let serde_pos = e.message.rsplit_once(" at line ").and_then(|(_, tail)| {
        let (l, c) = tail.split_once(" column ")?;
        Some((l.parse().ok()?, c.trim().parse().ok()?))
    });
    if let Some((line, col)) = serde_pos {
        return Some((offset_of(text, line, col), line, col));
    }
    let at = locate(text, &e.path)?;
    let (line, col) = line_col(text, at);
    Some((at, line, col))
}
