//! `harness train status|betanet|remove|gate`: the release train from the train file and the
//! run history. Exit codes: 0 done (the gate open), 1 the answer is no (a feature not stable,
//! the gate closed), 2 a bad train file, spec or history.

use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::{
    forks::Layer,
    history::{History, Location, RunRecord},
    report,
    spec::{Mode, NetworkSpec},
    train::{
        Candidate, DEFAULT_TRAIN_FILE, Member, Removal, Train,
        betanet::{self, Plan},
        edit::{Edit, write_replacing},
        gate,
        naming_rule,
        status::{Evidence, TrainStatus},
    },
    verdict::{self, FeatureVerdict, Stability},
};
use time::OffsetDateTime;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The train file.
    #[arg(long, default_value = DEFAULT_TRAIN_FILE, global = true)]
    file: PathBuf,
    /// Run history: a folder or a postgres:// URL; default $HARNESS_HISTORY, else reports/history.
    #[arg(long, global = true)]
    history: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Check the train file against the catalog and the Alphanet spec; exits 2 naming file,
    /// line, field and fix for the first problem.
    Validate,
    /// One table, per candidate: its stage, latest verdict and evidence on each network, what
    /// blocks it and the next step. Writes train.md, train.html and train.json.
    Status {
        /// Folder for the pages.
        #[arg(long, default_value = "reports/train")]
        out: PathBuf,
        /// Print the JSON instead of the Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Write the Betanet spec from the features STABLE on the Alphanet (or the ones named,
    /// refused unless each is STABLE), and record the set in the train file.
    Betanet {
        /// Features to assemble; default every candidate STABLE on the Alphanet, plus the set.
        features: Vec<String>,
        /// The governance proposal's number, recorded in the train file.
        #[arg(long)]
        upgrade_number: Option<u32>,
        /// The hardfork name, recorded in the train file; only for a set that changes L2.
        #[arg(long)]
        hardfork_name: Option<String>,
        /// Start a new deployment even if the spec would not change (after a fix).
        #[arg(long)]
        redeploy: bool,
    },
    /// Take a feature out of the train; if it was in the Betanet set, the Betanet is redeployed
    /// without it and judged on a fresh history.
    Remove {
        feature: String,
        #[arg(long)]
        reason: String,
    },
    /// Whether the Betanet may move on: exit 0 when open, 1 listing what is missing.
    Gate {
        #[arg(value_enum)]
        target: GateTarget,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GateTarget {
    Testnet,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let train = Train::load(&args.file)?;
    let history = || History::open(&Location::resolve(args.history.as_deref()));
    match args.command {
        Command::Validate => validate(&train),
        Command::Status { out, json } => status(&train, &mut history()?, &out, json),
        Command::Betanet { features, upgrade_number, hardfork_name, redeploy } => {
            let request = Request { features, upgrade_number, hardfork_name, redeploy };
            assemble(&train, &mut history()?, &request)
        }
        Command::Remove { feature, reason } => remove(&train, &mut history()?, &feature, reason),
        Command::Gate { target: GateTarget::Testnet } => gate_testnet(&train, &mut history()?),
    }
}

/// Loading validated it; say what was found.
fn validate(train: &Train) -> anyhow::Result<Outcome> {
    let set = match train.betanet.current_name() {
        Some(name) => format!("Betanet `{name}`, {} in the set", train.betanet.features.len()),
        None => "no Betanet yet".to_owned(),
    };
    println!("ok      {} ({} on `{}`; {set})", train.path.display(), verdict::count(train.candidates.len(), "candidate"), train.alphanet.name);
    Ok(Outcome::Success)
}

/// The runs the train is judged from, and the Betanet spec on disk when it loads.
struct Runs {
    alphanet: Vec<RunRecord>,
    betanet: Vec<RunRecord>,
    betanet_spec: Option<NetworkSpec>,
}

impl Runs {
    fn read(train: &Train, history: &mut History) -> anyhow::Result<Self> {
        let alphanet = history.network(Some(&train.alphanet.name), Mode::Alphanet)?;
        let betanet = match train.betanet.current_name() {
            Some(name) => history.network(Some(&name), Mode::Betanet)?,
            None => Vec::new(),
        };
        let betanet_spec = train.betanet.current_name().and_then(|_| NetworkSpec::load(&train.betanet.spec).ok());
        Ok(Self { alphanet, betanet, betanet_spec })
    }

    fn status(&self, train: &Train) -> TrainStatus {
        let policy = self.betanet_spec.as_ref().map_or(&train.alphanet.stability, |s| &s.stability);
        let evidence = Evidence { alphanet: &self.alphanet, betanet: &self.betanet, betanet_policy: policy };
        TrainStatus::new(train, &evidence, OffsetDateTime::now_utc())
    }
}

fn status(train: &Train, history: &mut History, out: &Path, json: bool) -> anyhow::Result<Outcome> {
    let status = Runs::read(train, history)?.status(train);
    for path in report::train::write(&status, out).with_context(|| format!("writing the train pages into {}", out.display()))? {
        eprintln!("wrote {}", path.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", report::train::markdown(&status));
    }
    Ok(Outcome::Success)
}

struct Request {
    features: Vec<String>,
    upgrade_number: Option<u32>,
    hardfork_name: Option<String>,
    redeploy: bool,
}

fn assemble(train: &Train, history: &mut History, request: &Request) -> anyhow::Result<Outcome> {
    let alphanet_runs = history.network(Some(&train.alphanet.name), Mode::Alphanet)?;
    let scope: Vec<_> = train.candidates.iter().map(|c| c.feature).collect();
    let verdicts = verdict::judge(Mode::Alphanet, &alphanet_runs, &scope, &train.alphanet.stability).features;
    let chosen = match choose(train, &verdicts, &request.features)? {
        Choice::Set(chosen) => chosen,
        Choice::Refused(why) => {
            eprintln!("{why}");
            return Ok(Outcome::Failed);
        }
    };
    let number = request.upgrade_number.or(train.betanet.upgrade_number).context(
        "the Betanet has no upgrade number\n  fix: pass --upgrade-number N (the governance proposal's number), or set betanet.upgrade_number in the train file",
    )?;
    let name = request.hardfork_name.as_deref().or(train.betanet.hardfork_name.as_deref());
    let members: Vec<Member<'_>> = chosen.iter().map(|c| c.member()).collect();
    naming_rule(&members, name).map_err(|p| anyhow::anyhow!("{}: refused: {p}\n  fix: {}", train.path.display(), p.fix()))?;
    let deployment = next_deployment(train, &members, number, name, request.redeploy)?;
    let assembled = betanet::assemble(&Plan::new(train, &members, number, name, deployment))?;
    let mut edit = Edit::of(train);
    edit.numbers(request.upgrade_number, request.hardfork_name.as_deref());
    edit.set(&members.iter().map(|m| m.id).collect::<Vec<_>>(), deployment);
    edit.validate()?;
    write_replacing(&train.betanet.spec, &assembled.text).with_context(|| format!("writing {}", train.betanet.spec.display()))?;
    edit.write()?;
    let live: Vec<String> = assembled.spec.schedule().live_forks().map(|(f, t)| format!("{f} at +{t} s")).collect();
    println!(
        "wrote {} (`{}`): upgrade {number}{}, deployment {deployment}, {}: {}\n  live: {}\n  next: harness run {} --runs {}",
        train.betanet.spec.display(),
        assembled.spec.name,
        name.map(|n| format!(" ({n})")).unwrap_or_else(|| ", no hardfork name (the set changes only L1)".into()),
        verdict::count(members.len(), "feature"),
        members.iter().map(|m| m.id).collect::<Vec<_>>().join(", "),
        live.join(", "),
        train.betanet.spec.display(),
        train.alphanet.stability.min_runs
    );
    Ok(Outcome::Success)
}

enum Choice<'t> {
    Set(Vec<&'t Candidate>),
    /// Why nothing is assembled, naming the verdicts.
    Refused(String),
}

/// The set to assemble: the features named (each must be STABLE on the Alphanet), or every
/// candidate STABLE there (and not sent back by its audit) plus the current set.
fn choose<'t>(train: &'t Train, verdicts: &[FeatureVerdict], named: &[String]) -> anyhow::Result<Choice<'t>> {
    let verdict_of = |id: &str| verdicts.iter().find(|v| v.id == id).expect("every candidate was judged");
    let describe = |c: &Candidate| {
        let v = verdict_of(c.feature.id);
        format!("  {}: {} on the Alphanet ({})", c.feature.id, v.stability.label(), v.reasons.join("; "))
    };
    if !named.is_empty() {
        let chosen = named
            .iter()
            .map(|id| live_candidate(train, id))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let refused: Vec<String> = chosen.iter().filter(|c| verdict_of(c.feature.id).stability != Stability::Stable).map(|c| describe(c)).collect();
        if !refused.is_empty() {
            return Ok(Choice::Refused(format!("refused: only features STABLE on the Alphanet join the Betanet; nothing was written\n{}", refused.join("\n"))));
        }
        return Ok(Choice::Set(train.candidates.iter().filter(|c| named.iter().any(|n| n == c.feature.id)).collect()));
    }
    let in_set = |c: &Candidate| train.betanet.features.iter().any(|id| id == c.feature.id);
    let live = train.candidates.iter().filter(|c| c.removed.is_none());
    let (chosen, left): (Vec<&Candidate>, Vec<&Candidate>) =
        live.partition(|c| in_set(c) || (verdict_of(c.feature.id).stability == Stability::Stable && c.code_complete && !c.audit.sends_back()));
    if chosen.is_empty() {
        return Ok(Choice::Refused(format!("refused: no candidate is STABLE on the Alphanet; nothing was written\n{}", left.iter().map(|c| describe(c)).collect::<Vec<_>>().join("\n"))));
    }
    for candidate in &left {
        eprintln!("stays on the Alphanet:\n{}", describe(candidate));
    }
    Ok(Choice::Set(chosen))
}

/// Candidate `id`, which must not have been removed.
fn live_candidate<'t>(train: &'t Train, id: &str) -> anyhow::Result<&'t Candidate> {
    let candidate = train.candidate(id).with_context(|| format!("`{id}` is no candidate in {}\n  fix: add a [[feature]] entry for it", train.path.display()))?;
    anyhow::ensure!(
        candidate.removed.is_none(),
        "`{id}` was removed from the train ({})\n  fix: delete its `removed` entry in {} to bring it back",
        candidate.removed.as_ref().map(|r| r.reason.as_str()).unwrap_or_default(),
        train.path.display()
    );
    Ok(candidate)
}

