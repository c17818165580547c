//! What the picture needs: messages in flight and the state of every node.

use super::engine::Engine;
use super::message::{Endpoint, MsgKind, MsgState};
use super::runtime::*;
use super::time::SimTime;
use crate::scenario::{AckMode, Role};
use serde::Serialize;

/// A message on a link, for drawing: its position is interpolated between `sent` and `arrive`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Flight {
    /// Envelope id (unique per hop).
    pub id: u64,
    /// Logical message or call id.
    pub origin: u64,
    /// Kind.
    pub kind: MsgKind,
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// Departure.
    pub sent: SimTime,
    /// Arrival, or for a lost message the moment it disappears (at [`LOSS_POINT`] of the way).
    pub arrive: SimTime,
    /// Lost on the way.
    pub lost: bool,
    /// Bytes on the wire.
    pub bytes: u32,
    /// A redelivery.
    pub redelivered: bool,
}

/// One replica, consumer or the single instance of a node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InstanceView {
    /// Running.
    pub up: bool,
    /// Requests or messages being handled.
    pub busy: u32,
    /// Requests waiting in a replica's backlog, or deliveries in a consumer's buffer.
    pub waiting: u32,
    /// Deliveries not yet finished (consumers) or calls in progress (clients).
    pub outstanding: u32,
    /// Messages processed (consumers).
    pub processed: u64,
    /// Partitions assigned (log consumers).
    pub partitions: Vec<u32>,
    /// A consumer of a queue with automatic acknowledgement: the broker forgot its
    /// `outstanding` deliveries when it sent them, so only the consumer holds them.
    pub auto_ack: bool,
}

/// A partition of a log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PartitionView {
    /// Next offset to be written.
    pub end: u64,
    /// Lowest committed offset over the groups reading it.
    pub committed: u64,
    /// Consumer that owns it in the first group, if any.
    pub owner: Option<u16>,
}

/// A queue, log or exchange inside a broker.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BoxView {
    /// Name.
    pub name: String,
    /// `queue`, `log` or `exchange`.
    pub kind: &'static str,
    /// Ready messages (queues) or records not yet committed (logs).
    pub depth: u64,
    /// Messages delivered and not yet acknowledged (queues).
    pub unacked: u64,
    /// Messages in the dead-letter queue.
    pub dead_letters: u64,
    /// Partitions (logs).
    pub partitions: Vec<PartitionView>,
    /// Durable.
    pub durable: bool,
}

/// The state of one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeView {
    /// Scenario id.
    pub id: String,
    /// Label (the id when the scenario gives none).
    pub label: String,
    /// Role name (`client`, `service`, `producer`, `broker`, `consumer_group`).
    pub role: &'static str,
    /// Running (for brokers, clients and producers; groups and services report per instance).
    pub up: bool,
    /// Instances (replicas, consumers, or one).
    pub instances: Vec<InstanceView>,
    /// Boxes of a broker: queues, then logs, then exchanges.
    pub boxes: Vec<BoxView>,
    /// Processing-time multiplier of a slowed service or consumer group (1 when not slowed).
    pub slow: f64,
}

