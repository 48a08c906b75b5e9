//! The pages as a person sees them, in headless Chromium (Debian's package, installed by
//! scripts/setup): the first screen of `report.html` and of the train page must show the
//! decision with the counts by verdict and the start of the feature-by-run grid, and every
//! other section must be on the page. A screenshot of each first screen goes to target/ for
//! people to look at; the layout each section got is read back from the browser and checked.

mod train_support;
mod verdict_support;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use harness::{
    history::{RunRecord, TestOutcome},
    report::{Report, train},
    spec::{Mode, StabilityPolicy},
    train::{Train as TrainFile, status::{Evidence, TrainStatus}},
    verdict::judge,
};
use time::OffsetDateTime;
use train_support::{Train, shipped};
use verdict_support::{nights, read_fixture, repeat, scope};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The first screen: a laptop's browser window.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;
/// How long one Chromium invocation may take.
const DEADLINE: Duration = Duration::from_secs(60);

/// Where a section landed: (id, top, height) in CSS pixels.
type Layout = Vec<(String, i64, i64)>;

/// Runs headless Chromium on `page` with `extra` arguments, in a fresh profile.
fn chromium(page: &Path, extra: &[String]) -> String {
    assert!(Path::new(CHROMIUM).is_file(), "{CHROMIUM} is missing\n  fix: run scripts/setup (it installs Debian's chromium package)");
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("chromium did not finish {} within {DEADLINE:?}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Renders `html` in Chromium: saves a screenshot of the first screen as `target/…/<name>.png`
/// and returns the layout of the heading and every `<section>`, measured by the browser.
fn render(name: &str, html: &str) -> Layout {
    let dir = pages_dir();
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let shot = dir.join(format!("{name}.png"));
    chromium(&page, &[format!("--screenshot={}", shot.display())]);
    assert_eq!(png_size(&shot), (WIDTH, HEIGHT), "{} is a first-screen screenshot", shot.display());

    // A copy that measures itself: a script at the end of the body reads every section's box.
    let probe = r#"<script>document.body.dataset.probe=[...document.querySelectorAll('h1,section[id]')].map(e=>{const r=e.getBoundingClientRect();return (e.id||e.tagName.toLowerCase())+':'+Math.round(r.top)+':'+Math.round(r.height)}).join(' ')</script></body>"#;
    let probed = dir.join(format!("{name}-probe.html"));
    std::fs::write(&probed, html.replacen("</body>", probe, 1)).unwrap();
    let dom = chromium(&probed, &["--dump-dom".to_owned()]);
    let start = dom.find("data-probe=\"").expect("the probe ran") + "data-probe=\"".len();
    let probe = &dom[start..start + dom[start..].find('"').unwrap()];
    probe
        .split(' ')
        .map(|entry| {
            let parts: Vec<&str> = entry.split(':').collect();
            (parts[0].to_owned(), parts[1].parse().unwrap(), parts[2].parse().unwrap())
        })
        .collect()
}

fn pages_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pages");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(file: &Path) -> (u32, u32) {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", file.display()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", file.display());
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Every section in `present` is on the page; every one in `first_screen` starts on the first
/// screen and is not empty.
fn assert_layout(page: &str, layout: &Layout, first_screen: &[&str], present: &[&str]) {
    let find = |id: &str| layout.iter().find(|(name, ..)| name == id).unwrap_or_else(|| panic!("{page}: section `{id}` is missing: {layout:?}"));
    for id in first_screen {
        let (_, top, height) = find(id);
        assert!(*top < i64::from(HEIGHT) && *height > 0, "{page}: `{id}` is not on the first screen (top {top}, height {height}): {layout:?}");
    }
    for id in present {
        find(id);
    }
    let order: Vec<&str> = first_screen.iter().map(|id| find(id)).map(|(name, ..)| name.as_str()).collect();
    let mut by_top = order.clone();
    by_top.sort_by_key(|id| find(id).1);
    assert_eq!(by_top, order, "{page}: the first screen reads in this order");
}

#[test]
fn the_first_screen_of_report_html_is_the_decision_then_the_grid() {
    let mut fixtures = repeat("green.xml", 12);
    fixtures.extend(["flaky.xml", "red.xml"]);
    let runs = nights(&fixtures);
    let policy = StabilityPolicy::default();
    let report = Report::new(judge(Mode::Alphanet, &runs, &scope(), &policy), &runs, &[read_fixture("red.xml")], &policy, OffsetDateTime::UNIX_EPOCH);
    let layout = render("report", &report.to_html());
    assert_layout("report.html", &layout, &["h1", "decision", "grid"], &["verdicts", "failures", "schedule"]);
}

/// A train at the meeting: two features ready for Testnet, one gone back, one removed.
fn train_status() -> TrainStatus {
    let text = r#"
[alphanet]
spec = "alphanet.toml"

[betanet]
spec = "betanet-train.toml"
upgrade_number = 21
hardfork_name = "Mudstone"
deployment = 2
features = ["fjord.p256verify", "isthmus.activation"]

[[feature]]
id = "fjord.p256verify"
code_complete = true
audit = "passed"

[[feature]]
id = "isthmus.activation"
code_complete = true
audit = "not_needed"

[[feature]]
id = "isthmus.eip7702"
code_complete = true
audit = "passed"

[[feature]]
id = "isthmus.eip2935"
code_complete = true
audit = "high_risk"
removed = { reason = "the audit found a high risk", date = "2026-07-01" }
"#;
    let dir = Train::new("pages-train", &shipped("alphanet.toml"), text);
    let set = ["fjord.p256verify", "isthmus.activation"];
    let mut alphanet: Vec<RunRecord> = (0..12).map(|d| train_support::run("alphanet", Mode::Alphanet, &set, TestOutcome::Passed, d)).collect();
    alphanet.extend((12..16).map(|d| train_support::run("alphanet", Mode::Alphanet, &["isthmus.eip7702"], TestOutcome::Failed, d)));
    let betanet: Vec<RunRecord> = (20..32).map(|d| train_support::run("betanet-21-d2", Mode::Betanet, &set, TestOutcome::Passed, d)).collect();
    let loaded = TrainFile::load(&dir.file()).unwrap();
    let evidence = Evidence { alphanet: &alphanet, betanet: &betanet, betanet_policy: &loaded.alphanet.stability };
    TrainStatus::new(&loaded, &evidence, OffsetDateTime::UNIX_EPOCH)
}

#[test]
fn the_first_screen_of_the_train_page_is_the_decision_then_the_grids() {
    let status = train_status();
    assert_eq!(status.ids(harness::train::status::Decision::ToTestnet), ["fjord.p256verify", "isthmus.activation"]);
    let layout = render("train", &train::html(&status));
    assert_layout("train.html", &layout, &["h1", "decision", "grid"], &["grid-alphanet", "features"]);
}