/// The current deployment when the spec would be the same (and no redeploy was asked for),
/// else the next one: a new deployment is a new spec name, so it is judged on a fresh history.
fn next_deployment(train: &Train, members: &[Member<'_>], number: u32, name: Option<&str>, redeploy: bool) -> anyhow::Result<u32> {
    let current = train.betanet.deployment;
    if current == 0 {
        return Ok(1);
    }
    let same = betanet::assemble(&Plan::new(train, members, number, name, current)).ok().zip(NetworkSpec::load(&train.betanet.spec).ok());
    let unchanged = same.is_some_and(|(next, now)| harness::history::spec_hash(&next.spec) == harness::history::spec_hash(&now));
    Ok(if unchanged && !redeploy { current } else { current + 1 })
}

fn remove(train: &Train, history: &mut History, id: &str, reason: String) -> anyhow::Result<Outcome> {
    live_candidate(train, id)?;
    anyhow::ensure!(!reason.trim().is_empty(), "--reason is empty\n  fix: say why `{id}` leaves the train");
    let date = OffsetDateTime::now_utc().date().to_string();
    let mut edit = Edit::of(train);
    edit.removed(id, &Removal { reason: reason.clone(), date });
    let set: Vec<&Candidate> = train.set().into_iter().filter(|c| c.feature.id != id).collect();
    let was_in_set = train.betanet.features.iter().any(|f| f == id);
    if !was_in_set {
        edit.write()?;
        println!("removed `{id}` from the train ({reason}); it was not in the Betanet set, so the Betanet stays as it is");
        return Ok(Outcome::Success);
    }
    let old = train.betanet.current_name().unwrap_or_default();
    let old_runs = history.network(Some(&old), Mode::Betanet)?.len();
    let deployment = train.betanet.deployment + 1;
    let members: Vec<Member<'_>> = set.iter().map(|c| c.member()).collect();
    // An empty set keeps its name and number for the next assembly; an L1-only one loses the name.
    let unnamed = !members.is_empty() && members.iter().all(|m| m.layer == Layer::L1) && train.betanet.hardfork_name.is_some();
    if unnamed {
        edit.unname();
    }
    edit.set(&members.iter().map(|m| m.id).collect::<Vec<_>>(), deployment);
    let edited = edit.validate()?;
    if members.is_empty() {
        let _ = std::fs::remove_file(&train.betanet.spec);
    } else {
        let number = edited.betanet.upgrade_number.expect("a set always has an upgrade number");
        let assembled = betanet::assemble(&Plan::new(&edited, &members, number, edited.betanet.hardfork_name.as_deref(), deployment))?;
        write_replacing(&train.betanet.spec, &assembled.text).with_context(|| format!("writing {}", train.betanet.spec.display()))?;
    }
    edit.write()?;
    println!("removed `{id}` ({reason}) and took it out of the Betanet set, with any bundle it owns");
    if unnamed {
        println!("the set now changes only L1 contracts, so its hardfork name was dropped; the upgrade number stays");
    }
    match edited.betanet.current_name().filter(|_| !members.is_empty()) {
        Some(name) => println!(
            "the Betanet is redeployed as `{name}` ({}): its verdict history starts empty; the {old_runs} runs of `{old}` are not judged with it\n  next: harness run {} --runs {}",
            train.betanet.spec.display(),
            train.betanet.spec.display(),
            train.alphanet.stability.min_runs
        ),
        None => println!("the set is empty: there is no Betanet until `harness train betanet` assembles one"),
    }
    Ok(Outcome::Success)
}

fn gate_testnet(train: &Train, history: &mut History) -> anyhow::Result<Outcome> {
    let runs = Runs::read(train, history)?;
    let status = runs.status(train);
    let gate = gate::testnet(&status, &runs.betanet, runs.betanet_spec.as_ref());
    print!("{}", gate.to_text());
    Ok(if gate.passed() { Outcome::Success } else { Outcome::Failed })
}
