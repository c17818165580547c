//! Share links: the complete inputs of a run in a URL fragment, so that opening the link
//! replays the identical run (same event trace, counters and clock).
//!
//! A link carries inputs, never results: the preset and the edits that made the starting
//! scenario, the seed, every command applied (faults and parameter changes, with the event
//! count and time they were applied at), the position (events processed, virtual clock),
//! the speed, playing or paused, and the lesson and step. The run is rebuilt with
//! [`crate::sim::Replay`].
//!
//! Encoding: [`ShareState`] ⇄ `proto/share.proto` (prost) ⇄ base64url without padding,
//! after `#s=`. Scenarios are stored as replace-edits of JSON values (`/nodes/2/role/…`):
//! the starting scenario against its preset, each parameter change against the one before.
//! Decoding checks, in order: the size, the base64 text, the version, the checksum, then
//! every field; scenarios go through [`Scenario::validate`], so errors name field paths.
//!
//! ```
//! use msgflow::scenario::preset;
//! use msgflow::share::ShareState;
//! use msgflow::sim::{Engine, SimTime};
//!
//! let mut e = Engine::new(preset("work-queue").unwrap(), 7);
//! e.run_until(SimTime::from_ms(500.0));
//! let link = ShareState::capture("work-queue", &e, 1.0, false).unwrap().fragment().unwrap();
//! let back = ShareState::from_fragment(&format!("#{link}")).unwrap().unwrap();
//! let replayed = back.replay().unwrap().run().unwrap();
//! assert_eq!(replayed.trace_hash(), e.trace_hash());
//! assert_eq!(replayed.now(), e.now());
//! ```

use crate::scenario::{limits, preset, Fault, FieldError, Scenario, PRESETS};
use crate::sim::{Applied, Command, Engine, Position, Replay, SimTime};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use prost::Message;
use serde_json::Value;
use std::fmt;

/// Types generated from `proto/share.proto`.
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/msgflow.share.rs"));
}

/// The link format version this build writes and reads.
pub const LINK_VERSION: u32 = 1;
/// The fragment key: links end in `#s=…`.
pub const FRAGMENT_KEY: &str = "s";
/// Lowest and highest speed a link may ask for (as the speed slider).
pub const SPEED_RANGE: (f64, f64) = (0.1, 100.0);

/// The complete state of a run, as carried by a link.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareState {
    /// The preset the run is based on (the mode); empty for a scenario that is not based on
    /// a preset (it is then carried whole).
    pub mode: String,
    /// The scenario the run started from (the preset with any edits).
    pub scenario: Scenario,
    /// The run's seed.
    pub seed: u64,
    /// The lesson the run belongs to, if any.
    pub lesson: Option<String>,
    /// The step of that lesson.
    pub step: u32,
    /// Virtual seconds per wall second.
    pub speed: f64,
    /// Running or paused.
    pub playing: bool,
    /// Where the run is.
    pub position: Position,
    /// Every command applied, oldest first.
    pub commands: Vec<Applied>,
}

/// Why a link cannot be made or opened; every error names the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareError {
    /// The problems found (paths such as `link.version`, `scenario.nodes[1].role…`).
    pub errors: Vec<FieldError>,
}

impl ShareError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> ShareError {
        ShareError {
            errors: vec![FieldError::new(path, message)],
        }
    }

    fn prefixed(prefix: &str, errors: impl IntoIterator<Item = FieldError>) -> ShareError {
        ShareError {
            errors: errors
                .into_iter()
                .map(|e| FieldError::new(join(prefix, &e.path), e.message))
                .collect(),
        }
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}.{path}"),
    }
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().take(5).enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{e}")?;
        }
        if self.errors.len() > 5 {
            write!(f, "; and {} more", self.errors.len() - 5)?;
        }
        Ok(())
    }
}

impl std::error::Error for ShareError {}