impl Engine {
    /// Every message on a link now, in slot order.
    pub fn in_flight(&self) -> impl Iterator<Item = Flight> + '_ {
        self.msgs
            .iter()
            .filter(|(_, m)| m.state == MsgState::InFlight)
            .map(|(_, m)| Flight {
                id: m.id,
                origin: m.origin,
                kind: m.kind,
                from: m.from,
                to: m.to,
                sent: m.sent,
                arrive: m.arrive,
                lost: m.lost,
                bytes: m.size,
                redelivered: m.has(super::message::flags::REDELIVERED),
            })
    }

    /// A live message by envelope id (for the inspector).
    pub fn find_message(&self, id: u64) -> Option<Flight> {
        self.in_flight().find(|f| f.id == id)
    }

    /// The state of every node, in scenario order.
    pub fn nodes_view(&self) -> Vec<NodeView> {
        (0..self.nodes.len()).map(|i| self.node_view(i)).collect()
    }

    /// The state of node `i`.
    pub fn node_view(&self, i: usize) -> NodeView {
        let spec = &self.scenario.nodes[i];
        let mut v = NodeView {
            id: spec.id.clone(),
            label: if spec.label.is_empty() {
                spec.id.clone()
            } else {
                spec.label.clone()
            },
            role: spec.role.as_str(),
            up: true,
            slow: 1.0,
            ..Default::default()
        };
        match (&self.nodes[i], &spec.role) {
            (NodeRt::Client(c), _) => {
                v.up = c.up;
                let open = self
                    .calls
                    .slots
                    .iter()
                    .flatten()
                    .filter(|x| x.client == i)
                    .count() as u32;
                v.instances.push(InstanceView {
                    up: c.up,
                    busy: open,
                    outstanding: open,
                    ..Default::default()
                });
            }
            (NodeRt::Producer(p), _) => {
                v.up = p.up;
                v.instances.push(InstanceView {
                    up: p.up,
                    outstanding: p.unconfirmed.len() as u32,
                    ..Default::default()
                });
            }
            (NodeRt::Service(s), _) => {
                v.up = s.replicas.iter().any(|r| r.up);
                v.slow = s.slow;
                v.instances = s
                    .replicas
                    .iter()
                    .map(|r| InstanceView {
                        up: r.up,
                        busy: r.busy,
                        waiting: r.backlog.len() as u32,
                        ..Default::default()
                    })
                    .collect();
            }
            (NodeRt::Group(g), role) => {
                let auto_ack = g.log.is_none()
                    && matches!(role, Role::ConsumerGroup(s) if s.ack == AckMode::Auto);
                v.up = g.consumers.iter().any(|c| c.up);
                v.slow = g.slow;
                v.instances = g
                    .consumers
                    .iter()
                    .enumerate()
                    .map(|(ci, c)| InstanceView {
                        up: c.up,
                        busy: u32::from(c.busy),
                        waiting: c.buffer.len() as u32,
                        outstanding: c.outstanding,
                        processed: c.processed,
                        partitions: g.log.as_ref().map_or(Vec::new(), |l| {
                            (0..l.owner.len())
                                .filter(|&p| l.owner[p] == Some(ci as u16))
                                .map(|p| p as u32)
                                .collect()
                        }),
                        auto_ack,
                    })
                    .collect();
            }
            (NodeRt::Broker(br), Role::Broker(bs)) => {
                v.up = br.up;
                v.instances.push(InstanceView {
                    up: br.up,
                    ..Default::default()
                });
                for (q, qs) in bs.queues.iter().enumerate() {
                    let unacked = self.unacked(i, q);
                    v.boxes.push(BoxView {
                        name: qs.name.clone(),
                        kind: "queue",
                        depth: br.queues[q].ready.len() as u64,
                        unacked,
                        dead_letters: br.queues[q].dlq,
                        durable: qs.durable,
                        partitions: Vec::new(),
                    });
                }
                for (l, ls) in bs.logs.iter().enumerate() {
                    let groups = &br.logs[l].groups;
                    let parts: Vec<PartitionView> = br.logs[l]
                        .partitions
                        .iter()
                        .enumerate()
                        .map(|(p, part)| {
                            let mut committed = None::<u64>;
                            let mut owner = None;
                            for (k, &g) in groups.iter().enumerate() {
                                if let NodeRt::Group(gr) = &self.nodes[g] {
                                    if let Some(lg) = &gr.log {
                                        let c = lg.committed.get(p).copied().unwrap_or(0);
                                        committed = Some(committed.map_or(c, |x| x.min(c)));
                                        if k == 0 {
                                            owner = lg.owner.get(p).copied().flatten();
                                        }
                                    }
                                }
                            }
                            PartitionView {
                                end: part.end(),
                                committed: committed.unwrap_or(part.end()),
                                owner,
                            }
                        })
                        .collect();
                    v.boxes.push(BoxView {
                        name: ls.name.clone(),
                        kind: "log",
                        depth: parts
                            .iter()
                            .map(|p| p.end.saturating_sub(p.committed))
                            .sum(),
                        partitions: parts,
                        durable: ls.durable,
                        ..Default::default()
                    });
                }
                for x in &bs.exchanges {
                    v.boxes.push(BoxView {
                        name: x.name.clone(),
                        kind: "exchange",
                        durable: true,
                        ..Default::default()
                    });
                }
            }
            _ => {}
        }
        v
    }

    /// Messages of queue `q` of broker `b` delivered and not yet acknowledged.
    fn unacked(&self, b: usize, q: usize) -> u64 {
        let NodeRt::Broker(br) = &self.nodes[b] else {
            return 0;
        };
        br.queues[q]
            .groups
            .iter()
            .map(|&g| match (&self.nodes[g], self.role(g)) {
                (NodeRt::Group(gr), Role::ConsumerGroup(s))
                    if s.ack == crate::scenario::AckMode::Manual =>
                {
                    gr.consumers
                        .iter()
                        .map(|c| c.outstanding as u64)
                        .sum::<u64>()
                }
                _ => 0,
            })
            .sum()
    }
}
