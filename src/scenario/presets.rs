//! Built-in scenarios; each is a JSON file under `scenarios/`, the format's examples.

use std::sync::OnceLock;

use super::Scenario;

/// A built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// Short name used by the runner and in links.
    pub name: &'static str,
    /// The JSON document.
    pub json: &'static str,
}

/// Every preset, in the order the playground lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "request-response",
        json: include_str!("../../scenarios/request-response.json"),
    },
    Preset {
        name: "work-queue",
        json: include_str!("../../scenarios/work-queue.json"),
    },
    Preset {
        name: "pub-sub",
        json: include_str!("../../scenarios/pub-sub.json"),
    },
    Preset {
        name: "partitioned-log",
        json: include_str!("../../scenarios/partitioned-log.json"),
    },
    Preset {
        name: "side-by-side",
        json: include_str!("../../scenarios/side-by-side.json"),
    },
    Preset {
        name: "hybrid",
        json: include_str!("../../scenarios/hybrid.json"),
    },
    Preset {
        name: "rpc-chain",
        json: include_str!("../../scenarios/rpc-chain.json"),
    },
    Preset {
        name: "at-scale",
        json: include_str!("../../scenarios/at-scale.json"),
    },
];

/// The names of every preset.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|p| p.name)
}

/// The parsed preset with this name (each is parsed once, then cloned).
pub fn preset(name: &str) -> Option<Scenario> {
    static PARSED: [OnceLock<Scenario>; PRESETS.len()] = [const { OnceLock::new() }; PRESETS.len()];
    let i = PRESETS.iter().position(|p| p.name == name)?;
    let parsed = PARSED[i].get_or_init(|| {
        Scenario::from_json(PRESETS[i].json).expect("built-in presets are valid (tested)")
    });
    Some(parsed.clone())
}
