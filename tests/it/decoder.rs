//! Property tests of the scenario decoder: JSON-ish text and mutated presets never panic;
//! every error names a problem and, when the text is a JSON object, the field path; whatever
//! is accepted survives export and import unchanged.
//!
//! `MSGFLOW_DECODER_CASES` sets the cases per property (1,500 by default: a few seconds).

use super::replay::{check_errors, round_trips};
use msgflow::scenario::{Scenario, PRESETS};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("MSGFLOW_DECODER_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match Scenario::from_json(text) {
        Ok(s) => round_trips(&s).map_err(TestCaseError::fail),
        Err(e) => {
            check_errors(Some(text), &e).map_err(|m| TestCaseError::fail(format!("{m}\n{e}")))
        }
    }
}

/// Pieces of scenario JSON, to glue together into almost-documents.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1.5",
    "1e999",
    "4294967296",
    "-0",
    "NaN",
    "\"version\"",
    "1",
    "\"nodes\"",
    "\"links\"",
    "\"faults\"",
    "\"id\"",
    "\"role\"",
    "\"client\"",
    "\"service\"",
    "\"broker\"",
    "\"producer\"",
    "\"consumer_group\"",
    "\"target\"",
    "\"workload\"",
    "\"poisson\"",
    "\"rate_per_s\"",
    "\"replicas\"",
    "\"workers\"",
    "\"service_time\"",
    "\"constant\"",
    "\"ms\"",
    "\"a\"",
    "\"b\"",
    "\"loss\"",
    "\"latency_ms\"",
    "\"queues\"",
    "\"name\"",
    "\"q\"",
    "\"x\"",
    "\u{feff}",
    "\\u0000",
    " ",
    "\n",
];

/// Random JSON values, including the awkward ones.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            Just(64),
            Just(65),
            Just(u32::MAX as i64),
            Just(u32::MAX as i64 + 1),
            Just(i64::MIN),
            any::<i64>(),
        ]
        .prop_map(Value::from),
        prop_oneof![
            Just(0.5f64),
            Just(-0.0),
            Just(1e-300),
            Just(1e300),
            Just(1.0e9 + 1.0),
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
        ]
        .prop_map(Value::from),
        "[a-z_]{0,8}".prop_map(Value::String),
        Just(Value::String("x".repeat(100))),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Paths to every value in `v` (objects by key, arrays by index).
fn paths(v: &Value, here: Vec<PathSeg>, out: &mut Vec<Vec<PathSeg>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let mut p = here.clone();
                p.push(PathSeg::Key(k.clone()));
                paths(x, p, out);
            }
        }
        Value::Array(xs) => {
            for (i, x) in xs.iter().enumerate() {
                let mut p = here.clone();
                p.push(PathSeg::Index(i));
                paths(x, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathSeg {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(v: &'a mut Value, path: &[PathSeg]) -> &'a mut Value {
    path.iter().fold(v, |cur, seg| match seg {
        PathSeg::Key(k) => &mut cur[k.as_str()],
        PathSeg::Index(i) => &mut cur[*i],
    })
}

/// One change to a parsed preset.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the value at the n-th path.
    Replace(usize, Value),
    /// Remove the n-th path from its parent.
    Remove(usize),
    /// Add a key to the n-th path when it is an object.
    Add(usize, String, Value),
    /// Duplicate the n-th path's value in place of another.
    Copy(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), "[a-z_]{1,12}", any_json()).prop_map(|(i, k, v)| Mutation::Add(i, k, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Copy(a, b)),
    ]
}

fn apply(v: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(v, Vec::new(), &mut all);
    let pick = |i: usize| all[i % all.len()].clone();
    match m {
        Mutation::Replace(i, x) => *get_mut(v, &pick(*i)) = x.clone(),
        Mutation::Remove(i) => {
            let p = pick(*i);
            if let Some((last, parent)) = p.split_last() {
                match (get_mut(v, parent), last) {
                    (Value::Object(o), PathSeg::Key(k)) => {
                        o.remove(k);
                    }
                    (Value::Array(a), PathSeg::Index(j)) if *j < a.len() => {
                        a.remove(*j);
                    }
                    _ => {}
                }
            }
        }
        Mutation::Add(i, k, x) => {
            if let Value::Object(o) = get_mut(v, &pick(*i)) {
                o.insert(k.clone(), x.clone());
            }
        }
        Mutation::Copy(a, b) => {
            let from = get_mut(v, &pick(*a)).clone();
            *get_mut(v, &pick(*b)) = from;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any short text from JSON's alphabet, and token soup.
    #[test]
    fn json_ish_text_never_panics(
        text in "[\\[\\]{}:,\"0-9a-z_.eE+\\- \\\\]{0,120}",
        soup in prop::collection::vec(prop::sample::select(TOKENS), 0..40),
    ) {
        check(&text)?;
        check(&soup.concat())?;
    }

    /// Presets with structural mutations: replaced, removed, added and copied values.
    #[test]
    fn mutated_presets_are_refused_with_paths_or_round_trip(
        preset in 0..PRESETS.len(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut v: Value = serde_json::from_str(PRESETS[preset].json).unwrap();
        for m in &muts {
            apply(&mut v, m);
        }
        let text = v.to_string();
        check(&text)?;
    }

    /// Presets with byte-level damage: cut, spliced and truncated text.
    #[test]
    fn damaged_preset_text_never_panics(
        preset in 0..PRESETS.len(),
        cut in any::<(usize, usize)>(),
        insert in prop::sample::select(TOKENS),
        at in any::<usize>(),
    ) {
        let src = PRESETS[preset].json;
        let chars: Vec<char> = src.chars().collect();
        let (a, b) = (cut.0 % chars.len(), cut.1 % chars.len());
        let (a, b) = (a.min(b), a.max(b).min(a + 40));
        let mut damaged: Vec<char> = chars[..a].iter().chain(&chars[b..]).copied().collect();
        let at = at % (damaged.len() + 1);
        damaged.splice(at..at, insert.chars());
        let text: String = damaged.into_iter().collect();
        check(&text)?;
        check(&text[..text.char_indices().nth(at).map_or(text.len(), |(i, _)| i)])?;
    }
}
