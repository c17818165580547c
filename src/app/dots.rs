//! Messages in flight, drawn on one `<canvas>` laid over the SVG topology.
//!
//! A thousand moving SVG elements cost far more than a frame (each is a reactive DOM node
//! whose `transform` changes every frame); one canvas repainted per frame costs about a
//! millisecond. Nodes and links stay SVG (focusable, labelled buttons). The canvas has
//! `pointer-events: none`: clicks on the picture are hit-tested against the dots first (in
//! the capture phase), so a click on a dot opens it in the inspector and any other click
//! reaches the node or link below. Colours are read from the legend's own swatches, shapes
//! are those of [`super::flights::shape`] (pre-drawn once per kind, then copied), and
//! positions come from each flight's send and arrival times (reduced motion: start or end
//! of the link only).

use super::driver::Driver;
use super::flights::progress;
use super::layout::Layout;
use crate::sim::{Flight, MsgKind};
use leptos::prelude::*;
use std::f64::consts::TAU;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::Clamped;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MouseEvent};

/// A click this close to a dot's centre (viewBox units) picks it, as the SVG hit circle did.
const HIT_R: f64 = 10.0;

/// Colours, read from the page's CSS.
#[derive(Clone, Debug, Default)]
struct Palette {
    /// Per [`MsgKind::ALL`] index.
    kinds: [String; 6],
    /// Outline of filled shapes (the panel background).
    panel: String,
    /// Outline of redelivered messages.
    text: String,
}

/// What was drawn last, for hit-testing.
#[derive(Default)]
struct Drawn {
    /// Centres in viewBox units, parallel to `flights`.
    pos: Vec<(f64, f64)>,
    flights: Vec<Flight>,
    /// The `data-drawn` attribute as last set.
    count: Option<usize>,
}

/// Scale and offsets that map viewBox units into a `w`×`h` CSS-pixel box the way SVG's
/// default `preserveAspectRatio="xMidYMid meet"` does.
pub fn fit(view_w: f64, view_h: f64, w: f64, h: f64) -> (f64, f64, f64) {
    if view_w <= 0.0 || view_h <= 0.0 || w <= 0.0 || h <= 0.0 {
        return (1.0, 0.0, 0.0);
    }
    let s = (w / view_w).min(h / view_h);
    (s, (w - view_w * s) / 2.0, (h - view_h * s) / 2.0)
}

/// Index of the dot under viewBox point `(x, y)`: the topmost (last drawn) dot whose shape
/// covers the point, which is the one whose pixels the pointer is on; else the nearest
/// centre within [`HIT_R`] (the later-drawn one on a tie), so a click beside a small shape
/// still finds it. `kind_of(i)` is dot `i`'s message kind.
pub fn hit(
    pos: &[(f64, f64)],
    kind_of: impl Fn(usize) -> MsgKind,
    x: f64,
    y: f64,
) -> Option<usize> {
    let on_top = pos
        .iter()
        .enumerate()
        .rev()
        .find(|&(i, &(px, py))| covers(kind_of(i), x - px, y - py));
    if let Some((i, _)) = on_top {
        return Some(i);
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, &(px, py)) in pos.iter().enumerate() {
        let d2 = (px - x).powi(2) + (py - y).powi(2);
        if d2 <= HIT_R * HIT_R && best.is_none_or(|(_, b)| d2 <= b) {
            best = Some((i, d2));
        }
    }
    best.map(|(i, _)| i)
}

/// Whether a message of `kind` drawn at the origin paints viewBox point `(dx, dy)`: its
/// shape as `paint_shape` draws it (the legend's), with half of each stroke.
pub fn covers(kind: MsgKind, dx: f64, dy: f64) -> bool {
    let (ax, ay) = (dx.abs(), dy.abs());
    let r = dx.hypot(dy);
    match kind {
        MsgKind::Request => r <= 5.75,
        // The dot, and the ring (radius 7.5, stroke 1.6) around it.
        MsgKind::Retry => r <= 4.75 || (6.7..=8.3).contains(&r),
        MsgKind::Response => ax <= 5.25 && ay <= 5.25,
        // The triangle (0,-6.5) (6,4.5) (-6,4.5): below its two slanted sides, above its base.
        MsgKind::Error => dy <= 5.25 && 11.0 * ax - 6.0 * dy <= 39.0 + 9.5,
        MsgKind::Event => ax + ay <= 7.5,
        // The tick: two strokes 2.6 wide.
        MsgKind::Ack => {
            segment_distance((dx, dy), (-4.5, 0.0), (-1.5, 3.5)) <= 1.3
                || segment_distance((dx, dy), (-1.5, 3.5), (4.5, -4.0)) <= 1.3
        }
    }
}

