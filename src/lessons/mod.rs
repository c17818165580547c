//! Guided lessons on the live engine, written as data.
//!
//! A lesson is a scenario (a preset, or a file under `scenarios/lessons/`, plus optional
//! overrides by field path) and ordered steps. Each step has short text, the elements to
//! highlight (node ids or named panels), an optional "try this" ([`Action`]s that become
//! engine [`Command`](crate::sim::Command)s) and an optional completion [`Condition`]
//! evaluated on the engine. The lessons live in `lessons/*.json`; [`catalog`] parses and
//! validates them once. Nothing here knows the browser: the playground draws a lesson and
//! sends its commands, the native tests run the same steps on a fixed seed.
//!
//! ```
//! let catalog = msgflow::lessons::catalog().expect("the built-in lessons are valid");
//! assert_eq!(catalog.lessons[0].id, "request-response");
//! ```

mod action;
mod eval;
mod validate;

pub use action::apply_path;
pub use eval::{Baseline, Unit};
pub use validate::LessonError;

use crate::payload::Encoding;
use crate::scenario::{preset, Fault, Scenario, StatusCode};
use serde::Deserialize;
use std::sync::OnceLock;

/// The lesson files, in the order the picker lists them.
const LESSON_FILES: &[(&str, &str)] = &[
    (
        "01-request-response.json",
        include_str!("../../lessons/01-request-response.json"),
    ),
    (
        "02-decoupling.json",
        include_str!("../../lessons/02-decoupling.json"),
    ),
    (
        "03-scaling-out.json",
        include_str!("../../lessons/03-scaling-out.json"),
    ),
    (
        "04-fan-out.json",
        include_str!("../../lessons/04-fan-out.json"),
    ),
    (
        "05-message-format.json",
        include_str!("../../lessons/05-message-format.json"),
    ),
    (
        "06-delivery.json",
        include_str!("../../lessons/06-delivery.json"),
    ),
    (
        "07-retries.json",
        include_str!("../../lessons/07-retries.json"),
    ),
    (
        "08-partitions.json",
        include_str!("../../lessons/08-partitions.json"),
    ),
    (
        "09-hybrid.json",
        include_str!("../../lessons/09-hybrid.json"),
    ),
];

/// The closing page.
const CLOSING_FILE: (&str, &str) = (
    "which-one.json",
    include_str!("../../lessons/which-one.json"),
);

/// Scenario files lessons may use instead of a preset's document (`scenarios/lessons/`).
const SCENARIO_FILES: &[(&str, &str)] = &[
    (
        "scaling-out",
        include_str!("../../scenarios/lessons/scaling-out.json"),
    ),
    (
        "fan-out",
        include_str!("../../scenarios/lessons/fan-out.json"),
    ),
    (
        "message-format",
        include_str!("../../scenarios/lessons/message-format.json"),
    ),
    (
        "delivery",
        include_str!("../../scenarios/lessons/delivery.json"),
    ),
    (
        "retries",
        include_str!("../../scenarios/lessons/retries.json"),
    ),
    (
        "partitions",
        include_str!("../../scenarios/lessons/partitions.json"),
    ),
];

/// Named parts of the page a step may highlight besides nodes.
pub const PANELS: &[&str] = &[
    "metrics",
    "params",
    "inspector",
    "log",
    "controls",
    "faults",
    "readouts",
];

/// Virtual seconds a step's condition is given when the lesson does not say.
pub const DEFAULT_WITHIN_S: f64 = 30.0;

/// Every lesson and the closing page.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// The lessons, in order.
    pub lessons: Vec<Lesson>,
    /// "Which one should I use?"
    pub closing: Closing,
}

impl Catalog {
    /// The lesson with this id.
    pub fn get(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }
    /// Index of the lesson with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.lessons.iter().position(|l| l.id == id)
    }
}

/// One guided lesson.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Stable id, used in links (`?lesson=<id>`).
    pub id: String,
    /// Title.
    pub title: String,
    /// One sentence for the picker.
    pub summary: String,
    /// What runs.
    pub scenario: ScenarioRef,
    /// Seed of the run (the tests use the same one).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Suggested speed (virtual seconds per wall second) when the link gives none.
    #[serde(default)]
    pub speed: Option<f64>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

fn default_seed() -> u64 {
    1
}

/// The scenario of a lesson: a preset, or a lesson scenario file, plus overrides.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRef {
    /// The preset this lesson starts from (also the mode the picker shows).
    pub preset: String,
    /// A file under `scenarios/lessons/` (without `.json`) used instead of the preset's document.
    #[serde(default)]
    pub file: Option<String>,
    /// Values set by field path before the run starts.
    #[serde(default)]
    pub set: Vec<SetValue>,
}

