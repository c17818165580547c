//! Header controls: mode picker, time controls (play/pause, step, speed, reset, seed) and
//! the one-click failure buttons.

use super::driver::Driver;
use crate::scenario::{Fault, Role, PRESETS};
use leptos::prelude::*;

/// The label of a preset in the mode picker.
pub fn mode_title(name: &str) -> &'static str {
    match name {
        "request-response" => "Request-response",
        "work-queue" => "Work queue",
        "pub-sub" => "Pub/sub",
        "partitioned-log" => "Partitioned log",
        "side-by-side" => "Side by side",
        "hybrid" => "Hybrid",
        "rpc-chain" => "Call chain",
        "at-scale" => "At scale",
        "custom" => "Custom scenario",
        _ => "Scenario",
    }
}

const SLIDER_MAX: f64 = 300.0;

/// Speed for a slider position: logarithmic from 0.1× to 100×.
pub fn speed_of(pos: f64) -> f64 {
    10f64.powf(-1.0 + 3.0 * pos / SLIDER_MAX)
}

/// Slider position of a speed.
pub fn pos_of(speed: f64) -> f64 {
    ((speed.log10() + 1.0) / 3.0 * SLIDER_MAX).clamp(0.0, SLIDER_MAX)
}

/// A speed as text, e.g. `0.25×`.
pub fn speed_text(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.2}×")
    } else if s < 10.0 {
        format!("{s:.1}×")
    } else {
        format!("{s:.0}×")
    }
}

/// Picks the scenario (a new engine from the preset, same seed).
#[component]
pub fn ModePicker() -> impl IntoView {
    let d = expect_context::<Driver>();
    view! {
        <label class="mode-picker">
            <span>"Mode"</span>
            <select
                data-testid="mode"
                title="Each mode is a built-in scenario; switching starts it afresh with the current seed."
                prop:value=move || d.mode.get()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    d.load(&v, d.seed.get_untracked());
                }
            >
                {PRESETS
                    .iter()
                    .map(|p| view! { <option value=p.name>{mode_title(p.name)}</option> })
                    .collect_view()}
                // Shown while an edited or imported scenario runs (see editor.rs).
                <option value="custom" hidden=move || d.mode.get() != "custom">"Custom"</option>
            </select>
        </label>
    }
}

/// Play/pause, step, speed, reset, new seed and the virtual clock.
#[component]
pub fn TimeControls() -> impl IntoView {
    let d = expect_context::<Driver>();
    let clock = move || format!("{:.3} s", d.clock.get().as_secs());
    view! {
        <div class="time-controls" role="group" aria-label="Time controls">
            <button
                class="btn primary"
                data-testid="play"
                aria-pressed=move || d.playing.get().to_string()
                aria-keyshortcuts="Space"
                title="Play or pause the simulation (Space)"
                on:click=move |_| d.toggle_play()
            >
                {move || if d.playing.get() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <button
                class="btn"
                data-testid="step"
                aria-keyshortcuts="ArrowRight"
                title="Pause and process exactly one event (→)"
                on:click=move |_| d.step()
            >
                "Step ▸"
            </button>
            <label class="speed">
                <span>"Speed"</span>
                <input
                    type="range"
                    data-testid="speed"
                    min="0"
                    max=SLIDER_MAX
                    step="1"
                    aria-describedby="speed-help"
                    aria-valuetext=move || speed_text(d.speed.get())
                    prop:value=move || pos_of(d.speed.get()).to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            d.speed.set(speed_of(v));
                        }
                    }
                />
                <output data-testid="speed-value">{move || speed_text(d.speed.get())}</output>
            </label>
            <span id="speed-help" class="sr-only">"Virtual seconds per wall-clock second, from 0.1 to 100, logarithmic."</span>
            <button class="btn" data-testid="reset" title="Start again from time zero with the same seed" on:click=move |_| d.reset()>
                "↺ Reset"
            </button>
            <button class="btn" data-testid="new-seed" title="Start again with a new random seed" on:click=move |_| d.new_seed()>
                "⚄ New seed"
            </button>
            <span class="clock" data-testid="clock" data-ns=move || d.clock.get().0 aria-label="Virtual time">
                <span class="clock-text">"t = "{clock}</span>
            </span>
            <span class="seed" data-testid="seed">"seed "{move || d.seed.get()}</span>
            <Show when=move || d.effective.get().is_some()>
                <span class="effective" data-testid="effective" role="status">
                    {move || format!("effective speed {}", speed_text(d.effective.get().unwrap_or_default()))}
                </span>
            </Show>
        </div>
    }
}

/// "Slow consumer" and "crash broker" (or the service equivalents when there is no broker).
#[component]
pub fn FaultButtons() -> impl IntoView {
    let d = expect_context::<Driver>();
    // The node slowed: the first consumer group, else the last service.
    let slow_target = Memo::new(move |_| {
        d.scenario.with(|s| {
            s.nodes
                .iter()
                .position(|n| matches!(n.role, Role::ConsumerGroup(_)))
                .or_else(|| {
                    s.nodes
                        .iter()
                        .rposition(|n| matches!(n.role, Role::Service(_)))
                })
                .map(|i| {
                    (
                        i,
                        s.nodes[i].id.clone(),
                        matches!(s.nodes[i].role, Role::ConsumerGroup(_)),
                    )
                })
        })
    });
    // Read from the engine, so a replayed link or a lesson's change shows as it is.
    let slowed = Memo::new(move |_| {
        slow_target
            .get()
            .is_some_and(|(i, _, _)| d.nodes.with(|v| v.get(i).is_some_and(|n| n.slow != 1.0)))
    });
    let broker = Memo::new(move |_| {
        d.scenario.with(|s| {
            s.nodes
                .iter()
                .position(|n| matches!(n.role, Role::Broker(_)))
                .map(|i| (i, s.nodes[i].id.clone()))
        })
    });
    let broker_up = Memo::new(move |_| {
        broker
            .get()
            .is_none_or(|(i, _)| d.nodes.with(|v| v.get(i).is_none_or(|n| n.up)))
    });
    view! {
        <div class="fault-buttons" role="group" aria-label="Failures">
            <Show when=move || slow_target.get().is_some()>
                <button
                    class="btn"
                    data-testid="slow"
                    aria-pressed=move || slowed.get().to_string()
                    title="Multiply processing time by 5 (toggle)"
                    on:click=move |_| {
                        if let Some((_, node, _)) = slow_target.get_untracked() {
                            let factor = if slowed.get_untracked() { 1.0 } else { 5.0 };
                            let _ = d.fault(Fault::Slow { node, factor });
                        }
                    }
                >
                    {move || {
                        let what = if slow_target.get().is_some_and(|t| t.2) { "consumer" } else { "service" };
                        if slowed.get() { format!("Speed {what} up") } else { format!("Slow {what} ×5") }
                    }}
                </button>
            </Show>
            <Show when=move || broker.get().is_some()>
                <button
                    class="btn danger"
                    data-testid="crash-broker"
                    on:click=move |_| {
                        if let Some((_, node)) = broker.get_untracked() {
                            let f = if broker_up.get_untracked() {
                                Fault::Crash { node, instance: None }
                            } else {
                                Fault::Restart { node, instance: None }
                            };
                            let _ = d.fault(f);
                        }
                    }
                >
                    {move || if broker_up.get() { "Crash broker" } else { "Restart broker" }}
                </button>
            </Show>
            <span class="hint">"Click a node instance to crash or restart it, a link to cut or heal it."</span>
        </div>
    }
}
