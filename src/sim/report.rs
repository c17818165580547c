//! The JSON report of a run (the headless runner prints it; the playground exports it).

use super::engine::Engine;
use super::message::LossReason;
use super::metrics::{Counters, LatencySummary, Ledger};
use crate::scenario::{Role, StatusCode};
use serde::Serialize;
use std::collections::BTreeMap;

/// Per-node figures.
#[derive(Clone, Debug, Serialize)]
pub struct NodeReport {
    /// Node id.
    pub id: String,
    /// Role name.
    pub role: &'static str,
    /// Counters.
    pub counters: CountersReport,
    /// Latency: calls (clients) or end-to-end (consumer groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySummary>,
    /// Mean wait in the node's waiting line, in ms (services and consumer groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_wait_ms: Option<f64>,
    /// Time-average number waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_queue_len: Option<f64>,
    /// Work started divided by capacity × time (services and consumer groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilisation: Option<f64>,
}

/// Counters with named loss reasons and status codes.
#[derive(Clone, Debug, Serialize)]
pub struct CountersReport {
    /// The raw counters without the arrays.
    #[serde(flatten)]
    pub base: BTreeMap<&'static str, u64>,
    /// Losses by reason.
    pub lost: BTreeMap<&'static str, u64>,
    /// Finished calls by status.
    pub status: BTreeMap<&'static str, u64>,
}

impl From<&Counters> for CountersReport {
    fn from(c: &Counters) -> Self {
        let base = BTreeMap::from([
            ("sent", c.sent),
            ("delivered", c.delivered),
            ("acked", c.acked),
            ("nacked", c.nacked),
            ("retried", c.retried),
            ("redelivered", c.redelivered),
            ("duplicated", c.duplicated),
            ("reordered", c.reordered),
            ("republished", c.republished),
            ("processed", c.processed),
            ("expired", c.expired),
            ("dead_lettered", c.dead_lettered),
            ("late", c.late),
            ("cancelled", c.cancelled),
            ("refused", c.refused),
            ("work_ns", c.work_ns),
        ]);
        let lost = LossReason::ALL
            .iter()
            .filter(|r| c.lost[r.idx()] > 0)
            .map(|r| (r.as_str(), c.lost[r.idx()]))
            .collect();
        let status = StatusCode::ALL
            .iter()
            .filter(|s| c.status[s.idx()] > 0)
            .map(|s| (s.as_str(), c.status[s.idx()]))
            .collect();
        CountersReport { base, lost, status }
    }
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Virtual time reached, in ms.
    pub virtual_ms: f64,
    /// Virtual time reached, in exact nanoseconds (for `msgflow run --duration Nns`).
    pub virtual_ns: u64,
    /// Events processed.
    pub events: u64,
    /// Hash of the event trace (hex).
    pub trace_hash: String,
    /// Totals.
    pub total: CountersReport,
    /// Message states.
    pub ledger: Ledger,
    /// True when the conservation invariant held throughout.
    pub invariants_ok: bool,
    /// The first violation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
    /// Per node.
    pub nodes: Vec<NodeReport>,
}

impl Engine {
    /// Work started at node `i` over its capacity (workers × replicas, or consumers) and time.
    pub fn utilisation(&self, i: usize) -> f64 {
        let cap = match &self.scenario.nodes[i].role {
            Role::Service(s) => (s.workers * s.replicas) as f64,
            Role::ConsumerGroup(g) => g.count as f64,
            _ => return 0.0,
        };
        if self.now.0 == 0 {
            return 0.0;
        }
        self.metrics.nodes[i].work_ns as f64 / (cap * self.now.0 as f64)
    }

    /// The report of the run so far.
    pub fn report(&self) -> Report {
        let m = &self.metrics;
        let violation = self.violation.clone().or_else(|| self.audit().err());
        Report {
            scenario: self.scenario.name.clone(),
            seed: self.seed,
            virtual_ms: self.now.as_ms(),
            virtual_ns: self.now.0,
            events: self.events,
            trace_hash: format!("{:016x}", self.trace_hash()),
            total: (&m.total).into(),
            ledger: m.ledger.clone(),
            invariants_ok: violation.is_none(),
            violation,
            nodes: self
                .scenario
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let has_lat = matches!(n.role, Role::Client(_) | Role::ConsumerGroup(_));
                    let has_wait = matches!(n.role, Role::Service(_) | Role::ConsumerGroup(_));
                    NodeReport {
                        id: n.id.clone(),
                        role: n.role.as_str(),
                        counters: (&m.nodes[i]).into(),
                        latency: has_lat.then(|| m.latency[i].summary()),
                        mean_wait_ms: has_wait.then(|| m.wait[i].mean_wait_ms()),
                        mean_queue_len: has_wait.then(|| m.wait[i].mean_len(self.now)),
                        utilisation: has_wait.then(|| self.utilisation(i)),
                    }
                })
                .collect(),
        }
    }
}
