//! Actions: a lesson's "try this" turned into engine commands.

use super::Action;
use crate::scenario::{Role, Scenario, ScheduledFault};
use crate::sim::Command;
use serde_json::Value;

impl Action {
    /// The command that performs this action on a run whose scenario is now `current`.
    /// An action that does not fit `current` is an error saying why.
    pub fn command(&self, current: &Scenario) -> Result<Command, String> {
        match self {
            Action::Fault(f) => {
                let mut probe = current.clone();
                probe.faults = vec![ScheduledFault {
                    at_ms: 0.0,
                    fault: f.clone(),
                }];
                probe.validate().map_err(|e| {
                    e.to_string()
                        .replace("faults[0].fault.", "")
                        .replace("faults[0].fault", "fault")
                })?;
                Ok(Command::Fault(f.clone()))
            }
            Action::Set(sv) => {
                apply_path(current, &sv.path, &sv.value).map(|s| Command::Update(Box::new(s)))
            }
            Action::AddConsumer { node, count } => {
                let mut next = current.clone();
                let n = next
                    .nodes
                    .iter_mut()
                    .find(|n| &n.id == node)
                    .ok_or_else(|| format!("node: no node `{node}`"))?;
                let Role::ConsumerGroup(g) = &mut n.role else {
                    return Err(format!("node: `{node}` is not a consumer group"));
                };
                g.count = g.count.saturating_add(*count);
                next.validate().map_err(|e| e.to_string())?;
                Ok(Command::Update(Box::new(next)))
            }
        }
    }
}

/// `s` with `value` at `path` (see [`SetValue`](super::SetValue)), validated.
pub fn apply_path(s: &Scenario, path: &str, value: &Value) -> Result<Scenario, String> {
    let mut doc = serde_json::to_value(s).map_err(|e| e.to_string())?;
    let slot = locate(&mut doc, path)?;
    *slot = value.clone();
    let json = doc.to_string();
    Scenario::from_json(&json).map_err(|e| e.to_string())
}

/// One segment of a path: a field name or a bracketed index or key.
enum Seg<'a> {
    Field(&'a str),
    Index(usize),
    Key(&'a str),
}

fn segments(path: &str) -> Result<Vec<Seg<'_>>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && out.is_empty() {
            return Err(format!("path `{path}` must start with a field name"));
        }
        if !name.is_empty() {
            out.push(Seg::Field(name));
        }
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .ok_or_else(|| format!("path `{path}`: unbalanced brackets"))?;
            let inner = &rest[1..close];
            out.push(match inner.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) if !inner.is_empty() => Seg::Key(inner),
                Err(_) => return Err(format!("path `{path}`: empty brackets")),
            });
            rest = &rest[close + 1..];
        }
    }
    Ok(out)
}

/// Whether array element `v` is the one named `key`: its `id` or `name`, or `a~b` for a link.
fn matches_key(v: &Value, key: &str) -> bool {
    let field = |f: &str| v.get(f).and_then(Value::as_str);
    if field("id") == Some(key) || field("name") == Some(key) {
        return true;
    }
    match (key.split_once('~'), field("a"), field("b")) {
        (Some((x, y)), Some(a), Some(b)) => (a == x && b == y) || (a == y && b == x),
        _ => false,
    }
}

/// The value at `path`; a missing last field of an object is created (as `null`).
fn locate<'a>(doc: &'a mut Value, path: &str) -> Result<&'a mut Value, String> {
    let segs = segments(path)?;
    let n = segs.len();
    let mut cur = doc;
    let mut walked = String::new();
    for (i, seg) in segs.into_iter().enumerate() {
        let last = i + 1 == n;
        cur = match seg {
            Seg::Field(f) => {
                walked += if walked.is_empty() { "" } else { "." };
                walked += f;
                let Value::Object(map) = cur else {
                    return Err(format!("{walked}: not an object"));
                };
                if !map.contains_key(f) && !last {
                    return Err(format!("{walked}: no such field"));
                }
                map.entry(f).or_insert(Value::Null)
            }
            Seg::Index(k) => {
                walked += &format!("[{k}]");
                let Value::Array(v) = cur else {
                    return Err(format!("{walked}: not a list"));
                };
                let len = v.len();
                v.get_mut(k)
                    .ok_or_else(|| format!("{walked}: index out of range (the list has {len})"))?
            }
            Seg::Key(key) => {
                walked += &format!("[{key}]");
                let Value::Array(v) = cur else {
                    return Err(format!("{walked}: not a list"));
                };
                v.iter_mut()
                    .find(|x| matches_key(x, key))
                    .ok_or_else(|| format!("{walked}: no element with id or name `{key}`"))?
            }
        };
    }
    Ok(cur)
}
