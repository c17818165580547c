//! Automatic layout: nodes in columns by role (callers → services/brokers → consumers),
//! one horizontal band per connected component, instances stacked inside their node.
//! On narrow screens the columns become rows (flow goes top to bottom).

use crate::scenario::{Role, Scenario};
use crate::sim::Endpoint;

/// Width of a node card.
pub const NODE_W: f64 = 184.0;
/// Width of a node card when the flow is vertical (phones).
pub const NODE_W_NARROW: f64 = 144.0;
/// Height of a node's title strip.
pub const HEAD_H: f64 = 26.0;
const PAD: f64 = 8.0;
const MARGIN: f64 = 16.0;
const COL_GAP: f64 = 104.0;
const ROW_GAP: f64 = 22.0;
const BAND_TITLE: f64 = 22.0;
const BAND_GAP: f64 = 18.0;
/// Height of a queue row inside a broker.
pub const QUEUE_H: f64 = 38.0;
/// Height of an exchange row inside a broker.
pub const EXCHANGE_H: f64 = 24.0;
/// Height of a log's title row.
pub const LOG_HEAD_H: f64 = 20.0;

/// An axis-aligned rectangle.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// Centre point.
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// Where one node is drawn; rows are relative to the node's top-left corner.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeGeom {
    /// The card.
    pub rect: Rect,
    /// Column (or row when vertical).
    pub col: usize,
    /// Instance rows.
    pub inst: Vec<Rect>,
    /// Broker boxes: queues, then logs, then exchanges.
    pub boxes: Vec<Rect>,
    /// Height of one partition row in a log box.
    pub part_h: f64,
}

/// A link between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkGeom {
    /// Index in the scenario's links.
    pub idx: usize,
    /// Node index of end `a`.
    pub a: usize,
    /// Node index of end `b`.
    pub b: usize,
    /// Start point.
    pub p1: (f64, f64),
    /// End point.
    pub p2: (f64, f64),
}

/// A connected component's band.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Top.
    pub y: f64,
    /// Left.
    pub x: f64,
    /// Title (only drawn when there are several bands).
    pub title: String,
}

/// The whole picture's geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// viewBox width.
    pub width: f64,
    /// viewBox height.
    pub height: f64,
    /// Flow goes top to bottom.
    pub vertical: bool,
    /// Per scenario node.
    pub nodes: Vec<NodeGeom>,
    /// Per scenario link (only links between known nodes).
    pub links: Vec<LinkGeom>,
    /// Components (more than one in side-by-side).
    pub bands: Vec<Band>,
}

/// Instances a node draws (replicas, consumers, or one).
pub fn instance_count(role: &Role) -> usize {
    match role {
        Role::Service(s) => s.replicas as usize,
        Role::ConsumerGroup(g) => g.count as usize,
        _ => 1,
    }
}

fn inst_h(n: usize) -> f64 {
    match n {
        0..=6 => 24.0,
        7..=16 => 14.0,
        _ => 8.0,
    }
}

fn inst_gap(n: usize) -> f64 {
    if n <= 16 {
        3.0
    } else {
        1.0
    }
}

