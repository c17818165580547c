//! Messages (envelopes on the wire or in a queue), their kinds, states and storage.

use super::time::SimTime;
use serde::Serialize;

/// Where a message is: a node and one of its instances.
///
/// For services and consumer groups `inst` is the replica or consumer; for brokers it is
/// the box inside the broker (queues first, then logs, then exchanges); otherwise 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    /// Node index in the scenario.
    pub node: u16,
    /// Instance within the node.
    pub inst: u16,
}

impl Endpoint {
    /// Instance `inst` of node `node`.
    pub fn new(node: usize, inst: usize) -> Endpoint {
        Endpoint {
            node: node as u16,
            inst: inst as u16,
        }
    }
}

/// What a message is, as the picture distinguishes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    /// An RPC request (first attempt).
    Request,
    /// An RPC request that is a retry.
    Retry,
    /// An OK RPC response.
    Response,
    /// An RPC response carrying an error status.
    Error,
    /// A published or delivered event.
    Event,
    /// An acknowledgement, confirm or offset commit.
    Ack,
}

impl MsgKind {
    /// Every kind, for legends.
    pub const ALL: [MsgKind; 6] = [
        MsgKind::Request,
        MsgKind::Retry,
        MsgKind::Response,
        MsgKind::Error,
        MsgKind::Event,
        MsgKind::Ack,
    ];
    /// Name used in CSS classes and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgKind::Request => "request",
            MsgKind::Retry => "retry",
            MsgKind::Response => "response",
            MsgKind::Error => "error",
            MsgKind::Event => "event",
            MsgKind::Ack => "ack",
        }
    }
}

/// Why a message was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossReason {
    /// Dropped by a lossy link.
    LinkLoss,
    /// Sent over a cut link.
    LinkCut,
    /// Arrived at a node that was down.
    NodeDown,
    /// Held by a node when it crashed (transient or auto-acknowledged).
    NodeCrash,
    /// Dropped because a queue was full.
    Overflow,
    /// Failed processing with automatic acknowledgement: nobody will retry it.
    ProcessingFailed,
    /// A delivery dropped by a rebalance or crash; the record itself is still in the log.
    Abandoned,
    /// Refused because too many messages were alive.
    Shed,
}

impl LossReason {
    /// Every reason, in counter order.
    pub const ALL: [LossReason; 8] = [
        LossReason::LinkLoss,
        LossReason::LinkCut,
        LossReason::NodeDown,
        LossReason::NodeCrash,
        LossReason::Overflow,
        LossReason::ProcessingFailed,
        LossReason::Abandoned,
        LossReason::Shed,
    ];
    /// Counter index.
    pub fn idx(self) -> usize {
        self as usize
    }
    /// Name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            LossReason::LinkLoss => "link_loss",
            LossReason::LinkCut => "link_cut",
            LossReason::NodeDown => "node_down",
            LossReason::NodeCrash => "node_crash",
            LossReason::Overflow => "overflow",
            LossReason::ProcessingFailed => "processing_failed",
            LossReason::Abandoned => "abandoned",
            LossReason::Shed => "shed",
        }
    }
}

/// The one state every live or finished message is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgState {
    /// Travelling on a link.
    InFlight,
    /// Waiting in a queue, a server's backlog or a consumer's buffer.
    Queued,
    /// Being handled by a worker or consumer.
    InService,
    /// Finished normally.
    Done,
    /// Lost, with the reason.
    Lost(LossReason),
    /// Its time to live ran out.
    Expired,
    /// Moved to a dead-letter queue.
    DeadLettered,
}

/// Flag bits of a message.
pub mod flags {
    /// A consumer can never process it.
    pub const POISON: u8 = 1;
    /// Delivered before.
    pub const REDELIVERED: u8 = 2;
    /// Survives a broker restart on a durable queue.
    pub const PERSISTENT: u8 = 4;
    /// An ack that is a negative acknowledgement.
    pub const NACK: u8 = 8;
    /// Body is JSON rather than protobuf.
    pub const JSON: u8 = 16;
    /// A confirm that is a negative confirm (publish refused).
    pub const REFUSED: u8 = 32;
    /// An ack sent by a consumer that has crashed since: the broker still takes it, but it
    /// no longer counts against the prefetch of the consumer's new incarnation.
    pub const ORPHAN: u8 = 64;
}

/// What a message belongs to, so its arrival can be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// An RPC envelope of call slot `call` with generation `gen`; `aux` is the status index
    /// on responses and the number of stream responses sent so far on requests.
    Rpc { call: u32, gen: u32, aux: u16 },
    /// A publish on its way to `box` of a broker (`box` indexes queues, logs, exchanges).
    Publish { producer: u16 },
    /// A queue message (delivery or ack) of queue `queue`.
    Queue { queue: u16 },
    /// A delivery of a log record.
    Record {
        log: u16,
        partition: u16,
        offset: u64,
        gen: u32,
    },
    /// A publisher confirm for message `origin`.
    Confirm,
    /// An offset commit.
    Commit {
        log: u16,
        partition: u16,
        offset: u64,
        gen: u32,
    },
}

/// One envelope.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Unique id of this envelope.
    pub id: u64,
    /// Id of the logical message or call it carries (shared by copies, retries and redeliveries).
    pub origin: u64,
    /// Kind.
    pub kind: MsgKind,
    /// State.
    pub state: MsgState,
    /// Sender.
    pub from: Endpoint,
    /// Receiver (or holder while queued).
    pub to: Endpoint,
    /// When it left (for the picture).
    pub sent: SimTime,
    /// When it arrives, or is lost on the way.
    pub arrive: SimTime,
    /// Lost on the way.
    pub lost: bool,
    /// Bytes on the wire.
    pub size: u32,
    /// Message key.
    pub key: u32,
    /// When the logical message was created (end-to-end latency).
    pub created: SimTime,
    /// When it entered its current queue (waiting time).
    pub enqueued: SimTime,
    /// Deliveries so far (queues) or attempt number (RPC).
    pub deliveries: u16,
    /// See [`flags`].
    pub flags: u8,
    /// Context.
    pub ctx: Ctx,
    /// RPC deadline carried by the request.
    pub deadline: SimTime,
}

impl Msg {
    /// True if the flag is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Storage of live messages with slot reuse; ids never repeat.
#[derive(Default)]
pub struct Slab {
    slots: Vec<Option<Msg>>,
    free: Vec<u32>,
    live: usize,
}

impl Slab {
    /// Stores a message and returns its slot.
    #[inline(always)]
    pub fn insert(&mut self, msg: Msg) -> u32 {
        self.live += 1;
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(msg);
            i
        } else {
            self.slots.push(Some(msg));
            (self.slots.len() - 1) as u32
        }
    }
    /// Removes the message in `slot`.
    pub fn remove(&mut self, slot: u32) -> Option<Msg> {
        let m = self.slots.get_mut(slot as usize)?.take();
        if m.is_some() {
            self.live -= 1;
            self.free.push(slot);
        }
        m
    }
    /// The message in `slot`.
    pub fn get(&self, slot: u32) -> Option<&Msg> {
        self.slots.get(slot as usize)?.as_ref()
    }
    /// The message in `slot`, mutably.
    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Msg> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }
    /// Live messages, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Msg)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.as_ref().map(|m| (i as u32, m)))
    }
    /// Live messages, in slot order, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut Msg)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, m)| m.as_mut().map(|m| (i as u32, m)))
    }
    /// Number of live messages.
    pub fn len(&self) -> usize {
        self.live
    }
    /// True when no message is alive.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
    /// Allocated slots (memory high-water mark).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}