impl ShareState {
    /// The state of `engine`, a run of preset `mode`, shown at `speed` (kept within
    /// [`SPEED_RANGE`]), `playing` or not. Fails when the run cannot be replayed (too many
    /// commands or events).
    pub fn capture(
        mode: &str,
        engine: &Engine,
        speed: f64,
        playing: bool,
    ) -> Result<ShareState, ShareError> {
        engine
            .log_complete()
            .map_err(|e| ShareError::new("commands", e.to_string()))?;
        let position = engine.position();
        if position.events > limits::MAX_REPLAY_EVENTS {
            return Err(ShareError::new(
                "position.events",
                format!(
                    "this run has processed {} events; a link replays at most {} — reset \
                     and share earlier, or at a lower rate",
                    position.events,
                    limits::MAX_REPLAY_EVENTS
                ),
            ));
        }
        let state = ShareState {
            mode: mode.to_string(),
            scenario: engine.initial_scenario().clone(),
            seed: engine.seed(),
            lesson: None,
            step: 0,
            speed: speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1),
            playing,
            position,
            commands: engine.applied().to_vec(),
        };
        state.check()?;
        Ok(state)
    }

    /// The same state, in lesson `lesson` at `step`.
    pub fn with_lesson(mut self, lesson: Option<String>, step: u32) -> ShareState {
        self.lesson = lesson;
        self.step = step;
        self
    }

    /// A replay of the run to its position (advance it with [`Replay::advance`] or
    /// [`Replay::run`]).
    pub fn replay(&self) -> Result<Replay, ShareError> {
        Replay::new(
            self.scenario.clone(),
            self.seed,
            self.commands.clone(),
            self.position,
        )
        .map_err(|e| ShareError::new(e.path, e.message))
    }

    /// The encoded state: base64url without padding (what follows `#s=`).
    pub fn encode(&self) -> Result<String, ShareError> {
        self.check()?;
        let base = preset_value(&self.mode)?;
        let mut edits = Vec::new();
        let first = to_value(&self.scenario);
        diff(&base, &first, &mut String::new(), &mut edits);
        let mut prev = first;
        let mut last = Position::default();
        let mut commands = Vec::with_capacity(self.commands.len());
        for a in &self.commands {
            let kind = match &a.command {
                Command::Fault(f) => pb::command::Kind::Fault(fault_to_pb(f)),
                Command::Update(s) => {
                    let next = to_value(s);
                    let mut edits = Vec::new();
                    diff(&prev, &next, &mut String::new(), &mut edits);
                    prev = next;
                    pb::command::Kind::Update(pb::Edits { edits })
                }
            };
            commands.push(pb::Command {
                events_delta: a.after_events - last.events,
                at_delta_ns: a.at.0 - last.at.0,
                kind: Some(kind),
            });
            last = Position {
                events: a.after_events,
                at: a.at,
            };
        }
        let state = pb::State {
            mode: self.mode.clone(),
            edits,
            seed: self.seed,
            lesson: self.lesson.clone(),
            step: self.step,
            speed: self.speed,
            playing: self.playing,
            events: self.position.events,
            at_ns: self.position.at.0,
            commands,
        }
        .encode_to_vec();
        let link = pb::Link {
            version: LINK_VERSION,
            check: fnv1a32(&state),
            state,
        };
        let text = URL_SAFE_NO_PAD.encode(link.encode_to_vec());
        if text.len() > limits::MAX_LINK_CHARS {
            return Err(ShareError::new(
                "link",
                format!(
                    "the link would be {} characters; at most {} are allowed — reset to \
                     start a run with fewer changes",
                    text.len(),
                    limits::MAX_LINK_CHARS
                ),
            ));
        }
        Ok(text)
    }

    /// The fragment of a link, `s=…` (without `#`).
    pub fn fragment(&self) -> Result<String, ShareError> {
        Ok(format!("{FRAGMENT_KEY}={}", self.encode()?))
    }

    /// The state in a URL fragment (`#s=…`, with or without `#`); `None` when the fragment
    /// carries no state.
    pub fn from_fragment(fragment: &str) -> Option<Result<ShareState, ShareError>> {
        let f = fragment.strip_prefix('#').unwrap_or(fragment);
        f.split('&')
            .find_map(|kv| kv.strip_prefix(FRAGMENT_KEY)?.strip_prefix('='))
            .map(ShareState::decode)
    }

    /// Decodes an encoded state (see [`ShareState::encode`]). Never panics; every error
    /// names what is wrong.
    pub fn decode(text: &str) -> Result<ShareState, ShareError> {
        if text.len() > limits::MAX_LINK_CHARS {
            return Err(ShareError::new(
                "link",
                format!(
                    "the link is {} characters long; at most {} are accepted",
                    text.len(),
                    limits::MAX_LINK_CHARS
                ),
            ));
        }
        if text.is_empty() {
            return Err(ShareError::new("link", "the link carries no state (empty)"));
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|e| {
            ShareError::new(
                "link",
                format!(
                    "the link is damaged: {} (was it cut short or altered?)",
                    b64_error(&e)
                ),
            )
        })?;
        let link = pb::Link::decode(bytes.as_slice()).map_err(|_| {
            ShareError::new(
                "link",
                "the link is damaged: it is not a playground link (cut short or altered?)",
            )
        })?;
        match link.version {
            LINK_VERSION => {}
            0 => {
                return Err(ShareError::new(
                    "link.version",
                    "missing: this is not a playground link",
                ))
            }
            v if v > LINK_VERSION => {
                return Err(ShareError::new(
                    "link.version",
                    format!(
                        "the link has format version {v}, newer than this playground reads \
                         (version {LINK_VERSION}); open it with a newer version of the playground"
                    ),
                ))
            }
            v => {
                return Err(ShareError::new(
                    "link.version",
                    format!(
                        "unknown format version {v}; this playground reads version {LINK_VERSION}"
                    ),
                ))
            }
        }
        if fnv1a32(&link.state) != link.check {
            return Err(ShareError::new(
                "link.check",
                "the link is damaged: its checksum does not match (was it cut short or altered?)",
            ));
        }
        let state = pb::State::decode(link.state.as_slice()).map_err(|_| {
            ShareError::new("link.state", "the state cannot be read (a damaged link)")
        })?;
        from_pb(state)
    }

    /// Checks the fields that are not scenarios.
    fn check(&self) -> Result<(), ShareError> {
        let mut errs = Vec::new();
        if !self.mode.is_empty() && !PRESETS.iter().any(|p| p.name == self.mode) {
            errs.push(FieldError::new("mode", unknown_mode(&self.mode)));
        }
        let (lo, hi) = SPEED_RANGE;
        if !(self.speed.is_finite() && (lo..=hi).contains(&self.speed)) {
            errs.push(FieldError::new(
                "speed",
                format!("must be between {lo} and {hi}, got {}", self.speed),
            ));
        }
        if let Some(l) = &self.lesson {
            if l.chars().count() > limits::MAX_NAME_CHARS || l.chars().any(char::is_control) {
                errs.push(FieldError::new(
                    "lesson",
                    format!(
                        "must be at most {} printable characters",
                        limits::MAX_NAME_CHARS
                    ),
                ));
            }
        }
        if self.position.events > limits::MAX_REPLAY_EVENTS {
            errs.push(FieldError::new(
                "position.events",
                format!(
                    "must be at most {}, got {}",
                    limits::MAX_REPLAY_EVENTS,
                    self.position.events
                ),
            ));
        }
        if self.commands.len() > limits::MAX_LOGGED_COMMANDS {
            errs.push(FieldError::new(
                "commands",
                format!(
                    "at most {} commands, got {}",
                    limits::MAX_LOGGED_COMMANDS,
                    self.commands.len()
                ),
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ShareError { errors: errs })
        }
    }
}

