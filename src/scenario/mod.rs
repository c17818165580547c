//! The scenario format: a topology of nodes and links, workloads and a fault timeline.
//!
//! Scenarios are JSON documents with a `version` field. Times are milliseconds (`f64`),
//! rates are per second. Every preset under `scenarios/` is an example file; see
//! `docs/scenario-format.md` for the reference.
//!
//! ```
//! let json = include_str!("../../scenarios/work-queue.json");
//! let scenario = msgflow::scenario::Scenario::from_json(json).unwrap();
//! assert_eq!(scenario.version, 1);
//! ```

mod dist;
pub mod fields;
pub mod limits;
mod locate;
mod presets;
mod validate;

pub use dist::Dist;
pub use locate::{error_position, line_col, locate};
pub use presets::{preset, preset_names, Preset, PRESETS};
pub use validate::{FieldError, ScenarioError};

use crate::payload::Encoding;
use serde::{Deserialize, Serialize};

/// The current scenario format version.
pub const FORMAT_VERSION: u32 = 1;

/// A whole simulation setup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Format version; must equal [`FORMAT_VERSION`].
    pub version: u32,
    /// Short human name.
    #[serde(default)]
    pub name: String,
    /// One or two sentences about what the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The nodes of the topology.
    pub nodes: Vec<Node>,
    /// Bidirectional links between nodes; every pair that talks needs one.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Faults applied at fixed virtual times.
    #[serde(default)]
    pub faults: Vec<ScheduledFault>,
    /// Metric settings.
    #[serde(default)]
    pub metrics: MetricsConfig,
}

/// One node of the topology.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Unique id, used by links, targets and faults.
    pub id: String,
    /// Label drawn on the canvas; the id when empty.
    #[serde(default)]
    pub label: String,
    /// What the node does.
    pub role: Role,
}

/// What a node does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Role {
    /// A gRPC caller.
    Client(ClientSpec),
    /// A gRPC server with replicas.
    Service(ServiceSpec),
    /// A message producer.
    Producer(ProducerSpec),
    /// A message broker holding queues, exchanges and partitioned logs.
    Broker(BrokerSpec),
    /// A group of competing consumers reading one queue or one log.
    ConsumerGroup(ConsumerGroupSpec),
}

impl Role {
    /// The role's name as used in the picture and in CSS classes.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Client(_) => "client",
            Role::Service(_) => "service",
            Role::Producer(_) => "producer",
            Role::Broker(_) => "broker",
            Role::ConsumerGroup(_) => "consumer_group",
        }
    }
}

/// How a client or producer generates work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Workload {
    /// Poisson arrivals at `rate_per_s` (exponential gaps).
    Poisson { rate_per_s: f64 },
    /// One message every `1 / rate_per_s` seconds.
    FixedRate { rate_per_s: f64 },
    /// `concurrency` callers, each sending its next call when the previous one ends,
    /// after an optional think time.
    ClosedLoop {
        concurrency: u32,
        #[serde(default)]
        think_ms: f64,
    },
}

impl Workload {
    /// Nominal arrival rate, when the workload is open-loop.
    pub fn rate_per_s(&self) -> Option<f64> {
        match *self {
            Workload::Poisson { rate_per_s } | Workload::FixedRate { rate_per_s } => {
                Some(rate_per_s)
            }
            Workload::ClosedLoop { .. } => None,
        }
    }
}

/// Client-side load balancing policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbPolicy {
    /// Use the first reachable replica; move on only when it fails.
    PickFirst,
    /// Rotate over reachable replicas.
    #[default]
    RoundRobin,
}

/// A gRPC status code (the subset the simulation produces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusCode {
    Ok,
    Unavailable,
    DeadlineExceeded,
    ResourceExhausted,
}

impl StatusCode {
    /// All codes, in wire-number order.
    pub const ALL: [StatusCode; 4] = [
        StatusCode::Ok,
        StatusCode::DeadlineExceeded,
        StatusCode::ResourceExhausted,
        StatusCode::Unavailable,
    ];
    /// The canonical gRPC name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Ok => "OK",
            StatusCode::Unavailable => "UNAVAILABLE",
            StatusCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            StatusCode::ResourceExhausted => "RESOURCE_EXHAUSTED",
        }
    }
    /// The numeric code from the gRPC specification.
    pub fn code(self) -> u8 {
        match self {
            StatusCode::Ok => 0,
            StatusCode::DeadlineExceeded => 4,
            StatusCode::ResourceExhausted => 8,
            StatusCode::Unavailable => 14,
        }
    }
    /// Index into per-status counter arrays.
    pub fn idx(self) -> usize {
        match self {
            StatusCode::Ok => 0,
            StatusCode::DeadlineExceeded => 1,
            StatusCode::ResourceExhausted => 2,
            StatusCode::Unavailable => 3,
        }
    }
}

