//! Downloads: the run's report (the headless runner's JSON), the metric time series (CSV),
//! the topology as a standalone SVG and the scenario (JSON). Files are made in the page and
//! saved through a Blob, an object URL and `<a download>`, which the strict CSP allows.

use super::dots::DotHits;
use super::driver::Driver;
use crate::sim::{Engine, SeriesPoint};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Saves `text` as a file called `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = document().create_element("a")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    let body = document().body().ok_or("no body")?;
    body.append_child(&a)?;
    a.click();
    a.remove();
    // The browser has taken the file once the click is handled; free the URL a bit later.
    gloo_timers::callback::Timeout::new(30_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// The time series as CSV: a header and one row per closed window.
pub fn series_csv(points: impl Iterator<Item = SeriesPoint>) -> String {
    let mut out = String::from(
        "t_ms,throughput_per_s,errors_per_s,p50_ms,p90_ms,p99_ms,queue_depth,log_lag,in_flight\n",
    );
    for p in points {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            p.t_ms,
            p.throughput,
            p.errors,
            p.p50_ms,
            p.p90_ms,
            p.p99_ms,
            p.queue_depth,
            p.lag,
            p.in_flight
        ));
    }
    out
}

/// The live topology as a standalone SVG document: the drawing plus a `<style>` with the
/// page's rules that apply to it, its colours resolved, so it renders outside the page.
/// The messages in flight (painted on a canvas over the SVG) are added as SVG shapes, as
/// `hits` holds them from the last frame.
pub fn topology_svg(hits: Option<DotHits>) -> Result<String, JsValue> {
    let doc = document();
    let svg = doc
        .query_selector("svg[data-testid=topology]")?
        .ok_or("the topology is not on the page")?;
    let copy: web_sys::Element = svg.clone_node_with_deep(true)?.unchecked_into();
    copy.set_attribute("xmlns", SVG_NS)?;
    // The page sizes the picture with an inline max-width; the file has its own size.
    copy.remove_attribute("style")?;
    copy.class_list().remove_1("over-dot")?;
    if let Some(hits) = hits {
        let bursts = copy.query_selector("g.bursts")?;
        let flights = flights_group(&doc, hits)?;
        copy.insert_before(&flights, bursts.as_deref())?;
    }
    if let Some(vb) = svg.get_attribute("viewBox") {
        let v: Vec<&str> = vb.split_whitespace().collect();
        if let [_, _, w, h] = v[..] {
            copy.set_attribute("width", w)?;
            copy.set_attribute("height", h)?;
        }
    }
    let mut css = String::new();
    let sheets = doc.style_sheets();
    for i in 0..sheets.length() {
        let Some(sheet) = sheets
            .item(i)
            .and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok())
        else {
            continue;
        };
        let Ok(rules) = sheet.css_rules() else {
            continue;
        };
        for j in 0..rules.length() {
            let Some(rule) = rules
                .item(j)
                .and_then(|r| r.dyn_into::<web_sys::CssStyleRule>().ok())
            else {
                continue;
            };
            let sel = rule.selector_text();
            if sel.contains(':') {
                continue; // :hover, :focus-visible, :root … are not part of the picture.
            }
            // The page's SVG for rules that depend on where it sits, the copy for the
            // messages that only it has.
            let used = [&svg, &copy].iter().any(|el| {
                el.matches(&sel).unwrap_or(false)
                    || el.query_selector(&sel).ok().flatten().is_some()
            });
            if used {
                css.push_str(&rule.css_text());
                css.push('\n');
            }
        }
    }
    // Custom properties (colours) as the page resolves them now, light or dark.
    let root = window()
        .get_computed_style(&doc.document_element().ok_or("no root")?)?
        .ok_or("no computed style")?;
    let mut vars = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for part in css.split("var(").skip(1) {
        let name = part.split([')', ',']).next().unwrap_or("").trim();
        if name.starts_with("--") && !seen.contains(&name) {
            seen.push(name);
            let v = root.get_property_value(name).unwrap_or_default();
            if !v.trim().is_empty() {
                vars.push_str(&format!("{name}:{};", v.trim()));
            }
        }
    }
    let bg = root.get_property_value("--bg").unwrap_or_default();
    let head = format!(
        "svg{{{vars}background:{};font:14px/1.4 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;}}\n",
        if bg.trim().is_empty() { "#fff" } else { bg.trim() }
    );
    let style = doc.create_element_ns(Some(SVG_NS), "style")?;
    style.set_text_content(Some(&(head + &css)));
    copy.insert_before(&style, copy.first_child().as_ref())?;
    let xml = web_sys::XmlSerializer::new()?.serialize_to_string(&copy)?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n"
    ))
}

/// The messages of the last painted frame as SVG, each a copy of its kind's legend shape
/// (`g.flight.k-…`, the markup the SVG topology used for them) at its position.
fn flights_group(doc: &web_sys::Document, hits: DotHits) -> Result<web_sys::Element, JsValue> {
    let g = doc.create_element_ns(Some(SVG_NS), "g")?;
    g.set_attribute("class", "flights")?;
    hits.with_drawn(|pos, flights| {
        for (&(x, y), f) in pos.iter().zip(flights) {
            let kind = f.kind.as_str();
            let Some(icon) = doc.query_selector(&format!(".legend g.flight.k-{kind}"))? else {
                continue;
            };
            let dot: web_sys::Element = icon.clone_node_with_deep(true)?.unchecked_into();
            if f.redelivered {
                dot.class_list().add_1("redelivered")?;
            }
            dot.set_attribute("data-kind", kind)?;
            dot.set_attribute("transform", &format!("translate({x:.1} {y:.1})"))?;
            g.append_child(&dot)?;
        }
        Ok::<(), JsValue>(())
    })?;
    Ok(g)
}

/// The command that reproduces the report with the headless runner.
fn replay_command(file: &str, seed: u64, e: &Engine) -> String {
    format!(
        "msgflow run {file} --seed {seed} --events {} --duration {}ns",
        e.events_processed(),
        e.now().0
    )
}

/// The export buttons.
#[component]
pub fn Export() -> impl IntoView {
    let d = expect_context::<Driver>();
    let hits = use_context::<DotHits>();
    let status = RwSignal::new(None::<(bool, String)>);
    let base = move || {
        format!(
            "msgflow-{}-seed{}",
            d.mode.get_untracked(),
            d.seed.get_untracked()
        )
    };
    let save =
        move |name: String, mime: &'static str, text: Result<String, JsValue>, done: String| {
            let r = text.and_then(|t| download(&name, mime, &t));
            status.set(Some(match r {
                Ok(()) => (true, done),
                Err(e) => (
                    false,
                    format!(
                        "Could not save {name}: {}",
                        e.as_string().unwrap_or_else(|| format!("{e:?}"))
                    ),
                ),
            }));
        };
    let scenario_json = move || {
        // With no live change, the scenario the run started from reproduces it exactly.
        if d.live_changes.get_untracked() == 0 {
            d.with_engine(|e| e.initial_scenario().to_json())
        } else {
            d.scenario.with_untracked(|s| s.to_json())
        }
    };
    let report = move |_| {
        let name = format!("{}-report.json", base());
        let (text, cmd) = d.with_engine(|e| {
            let text = serde_json::to_string_pretty(&e.report())
                .map_err(|e| JsValue::from_str(&e.to_string()));
            (
                text,
                replay_command(
                    &format!("{}-scenario.json", base()),
                    d.seed.get_untracked(),
                    e,
                ),
            )
        });
        save(
            name.clone(),
            "application/json",
            text,
            format!("Saved {name}. The headless runner gives the same report: {cmd}"),
        );
    };
    let csv = move |_| {
        let name = format!("{}-series.csv", base());
        let text = d.with_engine(|e| series_csv(e.metrics().series.points().copied()));
        save(name.clone(), "text/csv", Ok(text), format!("Saved {name}."));
    };
    let svg = move |_| {
        let name = format!("{}-topology.svg", base());
        save(
            name.clone(),
            "image/svg+xml",
            topology_svg(hits),
            format!("Saved {name}."),
        );
    };
    let scenario = move |_| {
        let name = format!("{}-scenario.json", base());
        save(
            name.clone(),
            "application/json",
            Ok(scenario_json()),
            format!("Saved {name}."),
        );
    };
    view! {
        <div class="export" data-testid="export">
            <h3>"Export"</h3>
            <div class="export-buttons" role="group" aria-label="Downloads">
                <button class="btn" data-testid="export-report" title="The run's report as JSON, as the headless runner prints it" on:click=report>"Report (JSON)"</button>
                <button class="btn" data-testid="export-csv" title="The metric time series, one row per window" on:click=csv>"Time series (CSV)"</button>
                <button class="btn" data-testid="export-svg" title="The topology picture as a standalone SVG file" on:click=svg>"Topology (SVG)"</button>
                <button class="btn" data-testid="export-scenario" title="The scenario as JSON, for the editor or the headless runner" on:click=scenario>"Scenario (JSON)"</button>
            </div>
            <p class="panel-help">
                "Pause first to export one moment: the report, the scenario and the seed reproduce it in the headless runner."
            </p>
            <Show when=move || { d.live_changes.get() > 0 }>
                <p class="note" data-testid="export-live-note">
                    {move || format!("{} live change(s) were made to this run; the runner replays the scenario from time zero without them, so its report will differ.", d.live_changes.get())}
                </p>
            </Show>
            <p class="export-status" role="status" data-testid="export-status" class:bad=move || status.with(|s| s.as_ref().is_some_and(|s| !s.0))>
                {move || status.get().map(|s| s.1)}
            </p>
        </div>
    }
}