/// Distance from point `p` to the segment from `a` to `b`.
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * vx + (p.1 - a.1) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    (p.0 - a.0 - t * vx).hypot(p.1 - a.1 - t * vy)
}

fn kind_index(k: MsgKind) -> usize {
    MsgKind::ALL.iter().position(|&x| x == k).unwrap_or(0)
}

fn read_palette(canvas: &HtmlCanvasElement) -> Palette {
    let w = window();
    let doc = document();
    let prop = |el: &web_sys::Element, name: &str| -> Option<String> {
        let v = w
            .get_computed_style(el)
            .ok()
            .flatten()?
            .get_property_value(name)
            .ok()?;
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    let text = prop(canvas, "--text").unwrap_or_else(|| "#1b1f24".into());
    let panel = prop(canvas, "--panel").unwrap_or_else(|| "#ffffff".into());
    let kinds = MsgKind::ALL.map(|k| {
        doc.query_selector(&format!(".legend .k-{}", k.as_str()))
            .ok()
            .flatten()
            .and_then(|el| prop(&el, "--k"))
            .unwrap_or_else(|| text.clone())
    });
    Palette { kinds, panel, text }
}

/// Draws one message centred on the origin, as [`super::flights::shape`] and the CSS do.
fn paint_shape(c: &CanvasRenderingContext2d, kind: MsgKind, redelivered: bool, pal: &Palette) {
    let colour = pal.kinds[kind_index(kind)].as_str();
    let begin = || {
        c.begin_path();
        c.set_line_join("round");
        c.set_line_cap("round");
    };
    let circle = |r: f64| {
        c.move_to(r, 0.0);
        let _ = c.arc(0.0, 0.0, r, 0.0, TAU);
    };
    let stroke = |colour: &str, width: f64| {
        c.set_stroke_style_str(colour);
        c.set_line_width(width);
        c.stroke();
    };
    begin();
    match kind {
        MsgKind::Request => circle(5.0),
        MsgKind::Retry => circle(4.0),
        MsgKind::Response => c.rect(-4.5, -4.5, 9.0, 9.0),
        MsgKind::Error => {
            c.move_to(0.0, -6.5);
            c.line_to(6.0, 4.5);
            c.line_to(-6.0, 4.5);
            c.close_path();
        }
        MsgKind::Event => {
            c.move_to(0.0, -6.5);
            c.line_to(6.5, 0.0);
            c.line_to(0.0, 6.5);
            c.line_to(-6.5, 0.0);
            c.close_path();
        }
        MsgKind::Ack => {
            c.move_to(-4.5, 0.0);
            c.line_to(-1.5, 3.5);
            c.line_to(4.5, -4.0);
            stroke(colour, 2.6);
            return;
        }
    }
    c.set_fill_style_str(colour);
    c.fill();
    if redelivered {
        stroke(&pal.text, 1.5);
    } else {
        stroke(&pal.panel, 1.0);
    }
    if kind == MsgKind::Retry {
        begin();
        circle(7.5);
        stroke(colour, 1.6);
    }
}

fn context_2d(el: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    el.get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
}

/// Half the extent of the largest shape (the retry ring with its stroke), viewBox units.
const SPRITE_HALF: f64 = 9.0;

/// One message pre-drawn by the browser (antialiased, as the legend): its RGBA pixels
/// (`side`×`side`) and, per row, the span `[x0, x1)` that is not transparent.
struct Sprite {
    px: Vec<u8>,
    rows: Vec<(u32, u32)>,
}

/// Every message pre-drawn once per kind and redelivery flag at the current scale. A frame is
/// then composed in wasm memory and handed to the canvas with one `putImageData`: per-message
/// `drawImage` or path calls cost a software rasteriser (headless Chromium, machines without
/// GPU canvas) more than the rest of the frame.
struct Sprites {
    /// Device pixels per viewBox unit they were drawn at.
    unit: f64,
    /// Palette epoch they were drawn with.
    epoch: u32,
    /// Side of each (square) sprite in device pixels; the shape's centre is at half of it.
    side: u32,
    /// Index `kind_index * 2 + redelivered`.
    images: Vec<Sprite>,
}

impl Sprites {
    fn draw(unit: f64, epoch: u32, pal: &Palette) -> Option<Sprites> {
        let half = (SPRITE_HALF * unit).ceil().max(1.0) as u32;
        let side = 2 * half + 2;
        let el: HtmlCanvasElement = document().create_element("canvas").ok()?.dyn_into().ok()?;
        el.set_width(side);
        el.set_height(side);
        let c = context_2d(&el)?;
        let mid = f64::from(side / 2);
        let mut images = Vec::with_capacity(12);
        for kind in MsgKind::ALL {
            for redelivered in [false, true] {
                let _ = c.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
                c.clear_rect(0.0, 0.0, f64::from(side), f64::from(side));
                let _ = c.set_transform(unit, 0.0, 0.0, unit, mid, mid);
                paint_shape(&c, kind, redelivered, pal);
                let data = c
                    .get_image_data(0.0, 0.0, f64::from(side), f64::from(side))
                    .ok()?
                    .data();
                let rows = data
                    .chunks_exact(side as usize * 4)
                    .map(|row| {
                        let seen = |px: &[u8]| px[3] > 0;
                        let mut it = row.chunks_exact(4);
                        let x0 = it.position(seen);
                        let x1 = row.chunks_exact(4).rposition(seen);
                        match (x0, x1) {
                            (Some(a), Some(b)) => (a as u32, b as u32 + 1),
                            _ => (0, 0),
                        }
                    })
                    .collect();
                images.push(Sprite { px: data.0, rows });
            }
        }
        Some(Sprites {
            unit,
            epoch,
            side,
            images,
        })
    }
}

/// Source-over of a non-premultiplied pixel onto another (the canvas's `ImageData` format).
#[inline(always)]
fn blend(dst: &mut [u8], src: &[u8]) {
    let sa = u32::from(src[3]);
    if sa == 0 {
        return;
    }
    if sa == 255 || dst[3] == 0 {
        dst.copy_from_slice(src);
        return;
    }
    let da = u32::from(dst[3]) * (255 - sa) / 255;
    let oa = sa + da;
    for k in 0..3 {
        dst[k] = ((u32::from(src[k]) * sa + u32::from(dst[k]) * da) / oa) as u8;
    }
    dst[3] = oa as u8;
}

/// The frame being composed: RGBA pixels of the whole canvas, and the rectangle the last
/// frame touched (cleared before the next one is drawn).
#[derive(Default)]
struct Frame {
    w: u32,
    h: u32,
    px: Vec<u8>,
    /// `(x0, y0, x1, y1)`, exclusive ends; empty when `x0 >= x1`.
    dirty: (u32, u32, u32, u32),
}

impl Frame {
    fn clear_dirty(&mut self) {
        let (x0, y0, x1, y1) = self.dirty;
        if x0 < x1 {
            for y in y0..y1 {
                let row = (y * self.w) as usize * 4;
                self.px[row + x0 as usize * 4..row + x1 as usize * 4].fill(0);
            }
        }
        self.dirty = (u32::MAX, u32::MAX, 0, 0);
    }

    /// Copies `sprite` with its top-left at device pixel `(x, y)`, clipped to the frame.
    fn blit(&mut self, sprite: &Sprite, side: u32, x: i64, y: i64) {
        let (w, h) = (i64::from(self.w), i64::from(self.h));
        let side = i64::from(side);
        if x >= w || y >= h || x + side <= 0 || y + side <= 0 {
            return;
        }
        let d = &mut self.dirty;
        d.0 = d.0.min(x.max(0) as u32);
        d.1 = d.1.min(y.max(0) as u32);
        d.2 = d.2.max((x + side).min(w) as u32);
        d.3 = d.3.max((y + side).min(h) as u32);
        for (sy, &(x0, x1)) in sprite.rows.iter().enumerate() {
            let py = y + sy as i64;
            if x0 >= x1 || py < 0 || py >= h {
                continue;
            }
            // Clip the row's span to the frame.
            let a = (x + i64::from(x0)).max(0);
            let b = (x + i64::from(x1)).min(w);
            if a >= b {
                continue;
            }
            let src_at = (sy as i64 * side + (a - x)) as usize * 4;
            let dst_at = (py * w + a) as usize * 4;
            let n = (b - a) as usize * 4;
            let src = &sprite.px[src_at..src_at + n];
            let dst = &mut self.px[dst_at..dst_at + n];
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                blend(d, s);
            }
        }
    }
}

