//! Metrics with bounded memory: counters, streaming histograms and ring-buffer series.

use super::message::{LossReason, MsgState};
use super::time::{SimTime, NS_PER_MS};
use hdrhistogram::Histogram;
use serde::Serialize;

/// Counters of one node, or of the whole run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counters {
    /// Requests sent (first attempts) and messages published.
    pub sent: u64,
    /// Messages handed to a consumer, or requests handed to a server worker.
    pub delivered: u64,
    /// Messages acknowledged to the broker (manual ack), or auto-acknowledged at delivery.
    pub acked: u64,
    /// Negative acknowledgements.
    pub nacked: u64,
    /// RPC retry attempts.
    pub retried: u64,
    /// Messages delivered again after a crash, a nack or a lost ack.
    pub redelivered: u64,
    /// Messages handed to the application more than once.
    pub duplicated: u64,
    /// Messages processed after a later message with the same key.
    pub reordered: u64,
    /// Messages re-published after a missing confirm.
    pub republished: u64,
    /// Messages fully processed by a consumer.
    pub processed: u64,
    /// Lost messages, by [`LossReason`].
    pub lost: [u64; 8],
    /// Messages whose time to live ran out.
    pub expired: u64,
    /// Messages moved to a dead-letter queue.
    pub dead_lettered: u64,
    /// Finished calls by status (OK, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE).
    pub status: [u64; 4],
    /// Responses that arrived after their call had ended.
    pub late: u64,
    /// Requests a server dropped because their deadline had passed.
    pub cancelled: u64,
    /// Arrivals refused by a producer under back-pressure or by the live-message limit.
    pub refused: u64,
    /// Work started by servers or consumers, in virtual ns (for utilisation).
    pub work_ns: u64,
}

impl Counters {
    /// All losses.
    pub fn lost_total(&self) -> u64 {
        self.lost.iter().sum()
    }
    /// All finished calls.
    pub fn calls(&self) -> u64 {
        self.status.iter().sum()
    }
    /// Calls that ended in an error status.
    pub fn errors(&self) -> u64 {
        self.status[1..].iter().sum()
    }
}

/// How many messages are in each state (the conservation ledger).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Messages ever created.
    pub created: u64,
    /// On a link.
    pub in_flight: u64,
    /// In a queue, backlog or buffer.
    pub queued: u64,
    /// Being handled.
    pub in_service: u64,
    /// Finished.
    pub done: u64,
    /// Lost, for any reason.
    pub lost: u64,
    /// Expired.
    pub expired: u64,
    /// Dead-lettered.
    pub dead_lettered: u64,
}

impl Ledger {
    /// The conservation invariant: every created message is in exactly one state.
    pub fn balanced(&self) -> bool {
        self.created
            == self.in_flight
                + self.queued
                + self.in_service
                + self.done
                + self.lost
                + self.expired
                + self.dead_lettered
    }
    /// Messages still alive.
    pub fn live(&self) -> u64 {
        self.in_flight + self.queued + self.in_service
    }
    pub(crate) fn slot(&mut self, s: MsgState) -> &mut u64 {
        match s {
            MsgState::InFlight => &mut self.in_flight,
            MsgState::Queued => &mut self.queued,
            MsgState::InService => &mut self.in_service,
            MsgState::Done => &mut self.done,
            MsgState::Lost(_) => &mut self.lost,
            MsgState::Expired => &mut self.expired,
            MsgState::DeadLettered => &mut self.dead_lettered,
        }
    }
}

/// A latency distribution: exact count, sum and max, and an HDR histogram for percentiles.
#[derive(Clone, Debug)]
pub struct Latency {
    hist: Histogram<u64>,
    sum_ns: u128,
}

impl Default for Latency {
    /// 1 µs to 1 day at three significant digits (0.1 %): about 240 KB of counts.
    fn default() -> Self {
        Latency::with_digits(3)
    }
}

