//! Parsing and validation of lessons: every error names the lesson, the step and the field.

use super::eval::{broker_has_log, queue_model};
use super::{Condition, Lesson, Metric, Step, PANELS};
use crate::scenario::{Role, Scenario};
use crate::sim::Command;
use serde::de::DeserializeOwned;
use std::fmt;

/// A lesson that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    /// The lesson's id (or its file when the id is not known yet).
    pub lesson: String,
    /// The step, counted from 1.
    pub step: Option<usize>,
    /// Field path inside the lesson, e.g. `steps[2].try.actions[0]`.
    pub path: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl LessonError {
    pub(crate) fn new(lesson: &str, step: Option<usize>, path: &str, message: String) -> Self {
        LessonError {
            lesson: lesson.to_string(),
            step,
            path: path.to_string(),
            message,
        }
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lesson `{}`", self.lesson)?;
        if let Some(s) = self.step {
            write!(f, ", step {s}")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ", {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for LessonError {}

/// Parses a lesson file, naming the field path of the first problem. In the browser, which
/// only reads the built-in lessons the native tests have parsed with paths, the plain parser
/// keeps the bundle smaller and names the line and column instead.
#[cfg(target_arch = "wasm32")]
pub(super) fn parse<T: DeserializeOwned>(file: &str, json: &str) -> Result<T, LessonError> {
    serde_json::from_str(json).map_err(|e| LessonError::new(file, None, "", e.to_string()))
}

/// Parses a lesson file, naming the field path of the first problem.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn parse<T: DeserializeOwned>(file: &str, json: &str) -> Result<T, LessonError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let step = path
            .strip_prefix("steps[")
            .and_then(|r| r.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n + 1);
        LessonError::new(file, step, &path, e.into_inner().to_string())
    })
}

struct Checker<'a> {
    id: &'a str,
    step: usize,
    s: &'a Scenario,
}

impl Checker<'_> {
    fn err(&self, path: &str, msg: impl Into<String>) -> LessonError {
        LessonError::new(
            self.id,
            Some(self.step + 1),
            &format!("steps[{}].{path}", self.step),
            msg.into(),
        )
    }

    fn node_ids(&self) -> String {
        let ids: Vec<&str> = self.s.nodes.iter().map(|n| n.id.as_str()).collect();
        ids.join(", ")
    }

    fn role(&self, path: &str, id: &str) -> Result<&Role, LessonError> {
        self.s
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| &n.role)
            .ok_or_else(|| {
                self.err(
                    path,
                    format!("no node `{id}` in the scenario; nodes: {}", self.node_ids()),
                )
            })
    }

    fn expect(&self, path: &str, id: &str, ok: bool, what: &str) -> Result<(), LessonError> {
        if ok {
            Ok(())
        } else {
            Err(self.err(path, format!("`{id}` is not {what}")))
        }
    }

    fn metric(&self, path: &str, m: &Metric) -> Result<(), LessonError> {
        let node_path = |v: &str| format!("{path}.{v}.node");
        match m {
            Metric::Count { node: Some(id), .. } => {
                self.role(&node_path("count"), id)?;
            }
            Metric::Count { node: None, .. } | Metric::BodyBytes { .. } | Metric::Elapsed => {}
            Metric::QueueDepth {
                node,
                queue,
                instance,
            } => {
                let p = node_path("queue_depth");
                let r = self.role(&p, node)?;
                if let Some(k) = *instance {
                    let count = match r {
                        Role::Service(s) => Some(s.replicas),
                        Role::ConsumerGroup(g) => Some(g.count),
                        _ => None,
                    };
                    let ip = format!("{path}.queue_depth.instance");
                    let problem = match count {
                        None => Some(format!(
                            "`{node}` has no instances: only a service or a consumer group has"
                        )),
                        Some(c) if k >= c => Some(format!(
                            "`{node}` has {c} instances, numbered from 0; got {k}"
                        )),
                        Some(_) => None,
                    };
                    if let Some(m) = problem {
                        return Err(self.err(&ip, m));
                    }
                }
                if let (Role::Broker(b), Some(q)) = (r, queue) {
                    let known = b.queues.iter().any(|x| &x.name == q)
                        || b.logs.iter().any(|x| &x.name == q);
                    if !known {
                        return Err(self.err(
                            &format!("{path}.queue_depth.queue"),
                            format!("broker `{node}` has no queue or log `{q}`"),
                        ));
                    }
                }
                let ok = matches!(
                    r,
                    Role::Broker(_) | Role::Service(_) | Role::ConsumerGroup(_)
                );
                self.expect(&p, node, ok, "a broker, a service or a consumer group")?;
            }
            Metric::DeadLetters { node } => {
                let p = node_path("dead_letters");
                let ok = matches!(self.role(&p, node)?, Role::Broker(_));
                self.expect(&p, node, ok, "a broker")?;
            }
            Metric::IdleConsumers { node } => {
                let p = node_path("idle_consumers");
                let ok = matches!(self.role(&p, node)?, Role::ConsumerGroup(_));
                self.expect(&p, node, ok, "a consumer group")?;
            }
            Metric::MeanLatency { node, .. } => {
                let p = node_path("mean_latency");
                let ok = matches!(
                    self.role(&p, node)?,
                    Role::Client(_) | Role::ConsumerGroup(_)
                );
                self.expect(&p, node, ok, "a client or a consumer group")?;
            }
            Metric::MeanWait { node, .. } => {
                let p = node_path("mean_wait");
                let ok = matches!(
                    self.role(&p, node)?,
                    Role::Service(_) | Role::ConsumerGroup(_)
                );
                self.expect(&p, node, ok, "a service or a consumer group")?;
            }
            Metric::PredictedWait { node } => {
                let p = node_path("predicted_wait");
                let r = self.role(&p, node)?;
                let ok = match r {
                    Role::ConsumerGroup(g) => {
                        !broker_has_log(self.s, &g.source.broker, &g.source.from)
                    }
                    Role::Service(_) => true,
                    _ => false,
                } && queue_model(self.s, node).is_some_and(|(l, _, _)| l > 0.0);
                self.expect(
                    &p,
                    node,
                    ok,
                    "a service or a queue's consumer group with open-loop arrivals",
                )?;
            }
            Metric::ChainLatency { node } => {
                let p = node_path("chain_latency");
                let ok = matches!(self.role(&p, node)?, Role::Client(_));
                self.expect(&p, node, ok, "a client")?;
            }
            Metric::Sum(v) => {
                if v.is_empty() {
                    return Err(self.err(&format!("{path}.sum"), "needs at least one metric"));
                }
                for (i, m) in v.iter().enumerate() {
                    self.metric(&format!("{path}.sum[{i}]"), m)?;
                }
            }
            Metric::Ratio { of, per } => {
                self.metric(&format!("{path}.ratio.of"), of)?;
                self.metric(&format!("{path}.ratio.per"), per)?;
            }
        }
        Ok(())
    }

    fn condition(&self, path: &str, c: &Condition) -> Result<(), LessonError> {
        match c {
            Condition::All(v) | Condition::Any(v) => {
                let kind = if matches!(c, Condition::All(_)) {
                    "all"
                } else {
                    "any"
                };
                if v.is_empty() {
                    return Err(self.err(&format!("{path}.{kind}"), "needs at least one condition"));
                }
                for (i, c) in v.iter().enumerate() {
                    self.condition(&format!("{path}.{kind}[{i}]"), c)?;
                }
            }
            Condition::Check { metric, value, .. } => {
                self.metric(&format!("{path}.check.metric"), metric)?;
                if !value.is_finite() {
                    return Err(self.err(&format!("{path}.check.value"), "must be a finite number"));
                }
            }
            Condition::Compare {
                left,
                right,
                factor,
                ..
            } => {
                self.metric(&format!("{path}.compare.left"), left)?;
                self.metric(&format!("{path}.compare.right"), right)?;
                if !factor.is_finite() {
                    return Err(
                        self.err(&format!("{path}.compare.factor"), "must be a finite number")
                    );
                }
            }
        }
        Ok(())
    }
}