/// gRPC retry policy, in the shape of the service config's `retryPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Total attempts including the first (gRPC caps this at 5).
    pub max_attempts: u32,
    /// Backoff before the first retry.
    pub initial_backoff_ms: f64,
    /// Upper bound of the backoff.
    pub max_backoff_ms: f64,
    /// Growth factor per retry.
    pub backoff_multiplier: f64,
    /// Statuses that may be retried.
    #[serde(default = "default_retryable")]
    pub retryable_status_codes: Vec<StatusCode>,
    /// Retry throttling (token bucket); none means unthrottled.
    #[serde(default)]
    pub throttling: Option<RetryThrottling>,
}

fn default_retryable() -> Vec<StatusCode> {
    vec![StatusCode::Unavailable]
}

/// gRPC retry throttling: retries stop while tokens ≤ max_tokens / 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryThrottling {
    /// Bucket size; each failure takes one token.
    pub max_tokens: f64,
    /// Tokens returned per success.
    pub token_ratio: f64,
}

/// The RPC shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Method {
    /// One request, one response.
    #[default]
    Unary,
    /// One request, `responses` responses.
    ServerStream { responses: u32 },
}

/// A gRPC caller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The service node called.
    pub target: String,
    /// How calls are generated.
    pub workload: Workload,
    /// Load balancing across the target's replicas.
    #[serde(default)]
    pub lb: LbPolicy,
    /// Per-call deadline; none waits forever.
    #[serde(default)]
    pub deadline_ms: Option<f64>,
    /// Retry policy; none means a single attempt.
    #[serde(default)]
    pub retry: Option<RetryPolicy>,
    /// Unary or server streaming.
    #[serde(default)]
    pub method: Method,
    /// Body encoding on the wire.
    #[serde(default)]
    pub encoding: Encoding,
    /// Workloads with the same stream number draw identical arrival times (for side-by-side runs).
    #[serde(default)]
    pub arrival_stream: Option<u32>,
}

/// A gRPC service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Number of replicas (each its own process).
    pub replicas: u32,
    /// Requests handled at once per replica.
    pub workers: u32,
    /// Time to handle one request.
    pub service_time: Dist,
    /// Requests waiting per replica before RESOURCE_EXHAUSTED; none is unbounded.
    #[serde(default)]
    pub queue_limit: Option<u32>,
    /// A downstream service called (synchronously) for every request, inheriting the deadline.
    #[serde(default)]
    pub calls: Option<String>,
    /// Publish an event per handled call (the hybrid of RPC and messaging).
    #[serde(default)]
    pub publish: Option<PublishTarget>,
}

/// Where a producer or a service publishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishTarget {
    /// The broker node.
    pub broker: String,
    /// Exchange, queue or log name in that broker.
    pub to: String,
}

/// Publisher confirms: the producer keeps each message until the broker confirms it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirms {
    /// Re-publish a message not confirmed within this time.
    pub timeout_ms: f64,
}

/// A message producer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    /// Where messages go.
    pub publish: PublishTarget,
    /// How messages are generated.
    pub workload: Workload,
    /// Number of distinct message keys (used for partitioning and ordering checks).
    #[serde(default = "one")]
    pub key_space: u32,
    /// Publisher confirms; none is fire-and-forget.
    #[serde(default)]
    pub confirms: Option<Confirms>,
    /// Fraction of messages a consumer can never process (poison).
    #[serde(default)]
    pub poison_ratio: f64,
    /// Mark messages persistent (they survive a broker restart on a durable queue).
    #[serde(default = "yes")]
    pub persistent: bool,
    /// Body encoding on the wire.
    #[serde(default)]
    pub encoding: Encoding,
    /// Workloads with the same stream number draw identical arrival times (for side-by-side runs).
    #[serde(default)]
    pub arrival_stream: Option<u32>,
}

fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}

/// A broker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSpec {
    /// Point-to-point queues.
    #[serde(default)]
    pub queues: Vec<QueueSpec>,
    /// Fan-out exchanges (topics): each message is copied to every bound queue.
    #[serde(default)]
    pub exchanges: Vec<ExchangeSpec>,
    /// Partitioned logs (Kafka-style topics).
    #[serde(default)]
    pub logs: Vec<LogSpec>,
}

/// What happens when a queue is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Drop (or dead-letter) the oldest message.
    #[default]
    DropHead,
    /// Refuse the new message; the publisher sees a negative confirm.
    RejectPublish,
}

/// A queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Unique within the broker.
    pub name: String,
    /// Survives a broker restart (with its persistent messages).
    #[serde(default = "yes")]
    pub durable: bool,
    /// Maximum ready messages; none is unbounded (up to the global in-flight limit).
    #[serde(default)]
    pub max_length: Option<u32>,
    /// What a full queue does.
    #[serde(default)]
    pub overflow: Overflow,
    /// Per-message time to live.
    #[serde(default)]
    pub ttl_ms: Option<f64>,
    /// Deliveries after which a message is dead-lettered; none is unlimited.
    #[serde(default)]
    pub max_deliveries: Option<u32>,
    /// Keep dead-lettered messages in a dead-letter queue (otherwise they are dropped).
    #[serde(default = "yes")]
    pub dead_letter: bool,
}

/// A fan-out exchange.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSpec {
    /// Unique within the broker.
    pub name: String,
    /// Queues that receive a copy of every message.
    pub bindings: Vec<String>,
}

