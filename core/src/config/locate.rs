//! Finding where in the source text a configuration value is, so that every
//! error names its line and column (CHN-08).

use toml::de::{DeTable, DeValue};

/// One step of a path into the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path into the document, e.g. `queues.support.teams[0]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The path with one more key.
    pub fn key(&self, k: &str) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    /// The path with one more array index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// Builds a path from dotted keys.
    pub fn of(keys: &[&str]) -> Path {
        Path(keys.iter().map(|k| Seg::Key(k.to_string())).collect())
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        f.write_str(k)?
                    } else {
                        write!(f, "\"{k}\"")?
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Source text with a parsed, spanned view of it.
pub struct Locator<'a> {
    text: &'a str,
    doc: Option<toml::Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            doc: DeTable::parse(text).ok(),
        }
    }

    /// Line and column (1-based) of the value at `path`, or of its deepest
    /// existing ancestor; `(0, 0)` when nothing of it exists.
    pub fn locate(&self, path: &Path) -> (usize, usize) {
        let Some(doc) = &self.doc else { return (0, 0) };
        let mut best: Option<usize> = None;
        let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
        let mut array: Option<&[toml::Spanned<DeValue<'_>>]> = None;
        for seg in &path.0 {
            let value = match (seg, table, array) {
                (Seg::Key(k), Some(t), _) => t
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                    .map(|(_, v)| v),
                (Seg::Index(i), _, Some(a)) => a.get(*i),
                _ => None,
            };
            let Some(value) = value else { break };
            best = Some(value.span().start);
            table = value.get_ref().as_table();
            array = value.get_ref().as_array().map(|a| a.as_ref());
        }
        best.map(|off| self.line_col(off)).unwrap_or((0, 0))
    }

    /// Line and column (1-based) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
        (line, col)
    }

    /// For a serde error reported at a table (e.g. an unknown field in a step),
    /// the offset of the key it names inside that table, if it can be found.
    pub fn refine_unknown_field(&self, span_start: usize, message: &str) -> usize {
        let Some(name) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        else {
            return span_start;
        };
        let mut offset = span_start;
        for (i, line) in self.text[span_start..].split_inclusive('\n').enumerate() {
            let trimmed = line.trim_start();
            if i > 0 && trimmed.starts_with('[') {
                break;
            }
            if let Some(rest) = trimmed.strip_prefix(name)
                && rest.trim_start().starts_with('=')
            {
                return offset + (line.len() - trimmed.len());
            }
            offset += line.len();
        }
        span_start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_values() {
        let text = "[tenant]\nname = \"x\"\n\n[queues.support]\nteams = [\"a\", \"b\"]\n";
        let loc = Locator::new(text);
        assert_eq!(loc.locate(&Path::of(&["tenant", "name"])), (2, 8));
        assert_eq!(
            loc.locate(&Path::of(&["queues", "support", "teams"]).index(1)),
            (5, 15)
        );
        // A missing leaf falls back to its deepest existing ancestor.
        assert_eq!(loc.locate(&Path::of(&["queues", "support", "nope"])).0, 4);
        assert_eq!(
            Path::of(&["queues", "support", "teams"])
                .index(1)
                .to_string(),
            "queues.support.teams[1]"
        );
    }
}