impl Latency {
    /// 1 µs to 1 day at `digits` significant digits (1 to 5).
    fn with_digits(digits: u8) -> Self {
        Latency {
            hist: Histogram::new_with_bounds(1_000, 86_400 * 1_000_000_000, digits)
                .expect("static bounds are valid"),
            sum_ns: 0,
        }
    }
    /// Records one sample.
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns.max(1_000));
        self.sum_ns += ns as u128;
    }
    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }
    /// Exact mean in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.sum_ns as f64 / self.count() as f64 / NS_PER_MS as f64
    }
    /// Quantile in milliseconds (`q` in 0..=1).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / NS_PER_MS as f64
    }
    /// Largest sample in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.hist.max() as f64 / NS_PER_MS as f64
    }
    /// Forgets every sample.
    pub fn reset(&mut self) {
        self.hist.reset();
        self.sum_ns = 0;
    }
    /// Summary for reports.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.count(),
            mean_ms: self.mean_ms(),
            p50_ms: self.quantile_ms(0.5),
            p90_ms: self.quantile_ms(0.9),
            p99_ms: self.quantile_ms(0.99),
            max_ms: if self.count() == 0 {
                0.0
            } else {
                self.max_ms()
            },
        }
    }
}

/// Percentiles of a [`Latency`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Samples.
    pub count: u64,
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

/// Waiting-line statistics of one queue or server: what Little's law and M/M/c talk about.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WaitStats {
    /// Items that finished waiting.
    pub n: u64,
    /// Sum of their waits, in ns.
    pub sum_wait_ns: u128,
    /// Time integral of the number waiting, in item·ns.
    pub area: u128,
    /// Number waiting now.
    pub len: u64,
    /// Time of the last change.
    pub last: SimTime,
    /// Arrivals into the waiting line.
    pub arrivals: u64,
    /// Items that finished waiting after a wait longer than zero.
    pub waited: u64,
}

impl WaitStats {
    /// One more item starts waiting.
    pub fn enter(&mut self, now: SimTime) {
        self.advance(now);
        self.len += 1;
        self.arrivals += 1;
    }
    /// One item leaves the line after waiting `wait_ns` (or is removed with `None`).
    pub fn leave(&mut self, now: SimTime, wait_ns: Option<u64>) {
        self.advance(now);
        self.len = self.len.saturating_sub(1);
        if let Some(w) = wait_ns {
            self.n += 1;
            self.sum_wait_ns += w as u128;
            self.waited += u64::from(w > 0);
        }
    }
    fn advance(&mut self, now: SimTime) {
        self.area += self.len as u128 * now.since(self.last) as u128;
        self.last = now;
    }
    /// Mean wait in milliseconds.
    pub fn mean_wait_ms(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum_wait_ns as f64 / self.n as f64 / NS_PER_MS as f64
        }
    }
    /// Time-average number waiting up to `now`.
    pub fn mean_len(&self, now: SimTime) -> f64 {
        if now.0 == 0 {
            return 0.0;
        }
        let area = self.area + self.len as u128 * now.since(self.last) as u128;
        area as f64 / now.0 as f64
    }
}

/// One window of the time series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// End of the window.
    pub t_ms: f64,
    /// Calls finished OK plus messages processed, per second.
    pub throughput: f64,
    /// Failed calls and lost, expired or dead-lettered messages, per second.
    pub errors: f64,
    /// Median latency of what finished in the window.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Messages waiting in broker queues and server backlogs at the window's end.
    pub queue_depth: u64,
    /// Records not yet committed by log consumer groups at the window's end.
    pub lag: u64,
    /// Messages on links at the window's end.
    pub in_flight: u64,
}

/// Points kept in the time series.
pub const SERIES_LEN: usize = 240;

/// Fixed-window time series in a ring buffer.
#[derive(Clone, Debug)]
pub struct Series {
    /// Window width in ns.
    pub window_ns: u64,
    points: std::collections::VecDeque<SeriesPoint>,
    cur_index: u64,
    /// Start of the window after the current one (saturating), kept with `cur_index`.
    next_boundary: SimTime,
    cur_done: u64,
    cur_errors: u64,
    cur_lat: Latency,
}

