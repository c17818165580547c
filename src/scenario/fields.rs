//! What every numeric field accepts, by path, for the messages about values that cannot even
//! be decoded (a number too big for its type, a string where a number belongs, a missing
//! field) and for single values typed into the playground's fields.
//!
//! The validator (`validate.rs`) checks the same ranges on decoded values; a test checks
//! that both say the same for every row of [`FIELD_RANGES`].

use super::limits::*;

/// The accepted range of one numeric field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldRange {
    /// Path with indices written `[]` (`nodes[].role.service.replicas`); a leading `*.`
    /// matches any prefix (distributions appear under several fields).
    pub pattern: &'static str,
    /// Smallest accepted value.
    pub lo: f64,
    /// Largest accepted value.
    pub hi: f64,
    /// Unit, with a leading space (` ms`), or empty.
    pub unit: &'static str,
    /// Whole numbers only.
    pub whole: bool,
}

const fn f(pattern: &'static str, lo: f64, hi: f64, unit: &'static str) -> FieldRange {
    FieldRange {
        pattern,
        lo,
        hi,
        unit,
        whole: false,
    }
}

const fn u(pattern: &'static str, lo: u32, hi: u32) -> FieldRange {
    FieldRange {
        pattern,
        lo: lo as f64,
        hi: hi as f64,
        unit: "",
        whole: true,
    }
}

const T: f64 = MAX_TIME_MS;

/// Every numeric field of the scenario format and what it accepts.
pub const FIELD_RANGES: &[FieldRange] = &[
    u("version", super::FORMAT_VERSION, super::FORMAT_VERSION),
    f("metrics.window_ms", 1.0, 60_000.0, " ms"),
    f("links[].latency_ms", 0.0, T, " ms"),
    f("links[].loss", 0.0, 1.0, ""),
    f(
        "links[].bandwidth_mbps",
        MIN_BANDWIDTH_MBPS,
        MAX_BANDWIDTH_MBPS,
        " Mbit/s",
    ),
    f("*.constant.ms", 0.0, T, " ms"),
    f("*.uniform.min_ms", 0.0, T, " ms"),
    f("*.uniform.max_ms", 0.0, T, " ms"),
    f("*.exponential.mean_ms", 0.0, T, " ms"),
    f("*.log_normal.median_ms", 0.0, T, " ms"),
    f("*.log_normal.sigma", 0.0, 4.0, ""),
    f("*.poisson.rate_per_s", 0.0, MAX_RATE_PER_S, " per second"),
    f(
        "*.fixed_rate.rate_per_s",
        0.0,
        MAX_RATE_PER_S,
        " per second",
    ),
    u("*.closed_loop.concurrency", 0, MAX_CONCURRENCY),
    f("*.closed_loop.think_ms", 0.0, T, " ms"),
    u("*.arrival_stream", 0, u32::MAX),
    f("nodes[].role.client.deadline_ms", 0.001, T, " ms"),
    u(
        "nodes[].role.client.method.server_stream.responses",
        1,
        MAX_STREAM_RESPONSES,
    ),
    u("nodes[].role.client.retry.max_attempts", 1, MAX_ATTEMPTS),
    f(
        "nodes[].role.client.retry.initial_backoff_ms",
        0.0,
        T,
        " ms",
    ),
    f("nodes[].role.client.retry.max_backoff_ms", 0.0, T, " ms"),
    f(
        "nodes[].role.client.retry.backoff_multiplier",
        1.0,
        10.0,
        "",
    ),
    f(
        "nodes[].role.client.retry.throttling.max_tokens",
        1.0,
        1000.0,
        "",
    ),
    f(
        "nodes[].role.client.retry.throttling.token_ratio",
        0.001,
        1.0,
        "",
    ),
    u("nodes[].role.service.replicas", 1, MAX_REPLICAS),
    u("nodes[].role.service.workers", 1, MAX_WORKERS),
    u("nodes[].role.service.queue_limit", 0, MAX_QUEUE_LENGTH),
    u("nodes[].role.producer.key_space", 1, MAX_KEY_SPACE),
    f("nodes[].role.producer.poison_ratio", 0.0, 1.0, ""),
    f("nodes[].role.producer.confirms.timeout_ms", 1.0, T, " ms"),
    u(
        "nodes[].role.broker.queues[].max_length",
        1,
        MAX_QUEUE_LENGTH,
    ),
    f("nodes[].role.broker.queues[].ttl_ms", 0.001, T, " ms"),
    u(
        "nodes[].role.broker.queues[].max_deliveries",
        1,
        MAX_DELIVERIES,
    ),
    u("nodes[].role.broker.logs[].partitions", 1, MAX_PARTITIONS),
    u("nodes[].role.consumer_group.count", 1, MAX_CONSUMERS),
    u("nodes[].role.consumer_group.prefetch", 1, MAX_PREFETCH),
    f(
        "nodes[].role.consumer_group.commit.periodic.interval_ms",
        1.0,
        T,
        " ms",
    ),
    f("faults[].at_ms", 0.0, T, " ms"),
    u("faults[].fault.crash.instance", 0, MAX_CONSUMERS - 1),
    u("faults[].fault.restart.instance", 0, MAX_CONSUMERS - 1),
    f("faults[].fault.link_loss.loss", 0.0, 1.0, ""),
    f("faults[].fault.latency_spike.extra_ms", 0.0, T, " ms"),
    f("faults[].fault.slow.factor", 0.01, 100.0, ""),
];