fn unknown_mode(mode: &str) -> String {
    let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    format!(
        "unknown preset {mode:?}; expected one of {} (or empty for a custom scenario)",
        names.join(", ")
    )
}

fn b64_error(e: &base64::DecodeError) -> String {
    match e {
        base64::DecodeError::InvalidByte(at, b) => {
            format!(
                "character {:?} at position {at} is not allowed",
                char::from(*b)
            )
        }
        base64::DecodeError::InvalidLength(n) => format!("its length ({n}) is impossible"),
        base64::DecodeError::InvalidLastSymbol(at, _) => {
            format!("the last character (position {at}) is wrong")
        }
        base64::DecodeError::InvalidPadding => "it has padding ('=')".to_string(),
    }
}

fn from_pb(state: pb::State) -> Result<ShareState, ShareError> {
    let base = preset_value(&state.mode)?;
    let first = apply_edits(base, &state.edits, "edits")?;
    let scenario = to_scenario(first.clone(), "scenario")?;
    let mut prev = first;
    let mut last = Position::default();
    if state.commands.len() > limits::MAX_LOGGED_COMMANDS {
        return Err(ShareError::new(
            "commands",
            format!(
                "at most {} commands, got {}",
                limits::MAX_LOGGED_COMMANDS,
                state.commands.len()
            ),
        ));
    }
    let mut commands = Vec::with_capacity(state.commands.len());
    for (i, c) in state.commands.into_iter().enumerate() {
        let path = format!("commands[{i}]");
        let (Some(events), Some(at)) = (
            last.events.checked_add(c.events_delta),
            last.at.0.checked_add(c.at_delta_ns),
        ) else {
            return Err(ShareError::new(path, "its position overflows"));
        };
        let command = match c.kind {
            Some(pb::command::Kind::Fault(f)) => {
                Command::Fault(fault_from_pb(f, &format!("{path}.fault"))?)
            }
            Some(pb::command::Kind::Update(u)) => {
                let p = format!("{path}.update");
                let next = apply_edits(prev, &u.edits, &format!("{p}.edits"))?;
                let s = to_scenario(next.clone(), &p)?;
                prev = next;
                Command::Update(Box::new(s))
            }
            None => return Err(ShareError::new(path, "neither a fault nor an update")),
        };
        last = Position {
            events,
            at: SimTime(at),
        };
        commands.push(Applied {
            after_events: events,
            at: SimTime(at),
            command,
        });
    }
    let out = ShareState {
        mode: state.mode,
        scenario,
        seed: state.seed,
        lesson: state.lesson,
        step: state.step,
        speed: state.speed,
        playing: state.playing,
        position: Position {
            events: state.events,
            at: SimTime(state.at_ns),
        },
        commands,
    };
    out.check()?;
    Ok(out)
}