/// A value set at a field path, e.g. `nodes[workers].role.consumer_group.count`.
///
/// A bracket holds an index or a key: the `id` or `name` of an element, or `a~b` for the
/// link between nodes `a` and `b`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetValue {
    /// Field path.
    pub path: String,
    /// New value (any JSON).
    pub value: serde_json::Value,
}

/// One step of a lesson.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Short title.
    pub title: String,
    /// What to look at, in plain words.
    pub text: String,
    /// Node ids and panel names ([`PANELS`]) to highlight.
    #[serde(default)]
    pub highlight: Vec<String>,
    /// Something to do.
    #[serde(default, rename = "try")]
    pub try_this: Option<TryThis>,
    /// When the step has shown its point.
    #[serde(default)]
    pub done_when: Option<Condition>,
    /// What the learner saw, shown once the condition holds.
    #[serde(default)]
    pub done_text: String,
    /// Live figures shown with the step (measured and predicted).
    #[serde(default)]
    pub show: Vec<Readout>,
    /// Virtual seconds the condition is given in tests (default [`DEFAULT_WITHIN_S`]).
    #[serde(default)]
    pub within_s: Option<f64>,
}

/// A "try this" button: a label and what it does, in order.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryThis {
    /// Button label.
    pub label: String,
    /// Actions performed one after another, at the same virtual time.
    pub actions: Vec<Action>,
}

/// Something a lesson does to the running engine.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A failure or recovery, as in a scenario's fault timeline.
    Fault(Fault),
    /// A parameter change: a value at a field path of the running scenario.
    Set(SetValue),
    /// One more consumer in a group (`count` more when given).
    AddConsumer {
        node: String,
        #[serde(default = "one")]
        count: u32,
    },
}

fn one() -> u32 {
    1
}

/// A live figure: a label and a metric.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readout {
    /// What it is, e.g. "Predicted wait (M/M/c)".
    pub label: String,
    /// How it is computed.
    pub metric: Metric,
}

/// A completion condition.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
    /// `metric op value`.
    Check { metric: Metric, op: Op, value: f64 },
    /// `left op factor × right`.
    Compare {
        left: Metric,
        op: Op,
        right: Metric,
        #[serde(default = "unit_factor")]
        factor: f64,
    },
}

fn unit_factor() -> f64 {
    1.0
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
}

impl Op {
    /// `a op b`; false when either side is not a number.
    pub fn holds(self, a: f64, b: f64) -> bool {
        if a.is_nan() || b.is_nan() {
            return false;
        }
        match self {
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Eq => a == b,
        }
    }
}

/// A counter of the engine's metrics; call statuses count finished calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterName {
    Sent,
    Delivered,
    Acked,
    Nacked,
    Retried,
    Redelivered,
    Duplicated,
    Reordered,
    Republished,
    Processed,
    Lost,
    Expired,
    DeadLettered,
    Late,
    Cancelled,
    Refused,
    /// Calls that ended OK.
    Ok,
    /// Calls that ended with DEADLINE_EXCEEDED.
    DeadlineExceeded,
    /// Calls that ended with RESOURCE_EXHAUSTED.
    ResourceExhausted,
    /// Calls that ended with UNAVAILABLE.
    Unavailable,
    /// Calls that ended with any error status.
    FailedCalls,
    /// Attempts: first attempts plus retries.
    Attempts,
}

impl CounterName {
    /// The status code this counter counts, if it is one.
    pub fn status(self) -> Option<StatusCode> {
        match self {
            CounterName::Ok => Some(StatusCode::Ok),
            CounterName::DeadlineExceeded => Some(StatusCode::DeadlineExceeded),
            CounterName::ResourceExhausted => Some(StatusCode::ResourceExhausted),
            CounterName::Unavailable => Some(StatusCode::Unavailable),
            _ => None,
        }
    }
}

/// Which order-service message a size is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageName {
    /// `PlaceOrderRequest`.
    OrderRequest,
    /// `PlaceOrderReply`.
    OrderReply,
    /// `OrderPlaced`.
    OrderPlaced,
}

