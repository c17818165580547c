//! The engine handle and the animation loop.
//!
//! One [`Driver`] owns the [`Engine`]; it advances virtual time once per animation frame
//! (bounded by a per-frame time budget) and publishes what the picture needs as signals:
//! cheap ones every frame (clock, flights, node states), heavier ones a few times a second
//! (metrics, event log). Every UI action goes through its command methods.

use super::panic;
use crate::scenario::{self, Fault, Scenario, ScenarioError};
use crate::sim::{
    Command, Counters, Engine, Flight, LatencySummary, MsgKind, NodeView, Output, OutputKind,
    SeriesPoint, SimTime, NS_PER_MS,
};
use leptos::prelude::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The mode name of a scenario loaded from the editor or a file.
pub const CUSTOM: &str = "custom";

/// Messages drawn one by one (on the canvas, see `dots.rs`); beyond this one in k is drawn
/// (k a power of two) and each link shows its count.
pub const DOT_CAP: usize = 4_000;
/// Rows kept in the event log.
pub const LOG_CAP: usize = 200;
/// Wall-clock milliseconds the engine may use in a frame that only moves the dots.
const ENGINE_SLICE_MS: f64 = 2.5;
/// ... and in a frame that also refreshes the node cards, the metrics or the log: those
/// refreshes cost layout and paint, so the engine leaves them the time it would have used.
const ENGINE_SLICE_REFRESH_MS: f64 = 0.25;
/// Events between two clock checks.
const EVENTS_PER_CHECK: u64 = 200;
/// Wall-clock milliseconds between two metric and log refreshes.
const SLOW_UPDATE_MS: f64 = 250.0;
/// Wall-clock milliseconds between two refreshes of the node cards while playing with more
/// than [`NODES_EVERY_FRAME_MAX`] messages in flight (their numbers change every frame under
/// load, and each change costs layout and paint; ten a second reads the same). Commands,
/// steps and pausing refresh them at once.
const NODES_UPDATE_MS: f64 = 100.0;
/// Wall-clock milliseconds between two refreshes of the clock readout while playing (its text
/// changes every frame, and each change costs text shaping, layout and paint; ten a second
/// reads the same). Pausing, steps and commands show the engine's time at once.
const CLOCK_UPDATE_MS: f64 = 100.0;
/// Up to this many messages in flight the node cards show the engine's state of every frame,
/// so what a card shows when the run is paused is what the engine holds.
const NODES_EVERY_FRAME_MAX: usize = 500;
/// Longest frame gap counted (a background tab must not jump ahead).
const MAX_FRAME_MS: f64 = 100.0;
/// How long a lost message's burst stays, in wall milliseconds.
const BURST_MS: f64 = 700.0;

/// The refreshes a frame makes besides the dots and the clock.
struct Refreshes {
    metrics: bool,
    log: bool,
    nodes: bool,
}

/// Messages on one link when there are too many to draw one by one.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// Lower node index of the pair.
    pub a: u16,
    /// Higher node index of the pair.
    pub b: u16,
    /// Messages in flight between them.
    pub count: usize,
}

/// A lost message fading out where it vanished.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    /// The message as last seen.
    pub flight: Flight,
    /// Wall time (performance.now) when it goes.
    pub until_ms: f64,
}

/// One row of the event log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogRow {
    /// Running number (the key of the row).
    pub seq: u64,
    /// What happened.
    pub out: Output,
}

/// A snapshot of the metrics, refreshed a few times a second.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Totals.
    pub total: Counters,
    /// Messages on links.
    pub in_flight: u64,
    /// Messages in queues, backlogs and buffers.
    pub queued: u64,
    /// Per node counters.
    pub nodes: Vec<Counters>,
    /// Per node latency (call latency for clients, end-to-end for consumer groups).
    pub latency: Vec<LatencySummary>,
    /// Time series, oldest first.
    pub series: Vec<SeriesPoint>,
    /// Events processed.
    pub events: u64,
    /// Hash of the event trace so far.
    pub trace_hash: u64,
    /// Virtual clock of this snapshot.
    pub now: SimTime,
}