/// A partitioned log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSpec {
    /// Unique within the broker.
    pub name: String,
    /// Number of partitions; a key always maps to the same partition.
    pub partitions: u32,
    /// Records survive a broker restart.
    #[serde(default = "yes")]
    pub durable: bool,
}

/// Acknowledgement mode of queue consumers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckMode {
    /// The broker forgets a message as soon as it sends it.
    Auto,
    /// The consumer acknowledges after processing.
    #[default]
    Manual,
}

/// How a consumer group on a log commits offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CommitMode {
    /// Commit each record's offset after processing it.
    #[default]
    AfterProcessing,
    /// Commit the processed position every `interval_ms`.
    Periodic { interval_ms: f64 },
}

/// What a consumer does with a message it cannot process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Negative-acknowledge and put it back in the queue.
    #[default]
    Requeue,
    /// Reject without requeue: it is dead-lettered at once.
    Reject,
}

/// Where a consumer group reads from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// The broker node.
    pub broker: String,
    /// A queue or log name in that broker.
    pub from: String,
}

/// A group of competing consumers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerGroupSpec {
    /// Where messages come from.
    pub source: SourceRef,
    /// Number of consumers.
    pub count: u32,
    /// Unacknowledged messages a consumer may hold (queues) or records per fetch (logs).
    #[serde(default = "default_prefetch")]
    pub prefetch: u32,
    /// Time to process one message.
    pub processing: Dist,
    /// Acknowledgement mode (queues only).
    #[serde(default)]
    pub ack: AckMode,
    /// Offset commits (logs only).
    #[serde(default)]
    pub commit: CommitMode,
    /// What to do with a poison message.
    #[serde(default)]
    pub on_failure: OnFailure,
}

fn default_prefetch() -> u32 {
    10
}

/// Link state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Carries messages.
    #[default]
    Up,
    /// Carries nothing; senders see it as unreachable.
    Cut,
}

/// A bidirectional network link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// One end.
    pub a: String,
    /// The other end.
    pub b: String,
    /// Base one-way latency.
    #[serde(default)]
    pub latency_ms: f64,
    /// Extra random delay added to the base latency (order is kept per direction, as on a TCP stream).
    #[serde(default)]
    pub jitter: Option<Dist>,
    /// Probability that a message is lost on the way, 0–1.
    #[serde(default)]
    pub loss: f64,
    /// Bandwidth in megabits per second; none is unlimited.
    #[serde(default)]
    pub bandwidth_mbps: Option<f64>,
    /// Up or cut.
    #[serde(default)]
    pub state: LinkState,
}

/// A fault at a fixed time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    /// When, in virtual milliseconds.
    pub at_ms: f64,
    /// What happens.
    pub fault: Fault,
}

/// A failure or recovery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Crash a node, or one instance (replica or consumer) of it.
    Crash {
        node: String,
        #[serde(default)]
        instance: Option<u32>,
    },
    /// Restart a crashed node or instance.
    Restart {
        node: String,
        #[serde(default)]
        instance: Option<u32>,
    },
    /// Cut the link between two nodes.
    Cut { a: String, b: String },
    /// Heal a cut link.
    Heal { a: String, b: String },
    /// Set a link's loss probability.
    LinkLoss { a: String, b: String, loss: f64 },
    /// Add latency to a link (0 removes the spike).
    LatencySpike { a: String, b: String, extra_ms: f64 },
    /// Multiply a consumer group's (or service's) processing time.
    Slow { node: String, factor: f64 },
}

/// Metric settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Width of one time-series window.
    #[serde(default = "default_window")]
    pub window_ms: f64,
}

fn default_window() -> f64 {
    250.0
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            window_ms: default_window(),
        }
    }
}

impl Scenario {
    /// Parses and validates a JSON scenario.
    pub fn from_json(json: &str) -> Result<Scenario, ScenarioError> {
        if json.len() > limits::MAX_SCENARIO_BYTES {
            return Err(ScenarioError::single(
                "",
                format!(
                    "the scenario is {} bytes; at most {} are accepted",
                    json.len(),
                    limits::MAX_SCENARIO_BYTES
                ),
            ));
        }
        // A byte-order mark (as some editors save) is not JSON; skip it.
        let json = json.strip_prefix('\u{feff}').unwrap_or(json);
        // serde would read a struct from an array too; a scenario is an object.
        if json.trim_start().starts_with('[') {
            return Err(ScenarioError::single(
                "",
                "the document must be a JSON object (a scenario), got a list",
            ));
        }
        let de = &mut serde_json::Deserializer::from_str(json);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = fields::path_of(e.path());
            ScenarioError {
                errors: vec![fields::decode_error(&path, &e.into_inner().to_string())],
            }
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Serialises to pretty JSON (the editor's and the runner's format).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serialises")
    }

    /// Index of the node with this id.
    pub fn node_idx(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The link between two nodes, in either direction.
    pub fn link_idx(&self, a: &str, b: &str) -> Option<usize> {
        self.links
            .iter()
            .position(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
    }
}
