//! Validation of a parsed scenario: ranges, references and reachability.
//!
//! Every error names the field path (`nodes[2].role.client.target`) and what is accepted.

use super::limits::*;
use super::{Fault, Role, Scenario, Workload, FORMAT_VERSION};
use std::fmt;

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `nodes[1].role.service.replicas`; empty for the whole document.
    pub path: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A scenario that cannot be used, with every problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The problems, in document order.
    pub errors: Vec<FieldError>,
}

impl ScenarioError {
    pub(crate) fn single(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            errors: vec![FieldError::new(path, message)],
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

struct Checker<'a> {
    s: &'a Scenario,
    errs: Vec<FieldError>,
}

impl Checker<'_> {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errs.push(FieldError::new(path, message));
    }

    fn range_f(&mut self, path: &str, v: f64, lo: f64, hi: f64, unit: &str) {
        if !(v.is_finite() && v >= lo && v <= hi) {
            self.err(
                path,
                format!("must be between {lo} and {hi}{unit}, got {v}"),
            );
        }
    }

    fn range_u(&mut self, path: &str, v: u32, lo: u32, hi: u32) {
        if v < lo || v > hi {
            self.err(path, format!("must be between {lo} and {hi}, got {v}"));
        }
    }

    fn name(&mut self, path: &str, v: &str) {
        if v.is_empty() {
            self.err(path, "must not be empty");
        } else if v.chars().count() > MAX_NAME_CHARS {
            self.err(path, format!("must be at most {MAX_NAME_CHARS} characters"));
        }
    }

    fn role_of(&self, id: &str) -> Option<&Role> {
        self.s.nodes.iter().find(|n| n.id == id).map(|n| &n.role)
    }

    fn linked(&mut self, path: &str, a: &str, b: &str) {
        if self.role_of(b).is_some() && self.s.link_idx(a, b).is_none() {
            self.err(
                path,
                format!("`{a}` talks to `{b}` but no link joins them; add a link"),
            );
        }
    }

    fn service_ref(&mut self, path: &str, id: &str) {
        match self.role_of(id) {
            Some(Role::Service(_)) => {}
            Some(other) => self.err(
                path,
                format!("`{id}` is a {}, expected a service", other.as_str()),
            ),
            None => self.err(path, format!("no node has id `{id}`")),
        }
    }

    /// Checks that `broker` is a broker holding `name` of an accepted kind.
    fn broker_ref(&mut self, path: &str, broker: &str, name: &str, consumer: bool) {
        let Some(role) = self.role_of(broker) else {
            self.err(
                format!("{path}.broker"),
                format!("no node has id `{broker}`"),
            );
            return;
        };
        let Role::Broker(b) = role else {
            let kind = role.as_str();
            self.err(
                format!("{path}.broker"),
                format!("`{broker}` is a {kind}, expected a broker"),
            );
            return;
        };
        let field = if consumer { "from" } else { "to" };
        let is_queue = b.queues.iter().any(|q| q.name == name);
        let is_log = b.logs.iter().any(|l| l.name == name);
        let is_exchange = b.exchanges.iter().any(|x| x.name == name);
        let ok = is_queue || is_log || (!consumer && is_exchange);
        if !ok {
            let what = if consumer {
                "a queue or log"
            } else {
                "exchange, queue or log"
            };
            self.err(
                format!("{path}.{field}"),
                format!("broker `{broker}` has no {what} named `{name}`"),
            );
        }
    }

    fn workload(&mut self, path: &str, w: &Workload) {
        match *w {
            Workload::Poisson { rate_per_s } => self.range_f(
                &format!("{path}.poisson.rate_per_s"),
                rate_per_s,
                0.0,
                MAX_RATE_PER_S,
                " per second",
            ),
            Workload::FixedRate { rate_per_s } => self.range_f(
                &format!("{path}.fixed_rate.rate_per_s"),
                rate_per_s,
                0.0,
                MAX_RATE_PER_S,
                " per second",
            ),
            Workload::ClosedLoop {
                concurrency,
                think_ms,
            } => {
                self.range_u(
                    &format!("{path}.closed_loop.concurrency"),
                    concurrency,
                    0,
                    MAX_CONCURRENCY,
                );
                self.range_f(
                    &format!("{path}.closed_loop.think_ms"),
                    think_ms,
                    0.0,
                    MAX_TIME_MS,
                    " ms",
                );
            }
        }
    }
}

