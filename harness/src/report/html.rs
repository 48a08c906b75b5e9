//! `report.html`: one self-contained page (inline CSS and SVG, nothing fetched) that a release
//! manager can open from a CI artifact. Every grid cell carries `data-feature` and `data-run`,
//! so tools can count and read it.

use std::fmt::Write;

use super::{Report, activation_text};
use crate::verdict::{FeatureVerdict, RunOutcome, count};

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328;max-width:1400px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse}th,td{padding:.25rem .5rem;text-align:left;vertical-align:top}
.list td,.list th{border-bottom:1px solid #eaeef2}
.scroll{overflow-x:auto}
.grid td.cell{width:14px;height:14px;padding:0;border:1px solid #fff}
.grid thead th{font-size:.75rem;color:#57606a}
.pass{background:#2da44e}.flaky{background:#d4a72c}.fail{background:#cf222e}.infra{background:#8250df}.absent{background:#eaeef2}
.legend span{display:inline-block;padding:0 .5rem;margin-right:.5rem;color:#fff}.legend .absent{color:#57606a}
.verdict{font-weight:600;white-space:nowrap}
.STABLE{color:#1a7f37}.UNSTABLE{color:#cf222e}.FLAKY{color:#9a6700}.INSUFFICIENT_DATA{color:#57606a}.INFRA{color:#8250df}
.meta{color:#57606a}code,pre{font:12px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;max-height:30rem}
svg.trend{color:#0969da}
";

/// Sparkline size, in CSS pixels.
const TREND_WIDTH: f64 = 120.0;
const TREND_HEIGHT: f64 = 24.0;

pub fn render(r: &Report) -> String {
    let body = [header(r), verdicts(r), grid(r), promotion(r), failures(r), schedule(r)].concat();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(&format!("Stability: {}", r.title()))
    )
}

fn header(r: &Report) -> String {
    let latest = r.latest_run();
    let n = &r.network;
    let facts = [
        ("run", Some(latest.run_id.clone())),
        ("commit", n.git_commit.clone()),
        ("mode", Some(n.mode.name().to_owned())),
        ("spec hash", n.spec_hash.clone()),
        ("nodes", Some(n.node_versions.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "))),
        ("harness", Some(r.harness_version.to_owned())),
        ("runs judged", Some(r.runs.len().to_string())),
    ];
    let facts: Vec<String> = facts.into_iter().filter_map(|(k, v)| v.map(|v| format!("{k}: <code>{}</code>", esc(&v)))).collect();
    let repro = r.repro.as_deref().map(|c| format!("<p>Reproduce: <code>{}</code></p>\n", esc(c))).unwrap_or_default();
    format!("<h1>{}</h1>\n<p class=\"meta\">{}</p>\n{repro}", esc(&r.headline()), facts.join(" · "))
}

fn verdicts(r: &Report) -> String {
    let rows: String = r.verdict.features.iter().map(|f| verdict_row(f, r.verdict.next_stage)).collect();
    format!(
        "<h2>Verdicts</h2>\n<table class=\"list\">\n<thead><tr><th>Feature</th><th>Verdict</th><th>Next</th><th>Runs</th>\
         <th>Pass rate (lower bound)</th><th>Flaky</th><th>Streak</th><th>Why</th><th>Tests</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
    )
}

fn verdict_row(f: &FeatureVerdict, next_stage: &str) -> String {
    let s = &f.stats;
    let reasons: String = f.reasons.iter().map(|r| format!("<li>{}</li>", prose(r))).collect();
    let tests: String = f.tests.iter().map(|t| format!("<li><code>{}</code></li>", esc(t))).collect();
    format!(
        "<tr id=\"f-{id}\"><th><code>{id}</code><br><span class=\"meta\">{desc}</span></th><td class=\"verdict {label}\">{label}</td>\
         <td>{next}</td><td>{runs}</td><td>{rate:.0}% ({lower:.2})</td><td>{flaky}</td><td>{streak}</td><td><ul>{reasons}</ul></td>\
         <td><details><summary>{count}</summary><ul>{tests}</ul></details></td></tr>\n",
        id = esc(f.id),
        desc = esc(f.description),
        label = f.stability.label(),
        next = esc(&f.recommendation.label(next_stage)),
        runs = s.runs,
        rate = s.pass_rate * 100.0,
        lower = s.pass_rate_lower_bound,
        flaky = s.flaky,
        streak = s.streak,
        count = f.tests.len(),
    )
}

fn grid(r: &Report) -> String {
    let heads: String = r
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let commit = run.git_commit.as_deref().unwrap_or("unknown commit");
            format!("<th title=\"{} · {} · {}\">{}</th>", esc(&run.run_id), run.time.date(), esc(commit), i + 1)
        })
        .collect();
    let window = usize::try_from(r.policy.consecutive_passes).unwrap_or(usize::MAX).max(1);
    let rows: String = r.verdict.features.iter().map(|f| grid_row(r, f, window)).collect();
    let legend: String = [RunOutcome::Pass, RunOutcome::Flaky, RunOutcome::Fail, RunOutcome::Infra, RunOutcome::Absent]
        .iter()
        .map(|o| format!("<span class=\"{0}\">{0}</span>", o.name()))
        .collect();
    format!(
        "<h2>Feature by run</h2>\n<p class=\"meta\">Oldest run first. The trend is the pass rate over the last {window} conclusive runs.</p>\n\
         <div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th>Feature</th><th>Trend</th>{heads}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table></div>\n\
         <p class=\"legend\">{legend}</p>\n"
    )
}

fn grid_row(r: &Report, f: &FeatureVerdict, window: usize) -> String {
    let mut cells = String::new();
    for (run, outcome) in r.runs.iter().zip(&f.outcomes) {
        let _ = write!(
            cells,
            "<td class=\"cell {o}\" data-feature=\"{id}\" data-run=\"{run}\" title=\"{id} in {run}: {o}\"></td>",
            o = outcome.name(),
            id = esc(f.id),
            run = esc(&run.run_id)
        );
    }
    format!("<tr><th><a href=\"#f-{0}\"><code>{0}</code></a></th><td>{1}</td>{cells}</tr>\n", esc(f.id), sparkline(&f.outcomes, window))
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

fn promotion(r: &Report) -> String {
    let rows: String = r
        .promotion
        .groups()
        .map(|(label, ids)| {
            let ids = if ids.is_empty() { "none".to_owned() } else { ids.iter().map(|i| format!("<code>{}</code>", esc(i))).collect::<Vec<_>>().join(", ") };
            format!("<tr><th>{}</th><td>{ids}</td></tr>\n", esc(&label))
        })
        .collect();
    format!("<h2>Promotion</h2>\n<table class=\"list\">\n{rows}</table>\n")
}

fn failures(r: &Report) -> String {
    if r.failures.is_empty() {
        return "<h2>Failures in the latest run</h2>\n<p>None.</p>\n".into();
    }
    let clusters: String = r
        .clusters
        .iter()
        .map(|c| {
            let tests = c.tests.iter().map(|t| format!("<code>{}</code>", esc(t))).collect::<Vec<_>>().join(", ");
            format!("<tr><td>{}</td><td>{}</td><td>{tests}</td><td>{}</td></tr>\n", c.cause.name(), c.count, esc(&c.example))
        })
        .collect();
    let details: String = r
        .failures
        .iter()
        .map(|f| {
            format!(
                "<details class=\"failure\"><summary><code>{}</code> — {}, {}, {}: {}</summary>\n\
                 <p>Binary <code>{}</code> · features {}</p>\n<pre>{}</pre>\n<p>Reproduce: <code>{}</code></p></details>\n",
                esc(&f.test),
                f.outcome.name(),
                count(f.attempts as usize, "attempt"),
                f.cause.name(),
                esc(&f.message),
                esc(&f.binary),
                if f.features.is_empty() { "none (a check of the network)".to_owned() } else { esc(&f.features.join(", ")) },
                esc(&f.log_excerpt),
                esc(&f.repro)
            )
        })
        .collect();
    format!(
        "<h2>Failures in the latest run</h2>\n<table class=\"list\">\n<thead><tr><th>Cause</th><th>Failed attempts</th><th>Tests</th><th>Example</th></tr></thead>\n\
         <tbody>\n{clusters}</tbody>\n</table>\n{details}"
    )
}

fn schedule(r: &Report) -> String {
    let Some(schedule) = &r.network.fork_schedule else {
        return "<h2>Fork schedule</h2>\n<p>Unknown: the run was judged without <code>--spec</code>.</p>\n".into();
    };
    let rows: String = schedule.iter().map(|(fork, offset)| format!("<tr><th>{fork}</th><td>{}</td></tr>\n", activation_text(*offset))).collect();
    format!("<h2>Fork schedule</h2>\n<table class=\"list\">\n<thead><tr><th>Fork</th><th>Activates</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n")
}

/// Text safe in HTML content and quoted attributes.
/// Escapes reason text written for Markdown, turning its `code spans` into `<code>`.
fn prose(text: &str) -> String {
    esc(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_owned() })
        .collect()
}

fn esc(text: &str) -> String {
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
}
