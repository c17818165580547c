//! Exact replays: a run rebuilt from its inputs (scenario, seed, the commands applied and
//! when) up to a recorded [`Position`].
//!
//! A command logged as `Applied { after_events: n, at, .. }` is applied once exactly `n`
//! events have been processed, with the clock moved to `at` first (no event lies between the
//! `n`-th event and `at`, or the log does not belong to this run). Same inputs ⇒ the same
//! event trace, counters and clock as the live run at that position.

use super::control::{Applied, Position};
use super::engine::Engine;
use super::time::SimTime;
use crate::scenario::Scenario;
use std::fmt;

/// Why a replay cannot go on: `path` names the input at fault (`commands[3].at`, `position`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayError {
    /// The input at fault, e.g. `commands[2].after_events`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ReplayError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> ReplayError {
        ReplayError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ReplayError {}

/// What one call to [`Replay::advance`] ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayStep {
    /// The event budget ran out; call again.
    Budget,
    /// Command number `.0` was just applied (the engine is exactly at its boundary).
    Applied(usize),
    /// The engine is at the target position.
    Done,
}

/// A replay in progress; it owns the engine until [`Replay::into_engine`].
pub struct Replay {
    engine: Engine,
    commands: Vec<Applied>,
    next: usize,
    target: Position,
    done: bool,
}

impl Replay {
    /// Starts a replay of `scenario` (validated) with `seed`, applying `commands` on the way
    /// to `target`. Commands must be in the order they were applied and not beyond `target`.
    pub fn new(
        scenario: Scenario,
        seed: u64,
        commands: Vec<Applied>,
        target: Position,
    ) -> Result<Replay, ReplayError> {
        let mut prev = Position::default();
        for (i, c) in commands.iter().enumerate() {
            if c.after_events < prev.events || c.after_events > target.events {
                return Err(ReplayError::new(
                    format!("commands[{i}].after_events"),
                    format!(
                        "must be between {} (the command before) and {} (the position), got {}",
                        prev.events, target.events, c.after_events
                    ),
                ));
            }
            if c.at < prev.at || c.at > target.at {
                return Err(ReplayError::new(
                    format!("commands[{i}].at"),
                    format!(
                        "must be between {} (the command before) and {} (the position), got {}",
                        prev.at, target.at, c.at
                    ),
                ));
            }
            prev = Position {
                events: c.after_events,
                at: c.at,
            };
        }
        Ok(Replay {
            engine: Engine::new(scenario, seed),
            commands,
            next: 0,
            target,
            done: false,
        })
    }

    /// Processes at most `max_events` events, applying commands at their boundaries. Stops
    /// right after applying a command, when the budget is spent, or at the target.
    pub fn advance(&mut self, max_events: u64) -> Result<ReplayStep, ReplayError> {
        if self.done {
            return Ok(ReplayStep::Done);
        }
        let mut budget = max_events;
        loop {
            if let Some(c) = self.commands.get(self.next) {
                if c.after_events == self.engine.events_processed() {
                    let (i, at, command) = (self.next, c.at, c.command.clone());
                    self.move_clock(at, &format!("commands[{i}].at"))?;
                    self.engine.inject(command).map_err(|e| {
                        ReplayError::new(
                            format!("commands[{i}]"),
                            format!("the engine refused it: {e}"),
                        )
                    })?;
                    self.next += 1;
                    return Ok(ReplayStep::Applied(i));
                }
            }
            if self.engine.events_processed() == self.target.events {
                self.move_clock(self.target.at, "position.at")?;
                self.done = true;
                return Ok(ReplayStep::Done);
            }
            if budget == 0 {
                return Ok(ReplayStep::Budget);
            }
            if !self.engine.step() {
                return Err(ReplayError::new(
                    "position.events",
                    format!(
                        "the run has no event left after {} events, but the position is at {}",
                        self.engine.events_processed(),
                        self.target.events
                    ),
                ));
            }
            budget -= 1;
        }
    }

    /// Runs the replay to its end.
    pub fn run(mut self) -> Result<Engine, ReplayError> {
        while self.advance(u64::MAX)? != ReplayStep::Done {}
        Ok(self.engine)
    }

    /// Moves the clock to `at` without processing an event; fails if that would skip an
    /// event or turn the clock back (the inputs do not belong to this run).
    fn move_clock(&mut self, at: SimTime, path: &str) -> Result<(), ReplayError> {
        let now = self.engine.now();
        if at < now {
            return Err(ReplayError::new(
                path,
                format!(
                    "{at} is before the event processed just before it ({now}); \
                     the link does not match this run"
                ),
            ));
        }
        if let Some(next) = self.engine.next_event_time().filter(|&t| t < at) {
            return Err(ReplayError::new(
                path,
                format!(
                    "{at} is after the next event ({next}); the link was made by another \
                     version of the engine or has been altered"
                ),
            ));
        }
        self.engine.advance_to(at);
        Ok(())
    }

    /// The engine as replayed so far.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Where the replay goes.
    pub fn target(&self) -> Position {
        self.target
    }

    /// Fraction of the target's events processed, 0–1.
    pub fn progress(&self) -> f64 {
        if self.target.events == 0 {
            1.0
        } else {
            self.engine.events_processed() as f64 / self.target.events as f64
        }
    }

    /// Index of the next command to apply and the event count it applies after.
    pub fn next_boundary(&self) -> Option<(usize, u64)> {
        self.commands
            .get(self.next)
            .map(|c| (self.next, c.after_events))
    }

    /// True once the target is reached.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The engine (at the target when [`Replay::is_done`]).
    pub fn into_engine(self) -> Engine {
        self.engine
    }
}

impl Engine {
    /// Rebuilds a run from its inputs: `scenario` (validated) and `seed`, the `commands`
    /// applied, up to `target` (see [`Replay`] for a replay in slices).
    pub fn replay(
        scenario: Scenario,
        seed: u64,
        commands: Vec<Applied>,
        target: Position,
    ) -> Result<Engine, ReplayError> {
        Replay::new(scenario, seed, commands, target)?.run()
    }
}