/// Paints `flights` at virtual time `now` into a `w`×`h` CSS-pixel canvas; fills `out`.
#[allow(clippy::too_many_arguments)]
fn paint(
    el: &HtmlCanvasElement,
    c: &CanvasRenderingContext2d,
    l: &Layout,
    flights: &[Flight],
    now: u64,
    reduced: bool,
    (w, h): (f64, f64),
    (pal, epoch): (&Palette, u32),
    (sprites, frame): (&mut Option<Sprites>, &mut Frame),
    out: &mut Drawn,
) {
    // At most two device pixels per CSS pixel: the frame lives in wasm memory.
    let dpr = window().device_pixel_ratio().clamp(1.0, 2.0);
    let (bw, bh) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if el.width() != bw || el.height() != bh || frame.w != bw || frame.h != bh {
        el.set_width(bw);
        el.set_height(bh);
        *frame = Frame {
            w: bw,
            h: bh,
            px: vec![0; (bw * bh * 4) as usize],
            dirty: (u32::MAX, u32::MAX, 0, 0),
        };
    }
    let before = frame.dirty;
    frame.clear_dirty();
    out.pos.clear();
    out.flights.clear();
    if bw == 0 || bh == 0 {
        return;
    }
    let (s, ox, oy) = fit(l.width, l.height, w, h);
    let unit = s * dpr;
    if !flights.is_empty()
        && sprites
            .as_ref()
            .is_none_or(|sp| sp.unit != unit || sp.epoch != epoch)
    {
        *sprites = Sprites::draw(unit, epoch, pal);
    }
    if let Some(sp) = sprites.as_ref() {
        let mid = f64::from(sp.side / 2);
        for f in flights {
            let (x, y) = l.along(f.from, f.to, progress(f, now, reduced));
            out.pos.push((x, y));
            out.flights.push(*f);
            let img = &sp.images[kind_index(f.kind) * 2 + usize::from(f.redelivered)];
            let dx = ((x * s + ox) * dpr - mid).round() as i64;
            let dy = ((y * s + oy) * dpr - mid).round() as i64;
            frame.blit(img, sp.side, dx, dy);
        }
    }
    // Hand over what changed: this frame's dots and the last frame's, now cleared.
    let now_d = frame.dirty;
    let (x0, y0) = (before.0.min(now_d.0), before.1.min(now_d.1));
    let (x1, y1) = (before.2.max(now_d.2), before.3.max(now_d.3));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    // The ImageData is a view of wasm memory (no copy); nothing allocates until it is used.
    if let Ok(img) =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&frame.px), bw, bh)
    {
        let _ = c.put_image_data_with_dirty_x_and_dirty_y_and_dirty_width_and_dirty_height(
            &img,
            0.0,
            0.0,
            f64::from(x0),
            f64::from(y0),
            f64::from(x1 - x0),
            f64::from(y1 - y0),
        );
    }
}