impl Scenario {
    /// Checks ranges, references and reachability; returns every problem found.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut c = Checker {
            s: self,
            errs: Vec::new(),
        };
        if self.version != FORMAT_VERSION {
            c.err(
                "version",
                format!(
                    "this playground reads scenario format {FORMAT_VERSION}, got {}",
                    self.version
                ),
            );
        }
        if self.nodes.is_empty() || self.nodes.len() > MAX_NODES {
            c.err(
                "nodes",
                format!("must hold 1 to {MAX_NODES} nodes, got {}", self.nodes.len()),
            );
        }
        if self.links.len() > MAX_LINKS {
            c.err("links", format!("at most {MAX_LINKS} links"));
        }
        if self.faults.len() > MAX_FAULTS {
            c.err("faults", format!("at most {MAX_FAULTS} faults"));
        }
        c.range_f(
            "metrics.window_ms",
            self.metrics.window_ms,
            1.0,
            60_000.0,
            " ms",
        );
        for (i, n) in self.nodes.iter().enumerate() {
            let p = format!("nodes[{i}]");
            c.name(&format!("{p}.id"), &n.id);
            if n.label.chars().count() > MAX_NAME_CHARS {
                c.err(
                    format!("{p}.label"),
                    format!("must be at most {MAX_NAME_CHARS} characters"),
                );
            }
            if self.nodes[..i].iter().any(|m| m.id == n.id) {
                c.err(format!("{p}.id"), format!("`{}` is used twice", n.id));
            }
            check_role(&mut c, &p, &n.id, &n.role);
        }
        check_call_cycles(&mut c);
        for (i, l) in self.links.iter().enumerate() {
            let p = format!("links[{i}]");
            for (end, id) in [("a", &l.a), ("b", &l.b)] {
                if self.node_idx(id).is_none() {
                    c.err(format!("{p}.{end}"), format!("no node has id `{id}`"));
                }
            }
            if l.a == l.b {
                c.err(format!("{p}.b"), "a link must join two different nodes");
            }
            if self.links[..i]
                .iter()
                .any(|m| (m.a == l.a && m.b == l.b) || (m.a == l.b && m.b == l.a))
            {
                c.err(&p, format!("`{}` and `{}` are already linked", l.a, l.b));
            }
            c.range_f(
                &format!("{p}.latency_ms"),
                l.latency_ms,
                0.0,
                MAX_TIME_MS,
                " ms",
            );
            c.range_f(&format!("{p}.loss"), l.loss, 0.0, 1.0, "");
            if let Some(bw) = l.bandwidth_mbps {
                c.range_f(
                    &format!("{p}.bandwidth_mbps"),
                    bw,
                    MIN_BANDWIDTH_MBPS,
                    MAX_BANDWIDTH_MBPS,
                    " Mbit/s",
                );
            }
            if let Some(j) = &l.jitter {
                j.check(&format!("{p}.jitter"), &mut c.errs);
            }
        }
        for (i, f) in self.faults.iter().enumerate() {
            let p = format!("faults[{i}]");
            c.range_f(&format!("{p}.at_ms"), f.at_ms, 0.0, MAX_TIME_MS, " ms");
            check_fault(&mut c, &format!("{p}.fault"), &f.fault);
        }
        if c.errs.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError { errors: c.errs })
        }
    }
}

