//! The three reports from a crafted history: the HTML parsed by a real HTML parser, the JSON
//! against its documented fields, the Markdown against its size limit.

mod verdict_support;

use std::collections::{BTreeMap, HashSet};

use harness::{
    forks::Fork,
    history::RunRecord,
    report::{MARKDOWN_MAX_CHARS, REPORT_SCHEMA_VERSION, Report},
    spec::{Mode, StabilityPolicy},
    verdict::judge,
};
use scraper::{Html, Selector};
use time::OffsetDateTime;
use verdict_support::{FIXTURE_FEATURES, nights, read_fixture, repeat, scope};

/// Nine green nights, one flaky, then `latest`.
fn history(latest: &'static str) -> Vec<RunRecord> {
    let mut fixtures = repeat("green.xml", 9);
    fixtures.push("flaky.xml");
    fixtures.push(latest);
    let mut runs = nights(&fixtures);
    let last = runs.last_mut().unwrap();
    last.fork_schedule = Some(BTreeMap::from([(Fork::Holocene, 0), (Fork::Isthmus, 8)]));
    runs
}

fn report(latest: &'static str) -> (Report, Vec<RunRecord>) {
    let runs = history(latest);
    let policy = StabilityPolicy::default();
    let verdict = judge(Mode::Alphanet, &runs, &scope(), &policy);
    let report = Report::new(verdict, &runs, &[read_fixture(latest)], &policy, OffsetDateTime::UNIX_EPOCH);
    (report, runs)
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

#[test]
fn the_html_grid_has_one_cell_per_feature_and_run() {
    let (report, runs) = report("red.xml");
    let html = Html::parse_document(&report.to_html());
    assert!(html.errors.is_empty(), "HTML parse errors: {:?}", html.errors);

    let cells = select(&html, "td[data-feature][data-run]");
    assert_eq!(cells.len(), FIXTURE_FEATURES.len() * runs.len());
    let pairs: HashSet<(&str, &str)> =
        cells.iter().map(|c| (c.attr("data-feature").unwrap(), c.attr("data-run").unwrap())).collect();
    assert_eq!(pairs.len(), cells.len(), "every (feature, run) pair appears once");

    let class_of = |feature: &str, run: &RunRecord| {
        let cell = cells.iter().find(|c| c.attr("data-feature") == Some(feature) && c.attr("data-run") == Some(&run.run_id));
        cell.unwrap().attr("class").unwrap().to_owned()
    };
    assert_eq!(class_of("isthmus.eip7702", &runs[10]), "cell fail");
    assert_eq!(class_of("isthmus.eip7702", &runs[9]), "cell flaky");
    assert_eq!(class_of("isthmus.eip7702", &runs[0]), "cell pass");
    assert_eq!(class_of("fjord.p256verify", &runs[10]), "cell pass");
    assert_eq!(select(&html, "svg.trend").len(), FIXTURE_FEATURES.len(), "a trend per feature");
}

#[test]
fn the_html_is_self_contained() {
    let html = Html::parse_document(&report("mixed-failures.xml").0.to_html());
    assert!(select(&html, "link, script, img, iframe, object").is_empty());
    for element in select(&html, "[src], [href]") {
        let target = element.attr("src").or(element.attr("href")).unwrap();
        assert!(target.starts_with('#'), "external reference {target}");
    }
    assert_eq!(select(&html, "style").len(), 1);
}

#[test]
fn the_html_shows_failing_tests_with_log_tails_schedule_and_repro() {
    let (report, _) = report("red.xml");
    let html = Html::parse_document(&report.to_html());
    let failures = select(&html, "details.failure");
    assert_eq!(failures.len(), 1);
    let text: String = failures[0].text().collect();
    assert!(text.contains("isthmus::eip7702::delegated_call"), "{text}");
    assert!(text.contains("[… 81 earlier lines]"), "the 121-line node log is cut to its tail: {text}");
    assert!(text.contains("WARN l2: delegated call returned empty output"), "the tail keeps the last line: {text}");
    assert!(text.contains("cargo nextest run --profile alphanet -E 'test(=isthmus::eip7702::delegated_call)'"), "{text}");

    let schedule: Vec<String> = select(&html, "h2 + table.list th").iter().map(|th| th.text().collect()).collect();
    assert!(schedule.contains(&"isthmus".to_owned()) && schedule.contains(&"holocene".to_owned()), "{schedule:?}");
    let page: String = html.root_element().text().collect();
    assert!(page.contains("+8 s"), "isthmus activates 8 s after genesis");
}

#[test]
fn the_json_follows_its_documented_schema() {
    let (report, runs) = report("mixed-failures.xml");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["schema_version"], REPORT_SCHEMA_VERSION);
    assert_eq!(json["status"], "not_stable");
    assert_eq!(json["runs"].as_array().unwrap().len(), runs.len());
    assert_eq!(json["network"]["mode"], "alphanet");
    assert_eq!(json["network"]["fork_schedule"]["isthmus"], 8);
    assert_eq!(json["policy"]["min_runs"], 10);

    let features = json["verdict"]["features"].as_array().unwrap();
    let eip7702 = features.iter().find(|f| f["id"] == "isthmus.eip7702").unwrap();
    assert_eq!(eip7702["verdict"], "UNSTABLE");
    assert_eq!(eip7702["outcomes"].as_array().unwrap().last().unwrap(), "fail");
    assert_eq!(eip7702["stats"]["runs"], 11);

    let clusters: BTreeMap<String, u64> = json["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["cause"].as_str().unwrap().to_owned(), c["count"].as_u64().unwrap()))
        .collect();
    let expected = [("assertion", 1), ("other", 1), ("revert", 1), ("timeout", 2)].map(|(k, v)| (k.to_owned(), v));
    assert_eq!(clusters, BTreeMap::from(expected));
    assert_eq!(json["failures"].as_array().unwrap().len(), 4);
}

#[test]
fn the_markdown_fits_a_pr_comment_and_says_what_moves_on() {
    let (report, _) = report("red.xml");
    let md = report.to_markdown();
    assert!(md.len() <= MARKDOWN_MAX_CHARS);
    assert!(md.starts_with("## ❌ Not stable: alphanet — 2 of 3 features stable"), "{md}");
    assert!(md.contains("| `isthmus.eip7702` | L2 | ❌ UNSTABLE | 11 |"), "{md}");
    assert!(md.contains("**Move on to Betanet (2):** `fjord.p256verify`, `isthmus.activation`"), "{md}");
    assert!(md.contains("**Back to scoping (1):** `isthmus.eip7702`"), "{md}");
    assert!(md.contains("| assertion | 2 | `isthmus::eip7702::delegated_call` |"), "{md}");
    assert!(md.contains("**Reproduce:** `cargo nextest run --profile alphanet -E 'test(/^isthmus::eip7702::/)'`"), "{md}");
}

#[test]
fn reports_are_written_together() {
    let dir = verdict_support::scratch("write").join("latest");
    let written = report("green.xml").0.write(&dir).unwrap();
    let names: Vec<_> = written.iter().map(|p| p.file_name().unwrap().to_str().unwrap()).collect();
    assert_eq!(names, ["verdict.json", "report.md", "report.html"]);
    assert!(written.iter().all(|p| std::fs::metadata(p).unwrap().len() > 0));
}

/// A part a test could not check on its network shows as such in every report, apart from
/// what passed.
#[test]
fn parts_not_applicable_are_reported_apart_from_the_passes() {
    let mut runs = history("green.xml");
    let part = "absent before fjord: fjord is active at genesis on op-alpha";
    let test = runs.last_mut().unwrap().tests.iter_mut().find(|t| t.features == ["fjord.p256verify"]).unwrap();
    test.not_applicable.push(part.to_owned());
    let name = test.name.clone();
    let policy = StabilityPolicy::default();
    let verdict = judge(Mode::Alphanet, &runs, &scope(), &policy);
    let report = Report::new(verdict, &runs, &[read_fixture("green.xml")], &policy, OffsetDateTime::UNIX_EPOCH);

    let markdown = report.to_markdown();
    let section = markdown.split("### Not checked on this network").nth(1).expect("a section for the parts not checked");
    assert!(section.contains(&format!("`fjord.p256verify`: `{name}`: {part}")), "{section}");
    let html = Html::parse_document(&report.to_html());
    let items: Vec<String> = select(&html, "#not-applicable li li").iter().map(|li| li.text().collect()).collect();
    assert_eq!(items, [format!("{name}: {part}")]);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let feature = json["verdict"]["features"].as_array().unwrap().iter().find(|f| f["id"] == "fjord.p256verify").unwrap();
    assert_eq!(feature["not_applicable"][0], format!("`{name}`: {part}"));
}