/// The canvas of moving messages, laid over `svg.topology` (same box). `data-drawn` is the
/// number of messages painted in the last frame.
#[component]
pub fn DotCanvas() -> impl IntoView {
    let d = expect_context::<Driver>();
    let layout = expect_context::<Memo<Layout>>();
    let hits = expect_context::<DotHits>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    // CSS size of the canvas box, kept by a ResizeObserver (read after layout, never forced).
    let size = RwSignal::new((0.0f64, 0.0f64));
    let palette_epoch = RwSignal::new(0u32);
    let palette = StoredValue::new_local(None::<(u32, Palette)>);
    let sprites = StoredValue::new_local(None::<Sprites>);
    let frame = StoredValue::new_local(Frame::default());
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn Fn()>)>);
    let scheme = StoredValue::new_local(None::<(web_sys::MediaQueryList, Closure<dyn Fn()>)>);

    Effect::new(move |_| {
        let Some(el) = canvas.get() else { return };
        let target = el.clone();
        let measure = Closure::<dyn Fn()>::new(move || {
            let s = (
                f64::from(target.client_width()),
                f64::from(target.client_height()),
            );
            if size.get_untracked() != s {
                size.set(s);
            }
        });
        if let Ok(ro) = web_sys::ResizeObserver::new(measure.as_ref().unchecked_ref()) {
            ro.observe(&el);
            observer.set_value(Some((ro, measure)));
        }
        // Colours change with the colour scheme.
        if let Ok(Some(mq)) = window().match_media("(prefers-color-scheme: dark)") {
            let bump = Closure::<dyn Fn()>::new(move || palette_epoch.update(|e| *e += 1));
            let _ = mq.add_event_listener_with_callback("change", bump.as_ref().unchecked_ref());
            scheme.set_value(Some((mq, bump)));
        }
    });
    on_cleanup(move || {
        if let Some(Some((ro, _))) = observer.try_update_value(Option::take) {
            ro.disconnect();
        }
        if let Some(Some((mq, f))) = scheme.try_update_value(Option::take) {
            let _ = mq.remove_event_listener_with_callback("change", f.as_ref().unchecked_ref());
        }
    });

    Effect::new(move |_| {
        let now = d.now.get().0;
        d.dots_tick.track();
        let reduced = d.reduced_motion.get();
        let wh = size.get();
        palette_epoch.track();
        let Some(el) = canvas.get_untracked() else {
            return;
        };
        let Some(ctx) = context_2d(&el) else {
            return;
        };
        let epoch = palette_epoch.get_untracked();
        if palette.with_value(|p| p.as_ref().is_none_or(|(e, _)| *e != epoch)) {
            palette.set_value(Some((epoch, read_palette(&el))));
        }
        let count = palette.with_value(|pal| {
            let (epoch, pal) = pal.as_ref()?;
            layout.with(|l| {
                d.dots.with_value(|flights| {
                    hits.drawn.try_update_value(|out| {
                        sprites.update_value(|sp| {
                            frame.update_value(|fr| {
                                let buffers = (sp, fr);
                                paint(
                                    &el,
                                    &ctx,
                                    l,
                                    flights,
                                    now,
                                    reduced,
                                    wh,
                                    (pal, *epoch),
                                    buffers,
                                    out,
                                );
                            });
                        });
                        let n = out.flights.len();
                        (out.count != Some(n)).then(|| {
                            out.count = Some(n);
                            n
                        })
                    })
                })
            })?
        });
        if let Some(n) = count {
            let _ = el.set_attribute("data-drawn", &n.to_string());
        }
    });

    view! {
        <canvas
            node_ref=canvas
            class="flight-canvas"
            data-testid="flight-canvas"
            data-drawn="0"
            aria-hidden="true"
        ></canvas>
    }
}

