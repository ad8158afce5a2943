//! Mistakes in an apply file, located by line and column, with a
//! suggestion when a key or value looks misspelled.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One mistake in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line and column (in characters) where the mistake starts.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// A corrected spelling, when one is close enough.
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message may quote the file: escaped (a control character in a TOML string).
        let message = crate::text::escape_untrusted(&self.message);
        write!(f, "{}:{}: {message}", self.line, self.column)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{}`?", crate::text::escape_untrusted(s))?;
        }
        Ok(())
    }
}

/// Every mistake found in a file. Nothing has been generated or written
/// when this is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors {
    pub file: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}:{d}", self.file.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Turns byte spans of one source text into diagnostics.
pub(crate) struct Locator<'a> {
    source: &'a str,
    file: &'a Path,
    pub(crate) found: Vec<Diagnostic>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(source: &'a str, file: &'a Path) -> Self {
        Locator {
            source,
            file,
            found: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.push_with(span, message, None);
    }

    pub(crate) fn push_with(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) {
        let (line, column) = line_column(self.source, span.start);
        self.found.push(Diagnostic {
            line,
            column,
            message: message.into(),
            suggestion,
        });
    }

    pub(crate) fn finish(mut self) -> Result<(), SpecErrors> {
        self.found.sort_by_key(|d| (d.line, d.column));
        if self.found.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors {
                file: self.file.to_path_buf(),
                diagnostics: self.found,
            })
        }
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The closest of `candidates` to a misspelled `word`, if close enough to
/// be what was meant.
pub fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// A diagnostic for an error of the TOML parser or of serde: unknown keys
/// and variants get a suggestion taken from serde's list of expected ones.
pub(crate) fn from_toml(source: &str, error: &toml::de::Error) -> Diagnostic {
    let message = error.message().trim().to_string();
    let span = error.span().unwrap_or(0..0);
    let (line, column) = line_column(source, span.start);
    let table = enclosing_table(source, span.start);
    let unknown = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix).map(|rest| (prefix, rest)));
    if let Some((prefix, rest)) = unknown {
        let word = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let what = if prefix.contains("field") {
            "key"
        } else {
            "value"
        };
        let place = table.map(|t| format!(" in [{t}]")).unwrap_or_default();
        let allowed = if expected.is_empty() {
            String::new()
        } else {
            format!(" (allowed: {})", expected.join(", "))
        };
        return Diagnostic {
            line,
            column,
            message: format!("unknown {what} `{word}`{place}{allowed}"),
            suggestion: suggest(word, expected.iter().copied()),
        };
    }
    let place = table.map(|t| format!(" (in [{t}])")).unwrap_or_default();
    // serde speaks Rust; say it in TOML words.
    let message = message
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
        .replace("expected u32", "expected a whole number")
        .replace("expected u8", "expected a whole number from 0 to 255");
    Diagnostic {
        line,
        column,
        message: format!("{message}{place}"),
        suggestion: None,
    }
}

/// The `[header]` whose table contains `offset`, for messages.
fn enclosing_table(source: &str, offset: usize) -> Option<&str> {
    let before = source.get(..offset.min(source.len()))?;
    before.lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix('[')?;
        let end = inner.find(']')?;
        Some(inner[..end].trim_matches(|c| c == '[' || c == ' '))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(line_column(text, 9), (2, 3));
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["names", "not_after", "renew_before"];
        assert_eq!(suggest("not_afer", keys).as_deref(), Some("not_after"));
        assert_eq!(
            suggest("renew_befor", keys).as_deref(),
            Some("renew_before")
        );
        assert_eq!(suggest("zzz", keys), None);
    }
}