impl Lesson {
    /// Checks every reference against the lesson's scenario, performing the steps' actions
    /// in order on a copy of it (as a learner going through the lesson would).
    pub(super) fn validate(&self, file: &str) -> Result<(), LessonError> {
        let top = |path: &str, msg: String| LessonError::new(file, None, path, msg);
        let id_ok = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(top(
                "id",
                format!("`{}` must be lowercase letters, digits and dashes", self.id),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(top("title", "must not be empty".into()));
        }
        if self.steps.is_empty() {
            return Err(top("steps", "a lesson needs at least one step".into()));
        }
        if let Some(v) = self.speed {
            if !(0.1..=100.0).contains(&v) {
                return Err(top(
                    "speed",
                    format!("must be between 0.1 and 100, got {v}"),
                ));
            }
        }
        let mut s = self.scenario()?;
        for (i, step) in self.steps.iter().enumerate() {
            let c = Checker {
                id: &self.id,
                step: i,
                s: &s,
            };
            step.check(&c)?;
            let Some(t) = &step.try_this else { continue };
            for (j, a) in t.actions.iter().enumerate() {
                let cmd = a.command(&s).map_err(|m| {
                    LessonError::new(
                        &self.id,
                        Some(i + 1),
                        &format!("steps[{i}].try.actions[{j}]"),
                        m,
                    )
                })?;
                if let Command::Update(next) = cmd {
                    s = *next;
                }
            }
        }
        Ok(())
    }
}

impl Step {
    fn check(&self, c: &Checker<'_>) -> Result<(), LessonError> {
        if self.title.trim().is_empty() {
            return Err(c.err("title", "must not be empty"));
        }
        if self.text.trim().is_empty() {
            return Err(c.err("text", "must not be empty"));
        }
        for (i, h) in self.highlight.iter().enumerate() {
            if c.s.node_idx(h).is_none() && !PANELS.contains(&h.as_str()) {
                return Err(c.err(
                    &format!("highlight[{i}]"),
                    format!(
                        "`{h}` is neither a node nor a panel; nodes: {}; panels: {}",
                        c.node_ids(),
                        PANELS.join(", ")
                    ),
                ));
            }
        }
        if let Some(t) = &self.try_this {
            if t.label.trim().is_empty() {
                return Err(c.err("try.label", "must not be empty"));
            }
            if t.actions.is_empty() {
                return Err(c.err("try.actions", "needs at least one action"));
            }
        }
        if let Some(w) = self.within_s {
            if !(w > 0.0 && w <= 3600.0) {
                return Err(c.err("within_s", format!("must be between 0 and 3600 s, got {w}")));
            }
        }
        if let Some(cond) = &self.done_when {
            c.condition("done_when", cond)?;
        }
        for (i, r) in self.show.iter().enumerate() {
            c.metric(&format!("show[{i}].metric"), &r.metric)?;
        }
        Ok(())
    }
}
