//! A replayable engine run — a scenario, a seed and live commands at fixed virtual times —
//! and the checks every run must pass: no panic, the conservation invariant after every
//! event, a ledger that matches a recount, refused commands that change nothing, and the
//! same trace hash when the same case runs twice.
//!
//! Shared by the native tests (regressions, stress) and the fuzz targets, which include this
//! file with `#[path]`; it depends only on `msgflow`, `serde` and `serde_json`. A case is a
//! JSON document, so a failing fuzz input is kept as a file under `tests/regressions/`.

use msgflow::scenario::{Fault, Scenario, ScenarioError};
use msgflow::sim::{Command, Engine, SimTime};
use serde::{Deserialize, Serialize};

/// One engine run to replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Seed of the run.
    pub seed: u64,
    /// The scenario (validated before running).
    pub scenario: Scenario,
    /// Live commands, applied in order once virtual time reaches `at_ms`.
    #[serde(default)]
    pub commands: Vec<Timed>,
    /// Virtual time to run to.
    pub until_ms: f64,
    /// Events processed at most (the run stops early when they are used up).
    pub max_events: u64,
}

/// A command at a virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timed {
    /// When, in virtual milliseconds.
    pub at_ms: f64,
    /// What.
    pub command: CaseCommand,
}

/// A live command, as the playground sends them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseCommand {
    /// Inject a fault now.
    Fault(Fault),
    /// New parameters (refused unless nodes, links and targets are the same).
    Update(Box<Scenario>),
}

/// What a run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Hash of every processed event (`Engine::trace_hash`).
    pub trace_hash: u64,
    /// Events processed.
    pub events: u64,
    /// Messages created.
    pub created: u64,
    /// Commands the engine refused.
    pub refused: usize,
}

fn checked(e: &Engine, what: &str) -> Result<(), String> {
    if let Some(v) = e.violation() {
        return Err(format!("{what}: invariant broken: {v}"));
    }
    e.audit().map_err(|v| format!("{what}: audit failed: {v}"))
}

/// Runs events up to `t`, spending at most `budget` events; false when the budget ran out.
fn advance(e: &mut Engine, t: SimTime, budget: &mut u64) -> bool {
    let before = e.events_processed();
    let reached = e.run_until_bounded(t, *budget);
    *budget -= e.events_processed() - before;
    reached
}

/// Checks that every error names a problem; when the input was a JSON object, that every
/// error also names the field it is about.
pub fn check_errors(input: Option<&str>, err: &ScenarioError) -> Result<(), String> {
    if err.errors.is_empty() {
        return Err("an error without any problem in it".into());
    }
    let object = input.is_some_and(|s| {
        s.len() <= msgflow::scenario::limits::MAX_SCENARIO_BYTES
            && serde_json::from_str::<serde_json::Value>(s).is_ok_and(|v| v.is_object())
    });
    for e in &err.errors {
        if e.message.trim().is_empty() {
            return Err(format!("an error without a message at `{}`", e.path));
        }
        if (object || input.is_none()) && e.path.is_empty() {
            return Err(format!("an error without a field path: {}", e.message));
        }
    }
    Ok(())
}

/// Runs `case` once, checking every invariant along the way.
pub fn run(case: &Case) -> Result<Outcome, String> {
    if let Err(e) = case.scenario.validate() {
        return Err(format!("the scenario is not valid:\n{e}"));
    }
    let mut e = Engine::new(case.scenario.clone(), case.seed);
    e.set_invariant_checks(true);
    let mut budget = case.max_events;
    let mut refused = 0;
    for (i, c) in case.commands.iter().enumerate() {
        if !advance(&mut e, SimTime::from_ms(c.at_ms), &mut budget) {
            break;
        }
        let command = match &c.command {
            CaseCommand::Fault(f) => Command::Fault(f.clone()),
            CaseCommand::Update(s) => Command::Update(s.clone()),
        };
        let before = e.scenario().clone();
        if let Err(err) = e.inject(command) {
            refused += 1;
            check_errors(None, &err).map_err(|m| format!("commands[{i}]: {m}"))?;
            if e.scenario() != &before {
                return Err(format!(
                    "commands[{i}] was refused but changed the scenario"
                ));
            }
        }
        checked(&e, &format!("after commands[{i}]"))?;
    }
    advance(&mut e, SimTime::from_ms(case.until_ms), &mut budget);
    checked(&e, "at the end")?;
    let m = e.metrics();
    Ok(Outcome {
        trace_hash: e.trace_hash(),
        events: e.events_processed(),
        created: m.ledger.created,
        refused,
    })
}

/// Runs `case` twice: both runs must pass every check and give the same trace.
pub fn run_twice(case: &Case) -> Result<Outcome, String> {
    let a = run(case)?;
    let b = run(case)?;
    if a != b {
        return Err(format!("same case, different runs: {a:?} vs {b:?}"));
    }
    Ok(a)
}

/// A valid scenario survives export and import unchanged.
pub fn round_trips(s: &Scenario) -> Result<(), String> {
    let json = s.to_json();
    match Scenario::from_json(&json) {
        Ok(back) if &back == s => Ok(()),
        Ok(back) => Err(format!(
            "export then import changed the scenario:\n{}",
            back.to_json()
        )),
        Err(e) => Err(format!("its own export is refused:\n{e}")),
    }
}

/// Runs `f`, turning a panic into an error (so the failing case is printed).
pub fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("panicked: {msg}"))
    })
}