/// The message shown in the inspector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Selected {
    /// Logical message or call id.
    pub origin: u64,
    /// The kind of the envelope clicked.
    pub kind: MsgKind,
    /// Envelope id (0 when opened from the log without one).
    pub id: u64,
}

/// Notable events waiting to be announced to screen readers.
#[derive(Clone, Debug, Default)]
pub struct Notices {
    /// Crash and restart sentences.
    pub lines: Vec<String>,
    /// Dead-lettered messages since the last announcement.
    pub dead: u64,
    /// Failed calls since the last announcement.
    pub failed: u64,
    /// Lost messages since the last announcement.
    pub lost: u64,
}

#[derive(Default)]
struct LoopState {
    last_ts: Option<f64>,
    last_slow: f64,
    last_log: f64,
    last_nodes: f64,
    last_clock: f64,
    seq: u64,
    log: VecDeque<LogRow>,
    lost: Vec<Flight>,
    drawn_sig: u64,
    stride: usize,
    wall_acc: f64,
    virt_acc: f64,
    dirty: bool,
    /// The event log is off screen: its rows are not refreshed until it is back.
    log_hidden: bool,
}

/// The engine handle: `Copy`, provided through context.
#[derive(Clone, Copy)]
pub struct Driver {
    engine: StoredValue<Engine, LocalStorage>,
    state: StoredValue<LoopState, LocalStorage>,
    /// Queued screen-reader notices (read by the announcer).
    pub notices: StoredValue<Notices, LocalStorage>,
    /// Preset name of the current mode.
    pub mode: RwSignal<&'static str>,
    /// Seed of the current run.
    pub seed: RwSignal<u64>,
    /// Bumped whenever a new engine replaces the old one.
    pub epoch: RwSignal<u32>,
    /// The scenario as currently configured.
    pub scenario: RwSignal<Scenario>,
    /// Running.
    pub playing: RwSignal<bool>,
    /// Requested speed (virtual seconds per wall second).
    pub speed: RwSignal<f64>,
    /// The speed actually achieved when the engine cannot keep up.
    pub effective: RwSignal<Option<f64>>,
    /// Virtual clock (every frame: the canvas draws at this time).
    pub now: RwSignal<SimTime>,
    /// Virtual clock as the readout shows it: `now` ten times a second while playing, at
    /// once when paused, stepped or changed.
    pub clock: RwSignal<SimTime>,
    /// Messages the canvas draws now (all in flight, or one in `dot_stride`).
    pub dots: StoredValue<Vec<Flight>, LocalStorage>,
    /// Bumped whenever `dots` changes.
    pub dots_tick: RwSignal<u64>,
    /// 1 when every message in flight is drawn; k when one in k is.
    pub dot_stride: RwSignal<usize>,
    /// Per-link counts when too many messages are in flight.
    pub bundles: RwSignal<Vec<Bundle>>,
    /// Messages in flight right now.
    pub in_flight: RwSignal<usize>,
    /// Lost messages fading out.
    pub bursts: RwSignal<Vec<Burst>>,
    /// State of every node.
    pub nodes: RwSignal<Vec<NodeView>>,
    /// Metrics snapshot.
    pub stats: RwSignal<Stats>,
    /// Event log, newest first.
    pub log: RwSignal<Vec<LogRow>>,
    /// Message in the inspector.
    pub selected: RwSignal<Option<Selected>>,
    /// An engine failure (broken invariant) that stopped the run.
    pub error: RwSignal<Option<String>>,
    /// prefers-reduced-motion.
    pub reduced_motion: RwSignal<bool>,
    /// A short-lived notice shown under the controls.
    pub notice: RwSignal<Option<String>>,
    /// Faults and parameter changes injected into this run since it started.
    pub live_changes: RwSignal<u32>,
    /// A scenario that is not a preset (e.g. a lesson's), which Reset and New seed reuse.
    custom: StoredValue<Option<Scenario>, LocalStorage>,
    /// A shared run is being replayed: play, step and changes wait for it.
    pub replaying: RwSignal<bool>,
    /// The lesson the run belongs to (carried by share links).
    pub lesson: RwSignal<Option<String>>,
    /// The step of that lesson.
    pub lesson_step: RwSignal<u32>,
}