impl Series {
    pub(crate) fn new(window_ns: u64) -> Series {
        Series {
            window_ns: window_ns.max(1),
            points: Default::default(),
            cur_index: 0,
            next_boundary: SimTime(window_ns.max(1)),
            cur_done: 0,
            cur_errors: 0,
            // A window's percentiles are drawn on a chart: two significant digits (1 %)
            // are enough, and the histogram is an eighth of the run's (32 KB), so
            // recording into it and clearing it at every window stay in cache.
            cur_lat: Latency::with_digits(2),
        }
    }
    /// The index of the window containing `now`.
    pub(crate) fn window_of(&self, now: SimTime) -> u64 {
        now.0 / self.window_ns
    }
    /// Start of the window after the current one (saturating).
    #[inline(always)]
    pub(crate) fn next_boundary(&self) -> SimTime {
        self.next_boundary
    }
    pub(crate) fn current(&self) -> u64 {
        self.cur_index
    }
    /// Closes the current window with the given gauges.
    pub(crate) fn close(&mut self, depth: u64, lag: u64, in_flight: u64) {
        let secs = self.window_ns as f64 / 1e9;
        let p = SeriesPoint {
            t_ms: ((self.cur_index + 1) * self.window_ns) as f64 / NS_PER_MS as f64,
            throughput: self.cur_done as f64 / secs,
            errors: self.cur_errors as f64 / secs,
            p50_ms: self.cur_lat.quantile_ms(0.5),
            p90_ms: self.cur_lat.quantile_ms(0.9),
            p99_ms: self.cur_lat.quantile_ms(0.99),
            queue_depth: depth,
            lag,
            in_flight,
        };
        if self.points.len() == SERIES_LEN {
            self.points.pop_front();
        }
        self.points.push_back(p);
        self.cur_index += 1;
        self.next_boundary = SimTime((self.cur_index + 1).saturating_mul(self.window_ns));
        self.cur_done = 0;
        self.cur_errors = 0;
        if self.cur_lat.count() > 0 {
            self.cur_lat.reset();
        }
    }
    pub(crate) fn done(&mut self, latency_ns: u64) {
        self.cur_done += 1;
        self.cur_lat.record(latency_ns);
    }
    pub(crate) fn error(&mut self) {
        self.cur_errors += 1;
    }
    /// Closed windows, oldest first.
    pub fn points(&self) -> impl ExactSizeIterator<Item = &SeriesPoint> {
        self.points.iter()
    }
}

/// Everything measured in a run.
#[derive(Clone, Debug)]
pub struct Metrics {
    /// Totals over the run.
    pub total: Counters,
    /// Per node, indexed like the scenario's nodes.
    pub nodes: Vec<Counters>,
    /// Message states.
    pub ledger: Ledger,
    /// Per node: call latency (clients, OK calls) or end-to-end latency (consumer groups).
    pub latency: Vec<Latency>,
    /// Per node: waiting line (service backlogs, consumer groups' queue and buffers).
    pub wait: Vec<WaitStats>,
    /// Time series.
    pub series: Series,
}

impl Metrics {
    pub(crate) fn new(n_nodes: usize, window_ns: u64) -> Metrics {
        Metrics {
            total: Counters::default(),
            nodes: vec![Counters::default(); n_nodes],
            ledger: Ledger::default(),
            latency: (0..n_nodes).map(|_| Latency::default()).collect(),
            wait: vec![WaitStats::default(); n_nodes],
            series: Series::new(window_ns),
        }
    }
    /// Adds to one counter of a node and of the total.
    pub(crate) fn bump(&mut self, node: usize, f: impl Fn(&mut Counters)) {
        f(&mut self.total);
        if let Some(c) = self.nodes.get_mut(node) {
            f(c);
        }
    }
    pub(crate) fn lost(&mut self, node: usize, r: LossReason) {
        self.bump(node, |c| c.lost[r.idx()] += 1);
        self.series.error();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_percentiles_are_within_one_percent_in_an_eighth_of_the_memory() {
        let mut run = Latency::default();
        let mut s = Series::new(NS_PER_MS * 100);
        for k in 1..=1_000u64 {
            let ns = k * 12_345_678; // 12.3 ms to 12.3 s
            run.record(ns);
            s.done(ns);
        }
        s.close(0, 0, 0);
        let p = s.points().next().copied().expect("one window closed");
        for (q, got) in [(0.5, p.p50_ms), (0.9, p.p90_ms), (0.99, p.p99_ms)] {
            let exact = run.quantile_ms(q);
            assert!((got / exact - 1.0).abs() < 0.01, "q {q}: {got} vs {exact}");
        }
        assert_eq!(run.hist.distinct_values(), 29_696);
        assert_eq!(Latency::with_digits(2).hist.distinct_values(), 4_096);
    }
}
