//! The train's pages: `train.md` for a terminal, a PR or a job summary, `train.html` for the
//! meeting where the train leaves, `train.json` for tools. Like `report.html`, the first screen
//! says the decision with the counts by verdict, then the feature-by-run grids.

use std::path::{Path, PathBuf};

use super::page::{self, Group, Row, esc, prose};
use crate::{
    train::status::{Decision, FeatureStatus, Side, TrainStatus},
    verdict::{FeatureVerdict, RunOutcome},
};

/// Writes `train.json`, `train.md` and `train.html` into `dir`, creating it.
pub fn write(status: &TrainStatus, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(status).expect("a train status always serialises");
    [("train.json", json), ("train.md", markdown(status)), ("train.html", html(status))]
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).map(|()| path)
        })
        .collect()
}

/// `Train: Upgrade 21 (Mudstone), Betanet deployment 2 — 2 move on to Testnet, 1 goes back`
pub fn headline(status: &TrainStatus) -> String {
    let parts: Vec<String> = Decision::ALL
        .into_iter()
        .filter(|d| !status.ids(*d).is_empty())
        .map(|d| format!("{}: {}", d.label(), status.ids(d).len()))
        .collect();
    format!("Train: {} — {}", status.title(), if parts.is_empty() { "no candidates".to_owned() } else { parts.join(", ") })
}

/// Blockers every candidate shares, said once.
fn common(status: &TrainStatus) -> Vec<String> {
    page::common(status.features.iter().map(|f| f.blockers.as_slice()))
}

