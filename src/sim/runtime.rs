//! Run-time state of nodes, links and calls.

use super::message::Ctx;
use super::rng::{Rng, Stream};
use super::time::{ms_to_ns, SimTime};
use crate::scenario::{Link, LinkState, Role, Scenario};
use std::collections::{BTreeMap, VecDeque};

/// A box inside a broker: a queue, a log or an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BoxKind {
    Queue,
    Log,
    Exchange,
}

/// A resolved publish target or consumer source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BoxRef {
    pub broker: usize,
    pub kind: BoxKind,
    pub idx: usize,
}

impl BoxRef {
    /// Resolves `name` in broker `broker` (validated beforehand).
    pub fn resolve(s: &Scenario, broker: &str, name: &str) -> Option<BoxRef> {
        let b = s.node_idx(broker)?;
        let Role::Broker(spec) = &s.nodes[b].role else {
            return None;
        };
        if let Some(i) = spec.queues.iter().position(|q| q.name == name) {
            return Some(BoxRef {
                broker: b,
                kind: BoxKind::Queue,
                idx: i,
            });
        }
        if let Some(i) = spec.logs.iter().position(|q| q.name == name) {
            return Some(BoxRef {
                broker: b,
                kind: BoxKind::Log,
                idx: i,
            });
        }
        let i = spec.exchanges.iter().position(|q| q.name == name)?;
        Some(BoxRef {
            broker: b,
            kind: BoxKind::Exchange,
            idx: i,
        })
    }
    /// The `inst` of this box in an [`super::Endpoint`] of the broker.
    pub fn inst(&self, s: &Scenario) -> usize {
        let Role::Broker(spec) = &s.nodes[self.broker].role else {
            return 0;
        };
        match self.kind {
            BoxKind::Queue => self.idx,
            BoxKind::Log => spec.queues.len() + self.idx,
            BoxKind::Exchange => spec.queues.len() + spec.logs.len() + self.idx,
        }
    }
}

pub(crate) struct ClientRt {
    pub up: bool,
    pub gen: u32,
    pub arrivals: Rng,
    pub choice: Rng,
    pub target: usize,
    pub rr: u32,
    pub pick: u32,
    pub tokens: f64,
    pub callers: u32,
}

pub(crate) struct ReplicaRt {
    pub up: bool,
    pub backlog: VecDeque<u32>,
    pub busy: u32,
}

pub(crate) struct ServiceRt {
    pub replicas: Vec<ReplicaRt>,
    pub work: Rng,
    pub slow: f64,
    pub calls: Option<usize>,
    pub publish: Option<BoxRef>,
    pub rr: u32,
}

pub(crate) struct Unconfirmed {
    pub key: u32,
    pub created: SimTime,
    pub flags: u8,
}

pub(crate) struct ProducerRt {
    pub up: bool,
    pub gen: u32,
    pub arrivals: Rng,
    pub choice: Rng,
    pub target: Option<BoxRef>,
    pub unconfirmed: BTreeMap<u64, Unconfirmed>,
}

pub(crate) struct QueueRt {
    pub ready: VecDeque<u32>,
    pub groups: Vec<usize>,
    pub rr: usize,
    pub dlq: u64,
}

#[derive(Clone, Copy)]
pub(crate) struct Record {
    pub origin: u64,
    pub key: u32,
    pub created: SimTime,
    pub flags: u8,
    /// Bytes on the wire as published: every delivery carries the same body.
    pub size: u32,
}

#[derive(Default)]
pub(crate) struct PartitionRt {
    pub base: u64,
    pub records: VecDeque<Record>,
}

impl PartitionRt {
    pub fn end(&self) -> u64 {
        self.base + self.records.len() as u64
    }
}

pub(crate) struct LogRt {
    pub partitions: Vec<PartitionRt>,
    pub groups: Vec<usize>,
}

pub(crate) struct BrokerRt {
    pub up: bool,
    pub queues: Vec<QueueRt>,
    pub logs: Vec<LogRt>,
    pub exchanges: Vec<Vec<usize>>,
}

