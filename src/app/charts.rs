//! Small SVG line charts over virtual time, with labelled axes and units.

use leptos::prelude::*;

const W: f64 = 320.0;
const H: f64 = 150.0;
const L: f64 = 44.0;
const R: f64 = 8.0;
const T: f64 = 10.0;
const B: f64 = 30.0;

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Legend name.
    pub name: &'static str,
    /// CSS class (colour and dash).
    pub class: &'static str,
    /// Points (x in seconds, y in the chart's unit).
    pub points: Vec<(f64, f64)>,
}

fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

fn fmt_tick(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A line chart.
#[component]
pub fn LineChart(
    /// Title above the chart.
    title: &'static str,
    /// Unit of the y axis.
    unit: &'static str,
    /// The lines, refreshed a few times a second.
    lines: Signal<Vec<Line>>,
    /// data-testid of the chart.
    testid: &'static str,
) -> impl IntoView {
    let geometry = Memo::new(move |_| {
        lines.with(|ls| {
            let (mut x0, mut x1, mut ymax) = (f64::MAX, f64::MIN, 0.0f64);
            for l in ls {
                for &(x, y) in &l.points {
                    x0 = x0.min(x);
                    x1 = x1.max(x);
                    ymax = ymax.max(y);
                }
            }
            if x0 > x1 {
                (0.0, 1.0, 1.0)
            } else {
                (x0, if x1 > x0 { x1 } else { x0 + 1.0 }, nice_max(ymax))
            }
        })
    });
    // The lines' names and classes change only with the scenario: the keys and polylines
    // stay in the document and only their `points` change at each refresh.
    let keys = Memo::new(move |_| {
        lines.with(|ls| ls.iter().map(|l| (l.name, l.class)).collect::<Vec<_>>())
    });
    let points = move |i: usize| {
        let (x0, x1, ymax) = geometry.get();
        lines.with(|ls| {
            ls.get(i).map_or(String::new(), |l| {
                let mut out = String::with_capacity(l.points.len() * 12);
                for (k, &(x, y)) in l.points.iter().enumerate() {
                    let px = L + (x - x0) / (x1 - x0) * (W - L - R);
                    let py = H - B - (y / ymax).min(1.0) * (H - B - T);
                    if k > 0 {
                        out.push(' ');
                    }
                    out.push_str(&format!("{px:.1},{py:.1}"));
                }
                out
            })
        })
    };
    let paths = move || {
        keys.with(|ks| {
            ks.iter()
                .enumerate()
                .map(|(i, (_, class))| {
                    view! { <polyline class=format!("series {class}") points=move || points(i)></polyline> }
                })
                .collect_view()
        })
    };
    let names = move || {
        keys.with(|ks| {
            ks.iter()
                .map(|(name, class)| view! { <span class=format!("key {class}")>{*name}</span> })
                .collect_view()
        })
    };
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>
                <span class="chart-title">{title}</span>
                <span class="chart-keys">{names}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=move || {
                let (x0, x1, ymax) = geometry.get();
                format!("{title} in {unit}, from {x0:.1} s to {x1:.1} s, axis up to {}", fmt_tick(ymax))
            }>
                <line class="axis" x1=L y1=T x2=L y2=H - B></line>
                <line class="axis" x1=L y1=H - B x2=W - R y2=H - B></line>
                <line class="grid" x1=L y1=(T + H - B) / 2.0 x2=W - R y2=(T + H - B) / 2.0></line>
                <line class="grid" x1=L y1=T x2=W - R y2=T></line>
                <text class="tick" x=L - 4.0 y=T + 4.0 text-anchor="end">{move || fmt_tick(geometry.get().2)}</text>
                <text class="tick" x=L - 4.0 y=(T + H - B) / 2.0 + 4.0 text-anchor="end">{move || fmt_tick(geometry.get().2 / 2.0)}</text>
                <text class="tick" x=L - 4.0 y=H - B + 4.0 text-anchor="end">"0"</text>
                <text class="tick" x=L y=H - B + 14.0 text-anchor="start">{move || format!("{:.1}", geometry.get().0)}</text>
                <text class="tick" x=W - R y=H - B + 14.0 text-anchor="end">{move || format!("{:.1}", geometry.get().1)}</text>
                <text class="axis-label" x=(L + W - R) / 2.0 y=H - 3.0 text-anchor="middle">"virtual time (s)"</text>
                <text class="axis-label" x="10" y=(T + H - B) / 2.0 text-anchor="middle" transform=format!("rotate(-90 10 {})", (T + H - B) / 2.0)>{unit}</text>
                {paths}
            </svg>
        </figure>
    }
}
