//! `report.html`: one self-contained page (inline CSS and SVG, nothing fetched) that a release
//! manager can open from a CI artifact. The first screen is the decision (what moves on, what
//! goes back, what is removed) with the counts by verdict, then the feature-by-run grid; the
//! verdict table, failures and fork schedule follow. Every grid cell carries `data-feature`
//! and `data-run`, so tools can count and read it.

use super::{
    Report, activation_text,
    page::{self, Group, Row, esc},
};
use crate::verdict::{FeatureVerdict, Recommendation, count};

pub fn render(r: &Report) -> String {
    let reasons: Vec<&[String]> = r.verdict.features.iter().map(|f| f.reasons.as_slice()).collect();
    let common = page::common(reasons.iter().copied());
    let body = [header(r), decision(r), page::common_block(&common), grid(r), verdicts(r, &common), failures(r), not_applicable(r), schedule(r)].concat();
    page::page(&format!("Stability: {}", r.title()), &body)
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
    format!("<h1>{}</h1>\n<p class=\"meta\">{}</p>\n", esc(&r.headline()), facts.join(" · "))
}

/// What moves on, what stays, what goes back and what is removed, with the counts by verdict.
fn decision(r: &Report) -> String {
    let groups: Vec<Group<'_>> = Recommendation::ALL
        .into_iter()
        .map(|rec| Group { label: rec.label(r.promotion.next_stage), tone: tone(rec), ids: r.promotion.ids(rec) })
        .collect();
    let counts = crate::verdict::tally(r.verdict.features.iter().map(|f| f.stability));
    let repro = r.repro.as_deref().map(|c| format!("<p>Reproduce what failed: <code>{}</code></p>\n", esc(c))).unwrap_or_default();
    format!("<section id=\"decision\">\n<h2>Decision</h2>\n{}{}{repro}</section>\n", page::counts("", &counts), page::decision(&groups))
}

const fn tone(recommendation: Recommendation) -> &'static str {
    match recommendation {
        Recommendation::Advance => "on",
        Recommendation::Hold => "hold",
        Recommendation::Rescope => "back",
        Recommendation::Remove => "removed",
    }
}

fn grid(r: &Report) -> String {
    let window = usize::try_from(r.policy.consecutive_passes).unwrap_or(usize::MAX).max(1);
    let rows: Vec<Row<'_>> = r.verdict.features.iter().map(|f| Row { id: f.id, anchor: format!("#f-{}", f.id), outcomes: &f.outcomes }).collect();
    page::grid("grid", "Feature by run", &r.runs, &rows, window)
}

fn verdicts(r: &Report, common: &[String]) -> String {
    let rows: String = r.verdict.features.iter().map(|f| verdict_row(f, r.verdict.next_stage, common)).collect();
    format!(
        "<section id=\"verdicts\">\n<h2>Verdicts</h2>\n<table class=\"list\">\n<thead><tr><th>Feature</th><th>Verdict</th><th>Next</th><th>Runs</th>\
         <th>Pass rate (lower bound)</th><th>Flaky</th><th>Streak</th><th>Why</th><th>Tests</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )
}

fn verdict_row(f: &FeatureVerdict, next_stage: &str, common: &[String]) -> String {
    let s = &f.stats;
    let tests: String = f.tests.iter().map(|t| format!("<li><code>{}</code></li>", esc(t))).collect();
    format!(
        "<tr id=\"f-{id}\"><th><code>{id}</code> <span class=\"meta\">{layer}</span><br><span class=\"meta\">{desc}</span></th><td class=\"verdict {label}\">{label}</td>\
         <td>{next}</td><td>{runs}</td><td>{rate:.0}% ({lower:.2})</td><td>{flaky}</td><td>{streak}</td><td>{reasons}</td>\
         <td><details><summary>{count}</summary><ul>{tests}</ul></details></td></tr>\n",
        id = esc(f.id),
        layer = super::layer(f.id),
        desc = esc(f.description),
        label = f.stability.label(),
        next = esc(&f.recommendation.label(next_stage)),
        runs = s.runs,
        rate = s.pass_rate * 100.0,
        lower = s.pass_rate_lower_bound,
        flaky = s.flaky,
        streak = s.streak,
        reasons = page::own_reasons(&f.reasons, common),
        count = f.tests.len(),
    )
}

fn failures(r: &Report) -> String {
    if r.failures.is_empty() {
        return "<section id=\"failures\">\n<h2>Failures in the latest run</h2>\n<p>None.</p>\n</section>\n".into();
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
        "<section id=\"failures\">\n<h2>Failures in the latest run</h2>\n<table class=\"list\">\n<thead><tr><th>Cause</th><th>Failed attempts</th><th>Tests</th><th>Example</th></tr></thead>\n\
         <tbody>\n{clusters}</tbody>\n</table>\n{details}</section>\n"
    )
}

fn not_applicable(r: &Report) -> String {
    let items: String = page::not_applicable(r)
        .map(|(id, parts)| format!("<li><code>{id}</code><ul>{}</ul></li>\n", parts.iter().map(|p| format!("<li>{}</li>", page::prose(p))).collect::<String>()))
        .collect();
    if items.is_empty() {
        return String::new();
    }
    format!("<section id=\"not-applicable\">\n<h2>Not checked on this network</h2>\n<p>{}</p>\n<ul>\n{items}</ul>\n</section>\n", page::NOT_APPLICABLE_INTRO)
}

fn schedule(r: &Report) -> String {
    let Some(schedule) = &r.network.fork_schedule else {
        return "<section id=\"schedule\">\n<h2>Fork schedule</h2>\n<p>Unknown: the run was judged without <code>--spec</code>.</p>\n</section>\n".into();
    };
    let rows: String = schedule.iter().map(|(fork, offset)| format!("<tr><th>{fork}</th><td>{}</td></tr>\n", activation_text(*offset))).collect();
    format!(
        "<section id=\"schedule\">\n<h2>Fork schedule</h2>\n<table class=\"list\">\n<thead><tr><th>Fork</th><th>Activates</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )
}

