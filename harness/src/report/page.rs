//! What the HTML pages share: one stylesheet, escaping, verdict counts, the decision block and
//! the feature-by-run grid. Both pages open with the decision and the counts, then the grid,
//! so the first screen answers what moves on; details follow below.

use std::{collections::BTreeMap, fmt::Write};

use super::RunSummary;
use crate::verdict::{RunOutcome, Stability};

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem 2rem;color:#1f2328;max-width:1400px}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin-top:1.5rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse}th,td{padding:.25rem .5rem;text-align:left;vertical-align:top}
.list td,.list th{border-bottom:1px solid #eaeef2}
.scroll{overflow-x:auto}
.grid td.cell{width:14px;height:14px;padding:0;border:1px solid #fff}
.grid thead th{font-size:.75rem;color:#57606a}
.pass{background:#2da44e}.flaky{background:#d4a72c}.fail{background:#cf222e}.infra{background:#8250df}.absent{background:#eaeef2}
.legend span{display:inline-block;padding:0 .5rem;margin-right:.5rem;color:#fff}.legend .absent{color:#57606a}
.verdict{font-weight:600;white-space:nowrap}
.STABLE{color:#1a7f37}.UNSTABLE{color:#cf222e}.FLAKY{color:#9a6700}.INSUFFICIENT_DATA{color:#57606a}.INFRA{color:#8250df}
.counts span{display:inline-block;margin-right:1rem;font-weight:600}
.decision{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem 1rem;margin:.75rem 0}
.decision div{border-left:4px solid #d0d7de;padding:.25rem .75rem}
.decision .on{border-color:#2da44e}.decision .back{border-color:#cf222e}.decision .removed{border-color:#57606a}.decision .hold{border-color:#d4a72c}
.decision h3{font-size:.95rem;margin:0}
.meta{color:#57606a}code,pre{font:12px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;max-height:30rem}
svg.trend{color:#0969da}
";

/// Sparkline size, in CSS pixels.
const TREND_WIDTH: f64 = 120.0;
const TREND_HEIGHT: f64 = 24.0;

/// A whole page: `title` in the tab, `body` as given.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// One group of the decision block: a heading, its tone (`on`, `hold`, `back`, `removed`) and
/// the feature ids in it.
pub struct Group<'a> {
    pub label: String,
    pub tone: &'static str,
    pub ids: &'a [&'static str],
}

/// The decision: every group with its count, the ids in each.
pub fn decision(groups: &[Group<'_>]) -> String {
    let cells: String = groups
        .iter()
        .map(|g| {
            let ids = if g.ids.is_empty() { "none".to_owned() } else { g.ids.iter().map(|i| format!("<code>{}</code>", esc(i))).collect::<Vec<_>>().join(", ") };
            format!("<div class=\"{}\"><h3>{} ({})</h3>{ids}</div>", g.tone, esc(&g.label), g.ids.len())
        })
        .collect();
    format!("<div class=\"decision\">{cells}</div>\n")
}

/// `STABLE 25 · FLAKY 1 …`, coloured, in verdict order; `prefix` says whose counts they are.
pub fn counts(prefix: &str, counts: &BTreeMap<&'static str, usize>) -> String {
    let spans: String = ORDER
        .iter()
        .filter_map(|s| counts.get(s.label()).map(|n| format!("<span class=\"{0}\">{0} {n}</span>", s.label())))
        .collect();
    format!("<p class=\"counts\">{prefix}{spans}</p>\n")
}

/// Verdicts, the hopeful first.
const ORDER: [Stability; 5] = [Stability::Stable, Stability::Flaky, Stability::InsufficientData, Stability::Infra, Stability::Unstable];

/// Reasons every one of `lists` gives (when there are two or more), to be said once.
pub fn common<'a>(lists: impl Iterator<Item = &'a [String]> + Clone) -> Vec<String> {
    let mut all = lists.clone();
    let Some(first) = all.next() else { return Vec::new() };
    if lists.clone().count() < 2 {
        return Vec::new();
    }
    first.iter().filter(|reason| lists.clone().all(|list| list.contains(reason))).cloned().collect()
}

/// `<ul>` of `reasons` minus the `common` ones, or a pointer to them.
pub fn own_reasons(reasons: &[String], common: &[String]) -> String {
    let own: String = reasons.iter().filter(|r| !common.contains(r)).map(|r| format!("<li>{}</li>", prose(r))).collect();
    if own.is_empty() && !reasons.is_empty() { "<span class=\"meta\">as for every feature</span>".into() } else { format!("<ul>{own}</ul>") }
}

/// The reasons said once for every feature, if any.
pub fn common_block(common: &[String]) -> String {
    if common.is_empty() {
        return String::new();
    }
    let items: String = common.iter().map(|r| format!("<li>{}</li>", prose(r))).collect();
    format!("<div id=\"common\"><p>For every feature:</p><ul>{items}</ul></div>\n")
}

/// One row of the grid: a feature and its outcome in each run.
pub struct Row<'a> {
    pub id: &'a str,
    /// Where the row's heading links, e.g. `#f-isthmus.eip7702`.
    pub anchor: String,
    pub outcomes: &'a [RunOutcome],
}

/// The feature-by-run grid with a trend per feature; `section` is the element id.
pub fn grid(section: &str, heading: &str, runs: &[RunSummary], rows: &[Row<'_>], window: usize) -> String {
    let heads: String = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let commit = run.git_commit.as_deref().unwrap_or("unknown commit");
            format!("<th title=\"{} · {} · {}\">{}</th>", esc(&run.run_id), run.time.date(), esc(commit), i + 1)
        })
        .collect();
    let body: String = rows.iter().map(|row| grid_row(runs, row, window)).collect();
    let legend: String = [RunOutcome::Pass, RunOutcome::Flaky, RunOutcome::Fail, RunOutcome::Infra, RunOutcome::Absent]
        .iter()
        .map(|o| format!("<span class=\"{0}\">{0}</span>", o.name()))
        .collect();
    let empty = if runs.is_empty() { "<p>No runs yet.</p>\n" } else { "" };
    format!(
        "<section id=\"{section}\">\n<h2>{}</h2>\n{empty}<div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th>Feature</th><th>Trend</th>{heads}</tr></thead>\n<tbody>\n{body}</tbody>\n</table></div>\n\
         <p class=\"legend\">{legend} <span class=\"meta\">Oldest run first; the trend is the pass rate over the last {window} conclusive runs.</span></p>\n</section>\n",
        esc(heading)
    )
}

fn grid_row(runs: &[RunSummary], row: &Row<'_>, window: usize) -> String {
    let mut cells = String::new();
    for (run, outcome) in runs.iter().zip(row.outcomes) {
        let _ = write!(
            cells,
            "<td class=\"cell {o}\" data-feature=\"{id}\" data-run=\"{run}\" title=\"{id} in {run}: {o}\"></td>",
            o = outcome.name(),
            id = esc(row.id),
            run = esc(&run.run_id)
        );
    }
    format!("<tr><th><a href=\"{}\"><code>{}</code></a></th><td>{}</td>{cells}</tr>\n", esc(&row.anchor), esc(row.id), sparkline(row.outcomes, window))
}

/// An inline SVG of the rolling pass rate over the feature's conclusive runs.
fn sparkline(outcomes: &[RunOutcome], window: usize) -> String {
    let rates = rolling_pass_rate(outcomes, window);
    if rates.len() < 2 {
        return "<span class=\"meta\">—</span>".into();
    }
    let step = TREND_WIDTH / (rates.len() - 1) as f64;
    let points: Vec<String> = rates
        .iter()
        .enumerate()
        .map(|(i, rate)| format!("{:.1},{:.1}", i as f64 * step, 1.0 + (1.0 - rate) * (TREND_HEIGHT - 2.0)))
        .collect();
    format!(
        "<svg class=\"trend\" width=\"{TREND_WIDTH}\" height=\"{TREND_HEIGHT}\" viewBox=\"0 0 {TREND_WIDTH} {TREND_HEIGHT}\" role=\"img\" \
         aria-label=\"pass rate trend\"><polyline points=\"{}\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\"/></svg>",
        points.join(" ")
    )
}

fn rolling_pass_rate(outcomes: &[RunOutcome], window: usize) -> Vec<f64> {
    let green: Vec<bool> = outcomes.iter().filter(|o| o.is_conclusive()).map(|o| o.is_green()).collect();
    (1..=green.len())
        .map(|end| {
            let slice = &green[end.saturating_sub(window)..end];
            slice.iter().filter(|g| **g).count() as f64 / slice.len() as f64
        })
        .collect()
}

/// What the reports say above the parts the latest run could not check.
pub const NOT_APPLICABLE_INTRO: &str = "Parts of passing tests that had nothing to check on this network (a fork active \
at genesis has no block before it): not counted as passed. A Betanet, where each fork activates live, checks them.";

/// The features whose tests reported parts not applicable in the latest run, with the parts.
pub fn not_applicable(r: &super::Report) -> impl Iterator<Item = (&'static str, &[String])> {
    r.verdict.features.iter().filter(|f| !f.not_applicable.is_empty()).map(|f| (f.id, f.not_applicable.as_slice()))
}

/// Escapes reason text written for Markdown, turning its `code spans` into `<code>`.
pub fn prose(text: &str) -> String {
    esc(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_owned() })
        .collect()
}

/// Text safe in HTML content and quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_code_spans_become_code_elements() {
        assert_eq!(prose("add tests under `a::b::` <now>"), "add tests under <code>a::b::</code> &lt;now&gt;");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn the_trend_rolls_over_conclusive_runs_only() {
        use RunOutcome::*;
        let rates = rolling_pass_rate(&[Pass, Absent, Fail, Infra, Flaky, Pass], 2);
        assert_eq!(rates, [1.0, 0.5, 0.5, 1.0]);
    }

    #[test]
    fn only_reasons_every_feature_gives_are_common() {
        let a = vec!["1 run of the 10 needed".to_owned(), "streak".to_owned()];
        let b = vec!["1 run of the 10 needed".to_owned()];
        assert_eq!(common([a.as_slice(), b.as_slice()].into_iter()), ["1 run of the 10 needed"]);
        assert!(common([a.as_slice()].into_iter()).is_empty(), "one feature has nothing to share");
        assert_eq!(own_reasons(&a, &common([a.as_slice(), b.as_slice()].into_iter())), "<ul><li>streak</li></ul>");
    }
}
