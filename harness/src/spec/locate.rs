//! Maps between field paths (`l2[1].chain_id`, `forks.isthmus`) and positions in a spec's text,
//! so that every error can point at a line.

use std::ops::Range;

use toml::{
    de::{DeArray, DeTable, DeValue},
};

/// One step of a field path.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, indices) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        out.extend(
            indices.split('[').filter_map(|i| i.trim_end_matches(']').parse().ok()).map(Step::Index),
        );
    }
    out
}

/// The byte range of the value at `path`, or of its deepest existing ancestor.
pub fn span_of(source: &str, path: &str) -> Option<Range<usize>> {
    let root = DeTable::parse(source).ok()?;
    let mut span = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut array: Option<&DeArray<'_>> = None;
    for step in steps(path) {
        let value = match step {
            Step::Key(key) => table.and_then(|t| t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)),
            Step::Index(i) => array.and_then(|a| a.get(i)),
        };
        let Some(value) = value else { break };
        span = Some(value.span());
        (table, array) = match value.get_ref() {
            DeValue::Table(t) => (Some(t), None),
            DeValue::Array(a) => (None, Some(a)),
            _ => (None, None),
        };
    }
    span
}

/// The deepest field path whose key or value contains byte `offset`.
pub fn path_at(source: &str, offset: usize) -> Option<String> {
    let root = DeTable::parse(source).ok()?;
    search_table(root.get_ref(), offset)
}

// A `[table]` header's value span covers only the header, so every entry is searched rather
// than only those whose span contains the offset.
fn search_table(table: &DeTable<'_>, offset: usize) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let inner = search_value(value.get_ref(), offset);
        let here = key.span().contains(&offset) || value.span().contains(&offset);
        match inner {
            Some(rest) if rest.starts_with('[') => Some(format!("{}{rest}", key.get_ref())),
            Some(rest) => Some(format!("{}.{rest}", key.get_ref())),
            None => here.then(|| key.get_ref().to_string()),
        }
    })
}

fn search_value(value: &DeValue<'_>, offset: usize) -> Option<String> {
    match value {
        DeValue::Table(t) => search_table(t, offset),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            match search_value(item.get_ref(), offset) {
                Some(rest) => Some(format!("[{i}].{rest}")),
                None => item.span().contains(&offset).then(|| format!("[{i}]")),
            }
        }),
        _ => None,
    }
}

/// 1-based line number of byte `offset`.
pub fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "name = \"x\"\n[forks]\nisthmus = { offset = 4 }\n\n[[l2]]\nchain_id = 1\n\n[[l2]]\nchain_id = 2\n";

    #[test]
    fn finds_nested_keys_and_array_entries() {
        assert_eq!(line_of(SOURCE, span_of(SOURCE, "forks.isthmus").unwrap().start), 3);
        assert_eq!(line_of(SOURCE, span_of(SOURCE, "l2[1].chain_id").unwrap().start), 9);
        assert_eq!(line_of(SOURCE, span_of(SOURCE, "l2[0].missing").unwrap().start), 5);
    }

    #[test]
    fn maps_an_offset_back_to_its_field() {
        let offset = SOURCE.find("chain_id = 2").unwrap() + 11;
        assert_eq!(path_at(SOURCE, offset).as_deref(), Some("l2[1].chain_id"));
    }
}