fn directed_edges(s: &Scenario) -> Vec<(usize, usize)> {
    let mut e = Vec::new();
    let idx = |id: &str| s.node_idx(id);
    for (i, n) in s.nodes.iter().enumerate() {
        match &n.role {
            Role::Client(c) => e.extend(idx(&c.target).map(|t| (i, t))),
            Role::Service(sv) => {
                e.extend(sv.calls.as_deref().and_then(idx).map(|t| (i, t)));
                e.extend(
                    sv.publish
                        .as_ref()
                        .and_then(|p| idx(&p.broker))
                        .map(|t| (i, t)),
                );
            }
            Role::Producer(p) => e.extend(idx(&p.publish.broker).map(|t| (i, t))),
            Role::ConsumerGroup(g) => e.extend(idx(&g.source.broker).map(|b| (b, i))),
            Role::Broker(_) => {}
        }
    }
    e
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

impl Layout {
    /// Lays out `s`; `vertical` puts columns below each other.
    pub fn of(s: &Scenario, vertical: bool) -> Layout {
        let n = s.nodes.len();
        let edges = directed_edges(s);
        // Column = longest path from a source (bounded: scenarios have no cycles, but be safe).
        let mut col = vec![0usize; n];
        for _ in 0..n {
            let mut changed = false;
            for &(a, b) in &edges {
                if col[b] < col[a] + 1 && col[a] + 1 < n.max(1) {
                    col[b] = col[a] + 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Components by links and edges.
        let mut parent: Vec<usize> = (0..n).collect();
        let link_pairs: Vec<(usize, usize)> = s
            .links
            .iter()
            .filter_map(|l| Some((s.node_idx(&l.a)?, s.node_idx(&l.b)?)))
            .collect();
        for &(a, b) in edges.iter().chain(&link_pairs) {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent[rb.max(ra)] = rb.min(ra);
            }
        }
        let mut comps: Vec<usize> = Vec::new();
        for i in 0..n {
            let r = find(&mut parent, i);
            if !comps.contains(&r) {
                comps.push(r);
            }
        }
        let several = comps.len() > 1;
        let node_w = if vertical { NODE_W_NARROW } else { NODE_W };
        let mut nodes: Vec<NodeGeom> = s
            .nodes
            .iter()
            .map(|node| Self::card(&node.role, node_w))
            .collect();
        let mut bands = Vec::new();
        let mut cursor = MARGIN; // along the band stacking axis (y)
        let mut extent: f64 = 0.0; // across (x)
        for &root in &comps {
            let members: Vec<usize> = (0..n).filter(|&i| find(&mut parent, i) == root).collect();
            let title = members
                .iter()
                .find_map(|&i| match &s.nodes[i].role {
                    Role::Client(_) => Some("Request-response (gRPC)"),
                    Role::Producer(_) => Some("Messaging (broker)"),
                    _ => None,
                })
                .unwrap_or("Flow")
                .to_string();
            let top = cursor + if several { BAND_TITLE } else { 0.0 };
            bands.push(Band {
                y: cursor,
                x: MARGIN,
                title,
            });
            let max_col = members.iter().map(|&i| col[i]).max().unwrap_or(0);
            // Size of each column: stacked extent and breadth.
            let mut col_len = vec![0.0f64; max_col + 1];
            for &i in &members {
                let r = nodes[i].rect;
                let len = if vertical { r.w } else { r.h };
                let gap = if vertical { ROW_GAP / 2.0 } else { ROW_GAP };
                col_len[col[i]] += len + if col_len[col[i]] > 0.0 { gap } else { 0.0 };
            }
            let band_len = col_len.iter().cloned().fold(0.0, f64::max);
            let mut col_breadth = vec![0.0f64; max_col + 1];
            for &i in &members {
                let r = nodes[i].rect;
                let b = if vertical { r.h } else { r.w };
                col_breadth[col[i]] = col_breadth[col[i]].max(b);
            }
            let mut offset = vec![0.0f64; max_col + 1];
            let mut pos = 0.0;
            for c in 0..=max_col {
                offset[c] = pos;
                pos += col_breadth[c] + if vertical { ROW_GAP * 2.2 } else { COL_GAP };
            }
            let mut filled = vec![0.0f64; max_col + 1];
            for &i in &members {
                let c = col[i];
                let start = (band_len - col_len[c]) / 2.0 + filled[c];
                let r = &mut nodes[i].rect;
                if vertical {
                    r.x = MARGIN + start;
                    r.y = top + offset[c];
                    filled[c] += r.w + ROW_GAP / 2.0;
                } else {
                    r.x = MARGIN + offset[c];
                    r.y = top + start;
                    filled[c] += r.h + ROW_GAP;
                }
                nodes[i].col = c;
            }
            let used = pos - if vertical { ROW_GAP * 2.2 } else { COL_GAP };
            if vertical {
                extent = extent.max(band_len);
                cursor = top + used + BAND_GAP;
            } else {
                extent = extent.max(used);
                cursor = top + band_len + BAND_GAP;
            }
        }
        let links = s
            .links
            .iter()
            .enumerate()
            .filter_map(|(idx, l)| {
                let (a, b) = (s.node_idx(&l.a)?, s.node_idx(&l.b)?);
                let (p1, p2) = Self::edge_points(&nodes[a].rect, &nodes[b].rect, vertical);
                Some(LinkGeom { idx, a, b, p1, p2 })
            })
            .collect();
        Layout {
            width: (extent + 2.0 * MARGIN).max(320.0),
            height: (cursor - BAND_GAP + MARGIN).max(100.0),
            vertical,
            nodes,
            links,
            bands,
        }
    }

    /// A node's card with rows, at the origin.
    fn card(role: &Role, node_w: f64) -> NodeGeom {
        let n = instance_count(role);
        let (h, gap) = (inst_h(n), inst_gap(n));
        let mut y = HEAD_H;
        let mut inst = Vec::with_capacity(n);
        for _ in 0..n {
            inst.push(Rect {
                x: PAD,
                y,
                w: node_w - 2.0 * PAD,
                h,
            });
            y += h + gap;
        }
        let mut boxes = Vec::new();
        let mut part_h = 14.0;
        if let Role::Broker(b) = role {
            y += 4.0;
            for _ in &b.queues {
                boxes.push(Rect {
                    x: PAD,
                    y,
                    w: node_w - 2.0 * PAD,
                    h: QUEUE_H,
                });
                y += QUEUE_H + 4.0;
            }
            for l in &b.logs {
                part_h = if l.partitions > 16 { 6.0 } else { 14.0 };
                let h = LOG_HEAD_H + part_h * l.partitions as f64 + 4.0;
                boxes.push(Rect {
                    x: PAD,
                    y,
                    w: node_w - 2.0 * PAD,
                    h,
                });
                y += h + 4.0;
            }
            for _ in &b.exchanges {
                boxes.push(Rect {
                    x: PAD,
                    y,
                    w: node_w - 2.0 * PAD,
                    h: EXCHANGE_H,
                });
                y += EXCHANGE_H + 4.0;
            }
        }
        NodeGeom {
            rect: Rect {
                x: 0.0,
                y: 0.0,
                w: node_w,
                h: y + PAD - 3.0,
            },
            col: 0,
            inst,
            boxes,
            part_h,
        }
    }

    fn edge_points(a: &Rect, b: &Rect, vertical: bool) -> ((f64, f64), (f64, f64)) {
        let (ca, cb) = (a.center(), b.center());
        if vertical {
            if cb.1 >= ca.1 {
                ((ca.0, a.y + a.h), (cb.0, b.y))
            } else {
                ((ca.0, a.y), (cb.0, b.y + b.h))
            }
        } else if cb.0 >= ca.0 {
            ((a.x + a.w, ca.1), (b.x, cb.1))
        } else {
            ((a.x, ca.1), (b.x + b.w, cb.1))
        }
    }

    /// The point where a message leaves or enters `ep`, on the side facing `other`.
    pub fn anchor(&self, ep: Endpoint, other: Endpoint) -> (f64, f64) {
        let (Some(g), Some(o)) = (
            self.nodes.get(ep.node as usize),
            self.nodes.get(other.node as usize),
        ) else {
            return (0.0, 0.0);
        };
        let r = g.rect;
        let row = if !g.boxes.is_empty() {
            g.boxes.get(ep.inst as usize).or(g.inst.first())
        } else {
            g.inst.get(ep.inst as usize)
        };
        let forward = if self.vertical {
            o.rect.y >= r.y
        } else {
            o.rect.x >= r.x
        };
        match row {
            Some(row) if !self.vertical => {
                let x = if forward { r.x + r.w } else { r.x };
                (x, r.y + row.y + row.h / 2.0)
            }
            Some(row) => {
                let y = if forward { r.y + r.h } else { r.y };
                let frac = (row.y + row.h / 2.0) / r.h;
                (r.x + 12.0 + frac * (r.w - 24.0), y)
            }
            None => r.center(),
        }
    }

    /// Position of a message between `from` and `to` at fraction `f` of the way.
    pub fn along(&self, from: Endpoint, to: Endpoint, f: f64) -> (f64, f64) {
        let p0 = self.anchor(from, to);
        let p1 = self.anchor(to, from);
        (p0.0 + (p1.0 - p0.0) * f, p0.1 + (p1.1 - p0.1) * f)
    }
}
