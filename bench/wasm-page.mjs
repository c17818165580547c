// Loads the release build of src/bin/engine_bench.rs (wasm-bindgen --target web output,
// copied next to this file by scripts/bench) and exposes it as globalThis.msgflowBench.
import init, { bench_names, bench_run } from "./engine_bench.js";

await init({ module_or_path: new URL("engine_bench_bg.wasm", import.meta.url) });
globalThis.msgflowBench = {
  names: () => bench_names(),
  /** Runs scenario `index` with `seed` for `secs` virtual seconds: {events, ms, eventsPerS}. */
  run(index, seed, secs) {
    const [events, ms] = bench_run(index, seed, secs);
    return { events, ms, eventsPerS: events / (ms / 1000) };
  },
};
document.documentElement.dataset.ready = "true";