/// What the starting scenario is an edit of: the preset, or nothing for a custom scenario.
fn preset_value(mode: &str) -> Result<Value, ShareError> {
    if mode.is_empty() {
        return Ok(Value::Null);
    }
    preset(mode)
        .map(|s| to_value(&s))
        .ok_or_else(|| ShareError::new("mode", unknown_mode(mode)))
}

/// The scenario's JSON document as a value (through [`Scenario::to_json`], the format's
/// one writer, so the link sees exactly what an exported scenario holds).
fn to_value(s: &Scenario) -> Value {
    serde_json::from_str(&s.to_json()).expect("a scenario's JSON always parses")
}

/// A scenario from a JSON value: parsed (errors name the field) and validated. It goes
/// through JSON text and [`Scenario::from_json`], the one parser of user scenarios (serde_json's
/// `float_roundtrip` makes that text round-trip every float bit for bit).
fn to_scenario(v: Value, prefix: &str) -> Result<Scenario, ShareError> {
    Scenario::from_json(&v.to_string()).map_err(|e| ShareError::prefixed(prefix, e.errors))
}

fn apply_edits(mut v: Value, edits: &[pb::Edit], prefix: &str) -> Result<Value, ShareError> {
    for (i, e) in edits.iter().enumerate() {
        let p = format!("{prefix}[{i}]");
        let Some(value) = &e.value else {
            return Err(ShareError::new(format!("{p}.value"), "missing"));
        };
        let value = value_from_pb(value, &format!("{p}.value"))?;
        let Some(slot) = v.pointer_mut(&e.path) else {
            return Err(ShareError::new(
                format!("{p}.path"),
                format!("{:?} is not a field of the scenario", e.path),
            ));
        };
        *slot = value;
    }
    Ok(v)
}

/// Replace-edits that turn `a` into `b`: objects with the same keys and arrays of the same
/// length are compared member by member; anything else that differs is replaced whole.
fn diff(a: &Value, b: &Value, path: &mut String, out: &mut Vec<pb::Edit>) {
    let len = path.len();
    match (a, b) {
        (Value::Object(x), Value::Object(y))
            if x.len() == y.len() && x.keys().zip(y.keys()).all(|(k, l)| k == l) =>
        {
            for ((k, va), vb) in x.iter().zip(y.values()) {
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                diff(va, vb, path, out);
                path.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                path.push('/');
                path.push_str(&i.to_string());
                diff(va, vb, path, out);
                path.truncate(len);
            }
        }
        _ if same(a, b) => {}
        _ => out.push(pb::Edit {
            path: path.clone(),
            value: Some(value_to_pb(b)),
        }),
    }
}

/// Equal, with floating-point numbers compared bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            x.is_f64() == y.is_f64() && x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
        }
        _ => a == b,
    }
}

