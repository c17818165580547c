//! Any text as a share link (`#s=…` or the bare payload): decoding never panics, a refused
//! link says why, and an accepted link replays (bounded) with every invariant kept and
//! encodes back to a link that decodes to the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msgflow::share::ShareState;
use msgflow_fuzz::dump;

/// Events a fuzzed link may replay (links of real runs replay up to 10 million).
const MAX_EVENTS: u64 = 20_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    dump(|| text.to_string());
    let state = match ShareState::from_fragment(text).unwrap_or_else(|| ShareState::decode(text)) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.to_string().is_empty(), "a refused link must say why");
            return;
        }
    };
    let again = ShareState::decode(&state.encode().expect("an accepted link encodes"))
        .expect("an encoded link decodes");
    assert_eq!(again, state, "encode/decode must round-trip");
    if state.position.events <= MAX_EVENTS {
        if let Ok(replay) = state.replay() {
            // A replay may refuse a command that no longer fits the run; it must not panic.
            if let Ok(engine) = replay.run() {
                assert!(engine.violation().is_none(), "{:?}", engine.violation());
            }
        }
    }
});