/// A number read from the engine (or predicted from the running scenario).
///
/// Counters, mean latencies and mean waits count from the start of the step (the moment
/// it was entered or its "try this" was performed) unless `run` is true.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Metric {
    /// A counter of one node, or of the whole run when `node` is absent.
    Count {
        of: CounterName,
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        run: bool,
    },
    /// Messages waiting now: ready in a broker's queues (or records not yet committed in
    /// its logs; one box when `queue` names it), in a service's backlogs, or buffered at a
    /// consumer group (one instance of it when `instance` names it, counted from 0).
    QueueDepth {
        node: String,
        #[serde(default)]
        queue: Option<String>,
        #[serde(default)]
        instance: Option<u32>,
    },
    /// Messages in a broker's dead-letter queues now.
    DeadLetters { node: String },
    /// Consumers of a group that are up but have nothing to do: no partition of a log, or
    /// (queues) nothing delivered to them.
    IdleConsumers { node: String },
    /// Mean latency of a client's OK calls, or end to end at a consumer group, in ms.
    MeanLatency {
        node: String,
        #[serde(default)]
        run: bool,
    },
    /// Mean wait in the waiting line of a service or consumer group, in ms.
    MeanWait {
        node: String,
        #[serde(default)]
        run: bool,
    },
    /// The M/M/c prediction of that mean wait from the running scenario's parameters, in ms
    /// (not a number when arrivals outpace the servers).
    PredictedWait { node: String },
    /// The latency of a call from a client through its chain of services with no
    /// waiting: every hop's round trip plus every service's mean time, in ms.
    ChainLatency { node: String },
    /// Mean encoded body size of a message over ids 1–100, in bytes.
    BodyBytes {
        message: MessageName,
        encoding: Encoding,
    },
    /// `of / per` (not a number when `per` is 0).
    Ratio { of: Box<Metric>, per: Box<Metric> },
    /// The sum of several metrics.
    Sum(Vec<Metric>),
    /// Virtual seconds since the step started.
    Elapsed,
}

/// The closing page: which one to use, tied back to the lessons.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// Title.
    pub title: String,
    /// One paragraph.
    pub intro: String,
    /// The points.
    pub points: Vec<Point>,
}

/// One point of the closing page.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// "gRPC", "A broker" or "Both".
    pub choose: String,
    /// When.
    pub when: String,
    /// What the learner saw that shows it.
    pub because: String,
    /// Lesson ids it links back to.
    pub lessons: Vec<String>,
}

impl Lesson {
    /// Parses and validates one lesson file (`file` names it in errors).
    pub fn from_json(file: &str, json: &str) -> Result<Lesson, LessonError> {
        let lesson: Lesson = validate::parse(file, json)?;
        lesson.validate(file)?;
        Ok(lesson)
    }

    /// The lesson's scenario with its overrides applied.
    pub fn scenario(&self) -> Result<Scenario, LessonError> {
        let s = &self.scenario;
        let err = |path: &str, msg: String| LessonError::new(&self.id, None, path, msg);
        let base = match &s.file {
            Some(f) => {
                let json = SCENARIO_FILES
                    .iter()
                    .find(|(name, _)| name == f)
                    .map(|(_, j)| *j)
                    .ok_or_else(|| {
                        let known: Vec<&str> = SCENARIO_FILES.iter().map(|(n, _)| *n).collect();
                        err(
                            "scenario.file",
                            format!("no lesson scenario `{f}`; known: {}", known.join(", ")),
                        )
                    })?;
                Scenario::from_json(json)
                    .map_err(|e| err("scenario.file", format!("`{f}` is invalid: {e}")))?
            }
            None => preset(&s.preset)
                .ok_or_else(|| err("scenario.preset", format!("no preset `{}`", s.preset)))?,
        };
        let mut cur = base;
        for (i, sv) in s.set.iter().enumerate() {
            cur = apply_path(&cur, &sv.path, &sv.value)
                .map_err(|m| err(&format!("scenario.set[{i}]"), m))?;
        }
        Ok(cur)
    }

    /// Virtual seconds step `i`'s condition is given.
    pub fn within_s(&self, i: usize) -> f64 {
        self.steps
            .get(i)
            .and_then(|s| s.within_s)
            .unwrap_or(DEFAULT_WITHIN_S)
    }
}

/// Every built-in lesson, parsed and validated once.
pub fn catalog() -> Result<&'static Catalog, &'static LessonError> {
    static CATALOG: OnceLock<Result<Catalog, LessonError>> = OnceLock::new();
    CATALOG.get_or_init(load).as_ref()
}

fn load() -> Result<Catalog, LessonError> {
    let mut lessons = Vec::with_capacity(LESSON_FILES.len());
    for (file, json) in LESSON_FILES {
        let l = Lesson::from_json(file, json)?;
        if lessons.iter().any(|x: &Lesson| x.id == l.id) {
            return Err(LessonError::new(
                file,
                None,
                "id",
                format!("`{}` is used by two lessons", l.id),
            ));
        }
        lessons.push(l);
    }
    let closing: Closing = validate::parse(CLOSING_FILE.0, CLOSING_FILE.1)?;
    for (i, p) in closing.points.iter().enumerate() {
        for (j, id) in p.lessons.iter().enumerate() {
            if !lessons.iter().any(|l| &l.id == id) {
                return Err(LessonError::new(
                    CLOSING_FILE.0,
                    None,
                    &format!("points[{i}].lessons[{j}]"),
                    format!("no lesson `{id}`"),
                ));
            }
        }
    }
    Ok(Catalog { lessons, closing })
}