fn value_to_pb(v: &Value) -> pb::Value {
    use pb::value::Kind;
    let kind = match v {
        Value::Null => Kind::Null(true),
        Value::Bool(b) => Kind::Flag(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Kind::Uint(u),
            (None, Some(i)) => Kind::Int(i),
            _ => Kind::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Kind::Text(s.clone()),
        Value::Array(a) => Kind::List(pb::List {
            items: a.iter().map(value_to_pb).collect(),
        }),
        Value::Object(m) => Kind::Map(pb::Map {
            entries: m
                .iter()
                .map(|(k, v)| pb::Entry {
                    key: k.clone(),
                    value: Some(value_to_pb(v)),
                })
                .collect(),
        }),
    };
    pb::Value { kind: Some(kind) }
}

fn value_from_pb(v: &pb::Value, path: &str) -> Result<Value, ShareError> {
    use pb::value::Kind;
    Ok(match &v.kind {
        None => return Err(ShareError::new(path, "an empty value")),
        Some(Kind::Null(_)) => Value::Null,
        Some(Kind::Flag(b)) => Value::Bool(*b),
        Some(Kind::Uint(u)) => Value::from(*u),
        Some(Kind::Int(i)) => Value::from(*i),
        Some(Kind::Float(f)) => match serde_json::Number::from_f64(*f) {
            Some(n) => Value::Number(n),
            None => return Err(ShareError::new(path, format!("{f} is not a finite number"))),
        },
        Some(Kind::Text(s)) => Value::String(s.clone()),
        Some(Kind::List(l)) => Value::Array(
            l.items
                .iter()
                .enumerate()
                .map(|(i, x)| value_from_pb(x, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Some(Kind::Map(m)) => {
            let mut out = serde_json::Map::new();
            for e in &m.entries {
                let p = join(path, &e.key);
                let Some(x) = &e.value else {
                    return Err(ShareError::new(p, "an empty value"));
                };
                out.insert(e.key.clone(), value_from_pb(x, &p)?);
            }
            Value::Object(out)
        }
    })
}

fn fault_to_pb(f: &Fault) -> pb::Fault {
    use pb::fault::Kind as K;
    let (kind, node, other, instance, value) = match f {
        Fault::Crash { node, instance } => (K::Crash, node, "", *instance, 0.0),
        Fault::Restart { node, instance } => (K::Restart, node, "", *instance, 0.0),
        Fault::Cut { a, b } => (K::Cut, a, b.as_str(), None, 0.0),
        Fault::Heal { a, b } => (K::Heal, a, b.as_str(), None, 0.0),
        Fault::LinkLoss { a, b, loss } => (K::LinkLoss, a, b.as_str(), None, *loss),
        Fault::LatencySpike { a, b, extra_ms } => (K::LatencySpike, a, b.as_str(), None, *extra_ms),
        Fault::Slow { node, factor } => (K::Slow, node, "", None, *factor),
    };
    pb::Fault {
        kind: kind as i32,
        node: node.clone(),
        other: other.to_string(),
        instance,
        value,
    }
}

fn fault_from_pb(f: pb::Fault, path: &str) -> Result<Fault, ShareError> {
    use pb::fault::Kind as K;
    let kind = K::try_from(f.kind).map_err(|_| {
        ShareError::new(
            format!("{path}.kind"),
            format!("unknown fault kind {}", f.kind),
        )
    })?;
    let (node, instance, value) = (f.node, f.instance, f.value);
    let (a, b) = (node.clone(), f.other);
    Ok(match kind {
        K::Crash => Fault::Crash { node, instance },
        K::Restart => Fault::Restart { node, instance },
        K::Cut => Fault::Cut { a, b },
        K::Heal => Fault::Heal { a, b },
        K::LinkLoss => Fault::LinkLoss { a, b, loss: value },
        K::LatencySpike => Fault::LatencySpike {
            a,
            b,
            extra_ms: value,
        },
        K::Slow => Fault::Slow {
            node,
            factor: value,
        },
    })
}

/// FNV-1a, 32 bits.
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_replaces_changed_leaves_and_reshaped_containers() {
        let a = serde_json::json!({"x": 1, "y": [1, 2], "z": {"a": 1.5}, "w/~": true});
        let b = serde_json::json!({"x": 2, "y": [1, 2, 3], "z": {"b": 1.5}, "w/~": true});
        let mut out = Vec::new();
        diff(&a, &b, &mut String::new(), &mut out);
        let paths: Vec<&str> = out.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/x", "/y", "/z"]);
        let c = apply_edits(a, &out, "edits").unwrap();
        assert_eq!(c, b);
    }

    #[test]
    fn floats_are_compared_bit_for_bit() {
        let a = serde_json::json!({"x": 0.0});
        let b = serde_json::json!({"x": -0.0});
        let mut out = Vec::new();
        diff(&a, &b, &mut String::new(), &mut out);
        assert_eq!(out.len(), 1);
        let back = value_from_pb(out[0].value.as_ref().unwrap(), "x").unwrap();
        assert_eq!(back.as_f64().unwrap().to_bits(), (-0.0f64).to_bits());
    }
}