pub fn markdown(status: &TrainStatus) -> String {
    let mut lines = vec![format!("## {}", headline(status)), String::new()];
    for decision in Decision::ALL {
        let ids = status.ids(decision);
        if !ids.is_empty() {
            lines.push(format!("**{} ({}):** {}  ", decision.label(), ids.len(), ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")));
        }
    }
    lines.push(String::new());
    lines.push(side_line("Alphanet", &status.alphanet));
    if let Some(betanet) = &status.betanet {
        lines.push(side_line("Betanet", betanet));
    }
    let common = common(status);
    if !common.is_empty() {
        lines.push(String::new());
        lines.push(format!("For every feature: {}", common.join("; ")));
    }
    lines.push(String::new());
    lines.push("| Feature | Stage | Alphanet | Betanet | Audit | Blocked by | Next step |".into());
    lines.push("|---|---|---|---|---|---|---|".into());
    lines.extend(status.features.iter().map(|f| markdown_row(f, &common)));
    lines.join("\n") + "\n"
}

fn side_line(label: &str, side: &Side) -> String {
    let counts: Vec<String> = side.counts.iter().map(|(verdict, n)| format!("{verdict} {n}")).collect();
    format!("{label} `{}`, {} judged runs: {}  ", side.spec_name, side.runs.len(), if counts.is_empty() { "no features".to_owned() } else { counts.join(" · ") })
}

fn markdown_row(f: &FeatureStatus, common: &[String]) -> String {
    let own: Vec<&str> = f.blockers.iter().filter(|b| !common.contains(b)).map(String::as_str).collect();
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    format!(
        "| `{}` ({}) | {} | {} | {} | {} | {} | {} |",
        f.id,
        f.layer.name(),
        f.stage.label(),
        evidence(Some(&f.alphanet)),
        if f.in_set { evidence(f.betanet.as_ref()) } else { "—".into() },
        f.audit.name(),
        cell(&if own.is_empty() { "—".to_owned() } else { own.join("; ") }),
        cell(&f.next_step)
    )
}

/// `STABLE · 10 runs, 10 green, streak 10`
fn evidence(verdict: Option<&FeatureVerdict>) -> String {
    match verdict {
        None => "—".into(),
        Some(v) if v.stats.runs == 0 && v.stats.infra == 0 => format!("{} · no runs", v.stability.label()),
        Some(v) => format!("{} · {} runs, {} green, streak {}", v.stability.label(), v.stats.runs, v.stats.passes, v.stats.streak),
    }
}

pub fn html(status: &TrainStatus) -> String {
    let common = common(status);
    let body = [header(status), decision(status), page::common_block(&common), grids(status), table(status, &common)].concat();
    page::page(&headline(status), &body)
}

fn header(status: &TrainStatus) -> String {
    format!(
        "<h1>{}</h1>\n<p class=\"meta\">train file <code>{}</code> · generated {} · harness {}</p>\n",
        esc(&headline(status)),
        esc(&status.train_file),
        status.generated_at.date(),
        status.harness_version
    )
}

fn decision(status: &TrainStatus) -> String {
    let groups: Vec<Group<'_>> = Decision::ALL.into_iter().map(|d| Group { label: d.label().into(), tone: tone(d), ids: status.ids(d) }).collect();
    let alphanet = page::counts(&side_prefix("Alphanet", &status.alphanet), &status.alphanet.counts);
    let betanet = status.betanet.as_ref().map(|b| page::counts(&side_prefix("Betanet", b), &b.counts)).unwrap_or_default();
    format!("<section id=\"decision\">\n<h2>Decision</h2>\n{}{alphanet}{betanet}</section>\n", page::decision(&groups))
}

fn side_prefix(label: &str, side: &Side) -> String {
    format!("{label} <code>{}</code>, {} runs: ", esc(&side.spec_name), side.runs.len())
}

const fn tone(decision: Decision) -> &'static str {
    match decision {
        Decision::ToTestnet | Decision::ToBetanet => "on",
        Decision::Holds => "hold",
        Decision::GoesBack => "back",
        Decision::Removed => "removed",
    }
}

/// The Betanet's grid first (it decides what ships), then the Alphanet's.
fn grids(status: &TrainStatus) -> String {
    let betanet = status.betanet.as_ref().map(|side| {
        let rows: Vec<Row<'_>> = status.features.iter().filter_map(|f| f.betanet.as_ref().map(|v| row(f, &v.outcomes))).collect();
        page::grid("grid", &format!("Feature by run — Betanet {}", side.spec_name), &side.runs, &rows, window(side))
    });
    let rows: Vec<Row<'_>> = status.features.iter().map(|f| row(f, &f.alphanet.outcomes)).collect();
    let alpha_id = if betanet.is_some() { "grid-alphanet" } else { "grid" };
    let alphanet = page::grid(alpha_id, &format!("Feature by run — Alphanet {}", status.alphanet.spec_name), &status.alphanet.runs, &rows, window(&status.alphanet));
    betanet.unwrap_or_default() + &alphanet
}

fn row<'a>(f: &'a FeatureStatus, outcomes: &'a [RunOutcome]) -> Row<'a> {
    Row { id: f.id, anchor: format!("#f-{}", f.id), outcomes }
}

fn window(side: &Side) -> usize {
    usize::try_from(side.policy.consecutive_passes).unwrap_or(usize::MAX).max(1)
}

fn table(status: &TrainStatus, common: &[String]) -> String {
    let rows: String = status.features.iter().map(|f| table_row(f, common)).collect();
    format!(
        "<section id=\"features\">\n<h2>Every candidate</h2>\n<table class=\"list\">\n<thead><tr><th>Feature</th><th>Stage</th><th>Alphanet</th><th>Betanet</th>\
         <th>Audit</th><th>Blocked by</th><th>Next step</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )
}

fn table_row(f: &FeatureStatus, common: &[String]) -> String {
    let verdict = |v: Option<&FeatureVerdict>| match v {
        Some(v) => format!("<span class=\"verdict {0}\">{0}</span><br><span class=\"meta\">{1}</span>", v.stability.label(), esc(&evidence(Some(v)))),
        None => "—".into(),
    };
    format!(
        "<tr id=\"f-{id}\"><th><code>{id}</code> <span class=\"meta\">{layer}</span><br><span class=\"meta\">{desc}</span></th><td>{stage}</td><td>{alpha}</td><td>{beta}</td>\
         <td>{audit}</td><td>{blockers}</td><td>{next}</td></tr>\n",
        id = esc(f.id),
        layer = f.layer.name(),
        desc = esc(f.description),
        stage = f.stage.label(),
        alpha = verdict(Some(&f.alphanet)),
        beta = verdict(f.betanet.as_ref()),
        audit = f.audit.name(),
        blockers = page::own_reasons(&f.blockers, common),
        next = prose(&f.next_step),
    )
}