fn check_role(c: &mut Checker, p: &str, id: &str, role: &Role) {
    match role {
        Role::Client(cl) => {
            let p = format!("{p}.role.client");
            c.service_ref(&format!("{p}.target"), &cl.target);
            c.linked(&format!("{p}.target"), id, &cl.target);
            c.workload(&format!("{p}.workload"), &cl.workload);
            if let Some(d) = cl.deadline_ms {
                c.range_f(&format!("{p}.deadline_ms"), d, 0.001, MAX_TIME_MS, " ms");
            }
            if let super::Method::ServerStream { responses } = cl.method {
                c.range_u(
                    &format!("{p}.method.server_stream.responses"),
                    responses,
                    1,
                    MAX_STREAM_RESPONSES,
                );
            }
            if let Some(r) = &cl.retry {
                let rp = format!("{p}.retry");
                c.range_u(
                    &format!("{rp}.max_attempts"),
                    r.max_attempts,
                    1,
                    MAX_ATTEMPTS,
                );
                c.range_f(
                    &format!("{rp}.initial_backoff_ms"),
                    r.initial_backoff_ms,
                    0.0,
                    MAX_TIME_MS,
                    " ms",
                );
                c.range_f(
                    &format!("{rp}.max_backoff_ms"),
                    r.max_backoff_ms,
                    0.0,
                    MAX_TIME_MS,
                    " ms",
                );
                c.range_f(
                    &format!("{rp}.backoff_multiplier"),
                    r.backoff_multiplier,
                    1.0,
                    10.0,
                    "",
                );
                if let Some(t) = &r.throttling {
                    c.range_f(
                        &format!("{rp}.throttling.max_tokens"),
                        t.max_tokens,
                        1.0,
                        1000.0,
                        "",
                    );
                    c.range_f(
                        &format!("{rp}.throttling.token_ratio"),
                        t.token_ratio,
                        0.001,
                        1.0,
                        "",
                    );
                }
            }
        }
        Role::Service(s) => {
            let p = format!("{p}.role.service");
            c.range_u(&format!("{p}.replicas"), s.replicas, 1, MAX_REPLICAS);
            c.range_u(&format!("{p}.workers"), s.workers, 1, MAX_WORKERS);
            s.service_time
                .check(&format!("{p}.service_time"), &mut c.errs);
            if let Some(q) = s.queue_limit {
                c.range_u(&format!("{p}.queue_limit"), q, 0, MAX_QUEUE_LENGTH);
            }
            if let Some(down) = &s.calls {
                if down == id {
                    c.err(format!("{p}.calls"), "a service cannot call itself");
                } else {
                    c.service_ref(&format!("{p}.calls"), down);
                    c.linked(&format!("{p}.calls"), id, down);
                }
            }
            if let Some(t) = &s.publish {
                c.broker_ref(&format!("{p}.publish"), &t.broker, &t.to, false);
                c.linked(&format!("{p}.publish.broker"), id, &t.broker);
            }
        }
        Role::Producer(pr) => {
            let p = format!("{p}.role.producer");
            c.broker_ref(
                &format!("{p}.publish"),
                &pr.publish.broker,
                &pr.publish.to,
                false,
            );
            c.linked(&format!("{p}.publish.broker"), id, &pr.publish.broker);
            c.workload(&format!("{p}.workload"), &pr.workload);
            c.range_u(&format!("{p}.key_space"), pr.key_space, 1, MAX_KEY_SPACE);
            c.range_f(&format!("{p}.poison_ratio"), pr.poison_ratio, 0.0, 1.0, "");
            if let Some(cf) = &pr.confirms {
                c.range_f(
                    &format!("{p}.confirms.timeout_ms"),
                    cf.timeout_ms,
                    1.0,
                    MAX_TIME_MS,
                    " ms",
                );
            }
        }
        Role::Broker(b) => {
            let p = format!("{p}.role.broker");
            let mut names: Vec<String> = Vec::new();
            let mut unique = |c: &mut Checker, path: String, name: &str| {
                c.name(&path, name);
                if names.iter().any(|n| n == name) {
                    c.err(path, format!("`{name}` is used twice in this broker"));
                }
                names.push(name.to_string());
            };
            for (i, q) in b.queues.iter().enumerate() {
                let qp = format!("{p}.queues[{i}]");
                unique(c, format!("{qp}.name"), &q.name);
                if let Some(m) = q.max_length {
                    c.range_u(&format!("{qp}.max_length"), m, 1, MAX_QUEUE_LENGTH);
                }
                if let Some(t) = q.ttl_ms {
                    c.range_f(&format!("{qp}.ttl_ms"), t, 0.001, MAX_TIME_MS, " ms");
                }
                if let Some(d) = q.max_deliveries {
                    c.range_u(&format!("{qp}.max_deliveries"), d, 1, MAX_DELIVERIES);
                }
            }
            for (i, l) in b.logs.iter().enumerate() {
                let lp = format!("{p}.logs[{i}]");
                unique(c, format!("{lp}.name"), &l.name);
                c.range_u(&format!("{lp}.partitions"), l.partitions, 1, MAX_PARTITIONS);
            }
            for (i, x) in b.exchanges.iter().enumerate() {
                let xp = format!("{p}.exchanges[{i}]");
                unique(c, format!("{xp}.name"), &x.name);
                if x.bindings.is_empty() {
                    c.err(format!("{xp}.bindings"), "bind at least one queue");
                }
                for (j, q) in x.bindings.iter().enumerate() {
                    if !b.queues.iter().any(|qq| &qq.name == q) {
                        c.err(
                            format!("{xp}.bindings[{j}]"),
                            format!("this broker has no queue named `{q}`"),
                        );
                    }
                }
            }
        }
        Role::ConsumerGroup(g) => {
            let p = format!("{p}.role.consumer_group");
            c.broker_ref(
                &format!("{p}.source"),
                &g.source.broker,
                &g.source.from,
                true,
            );
            c.linked(&format!("{p}.source.broker"), id, &g.source.broker);
            c.range_u(&format!("{p}.count"), g.count, 1, MAX_CONSUMERS);
            c.range_u(&format!("{p}.prefetch"), g.prefetch, 1, MAX_PREFETCH);
            g.processing.check(&format!("{p}.processing"), &mut c.errs);
            if let super::CommitMode::Periodic { interval_ms } = g.commit {
                c.range_f(
                    &format!("{p}.commit.periodic.interval_ms"),
                    interval_ms,
                    1.0,
                    MAX_TIME_MS,
                    " ms",
                );
            }
        }
    }
}