pub(crate) struct ConsumerRt {
    pub up: bool,
    pub buffer: VecDeque<u32>,
    pub busy: bool,
    /// Deliveries not yet finished (manual ack: not yet acknowledged at the broker).
    pub outstanding: u32,
    pub processed: u64,
}

impl ConsumerRt {
    pub fn new() -> ConsumerRt {
        ConsumerRt {
            up: true,
            buffer: VecDeque::new(),
            busy: false,
            outstanding: 0,
            processed: 0,
        }
    }
}

/// A consumer group's view of a partitioned log.
pub(crate) struct GroupLogRt {
    pub owner: Vec<Option<u16>>,
    pub committed: Vec<u64>,
    pub fetched: Vec<u64>,
    pub processed: Vec<u64>,
    pub epoch: Vec<u32>,
    /// Highest offset ever fetched + 1, to mark redeliveries.
    pub high: Vec<u64>,
    pub generation: u32,
    pub rr: usize,
    /// One bit per partition: it may have a record to fetch. A clear bit means the last
    /// dispatch found the partition caught up, or parked it (below), and nothing that
    /// could change that (an append, a rewind, a rebalance, a crash, its owner freeing a
    /// slot) has happened since. A trim cannot: it moves a partition's base up to what
    /// every group has committed, never past what this group has fetched.
    pub dirty: Vec<u64>,
    /// One bit per partition: it may have a record to fetch, but its owner was down or at
    /// its prefetch limit when dispatch last looked. Dispatch skips it (visiting it would
    /// change nothing) until the owner frees a slot ([`GroupLogRt::unpark`]) or the
    /// partitions are reassigned ([`GroupLogRt::mark_all`]).
    pub parked: Vec<u64>,
}

impl GroupLogRt {
    /// Partition `p` may have something to fetch.
    pub fn mark(&mut self, p: usize) {
        let w = p / 64;
        if w >= self.dirty.len() {
            self.dirty.resize(w + 1, 0);
        }
        self.dirty[w] |= 1 << (p % 64);
    }
    /// Every partition may have something to fetch.
    pub fn mark_all(&mut self) {
        self.dirty.clear();
        self.dirty.resize(self.owner.len().div_ceil(64), !0);
        self.parked.clear();
    }
    /// Partition `p` waits for its owner to have room: dispatch skips it until then.
    pub fn park(&mut self, p: usize) {
        self.clean(p);
        let w = p / 64;
        if w >= self.parked.len() {
            self.parked.resize(w + 1, 0);
        }
        self.parked[w] |= 1 << (p % 64);
    }
    /// Consumer `c` has room again: its parked partitions may be fetched from.
    pub fn unpark(&mut self, c: u16) {
        for w in 0..self.parked.len() {
            let mut bits = self.parked[w];
            while bits != 0 {
                let p = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if self.owner.get(p) == Some(&Some(c)) {
                    self.parked[w] &= !(1 << (p % 64));
                    self.mark(p);
                }
            }
        }
    }
    /// Partition `p` is caught up.
    pub fn clean(&mut self, p: usize) {
        if let Some(w) = self.dirty.get_mut(p / 64) {
            *w &= !(1 << (p % 64));
        }
    }
    /// The first marked partition in `from..to`.
    pub fn next_dirty(&self, from: usize, to: usize) -> Option<usize> {
        if from >= to {
            return None;
        }
        let mut w = from / 64;
        let mut bits = self.dirty.get(w)? & (!0u64 << (from % 64));
        loop {
            if bits != 0 {
                let p = w * 64 + bits.trailing_zeros() as usize;
                return (p < to).then_some(p);
            }
            w += 1;
            if w * 64 >= to {
                return None;
            }
            bits = *self.dirty.get(w)?;
        }
    }
    /// Records not yet committed, given each partition's end offset.
    pub fn lag(&self, ends: Vec<u64>) -> u64 {
        ends.iter()
            .zip(&self.committed)
            .map(|(e, c)| e.saturating_sub(*c))
            .sum()
    }
}

