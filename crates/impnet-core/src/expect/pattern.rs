//! Text patterns for `log` and `error` expectations: a substring, or a glob when the pattern
//! holds `*` (any run of characters) or `?` (one character). A glob matches the whole text.
//!
//! Hand-written rather than the `regex` crate: it is a dozen lines, and the playground ships
//! this module to the browser, where regex would cost more than the rest of `expect` together.

use std::fmt;

/// A pattern, compiled once when loaded: a glob keeps its characters, so matching it against
/// each of a long trace's lines does not rebuild it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// The glob's characters, when `text` holds `*` or `?`; `None` for a substring.
    glob: Option<Box<[char]>>,
}

impl Pattern {
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let glob = text.contains(['*', '?']).then(|| text.chars().collect());
        Pattern { text, glob }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, text: &str) -> bool {
        self.matches_counting(text, &mut 0)
    }

    /// `matches`, adding the characters it read to `work`: a glob with a star retries the text
    /// from each position, so a long pattern on a long text reads up to their product.
    pub fn matches_counting(&self, text: &str, work: &mut u64) -> bool {
        match &self.glob {
            Some(p) => glob(p, text, work),
            None => {
                *work += text.len() as u64;
                text.contains(self.text.as_str())
            }
        }
    }
}

/// Iterative glob with one backtrack point (the last `*`): linear in practice, never
/// exponential however many stars the pattern holds. Walks the text in place (byte offsets
/// at character boundaries) rather than copying it out first, so a line it gives up on early
/// costs what it read, which is what `work` counts.
fn glob(p: &[char], t: &str, work: &mut u64) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = t[ti..].chars().next() {
        *work += 1;
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&pc) if pc == '?' || pc == c => {
                pi += 1;
                ti += c.len_utf8();
            }
            _ => match star {
                // Let the last star swallow one more character and retry from there.
                Some((sp, st)) => {
                    // `st` is where a character was read, so one follows it.
                    let next = t[st..].chars().next().map_or(t.len(), |c| st + c.len_utf8());
                    pi = sp + 1;
                    ti = next;
                    star = Some((sp, next));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_pattern_is_a_substring() {
        assert!(Pattern::new("reconnected").matches("wifi reconnected after 70 s"));
        assert!(!Pattern::new("Reconnected").matches("wifi reconnected"));
    }

    #[test]
    fn a_glob_matches_the_whole_text() {
        let p = Pattern::new("sent * bytes");
        assert!(p.matches("sent 4096 bytes"));
        assert!(!p.matches("we sent 4096 bytes"), "anchored at the start");
        assert!(Pattern::new("*sent*").matches("we sent 4096 bytes ok"));
        assert!(Pattern::new("t?mp=*").matches("temp=21.5"));
        assert!(!Pattern::new("t?mp=*").matches("tmp=21.5"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("a*b*c").matches("a-b-b-c"));
        assert!(!Pattern::new("a*b*c").matches("a-b-b-d"));
        assert!(Pattern::new("é*").matches("été"), "characters, not bytes");
        // A star backtracks by whole characters over multi-byte text.
        assert!(Pattern::new("*é?b").matches("ééxéüb"));
        assert!(!Pattern::new("*é?b").matches("ééxéb"));
        assert!(Pattern::new("a*ü*").matches("aüü"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let p = Pattern::new(format!("{}b", "a*".repeat(50)));
        let t = "a".repeat(2000);
        assert!(!p.matches(&t));
    }
}