/// The last painted dots, shared by the canvas and the pointer handlers on the SVG.
#[derive(Clone, Copy)]
pub struct DotHits {
    drawn: StoredValue<Drawn, LocalStorage>,
}

impl DotHits {
    /// Nothing drawn yet.
    pub fn new() -> DotHits {
        DotHits {
            drawn: StoredValue::new_local(Drawn::default()),
        }
    }

    /// Runs `f` on the messages painted in the last frame: their centres in viewBox units
    /// and, in the same order, the flights.
    pub fn with_drawn<R>(&self, f: impl FnOnce(&[(f64, f64)], &[Flight]) -> R) -> R {
        self.drawn.with_value(|d| f(&d.pos, &d.flights))
    }

    /// The message under the pointer, if any; `picture` is the element whose box the canvas
    /// covers (the SVG).
    pub fn under(
        &self,
        ev: &MouseEvent,
        picture: &web_sys::Element,
        layout: &Layout,
    ) -> Option<Flight> {
        let r = picture.get_bounding_client_rect();
        let (s, ox, oy) = fit(layout.width, layout.height, r.width(), r.height());
        let x = (f64::from(ev.client_x()) - r.left() - ox) / s;
        let y = (f64::from(ev.client_y()) - r.top() - oy) / s;
        self.drawn.with_value(|d| {
            let kind_of = |i: usize| d.flights.get(i).map_or(MsgKind::Request, |f| f.kind);
            hit(&d.pos, kind_of, x, y).and_then(|i| d.flights.get(i).copied())
        })
    }
}