/// Remembers which logical ids a group has processed, over a sliding window of ids.
pub(crate) struct SeenWindow {
    base: u64,
    bits: Vec<u64>,
}

/// Ids remembered for duplicate detection.
pub(crate) const SEEN_WINDOW: u64 = 1 << 16;

impl SeenWindow {
    pub fn new() -> SeenWindow {
        SeenWindow {
            base: 0,
            bits: vec![0; (SEEN_WINDOW / 64) as usize],
        }
    }
    /// Marks `id` seen; returns true if it had been seen before.
    pub fn insert(&mut self, id: u64) -> bool {
        if id < self.base {
            return false; // Older than the window: assumed new.
        }
        while id >= self.base + SEEN_WINDOW {
            // Slide by a quarter window, forgetting the oldest ids.
            let quarter = SEEN_WINDOW / 4;
            for i in self.base..self.base + quarter {
                let b = (i % SEEN_WINDOW) as usize;
                self.bits[b / 64] &= !(1 << (b % 64));
            }
            self.base += quarter;
        }
        let b = (id % SEEN_WINDOW) as usize;
        let seen = self.bits[b / 64] & (1 << (b % 64)) != 0;
        self.bits[b / 64] |= 1 << (b % 64);
        seen
    }
}

/// Keys tracked in a flat table (the largest key space is 2^16).
pub(crate) const DENSE_KEYS: usize = 1 << 16;

pub(crate) struct GroupRt {
    pub consumers: Vec<ConsumerRt>,
    pub work: Rng,
    pub slow: f64,
    pub source: Option<BoxRef>,
    pub log: Option<GroupLogRt>,
    pub seen: SeenWindow,
    /// Highest logical id processed per key below [`DENSE_KEYS`] (index: key)...
    pub last_by_key: Vec<u64>,
    /// ... and per larger key (none in validated scenarios).
    pub last_by_big_key: BTreeMap<u32, u64>,
    pub tick_gen: u32,
}

impl GroupRt {
    /// Consumer `c` finished with a delivery (processed, failed or dropped): one more slot
    /// under its prefetch, so the log partitions parked for it may be fetched from again.
    pub fn release(&mut self, c: usize) {
        let Some(x) = self.consumers.get_mut(c) else {
            return;
        };
        x.outstanding = x.outstanding.saturating_sub(1);
        if let Some(lg) = self.log.as_mut() {
            lg.unpark(c as u16);
        }
    }
}

// Few nodes per run: boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum NodeRt {
    Client(ClientRt),
    Service(ServiceRt),
    Producer(ProducerRt),
    Broker(BrokerRt),
    Group(GroupRt),
}

