//! Every limit the playground enforces, in one place (README lists them).

/// Largest scenario document accepted, in bytes (JSON or a decoded link).
pub const MAX_SCENARIO_BYTES: usize = 1 << 20;
/// Nodes in one scenario.
pub const MAX_NODES: usize = 64;
/// Links in one scenario.
pub const MAX_LINKS: usize = 256;
/// Scheduled faults in one scenario.
pub const MAX_FAULTS: usize = 1024;
/// Replicas of one service.
pub const MAX_REPLICAS: u32 = 64;
/// Workers per replica.
pub const MAX_WORKERS: u32 = 1024;
/// Consumers in one group.
pub const MAX_CONSUMERS: u32 = 64;
/// Prefetch per consumer.
pub const MAX_PREFETCH: u32 = 1000;
/// Partitions of one log.
pub const MAX_PARTITIONS: u32 = 256;
/// Messages per second of one workload.
pub const MAX_RATE_PER_S: f64 = 100_000.0;
/// Concurrent callers of one closed-loop workload.
pub const MAX_CONCURRENCY: u32 = 10_000;
/// Any duration (latency, service time, deadline, fault time), in milliseconds.
pub const MAX_TIME_MS: f64 = 1.0e9;
/// Bandwidth bounds, in megabits per second.
pub const MIN_BANDWIDTH_MBPS: f64 = 0.001;
/// Upper bandwidth bound, in megabits per second.
pub const MAX_BANDWIDTH_MBPS: f64 = 100_000.0;
/// Attempts of a retry policy (gRPC's own cap).
pub const MAX_ATTEMPTS: u32 = 5;
/// Length limit of one queue.
pub const MAX_QUEUE_LENGTH: u32 = 1_000_000;
/// Deliveries of one message before it is dead-lettered (a queue's `max_deliveries`).
pub const MAX_DELIVERIES: u32 = 1000;
/// Distinct message keys of one producer.
pub const MAX_KEY_SPACE: u32 = 65_536;
/// Responses of one server stream.
pub const MAX_STREAM_RESPONSES: u32 = 1000;
/// Messages alive at once in the whole simulation; producers are refused beyond it.
pub const MAX_LIVE_MESSAGES: usize = 250_000;
/// Characters of an id or label.
pub const MAX_NAME_CHARS: usize = 64;
/// Commands (faults, parameter changes) logged per run; past it the run cannot be replayed
/// or shared.
pub const MAX_LOGGED_COMMANDS: usize = 1000;
/// Characters of the encoded state in a share link (the part after `#s=`).
pub const MAX_LINK_CHARS: usize = 64 * 1024;
/// Events a share link may ask to replay (seconds of replay in the browser: the engine
/// runs a few million events per second in wasm, far fewer on a loaded machine).
pub const MAX_REPLAY_EVENTS: u64 = 10_000_000;