/// `nodes[3].role.broker.queues[0].ttl_ms` → `nodes[].role.broker.queues[].ttl_ms`.
fn pattern_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skip = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                skip = true;
                out.push('[');
            }
            ']' => {
                skip = false;
                out.push(']');
            }
            _ if skip => {}
            _ => out.push(ch),
        }
    }
    out
}

/// What the field at `path` accepts, if it is numeric.
pub fn range_of(path: &str) -> Option<&'static FieldRange> {
    let p = pattern_of(path);
    FIELD_RANGES
        .iter()
        .find(|r| match r.pattern.strip_prefix("*.") {
            Some(suffix) => p == suffix || p.ends_with(&format!(".{suffix}")),
            None => p == r.pattern,
        })
}

impl FieldRange {
    /// `a whole number between 1 and 64`, `a number between 0 and 1000000000 ms`.
    pub fn describe(&self) -> String {
        let kind = if self.whole {
            "a whole number"
        } else {
            "a number"
        };
        if self.lo == self.hi {
            format!("{kind} equal to {}", self.lo)
        } else {
            format!("{kind} between {} and {}{}", self.lo, self.hi, self.unit)
        }
    }
}

/// Reads one value typed into a field that accepts `lo..=hi` (whole numbers only when
/// `whole`): the error says what is accepted and what was given.
pub fn parse_field(raw: &str, lo: f64, hi: f64, unit: &str, whole: bool) -> Result<f64, String> {
    let kind = if whole { "a whole number" } else { "a number" };
    let unit = if unit.is_empty() || unit == "%" {
        unit.to_string()
    } else {
        format!(" {unit}")
    };
    let accepted = format!("{kind} between {lo} and {hi}{unit}");
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(format!("enter {accepted}"));
    }
    if raw.len() > 64 {
        return Err(format!("must be {accepted}; the text is too long"));
    }
    let shown: String = raw.chars().take(24).collect();
    let v: f64 = raw
        .parse()
        .map_err(|_| format!("must be {accepted}, got `{shown}`"))?;
    if !(v.is_finite() && v >= lo && v <= hi) || (whole && v.fract() != 0.0) {
        return Err(format!("must be {accepted}, got {shown}"));
    }
    Ok(v)
}

/// A key as written in a path: quoted when it is empty or could be read as path syntax.
fn key(k: &str) -> String {
    if k.is_empty() || k.contains(['.', '[', ']', '"', ' ']) || k.chars().any(char::is_control) {
        format!("{k:?}")
    } else {
        k.to_string()
    }
}

/// The path of a decoding error (`nodes[2].role.service.replicas`); empty for the document.
pub(crate) fn path_of(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in p.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key: k } | Segment::Enum { variant: k } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&key(k));
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Turns a decoding error into a message naming the field and what it accepts.
pub(crate) fn decode_error(path: &str, message: &str) -> super::FieldError {
    let path = path.to_string();
    let (what, at) = match message.rfind(" at line ") {
        Some(i) => (&message[..i], &message[i..]),
        None => (message, ""),
    };
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string);
    let join = |field: &str| {
        let field = key(field);
        if path.is_empty() {
            field
        } else {
            format!("{path}.{field}")
        }
    };
    if let Some(field) = what
        .strip_prefix("missing field ")
        .and_then(|_| quoted(what))
    {
        let full = join(&field);
        let hint = range_of(&full).map_or(String::new(), |r| format!(" ({})", r.describe()));
        return super::FieldError::new(full, format!("is required{hint}{at}"));
    }
    if let Some(field) = what
        .strip_prefix("duplicate field ")
        .and_then(|_| quoted(what))
    {
        return super::FieldError::new(join(&field), format!("appears twice{at}"));
    }
    let got = if let Some(rest) = what
        .strip_prefix("invalid value: ")
        .or_else(|| what.strip_prefix("invalid type: "))
    {
        let given = rest.split(", expected").next().unwrap_or(rest);
        Some(match quoted(given) {
            Some(v) if given.starts_with("integer") || given.starts_with("floating") => v,
            _ if given == "unit variant" => "a string".to_string(),
            _ => given.to_string(),
        })
    } else if let Some(rest) = what.strip_prefix("invalid length ") {
        Some(format!(
            "a list of {}",
            rest.split(',').next().unwrap_or(rest)
        ))
    } else if what.starts_with("number out of range") {
        Some("a number too large to read".to_string())
    } else {
        None
    };
    if let Some(got) = &got {
        if path.is_empty() {
            return super::FieldError::new(
                "",
                format!("the document must be a JSON object (a scenario), got {got}{at}"),
            );
        }
        if let Some(r) = range_of(&path) {
            return super::FieldError::new(
                path,
                format!("must be {}, got {got}{at}", r.describe()),
            );
        }
        if what.contains("expected newtype variant") || what.contains("expected struct variant") {
            return super::FieldError::new(
                path,
                format!("must be an object with one key naming the kind, got {got}{at}"),
            );
        }
    }
    super::FieldError::new(path, message)
}