/// The level of detail for `total` messages in flight: 1 (draw all) up to [`DOT_CAP`],
/// else the power of two k that keeps about `total / k <= DOT_CAP`. It steps down only when
/// `total` falls well below the current level, so it does not flicker around a boundary.
pub fn lod_stride(current: usize, total: usize) -> usize {
    let mut k = current.max(1);
    while total > DOT_CAP.saturating_mul(k) {
        k *= 2;
    }
    while k > 1 && total * 10 < DOT_CAP * (k / 2) * 9 {
        k /= 2;
    }
    k
}

/// Whether message `id` is among the one in `stride` drawn (spread by a hash, so kinds and
/// links are sampled alike; the same message stays drawn while the stride holds).
pub fn sampled(id: u64, stride: usize) -> bool {
    stride <= 1 || (id.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40).is_multiple_of(stride as u64)
}

/// Milliseconds since page load.
pub fn perf_now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

fn preset_name(mode: &str) -> &'static str {
    scenario::PRESETS
        .iter()
        .map(|p| p.name)
        .find(|n| *n == mode)
        .unwrap_or(scenario::PRESETS[0].name)
}

fn preset_or_default(mode: &str) -> (&'static str, Scenario) {
    let name = preset_name(mode);
    (name, scenario::preset(name).expect("built-in preset"))
}

impl Driver {
    /// A driver running preset `mode` with `seed` (paused).
    pub fn new(mode: &str, seed: u64) -> Driver {
        let (name, s) = preset_or_default(mode);
        let engine = Engine::new(s.clone(), seed);
        let reduced = window()
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        let d = Driver {
            engine: StoredValue::new_local(engine),
            state: StoredValue::new_local(LoopState::default()),
            notices: StoredValue::new_local(Notices::default()),
            mode: RwSignal::new(name),
            seed: RwSignal::new(seed),
            epoch: RwSignal::new(0),
            scenario: RwSignal::new(s),
            playing: RwSignal::new(false),
            speed: RwSignal::new(0.1),
            effective: RwSignal::new(None),
            now: RwSignal::new(SimTime::ZERO),
            clock: RwSignal::new(SimTime::ZERO),
            dots: StoredValue::new_local(Vec::new()),
            dots_tick: RwSignal::new(0),
            dot_stride: RwSignal::new(1),
            bundles: RwSignal::new(Vec::new()),
            in_flight: RwSignal::new(0),
            bursts: RwSignal::new(Vec::new()),
            nodes: RwSignal::new(Vec::new()),
            stats: RwSignal::new(Stats::default()),
            log: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            error: RwSignal::new(None),
            reduced_motion: RwSignal::new(reduced),
            notice: RwSignal::new(None),
            live_changes: RwSignal::new(0),
            custom: StoredValue::new_local(None),
            replaying: RwSignal::new(false),
            lesson: RwSignal::new(None),
            lesson_step: RwSignal::new(0),
        };
        d.publish(0.0, true);
        d
    }

    /// The event log went on or off screen. Off screen its rows are not refreshed (the run
    /// keeps collecting them); back on screen they are at the next frame.
    pub fn show_log(self, shown: bool) {
        self.state.update_value(|s| {
            s.log_hidden = !shown;
            if shown {
                s.last_log = f64::NEG_INFINITY;
            }
        });
    }

    /// Starts the requestAnimationFrame loop; it stops when the calling owner is cleaned up.
    pub fn start(self) {
        let alive = Arc::new(AtomicBool::new(true));
        let flag = alive.clone();
        on_cleanup(move || flag.store(false, Ordering::Relaxed));
        self.schedule(alive);
    }

    fn schedule(self, alive: Arc<AtomicBool>) {
        request_animation_frame(move || {
            if !alive.load(Ordering::Relaxed) {
                return;
            }
            self.frame(perf_now());
            self.schedule(alive);
        });
    }

