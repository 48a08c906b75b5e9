//! `report.md`: the verdict in a PR comment or `$GITHUB_STEP_SUMMARY`. The grid and the logs
//! stay in the HTML page; this says what moves on and what broke.

use super::{MARKDOWN_MAX_CHARS as MAX_CHARS, Report};
use crate::verdict::{FeatureVerdict, Stability, Status, count};

/// Failing tests named individually; the clusters count the rest.
const LISTED_FAILURES: usize = 10;
/// Tests named per cluster.
const CLUSTER_TESTS: usize = 5;
/// Characters kept of one failure message.
const MESSAGE_CHARS: usize = 200;

pub fn render(r: &Report) -> String {
    let common = super::page::common(r.verdict.features.iter().map(|f| f.reasons.as_slice()));
    let sections = [headline(r), promotion(r), common_reasons(&common), verdict_table(r, &common), failures(r), not_applicable(r), footer(r)];
    fit(sections.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n\n") + "\n")
}

fn headline(r: &Report) -> String {
    let badge = match r.status {
        Status::Stable => "✅",
        Status::NotStable => "❌",
        Status::Infra => "⚠️",
    };
    let latest = r.latest_run();
    let commit = latest.git_commit.as_deref().map(|c| format!(" · commit `{}`", short(c))).unwrap_or_default();
    let p = &r.policy;
    let mut text = format!(
        "## {badge} {}\n\nRun `{}`{commit} · {} judged · policy: {} runs, {} green in a row, \
         flake rate ≤ {:.0}%, pass-rate lower bound ≥ {:.2} at {:.0}% confidence",
        r.headline(),
        latest.run_id,
        count(r.runs.len(), "run"),
        p.min_runs,
        p.consecutive_passes,
        p.max_flake_rate * 100.0,
        p.min_pass_rate,
        p.confidence * 100.0,
    );
    if !r.verdict.infra_failures.is_empty() {
        text.push_str(&format!("\n\nNetwork checks failed in this run: {}", code_list(&r.verdict.infra_failures, usize::MAX)));
    }
    text
}

/// Reasons every feature gives, said once above the table.
fn common_reasons(common: &[String]) -> String {
    if common.is_empty() { String::new() } else { format!("For every feature: {}", cell(&common.join("; "))) }
}

fn verdict_table(r: &Report, common: &[String]) -> String {
    let header = "| Feature | Layer | Verdict | Runs | Pass rate (lower bound) | Flaky | Streak | Why |\n|---|---|---|---:|---:|---:|---:|---|";
    let rows = r.verdict.features.iter().map(|f| row(f, common));
    std::iter::once(header.to_owned()).chain(rows).collect::<Vec<_>>().join("\n")
}

fn row(f: &FeatureVerdict, common: &[String]) -> String {
    let s = &f.stats;
    let own: Vec<&str> = f.reasons.iter().filter(|r| !common.contains(r)).map(String::as_str).collect();
    let why = if own.is_empty() { "as for every feature".to_owned() } else { own.join("; ") };
    format!(
        "| `{}` | {} | {} {} | {} | {:.0}% ({:.2}) | {} | {} | {} |",
        f.id,
        super::layer(f.id),
        badge(f.stability),
        f.stability.label(),
        s.runs,
        s.pass_rate * 100.0,
        s.pass_rate_lower_bound,
        s.flaky,
        s.streak,
        cell(&why)
    )
}

/// A verdict's icon: Markdown is read where emoji render (PR comments, job summaries); the HTML
/// report colours the verdict instead.
const fn badge(stability: Stability) -> &'static str {
    match stability {
        Stability::Stable => "✅",
        Stability::Unstable => "❌",
        Stability::Flaky => "🔁",
        Stability::InsufficientData => "⏳",
        Stability::Infra => "⚠️",
    }
}

fn promotion(r: &Report) -> String {
    r.promotion
        .groups()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(label, ids)| format!("**{label} ({}):** {}", ids.len(), code_list(ids, usize::MAX)))
        .collect::<Vec<_>>()
        .join("  \n")
}

fn failures(r: &Report) -> String {
    if r.failures.is_empty() {
        return String::new();
    }
    let clusters = r.clusters.iter().map(|c| {
        format!("| {} | {} | {} | {} |", c.cause.name(), c.count, code_list(&c.tests, CLUSTER_TESTS), cell(&c.example))
    });
    let listed = r.failures.iter().take(LISTED_FAILURES).map(|f| {
        format!("- `{}` ({}, {}, {}): {}", f.test, f.outcome.name(), count(f.attempts as usize, "attempt"), f.cause.name(), cell(&f.message))
    });
    let unlisted = r.failures.len().saturating_sub(LISTED_FAILURES);
    let more = (unlisted > 0).then(|| format!("- … and {unlisted} more in report.html"));
    let mut lines = vec![
        "### Failures in the latest run".to_owned(),
        String::new(),
        "| Cause | Failed attempts | Tests | Example |".to_owned(),
        "|---|---:|---|---|".to_owned(),
    ];
    lines.extend(clusters);
    lines.push(String::new());
    lines.extend(listed.chain(more));
    lines.join("\n")
}

fn not_applicable(r: &Report) -> String {
    let items: Vec<String> = super::page::not_applicable(r).map(|(id, parts)| format!("- `{id}`: {}", cell(&parts.join("; ")))).collect();
    if items.is_empty() {
        return String::new();
    }
    format!("### Not checked on this network\n\n{}\n\n{}", super::page::NOT_APPLICABLE_INTRO, items.join("\n"))
}

fn footer(r: &Report) -> String {
    let repro = r.repro.as_deref().map(|c| format!("**Reproduce:** `{c}`\n\n")).unwrap_or_default();
    format!("{repro}<sub>The feature-by-run grid, trends, node logs and fork schedule are in report.html.</sub>")
}

fn code_list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let shown = items.iter().take(max).map(|i| format!("`{}`", i.as_ref()));
    let rest = items.len().saturating_sub(max);
    let more = (rest > 0).then(|| format!("+{rest} more"));
    shown.chain(more).collect::<Vec<_>>().join(", ")
}

/// Text safe inside a table cell: one line, no column breaks, not too long.
fn cell(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    match flat.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Cuts an oversized summary at a line break and says where the rest is.
fn fit(text: String) -> String {
    const NOTICE: &str = "\n\n_Summary cut to fit a PR comment; report.html has everything._\n";
    if text.len() <= MAX_CHARS {
        return text;
    }
    let budget = MAX_CHARS - NOTICE.len();
    let cut = text[..text.floor_char_boundary(budget)].rfind('\n').unwrap_or(0);
    format!("{}{NOTICE}", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_summary_is_cut_at_a_line_and_says_so() {
        let long = "| `isthmus.eip7702` | ❌ UNSTABLE | many words |\n".repeat(5_000);
        let cut = fit(long);
        assert!(cut.len() <= MAX_CHARS, "{}", cut.len());
        assert!(cut.ends_with("report.html has everything._\n"));
        assert!(cut.trim_end_matches(|c| c != '|').ends_with("words |"), "cut mid-line");
        assert_eq!(fit("short\n".into()), "short\n");
    }
}
