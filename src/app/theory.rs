//! The theory overlay: for every service and queue, whether M/M/c describes it and, when it
//! does, what Erlang C predicts beside what the run measured (refreshed with the metrics).

use super::driver::Driver;
use crate::sim::theory::{LineKind, Measured, MmcPrediction, TheoryCheck};
use leptos::prelude::*;

fn fig(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// At most two decimals, without trailing zeros (60, 0.5, 12.25).
fn short(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// Rows of the comparison: name, meaning, predicted and measured.
fn rows(p: &MmcPrediction, m: &Measured) -> [(&'static str, &'static str, String, String); 6] {
    [
        ("ρ", "utilisation", pct(p.utilisation), pct(m.utilisation)),
        ("P(wait)", "share that waits", pct(p.p_wait), pct(m.p_wait)),
        (
            "Wq",
            "mean wait",
            format!("{} ms", fig(p.wait_ms)),
            format!("{} ms", fig(m.wait_ms)),
        ),
        (
            "W",
            "mean time in system",
            format!("{} ms", fig(p.sojourn_ms)),
            format!("{} ms", fig(m.sojourn_ms)),
        ),
        (
            "Lq",
            "mean number waiting",
            fig(p.queue_len),
            fig(m.queue_len),
        ),
        (
            "L",
            "mean number in system",
            fig(p.in_system),
            fig(m.in_system),
        ),
    ]
}

fn line_view(c: TheoryCheck) -> impl IntoView {
    let kind = match c.kind {
        LineKind::Service => "service",
        LineKind::Queue => "queue",
        LineKind::Log => "log",
    };
    let model = format!(
        "M/M/{}: λ = {}/s, 1/μ = {} ms, ρ = {:.2}",
        c.servers,
        short(c.lambda_per_s),
        short(c.service_ms),
        c.rho
    );
    let m = c.measured;
    let body = match c.prediction {
        Some(p) => {
            let table = rows(&p, &m)
                .into_iter()
                .map(|(sym, what, want, got)| {
                    view! {
                        <tr>
                            <th scope="row" title=what>{sym}<span class="dim">{format!(" {what}")}</span></th>
                            <td>{want}</td>
                            <td>{if m.samples == 0 { "—".to_string() } else { got }}</td>
                        </tr>
                    }
                })
                .collect_view();
            let little = (m.samples > 0).then(|| {
                format!(
                    "Little's law on the run: L = {} and λW = {}/s × {} ms = {}. Measured over {} waits since t = 0 (averages settle over thousands).",
                    fig(m.in_system),
                    fig(m.arrival_rate_per_s),
                    fig(m.sojourn_ms),
                    fig(m.little_in_system),
                    m.samples
                )
            });
            view! {
                <table class="theory-table">
                    <thead><tr><th scope="col"></th><th scope="col">"theory"</th><th scope="col">"this run"</th></tr></thead>
                    <tbody>{table}</tbody>
                </table>
                <p class="little" data-testid="little">{little}</p>
            }
            .into_any()
        }
        None => view! {
            <p class="theory-no">"Theory does not apply:"</p>
            <ul class="theory-reasons">
                {c.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    let name = c.name.clone();
    view! {
        <div class="theory-line" data-line=name data-kind=kind data-applies=c.prediction.is_some().to_string()>
            <h4>{c.name}<span class="dim">{format!(" ({kind}) ")}</span><span class="model">{model}</span></h4>
            {body}
        </div>
    }
}

/// The theory panel.
#[component]
pub fn Theory() -> impl IntoView {
    let d = expect_context::<Driver>();
    // Recomputed with the slow metrics refresh, on notable events and on scenario changes.
    // A line M/M/c does not describe shows no measurement: without it, such a line compares
    // equal from one refresh to the next, and the panel is not built again for nothing.
    let checks = Memo::new(move |_| {
        d.stats.track();
        d.log.track();
        d.scenario.track();
        let mut checks = d.with_engine(|e| e.theory());
        for c in checks.iter_mut().filter(|c| c.prediction.is_none()) {
            c.measured = Measured::default();
        }
        checks
    });
    view! {
        <section class="theory" data-testid="theory" aria-labelledby="theory-title">
            <h3 id="theory-title">"Queueing theory (M/M/c, Erlang C)"</h3>
            <p class="panel-help">
                "Where arrivals are Poisson, service times exponential and nothing fails, a waiting line with c servers follows M/M/c. Each line below says whether that holds here."
            </p>
            {move || checks.get().into_iter().map(line_view).collect_view()}
        </section>
    }
}