    /// Reads the engine.
    pub fn with_engine<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        self.engine.with_value(f)
    }

    fn frame(self, ts: f64) {
        let dt = self
            .state
            .with_value(|s| s.last_ts.map_or(0.0, |l| (ts - l).clamp(0.0, MAX_FRAME_MS)));
        self.state.update_value(|s| s.last_ts = Some(ts));
        if self.playing.get_untracked()
            && self.error.get_untracked().is_none()
            && !self.replaying.get_untracked()
            && dt > 0.0
        {
            let speed = self.speed.get_untracked();
            let want = (dt * speed * NS_PER_MS as f64) as u64;
            let budget = if self.refresh_due(ts) {
                ENGINE_SLICE_REFRESH_MS
            } else {
                ENGINE_SLICE_MS
            };
            let (advanced, violation) = self
                .engine
                .try_update_value(|e| {
                    let start = e.now();
                    let target = start.after(want);
                    let t0 = perf_now();
                    while !e.run_until_bounded(target, EVENTS_PER_CHECK) {
                        if perf_now() - t0 > budget {
                            break;
                        }
                    }
                    (e.now().since(start), e.violation().map(str::to_owned))
                })
                .unwrap_or((0, None));
            if let Some(v) = violation {
                self.fail(format!("The engine broke an invariant: {v}"));
            }
            self.track_speed(dt, advanced as f64 / NS_PER_MS as f64, speed);
        }
        self.publish(ts, false);
    }

    /// Which of the refreshes that cost layout and paint the frame at `ts` makes: the
    /// metrics, the log (never in the same frame as the metrics: each of them alone fits in
    /// a frame) and the throttled node cards (waiting, one frame at most, for a frame with
    /// neither). `force` makes them all.
    fn refreshes(self, ts: f64, force: bool) -> Refreshes {
        let (metrics, log, nodes) = self.state.with_value(|s| {
            (
                ts - s.last_slow >= SLOW_UPDATE_MS,
                !s.log_hidden && ts - s.last_log >= SLOW_UPDATE_MS,
                ts - s.last_nodes >= NODES_UPDATE_MS,
            )
        });
        let metrics = force || metrics;
        let log = force || (!metrics && log);
        let nodes = force || (!metrics && !log && nodes);
        Refreshes {
            metrics,
            log,
            nodes,
        }
    }

    /// Whether the frame at `ts` refreshes anything beyond the dots and the clock (asked
    /// before the engine runs, so it can leave that frame the time).
    fn refresh_due(self, ts: f64) -> bool {
        let r = self.refreshes(ts, false);
        let throttled = self.in_flight.get_untracked() > NODES_EVERY_FRAME_MAX;
        r.metrics || r.log || (throttled && r.nodes)
    }

    fn track_speed(self, wall_ms: f64, virt_ms: f64, speed: f64) {
        let report = self.state.try_update_value(|s| {
            s.wall_acc += wall_ms;
            s.virt_acc += virt_ms;
            if s.wall_acc < 500.0 {
                return None;
            }
            let eff = s.virt_acc / s.wall_acc;
            s.wall_acc = 0.0;
            s.virt_acc = 0.0;
            Some(eff)
        });
        if let Some(Some(eff)) = report {
            let lagging = eff < speed * 0.85;
            let next = lagging.then_some(eff);
            if self.effective.get_untracked() != next {
                self.effective.set(next);
            }
        }
    }

    /// Publishes the engine's state to the signals; `force` refreshes metrics and log now.
    fn publish(self, ts: f64, force: bool) {
        let now = self.engine.with_value(Engine::now);
        if self.now.get_untracked() != now {
            self.now.set(now);
        }
        if self.clock.get_untracked() != now {
            let due = force
                || !self.playing.get_untracked()
                || self
                    .state
                    .with_value(|s| ts - s.last_clock >= CLOCK_UPDATE_MS);
            if due {
                self.state.update_value(|s| s.last_clock = ts);
                self.clock.set(now);
            }
        }
        self.publish_flights(ts);
        let due = self.refreshes(ts, force);
        let (slow, log_due) = (due.metrics, due.log);
        let nodes_due = due.nodes || self.in_flight.get_untracked() <= NODES_EVERY_FRAME_MAX;
        if nodes_due {
            self.state.update_value(|s| s.last_nodes = ts);
            let nodes = self.engine.with_value(Engine::nodes_view);
            if self.nodes.with_untracked(|old| *old != nodes) {
                self.nodes.set(nodes);
            }
        }
        if let Some(s) = self.engine.with_value(|e| {
            let s = e.scenario();
            self.scenario
                .with_untracked(|old| {
                    old.links
                        .iter()
                        .zip(&s.links)
                        .any(|(a, b)| a.state != b.state)
                })
                .then(|| s.clone())
        }) {
            self.scenario.set(s);
        }
        let outputs = self
            .engine
            .try_update_value(Engine::drain_outputs)
            .unwrap_or_default();
        if !outputs.is_empty() {
            self.note_outputs(&outputs);
            self.state.update_value(|st| {
                // Only the newest LOG_CAP can stay; the others are counted and skipped.
                let skip = outputs.len().saturating_sub(LOG_CAP);
                st.seq += skip as u64;
                for out in outputs.into_iter().skip(skip) {
                    st.seq += 1;
                    st.log.push_front(LogRow { seq: st.seq, out });
                }
                st.log.truncate(LOG_CAP);
                st.dirty = true;
            });
        }
        if slow {
            self.state.update_value(|s| s.last_slow = ts);
            let stats = self.engine.with_value(|e| {
                let m = e.metrics();
                Stats {
                    total: m.total.clone(),
                    in_flight: m.ledger.in_flight,
                    queued: m.ledger.queued,
                    nodes: m.nodes.clone(),
                    latency: m.latency.iter().map(|l| l.summary()).collect(),
                    series: m.series.points().copied().collect(),
                    events: e.events_processed(),
                    trace_hash: e.trace_hash(),
                    now: e.now(),
                }
            });
            if self.stats.with_untracked(|old| *old != stats) {
                self.stats.set(stats);
            }
        }
        if log_due {
            if let Some(Some(rows)) = self.state.try_update_value(|s| {
                s.last_log = ts;
                std::mem::take(&mut s.dirty).then(|| s.log.iter().copied().collect::<Vec<_>>())
            }) {
                self.log.set(rows);
            }
        }
    }

    fn publish_flights(self, ts: f64) {
        let flights: Vec<Flight> = self.engine.with_value(|e| e.in_flight().collect());
        let total = flights.len();
        if self.in_flight.get_untracked() != total {
            self.in_flight.set(total);
        }
        // Lost messages that vanished since the last frame burst where they were lost.
        let mut new_bursts = Vec::new();
        self.state.update_value(|s| {
            for f in &s.lost {
                if !flights.iter().any(|g| g.id == f.id) {
                    new_bursts.push(Burst {
                        flight: *f,
                        until_ms: ts + BURST_MS,
                    });
                }
            }
            s.lost = flights.iter().filter(|f| f.lost).copied().collect();
        });
        let expired = self
            .bursts
            .with_untracked(|b| b.iter().any(|x| x.until_ms <= ts));
        if !new_bursts.is_empty() || expired {
            self.bursts.update(|b| {
                b.retain(|x| x.until_ms > ts);
                b.extend(new_bursts);
                let n = b.len();
                if n > 64 {
                    b.drain(..n - 64);
                }
            });
        }
        let stride = self.state.try_update_value(|s| {
            s.stride = lod_stride(s.stride, total);
            s.stride
        });
        let stride = stride.unwrap_or(1);
        if self.dot_stride.get_untracked() != stride {
            self.dot_stride.set(stride);
        }
        let drawn: Vec<Flight> = if stride == 1 {
            flights
        } else {
            let mut bundles: Vec<Bundle> = Vec::new();
            for f in &flights {
                let (a, b) = (f.from.node.min(f.to.node), f.from.node.max(f.to.node));
                match bundles.iter_mut().find(|x| x.a == a && x.b == b) {
                    Some(x) => x.count += 1,
                    None => bundles.push(Bundle { a, b, count: 1 }),
                }
            }
            bundles.sort_by_key(|b| (b.a, b.b));
            if self.bundles.with_untracked(|old| *old != bundles) {
                self.bundles.set(bundles);
            }
            flights
                .into_iter()
                .filter(|f| sampled(f.id, stride))
                .collect()
        };
        if stride == 1 && self.bundles.with_untracked(|b| !b.is_empty()) {
            self.bundles.set(Vec::new());
        }
        let sig = drawn.iter().fold(drawn.len() as u64, |h, f| {
            (h ^ f.id ^ (f.arrive.0 << 1) ^ u64::from(f.lost)).wrapping_mul(0x100_0000_01b3)
        });
        let changed = self
            .state
            .try_update_value(|s| std::mem::replace(&mut s.drawn_sig, sig) != sig);
        if changed == Some(true) {
            self.dots.set_value(drawn);
            self.dots_tick.update(|t| *t = t.wrapping_add(1));
        }
    }

    fn note_outputs(self, outputs: &[Output]) {
        // Thousands of outputs a frame at high speed: names only for the rare ones that
        // need them.
        let name = |node: u16| {
            self.scenario.with_untracked(|s| {
                s.nodes.get(node as usize).map_or(String::new(), |n| {
                    if n.label.is_empty() {
                        n.id.clone()
                    } else {
                        n.label.clone()
                    }
                })
            })
        };
        self.notices.update_value(|n| {
            for o in outputs {
                match o.kind {
                    OutputKind::Crashed => n.lines.push(format!(
                        "{} instance {} crashed",
                        name(o.at.node),
                        o.at.inst + 1
                    )),
                    OutputKind::Restarted => n.lines.push(format!(
                        "{} instance {} restarted",
                        name(o.at.node),
                        o.at.inst + 1
                    )),
                    OutputKind::LinkCut => n.lines.push("a link was cut".into()),
                    OutputKind::LinkHealed => n.lines.push("a link was healed".into()),
                    OutputKind::DeadLettered => n.dead += 1,
                    OutputKind::CallFailed => n.failed += 1,
                    OutputKind::Lost => n.lost += 1,
                    _ => {}
                }
            }
            let len = n.lines.len();
            if len > 6 {
                n.lines.drain(..len - 6);
            }
        });
    }

    fn fail(self, msg: String) {
        self.playing.set(false);
        self.error.set(Some(msg));
    }

    // ----- commands ------------------------------------------------------------------------

    /// Replaces the engine with a fresh run of preset `mode` and `seed` (the edited
    /// scenario again for the `custom` mode).
    pub fn load(self, mode: &str, seed: u64) {
        self.custom.set_value(None);
        let (name, s) = if mode == CUSTOM {
            (CUSTOM, self.with_engine(|e| e.initial_scenario().clone()))
        } else {
            preset_or_default(mode)
        };
        self.replace(name, Engine::new(s, seed));
        crate::app::remember(name, seed);
    }

    /// Runs an edited scenario from time zero with the current seed (the `custom` mode).
    pub fn load_scenario(self, s: Scenario) {
        self.custom.set_value(None);
        let seed = self.seed.get_untracked();
        self.replace(CUSTOM, Engine::new(s, seed));
        crate::app::remember(CUSTOM, seed);
    }

    /// Replaces the engine with a fresh run of `s`, a scenario derived from preset `mode`
    /// (the mode the picker shows). Reset and New seed keep `s`; the URL is left to the caller.
    pub fn load_custom(self, mode: &str, s: Scenario, seed: u64) {
        let name = preset_name(mode);
        self.custom.set_value(Some(s.clone()));
        self.replace(name, Engine::new(s, seed));
        panic::remember(name, seed);
    }

    /// True while the run is of a scenario given to [`Driver::load_custom`].
    pub fn is_custom(self) -> bool {
        self.custom.with_value(Option::is_some)
    }

    /// Runs `engine` (a replayed run of preset `mode`, or of an edited scenario when `mode`
    /// is empty) from where it is, at `speed`.
    /// A run whose scenario is not its preset's (a lesson's, an embed's edited one) keeps
    /// that scenario for Reset and New seed.
    pub fn install(self, mode: &str, engine: Engine, speed: f64, playing: bool) {
        let name = if mode.is_empty() || mode == CUSTOM {
            CUSTOM
        } else {
            preset_name(mode)
        };
        let lesson = self.lesson.with_untracked(Option::is_some);
        let edited = name != CUSTOM
            && (lesson || scenario::preset(name).as_ref() != Some(engine.initial_scenario()));
        self.custom
            .set_value(edited.then(|| engine.initial_scenario().clone()));
        self.replace(name, engine);
        self.speed.set(speed);
        self.playing.set(playing);
    }

    fn replace(self, name: &'static str, engine: Engine) {
        let (seed, s) = (engine.seed(), engine.scenario().clone());
        self.live_changes.set(engine.applied().len() as u32);
        self.engine.set_value(engine);
        self.replaying.set(false);
        self.state.update_value(|st| {
            let last_ts = st.last_ts;
            *st = LoopState {
                last_ts,
                ..Default::default()
            };
        });
        self.notices.set_value(Notices::default());
        self.mode.set(name);
        self.seed.set(seed);
        self.scenario.set(s);
        self.dots.set_value(Vec::new());
        self.dots_tick.update(|t| *t = t.wrapping_add(1));
        self.dot_stride.set(1);
        self.bundles.set(Vec::new());
        self.bursts.set(Vec::new());
        self.log.set(Vec::new());
        self.selected.set(None);
        self.error.set(None);
        self.effective.set(None);
        self.epoch.update(|e| *e += 1);
        self.publish(perf_now(), true);
    }

    /// Same scenario and seed, from time zero.
    pub fn reset(self) {
        self.reload(self.seed.get_untracked());
    }

    /// Same scenario with a new random seed.
    pub fn new_seed(self) {
        let seed = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        self.reload(seed);
    }

    fn reload(self, seed: u64) {
        match self.custom.get_value() {
            Some(s) => self.load_custom(self.mode.get_untracked(), s, seed),
            None => self.load(self.mode.get_untracked(), seed),
        }
    }

    /// Play or pause.
    pub fn toggle_play(self) {
        if self.error.get_untracked().is_some() || self.replaying.get_untracked() {
            return;
        }
        self.playing.update(|p| *p = !*p);
        self.effective.set(None);
        if !self.playing.get_untracked() {
            // Paused: the metrics and the log show this moment now, not at their next
            // refresh (up to 250 ms later), and then hold still.
            self.publish(perf_now(), true);
        }
    }

    /// Pauses and processes exactly one event.
    pub fn step(self) {
        if self.error.get_untracked().is_some() || self.replaying.get_untracked() {
            return;
        }
        self.playing.set(false);
        let violation = self
            .engine
            .try_update_value(|e| {
                e.step();
                e.violation().map(str::to_owned)
            })
            .flatten();
        if let Some(v) = violation {
            self.fail(format!("The engine broke an invariant: {v}"));
        }
        self.publish(perf_now(), true);
    }

    /// Injects a fault now.
    pub fn fault(self, f: Fault) -> Result<(), ScenarioError> {
        self.not_replaying()?;
        let r = self
            .engine
            .try_update_value(|e| e.inject(Command::Fault(f)))
            .unwrap_or(Ok(()));
        match &r {
            Err(e) => self.flash(e.to_string()),
            Ok(()) => self.live_changes.update(|n| *n += 1),
        }
        self.publish(perf_now(), true);
        r
    }

    /// Applies new parameters live.
    pub fn update(self, next: Scenario) -> Result<(), ScenarioError> {
        self.not_replaying()?;
        let r = self
            .engine
            .try_update_value(|e| {
                e.inject(Command::Update(Box::new(next)))
                    .map(|()| e.scenario().clone())
            })
            .unwrap_or_else(|| Err(ScenarioError { errors: Vec::new() }));
        match r {
            Ok(s) => {
                self.scenario.set(s);
                self.live_changes.update(|n| *n += 1);
                self.publish(perf_now(), true);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn not_replaying(self) -> Result<(), ScenarioError> {
        if self.replaying.get_untracked() {
            let msg = "wait until the shared run has been replayed";
            self.flash(msg.into());
            return Err(ScenarioError::single("", msg));
        }
        Ok(())
    }

    /// Opens a message in the inspector and keeps its journey.
    pub fn select(self, origin: u64, kind: MsgKind, id: u64) {
        if origin == 0 {
            return;
        }
        self.engine.update_value(|e| e.pin(origin));
        self.selected.set(Some(Selected { origin, kind, id }));
    }

    /// Shows `msg` for a few seconds.
    pub fn flash(self, msg: String) {
        self.notice.set(Some(msg.clone()));
        let notice = self.notice;
        gloo_timers::callback::Timeout::new(5_000, move || {
            if notice.try_get_untracked().flatten().as_deref() == Some(msg.as_str()) {
                notice.set(None);
            }
        })
        .forget();
    }
}