impl NodeRt {
    pub fn build(s: &Scenario, i: usize, seed: u64) -> NodeRt {
        let node = &s.nodes[i];
        let idx = i as u64;
        match &node.role {
            Role::Client(c) => NodeRt::Client(ClientRt {
                up: true,
                gen: 0,
                arrivals: Rng::new(
                    seed,
                    Stream::Arrivals,
                    c.arrival_stream.map_or(idx, |a| 1_000 + a as u64),
                ),
                choice: Rng::new(seed, Stream::Choice, idx),
                target: s.node_idx(&c.target).unwrap_or(0),
                rr: 0,
                pick: 0,
                tokens: c
                    .retry
                    .as_ref()
                    .and_then(|r| r.throttling.as_ref())
                    .map_or(0.0, |t| t.max_tokens),
                callers: 0,
            }),
            Role::Service(sv) => NodeRt::Service(ServiceRt {
                replicas: (0..sv.replicas)
                    .map(|_| ReplicaRt {
                        up: true,
                        backlog: VecDeque::new(),
                        busy: 0,
                    })
                    .collect(),
                work: Rng::new(seed, Stream::Work, idx),
                slow: 1.0,
                calls: sv.calls.as_deref().and_then(|c| s.node_idx(c)),
                publish: sv
                    .publish
                    .as_ref()
                    .and_then(|p| BoxRef::resolve(s, &p.broker, &p.to)),
                rr: 0,
            }),
            Role::Producer(p) => NodeRt::Producer(ProducerRt {
                up: true,
                gen: 0,
                arrivals: Rng::new(
                    seed,
                    Stream::Arrivals,
                    p.arrival_stream.map_or(idx, |a| 1_000 + a as u64),
                ),
                choice: Rng::new(seed, Stream::Choice, idx),
                target: BoxRef::resolve(s, &p.publish.broker, &p.publish.to),
                unconfirmed: BTreeMap::new(),
            }),
            Role::Broker(b) => {
                let mut queues: Vec<QueueRt> = b
                    .queues
                    .iter()
                    .map(|_| QueueRt {
                        ready: VecDeque::new(),
                        groups: Vec::new(),
                        rr: 0,
                        dlq: 0,
                    })
                    .collect();
                let mut logs: Vec<LogRt> = b
                    .logs
                    .iter()
                    .map(|l| LogRt {
                        partitions: (0..l.partitions).map(|_| PartitionRt::default()).collect(),
                        groups: Vec::new(),
                    })
                    .collect();
                for (g, n) in s.nodes.iter().enumerate() {
                    if let Role::ConsumerGroup(cg) = &n.role {
                        if cg.source.broker != node.id {
                            continue;
                        }
                        if let Some(q) = b.queues.iter().position(|q| q.name == cg.source.from) {
                            queues[q].groups.push(g);
                        } else if let Some(l) = b.logs.iter().position(|l| l.name == cg.source.from)
                        {
                            logs[l].groups.push(g);
                        }
                    }
                }
                let exchanges = b
                    .exchanges
                    .iter()
                    .map(|x| {
                        x.bindings
                            .iter()
                            .filter_map(|q| b.queues.iter().position(|qq| &qq.name == q))
                            .collect()
                    })
                    .collect();
                NodeRt::Broker(BrokerRt {
                    up: true,
                    queues,
                    logs,
                    exchanges,
                })
            }
            Role::ConsumerGroup(g) => {
                let source = BoxRef::resolve(s, &g.source.broker, &g.source.from);
                let log = source.filter(|b| b.kind == BoxKind::Log).map(|b| {
                    let p = match &s.nodes[b.broker].role {
                        Role::Broker(spec) => spec.logs[b.idx].partitions as usize,
                        _ => 0,
                    };
                    GroupLogRt {
                        owner: vec![None; p],
                        committed: vec![0; p],
                        fetched: vec![0; p],
                        processed: vec![0; p],
                        epoch: vec![0; p],
                        high: vec![0; p],
                        generation: 0,
                        rr: 0,
                        dirty: vec![!0; p.div_ceil(64)],
                        parked: Vec::new(),
                    }
                });
                NodeRt::Group(GroupRt {
                    consumers: (0..g.count).map(|_| ConsumerRt::new()).collect(),
                    work: Rng::new(seed, Stream::Work, idx),
                    slow: 1.0,
                    source,
                    log,
                    seen: SeenWindow::new(),
                    last_by_key: Vec::new(),
                    last_by_big_key: BTreeMap::new(),
                    tick_gen: 0,
                })
            }
        }
    }
}

/// One direction of a link.
pub(crate) struct DirRt {
    pub busy_until: SimTime,
    pub last_arrival: SimTime,
    pub rng: Rng,
}

/// Run-time state of a link.
pub(crate) struct LinkRt {
    pub a: usize,
    pub cut: bool,
    pub extra_ns: u64,
    /// The spec's `latency_ms` in ns, converted once rather than at every send
    /// (see [`LinkRt::configure`]).
    pub latency_ns: u64,
    pub dirs: [DirRt; 2],
}

/// Fraction of the way a lost message travels before it disappears (for the picture).
pub const LOSS_POINT: f64 = 0.6;