/// Synchronous call chains must end: a cycle would wait on itself forever.
fn check_call_cycles(c: &mut Checker) {
    for (i, n) in c.s.nodes.iter().enumerate() {
        let mut seen = vec![n.id.as_str()];
        let mut cur = n;
        while let Role::Service(s) = &cur.role {
            let Some(next) = s.calls.as_deref() else {
                break;
            };
            if seen.contains(&next) {
                if next == n.id && seen.len() > 1 {
                    c.errs.push(FieldError::new(
                        format!("nodes[{i}].role.service.calls"),
                        format!("calls form a cycle: {} → {next}", seen.join(" → ")),
                    ));
                }
                break;
            }
            seen.push(next);
            match c.s.nodes.iter().find(|m| m.id == next) {
                Some(m) => cur = m,
                None => break,
            }
        }
    }
}

fn check_fault(c: &mut Checker, p: &str, f: &Fault) {
    match f {
        Fault::Crash { node, instance } | Fault::Restart { node, instance } => {
            let kind = if matches!(f, Fault::Crash { .. }) {
                "crash"
            } else {
                "restart"
            };
            match c.role_of(node) {
                None => c.err(
                    format!("{p}.{kind}.node"),
                    format!("no node has id `{node}`"),
                ),
                Some(_) => {
                    // Any instance a live change could create (replicas and consumers are
                    // at most 64); faults on an instance that does not exist do nothing.
                    if let Some(i) = instance {
                        c.range_u(&format!("{p}.{kind}.instance"), *i, 0, MAX_CONSUMERS - 1);
                    }
                }
            }
        }
        Fault::Cut { a, b } | Fault::Heal { a, b } => {
            let kind = if matches!(f, Fault::Cut { .. }) {
                "cut"
            } else {
                "heal"
            };
            if c.s.link_idx(a, b).is_none() {
                c.err(
                    format!("{p}.{kind}"),
                    format!("no link joins `{a}` and `{b}`"),
                );
            }
        }
        Fault::LinkLoss { a, b, loss } => {
            if c.s.link_idx(a, b).is_none() {
                c.err(
                    format!("{p}.link_loss"),
                    format!("no link joins `{a}` and `{b}`"),
                );
            }
            c.range_f(&format!("{p}.link_loss.loss"), *loss, 0.0, 1.0, "");
        }
        Fault::LatencySpike { a, b, extra_ms } => {
            if c.s.link_idx(a, b).is_none() {
                c.err(
                    format!("{p}.latency_spike"),
                    format!("no link joins `{a}` and `{b}`"),
                );
            }
            c.range_f(
                &format!("{p}.latency_spike.extra_ms"),
                *extra_ms,
                0.0,
                MAX_TIME_MS,
                " ms",
            );
        }
        Fault::Slow { node, factor } => {
            match c.role_of(node) {
                Some(Role::ConsumerGroup(_)) | Some(Role::Service(_)) => {}
                Some(r) => {
                    let kind = r.as_str();
                    c.err(
                        format!("{p}.slow.node"),
                        format!(
                            "`{node}` is a {kind}; only consumer groups and services can be slowed"
                        ),
                    )
                }
                None => c.err(format!("{p}.slow.node"), format!("no node has id `{node}`")),
            }
            c.range_f(&format!("{p}.slow.factor"), *factor, 0.01, 100.0, "");
        }
    }
}