impl LinkRt {
    pub fn new(seed: u64, i: usize, a: usize, spec: &Link) -> LinkRt {
        let dir = |d: u64| DirRt {
            busy_until: SimTime::ZERO,
            last_arrival: SimTime::ZERO,
            rng: Rng::new(seed, Stream::Link, (i as u64) * 2 + d),
        };
        LinkRt {
            a,
            cut: spec.state == LinkState::Cut,
            extra_ns: 0,
            latency_ns: ms_to_ns(spec.latency_ms),
            dirs: [dir(0), dir(1)],
        }
    }

    /// Takes the spec's parameters after a live change of the scenario.
    pub fn configure(&mut self, spec: &Link) {
        self.latency_ns = ms_to_ns(spec.latency_ms);
    }

    /// Sends `bytes` from node `from` at `now`: returns (arrival or loss time, lost).
    pub fn transmit(
        &mut self,
        spec: &Link,
        from: usize,
        now: SimTime,
        bytes: u32,
    ) -> (SimTime, bool) {
        if self.cut {
            return (now, true);
        }
        let d = &mut self.dirs[usize::from(from != self.a)];
        let tx = match spec.bandwidth_mbps {
            Some(mbps) => ms_to_ns(bytes as f64 * 8.0 / (mbps * 1000.0)),
            None => 0,
        };
        let depart = d.busy_until.max(now).after(tx);
        d.busy_until = depart;
        let jitter = spec
            .jitter
            .as_ref()
            .map_or(0, |j| super::dist::sample(j, 1.0, &mut d.rng));
        // Saturating: a heavy-tailed jitter on a long link can exceed the end of time.
        let travel = self
            .latency_ns
            .saturating_add(self.extra_ns)
            .saturating_add(jitter);
        if d.rng.chance(spec.loss) {
            let at =
                now.after((depart.since(now).saturating_add(travel) as f64 * LOSS_POINT) as u64);
            return (at, true);
        }
        // Order is kept per direction, as on one TCP connection.
        let arrive = depart.after(travel).max(d.last_arrival);
        d.last_arrival = arrive;
        (arrive, false)
    }
}

pub(crate) struct Call {
    pub gen: u32,
    pub origin: u64,
    pub client: usize,
    /// Instance of the calling node (a replica when a service calls downstream).
    pub inst: u16,
    pub caller: Option<u32>,
    pub target: usize,
    pub started: SimTime,
    pub deadline: SimTime,
    pub attempt: u16,
    pub replica: Option<usize>,
    pub stream_left: u32,
    pub waiting_retry: bool,
    /// The server request waiting on this downstream call: (slot, envelope id).
    pub parent: Option<(u32, u64)>,
    pub key: u32,
    pub json: bool,
}

/// Live calls, in slots with generations so stale events are recognised.
#[derive(Default)]
pub(crate) struct Calls {
    pub slots: Vec<Option<Call>>,
    pub free: Vec<u32>,
    pub gen: u32,
    pub live: u64,
}

impl Calls {
    pub fn insert(&mut self, mut c: Call) -> (u32, u32) {
        self.gen = self.gen.wrapping_add(1);
        c.gen = self.gen;
        self.live += 1;
        let g = c.gen;
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(c);
            (i, g)
        } else {
            self.slots.push(Some(c));
            ((self.slots.len() - 1) as u32, g)
        }
    }
    pub fn get(&self, slot: u32, gen: u32) -> Option<&Call> {
        self.slots
            .get(slot as usize)?
            .as_ref()
            .filter(|c| c.gen == gen)
    }
    pub fn get_mut(&mut self, slot: u32, gen: u32) -> Option<&mut Call> {
        self.slots
            .get_mut(slot as usize)?
            .as_mut()
            .filter(|c| c.gen == gen)
    }
    pub fn remove(&mut self, slot: u32) -> Option<Call> {
        let c = self.slots.get_mut(slot as usize)?.take();
        if c.is_some() {
            self.live -= 1;
            self.free.push(slot);
        }
        c
    }
}

/// The call context of an RPC envelope.
pub(crate) fn rpc_ctx(call: u32, gen: u32) -> Ctx {
    Ctx::Rpc { call, gen, aux: 0 }
}
