// The measurements of `scripts/bench` (which builds the release artefacts first and then
// runs `node bench/bench.mjs`). Prints one table and writes the same figures as JSON (and
// the table as Markdown) into bench-output/.
//
// Sections (BENCH_ONLY=engine,wasm,frames,fast,floor,first-render,size,memory picks some):
//   engine        native events/s of the standard scenarios (src/sim/bench.rs), run by
//                 target/release/engine_bench, and by the profile-guided build of the same
//                 code, target/pgo-use/release/engine_bench, when scripts/bench built it
//                 (interleaved; both must process the same number of events)
//   wasm          the same runs in headless Chromium (bench/wasm.html), interleaved with
//                 the native ones, and the ratio wasm/native of the medians
//   frames        frame time over BENCH_FRAME_SECONDS of the at-scale preset at 1x
//   fast          the same at 100x (the engine may use 2 ms per frame, never more)
//   floor         the same frame measurement of bench/floor/: a canvas the size of the
//                 app's stage handed one full putImageData every frame and nothing else,
//                 the least a frame of the app can cost in this browser on this machine
//   first-render  navigation -> performance.mark("msgflow:topology-rendered"), each load in
//                 a fresh browser profile, interleaved with the same figure for
//                 bench/first-floor/ (a page with one module script that sets the mark):
//                 the browser's own share of a first render here and now
//   size          dist/*.wasm|js|css raw and gzip -9
//   memory        JS heap (after GC) and wasm linear memory after warm-up and after
//                 BENCH_SOAK_SECONDS at 100x on the at-scale preset
//
// Environment (defaults in brackets):
//   BENCH_RUNS [5]              runs of engine, wasm and first-render figures
//   BENCH_ENGINE_SECONDS [20]   virtual seconds per engine run
//   BENCH_FRAME_RUNS [3]        runs of each frame-time figure
//   BENCH_FRAME_SECONDS [10]    wall seconds of animation measured per run
//   BENCH_SOAK_RUNS [3]         runs of the memory figures
//   BENCH_SOAK_SECONDS [300]    wall seconds at 100x between the two memory readings
//   BENCH_TRACE=1               also record a Chromium performance trace of one more frame
//                               run at each speed (bench-output/trace-frames-1x.json, opens
//                               in DevTools), print where the main thread spent its time and
//                               add its CPU time per frame to the table
//   BENCH_OUT [bench-output]    output folder
//   BENCH_DIST [dist]           the app build to measure
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DIST as DEFAULT_DIST, ROOT, launchBrowser, watchPage } from "../e2e/harness.mjs";

const env = (k, d) => {
  const v = process.env[k];
  if (v === undefined || v === "") return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
};
const RUNS = Math.round(env("BENCH_RUNS", 5));
const ENGINE_SECONDS = env("BENCH_ENGINE_SECONDS", 20);
const FRAME_RUNS = Math.round(env("BENCH_FRAME_RUNS", 3));
const FRAME_SECONDS = env("BENCH_FRAME_SECONDS", 10);
const SOAK_RUNS = Math.round(env("BENCH_SOAK_RUNS", 3));
const SOAK_SECONDS = env("BENCH_SOAK_SECONDS", 300);
const TRACE = process.env.BENCH_TRACE === "1";
const OUT = resolve(ROOT, process.env.BENCH_OUT ?? "bench-output");
const DIST = resolve(ROOT, process.env.BENCH_DIST ?? DEFAULT_DIST);
const SECTIONS = ["engine", "wasm", "frames", "fast", "floor", "first-render", "size", "memory"];
const ONLY = (process.env.BENCH_ONLY ?? SECTIONS.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
for (const s of ONLY) if (!SECTIONS.includes(s)) throw new Error(`BENCH_ONLY: unknown section ${s} (one of ${SECTIONS.join(", ")})`);
const want = (s) => ONLY.includes(s);

/** The preset with at least 1,000 messages in flight, also the heaviest one. */
const HEAVY = "at-scale";
/** The budgets (docs/performance.md says where each comes from); scripts/size checks the bundle's. */
const BUDGETS = JSON.parse(readFileSync(new URL("budgets.json", import.meta.url), "utf8"));
const FRAME_BUDGET_MS = BUDGETS.frame_p95_ms;
const LONG_FRAME_MS = BUDGETS.long_frame_ms;
const FIRST_RENDER_BUDGET_MS = BUDGETS.first_render_ms;
const BUNDLE_GZIP_BUDGET = BUDGETS.bundle_total_gzip_kib * 1024;
const NATIVE_BUDGET = BUDGETS.engine_native_events_per_s;
const WASM_BUDGET = BUDGETS.engine_wasm_events_per_s;
const MEMORY_GROWTH_BUDGET = BUDGETS.memory_growth_mib * 1048576;
const TOPOLOGY_MARK = "msgflow:topology-rendered";

const log = (...a) => console.error("bench:", ...a);

// ----- statistics --------------------------------------------------------------------------

/** Median, min and max of numbers (the median of an even count is the mean of the middle two). */
export function summary(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN, runs: 0, values: [] };
  const m = v.length >> 1;
  const median = v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  return { median, min: v[0], max: v[v.length - 1], runs: v.length, values: xs };
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

// ----- browser helpers ---------------------------------------------------------------------

/** The browser's product and version, read by the first withPage. */
let browserVersion = null;

/**
 * Serves `root` from a child process, as a real local server would: the page's requests do
 * not wait on this process's event loop, which is busy with the browser's protocol traffic.
 */
async function startServerProcess(root) {
  const child = spawn(process.execPath, [join(ROOT, "e2e", "static-server.mjs"), root], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    let seen = "";
    child.once("exit", (code) => fail(new Error(`the static server for ${root} exited (${code})`)));
    child.stdout.on("data", (d) => {
      seen += d;
      const m = / at (http\S+)/.exec(seen);
      if (m) ok(m[1]);
    });
  });
  return {
    url,
    close: () =>
      new Promise((ok) => {
        child.removeAllListeners("exit");
        child.once("exit", ok);
        child.kill();
      }),
  };
}

async function withPage(root, fn) {
  const server = await startServerProcess(root);
  const browser = await launchBrowser();
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(60_000);
    const watched = await watchPage(page);
    // The app's wasm linear memory, for the memory figures: taken from the instance the page
    // creates (whatever loader does it), or from boot.js's TrunkApplicationStarted event.
    await page.addInitScript(() => {
      const keep = (r) => {
        const m = (r?.instance ?? r)?.exports?.memory;
        if (m instanceof WebAssembly.Memory) globalThis.__msgflowWasmMemory ??= m;
        return r;
      };
      for (const name of ["instantiate", "instantiateStreaming"]) {
        const orig = WebAssembly[name];
        if (orig) WebAssembly[name] = (...args) => orig.apply(WebAssembly, args).then(keep);
      }
      addEventListener("TrunkApplicationStarted", (e) => keep(e.detail?.wasm));
    });
    const cdp = await browser.context.newCDPSession(page);
    browserVersion ??= (await cdp.send("Browser.getVersion")).product;
    return await fn({ page, cdp, url: server.url, errors: watched.errors, context: browser.context });
  } finally {
    await browser.close();
    await server.close();
  }
}

async function openApp(ctx, query) {
  await ctx.page.goto(new URL(`?${query}`, ctx.url).href, { waitUntil: "load" });
  await ctx.page.waitForSelector("g.node[data-role]");
}

async function play(page) {
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => document.querySelector("[data-testid=play]")?.getAttribute("aria-pressed") === "true");
}

/**
 * Collects `seconds` of frames in the page. A frame's time runs from its
 * requestAnimationFrame timestamp (the start of the frame) to the first task after the
 * frame's rendering (scripts, style, layout, paint): a message posted from the rAF callback.
 */
async function collectFrames(page, seconds) {
  return page.evaluate(
    async ({ seconds }) => {
      const drawn = () => {
        const c = document.querySelector("[data-testid=flight-canvas]");
        return c ? Number(c.dataset.drawn || 0) : document.querySelectorAll("[data-flight]").length;
      };
      const inFlight = () => Number(document.querySelector("[data-counter=in_flight]")?.textContent ?? 0);
      const work = [];
      const gaps = [];
      const pending = [];
      let drawnMin = Infinity;
      let drawnMax = 0;
      let inFlightMin = Infinity;
      const ch = new MessageChannel();
      ch.port1.onmessage = () => work.push(performance.now() - pending.shift());
      return new Promise((resolve) => {
        let last = null;
        let end = null;
        let n = 0;
        const tick = (ts) => {
          end ??= ts + seconds * 1000;
          if (last !== null) gaps.push(ts - last);
          last = ts;
          pending.push(ts);
          ch.port2.postMessage(0);
          if (n++ % 15 === 0) {
            const d = drawn();
            drawnMin = Math.min(drawnMin, d);
            drawnMax = Math.max(drawnMax, d);
            inFlightMin = Math.min(inFlightMin, inFlight());
          }
          if (ts < end) requestAnimationFrame(tick);
          else setTimeout(() => resolve({ work, gaps, drawnMin, drawnMax, inFlightMin }), 100);
        };
        requestAnimationFrame(tick);
      });
    },
    { seconds },
  );
}

// ----- Chromium trace ----------------------------------------------------------------------

async function startTrace(cdp) {
  const events = [];
  cdp.on("Tracing.dataCollected", (e) => events.push(...e.value));
  const complete = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
  await cdp.send("Tracing.start", {
    transferMode: "ReportEvents",
    traceConfig: {
      recordMode: "recordAsMuchAsPossible",
      includedCategories: [
        "devtools.timeline",
        "disabled-by-default-devtools.timeline",
        "disabled-by-default-devtools.timeline.frame",
        "blink.user_timing",
        "v8.execute",
        "v8",
        "blink",
        "cc",
        "gpu",
      ],
    },
  });
  return async () => {
    await cdp.send("Tracing.end");
    await complete;
    return events;
  };
}

/** Self time per event name on the renderer's main thread, in ms, largest first. */
export function traceBreakdown(events) {
  const threads = new Map();
  for (const e of events) {
    if (e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain") threads.set(`${e.pid}:${e.tid}`, true);
  }
  const main = events
    .filter((e) => e.ph === "X" && threads.has(`${e.pid}:${e.tid}`) && typeof e.dur === "number")
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  let total = 0;
  const st = [];
  const close = (r) => self.set(r.name, (self.get(r.name) ?? 0) + Math.max(0, r.dur - r.child));
  for (const e of main) {
    while (st.length && st[st.length - 1].end <= e.ts) close(st.pop());
    const parent = st[st.length - 1];
    if (parent) parent.child += e.dur;
    else total += e.dur;
    st.push({ name: e.name, end: e.ts + e.dur, dur: e.dur, child: 0 });
  }
  while (st.length) close(st.pop());
  const rows = [...self.entries()].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { busyMs: total / 1000, rows };
}

/**
 * Main-thread CPU time per frame, in ms: the thread time (`tdur`, which a loaded machine
 * does not inflate the way it inflates wall time) of every top-level task between one
 * BeginMainFrame and the next.
 */
export function traceFrameCpu(events) {
  const main = new Set(
    events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter((e) => main.has(`${e.pid}:${e.tid}`) && e.ph === "X").sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const starts = onMain.filter((e) => e.name === "WebFrameWidgetImpl::BeginMainFrame").map((e) => e.ts);
  const cpu = new Array(Math.max(0, starts.length - 1)).fill(0);
  let end = -Infinity;
  let k = 0;
  for (const e of onMain) {
    if (e.ts < end) continue; // nested in a task already counted
    end = e.ts + e.dur;
    while (k + 1 < starts.length && e.ts >= starts[k + 1]) k++;
    if (e.ts >= starts[0] && k < cpu.length) cpu[k] += (e.tdur ?? e.dur) / 1000;
  }
  return cpu;
}

// ----- sections ----------------------------------------------------------------------------

/**
 * Native and wasm runs of the standard scenarios, interleaved (native, wasm, native, ...)
 * so that a change in the machine's load hits both alike. Seeds 0..RUNS-1.
 */
async function engine(withWasm) {
  const bin = join(ROOT, "target", "release", "engine_bench");
  const pgoBin = join(ROOT, "target", "pgo-use", "release", "engine_bench");
  const hasPgo = existsSync(pgoBin);
  const native = (i, seed, exe = bin) => {
    const r = spawnSync(exe, [String(i), String(seed), String(ENGINE_SECONDS)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`engine_bench ${i} ${seed} failed (${r.status}): ${r.stderr}`);
    const j = JSON.parse(r.stdout);
    return { events: j.events, eventsPerS: j.events / (j.ms / 1000) };
  };
  const names = execFileSync(bin, ["list"], { encoding: "utf8" }).trim().split("\n");
  log(`engine: ${RUNS} runs x ${ENGINE_SECONDS} virtual s per scenario, native${hasPgo ? ", native PGO" : ""}${withWasm ? " and wasm" : ""}, interleaved`);
  const measure = async (wasmRun) => {
    const out = { native: [], wasm: [], nativePgo: [] };
    for (let i = 0; i < names.length; i++) {
      if (wasmRun) await wasmRun(i, 999, 1); // untimed: lets the wasm code tier up
      const n = [];
      const w = [];
      const p = [];
      let events = 0;
      for (let seed = 0; seed < RUNS; seed++) {
        const a = native(i, seed);
        n.push(a.eventsPerS);
        events = a.events;
        if (hasPgo) {
          const c = native(i, seed, pgoBin);
          if (c.events !== a.events) throw new Error(`${names[i]} seed ${seed}: the PGO build processed ${c.events} events, the plain one ${a.events}`);
          p.push(c.eventsPerS);
        }
        if (wasmRun) {
          const b = await wasmRun(i, seed, ENGINE_SECONDS);
          if (b.events !== a.events) throw new Error(`${names[i]} seed ${seed}: wasm processed ${b.events} events, native ${a.events}`);
          w.push(b.eventsPerS);
        }
      }
      out.native.push({ scenario: names[i], eventsPerS: summary(n), events });
      if (hasPgo) out.nativePgo.push({ scenario: names[i], eventsPerS: summary(p), events });
      if (wasmRun) out.wasm.push({ scenario: names[i], eventsPerS: summary(w), events });
    }
    return out;
  };
  if (!withWasm) {
    const r = await measure(null);
    return { native: r.native, nativePgo: r.nativePgo };
  }
  return withPage(join(OUT, "wasm"), async ({ page, url, errors }) => {
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === "true");
    const wasmNames = await page.evaluate(() => globalThis.msgflowBench.names());
    if (wasmNames.join() !== names.join()) throw new Error(`wasm scenarios ${wasmNames} differ from native ${names}`);
    const r = await measure((i, seed, secs) => page.evaluate(({ i, seed, secs }) => globalThis.msgflowBench.run(i, seed, secs), { i, seed, secs }));
    if (errors.length) throw new Error(`wasm bench page reported errors:\n${errors.join("\n")}`);
    r.ratio = r.wasm.map((w, k) => ({ scenario: w.scenario, ratio: w.eventsPerS.median / r.native[k].eventsPerS.median }));
    return r;
  });
}

async function frames(speed, label) {
  const runs = [];
  for (let run = 0; run < FRAME_RUNS; run++) {
    log(`${label}: run ${run + 1}/${FRAME_RUNS}, ${FRAME_SECONDS} s of ${HEAVY} at ${speed}x`);
    const r = await withPage(DIST, async (ctx) => {
      const { page, cdp } = ctx;
      await openApp(ctx, `mode=${HEAVY}&seed=1&speed=${speed}`);
      await play(page);
      // Steady state: at least 1,000 messages in flight and two seconds of play behind us.
      const t0 = Date.now();
      await page.waitForFunction(() => Number(document.querySelector("[data-counter=in_flight]")?.textContent ?? 0) >= 1000, null, { timeout: 60_000 });
      await page.waitForFunction((t) => Date.now() - t >= 2000, t0, { polling: 100 });
      const f = await collectFrames(page, FRAME_SECONDS);
      const eff = await page.evaluate(() => document.querySelector("[data-testid=effective]")?.textContent ?? null);
      const clock = await page.evaluate(() => Number(document.querySelector("[data-testid=clock]")?.dataset.ns ?? 0));
      if (ctx.errors.length) throw new Error(`the page reported errors:\n${ctx.errors.join("\n")}`);
      return { ...f, effective: eff, clockNs: clock };
    });
    const work = [...r.work].sort((a, b) => a - b);
    const gaps = [...r.gaps].sort((a, b) => a - b);
    const medianGap = percentile(gaps, 50);
    runs.push({
      frames: work.length,
      p50: percentile(work, 50),
      p95: percentile(work, 95),
      p99: percentile(work, 99),
      max: work[work.length - 1],
      long: work.filter((w) => w > LONG_FRAME_MS).length,
      // Frames that came later than 1.5 frame intervals after the previous one.
      late: gaps.filter((g) => g > 1.5 * medianGap).length,
      medianGap,
      drawnMin: r.drawnMin,
      drawnMax: r.drawnMax,
      inFlightMin: r.inFlightMin,
      effective: r.effective,
      clockNs: r.clockNs,
    });
  }
  let traceSummary = null;
  if (TRACE) {
    // One more run, traced (tracing slows the page, so it is not one of the runs above).
    log(`${label}: traced run, ${FRAME_SECONDS} s`);
    const trace = await withPage(DIST, async (ctx) => {
      await openApp(ctx, `mode=${HEAVY}&seed=1&speed=${speed}`);
      await play(ctx.page);
      await ctx.page.waitForFunction(() => Number(document.querySelector("[data-counter=in_flight]")?.textContent ?? 0) >= 1000, null, { timeout: 60_000 });
      const t0 = Date.now();
      await ctx.page.waitForFunction((t) => Date.now() - t >= 2000, t0, { polling: 100 });
      const stop = await startTrace(ctx.cdp);
      await collectFrames(ctx.page, FRAME_SECONDS);
      return stop();
    });
    const file = join(OUT, `trace-frames-${speed}x.json`);
    writeFileSync(file, JSON.stringify({ traceEvents: trace }));
    const b = traceBreakdown(trace);
    const cpu = traceFrameCpu(trace).sort((x, y) => x - y);
    traceSummary = {
      file,
      seconds: FRAME_SECONDS,
      busyMs: b.busyMs,
      frameCpu: { frames: cpu.length, p50: percentile(cpu, 50), p95: percentile(cpu, 95), p99: percentile(cpu, 99), long: cpu.filter((x) => x > LONG_FRAME_MS).length },
      top: b.rows.slice(0, 15),
    };
    log(`trace written to ${file}; main thread busy ${b.busyMs.toFixed(0)} ms (wall) in ${FRAME_SECONDS} s; self time by event:`);
    for (const row of traceSummary.top) log(`  ${row.name.padEnd(48)} ${row.ms.toFixed(1).padStart(9)} ms`);
    const fc = traceSummary.frameCpu;
    log(`main-thread CPU per frame: p50 ${ms(fc.p50)}, p95 ${ms(fc.p95)}, p99 ${ms(fc.p99)} ms; ${fc.long} of ${fc.frames} over ${LONG_FRAME_MS} ms`);
  }
  const pick = (k) => summary(runs.map((x) => x[k]));
  return {
    speed,
    preset: HEAVY,
    seconds: FRAME_SECONDS,
    p50: pick("p50"),
    p95: pick("p95"),
    p99: pick("p99"),
    long: pick("long"),
    late: pick("late"),
    frames: pick("frames"),
    drawnMin: pick("drawnMin"),
    inFlightMin: pick("inFlightMin"),
    runs,
    trace: traceSummary,
  };
}

/** Frame times of bench/floor/ (see its floor.js), measured as `frames` measures the app. */
async function floor() {
  const root = join(ROOT, "bench", "floor");
  const open = async (page, url) => {
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.documentElement.dataset.ready === "true");
    await page.waitForTimeout(2000);
  };
  const runs = [];
  for (let run = 0; run < FRAME_RUNS; run++) {
    log(`floor: run ${run + 1}/${FRAME_RUNS}, ${FRAME_SECONDS} s`);
    const r = await withPage(root, async ({ page, url, errors }) => {
      await open(page, url);
      const f = await collectFrames(page, FRAME_SECONDS);
      const size = await page.evaluate(() => { const c = document.querySelector("canvas"); return `${c.width}x${c.height}`; });
      if (errors.length) throw new Error(`the floor page reported errors:\n${errors.join("\n")}`);
      return { ...f, size };
    });
    const work = [...r.work].sort((a, b) => a - b);
    runs.push({ frames: work.length, p50: percentile(work, 50), p95: percentile(work, 95), p99: percentile(work, 99), long: work.filter((w) => w > LONG_FRAME_MS).length, size: r.size });
  }
  let frameCpu = null;
  if (TRACE) {
    log(`floor: traced run, ${FRAME_SECONDS} s`);
    const trace = await withPage(root, async ({ page, url, cdp }) => {
      await open(page, url);
      const stop = await startTrace(cdp);
      await collectFrames(page, FRAME_SECONDS);
      return stop();
    });
    writeFileSync(join(OUT, "trace-floor.json"), JSON.stringify({ traceEvents: trace }));
    const cpu = traceFrameCpu(trace).sort((x, y) => x - y);
    frameCpu = { frames: cpu.length, p50: percentile(cpu, 50), p95: percentile(cpu, 95), p99: percentile(cpu, 99) };
  }
  const pick = (k) => summary(runs.map((x) => x[k]));
  return { seconds: FRAME_SECONDS, size: runs[0]?.size, p50: pick("p50"), p95: pick("p95"), p99: pick("p99"), long: pick("long"), frames: pick("frames"), frameCpu, runs };
}

/** Navigation -> the mark of `root`'s page, in a fresh browser profile (cold caches). */
async function timeFirstRender(root) {
  return withPage(root, async ({ page, url, errors }) => {
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, TOPOLOGY_MARK, { timeout: 60_000 });
    const v = await page.evaluate((m) => {
      const mark = performance.getEntriesByName(m)[0].startTime;
      const nav = performance.getEntriesByType("navigation")[0];
      return { mark, domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN, load: nav?.loadEventEnd ?? NaN };
    }, TOPOLOGY_MARK);
    if (errors.length) throw new Error(`the page reported errors:\n${errors.join("\n")}`);
    return v;
  });
}

/**
 * The app's first render, interleaved with that of bench/first-floor/ (a page whose one
 * module script adds a heading and sets the same mark): the browser's own share of a first
 * render on this machine at this moment, measured the same way.
 */
async function firstRender() {
  const app = [];
  const floor = [];
  for (let run = 0; run < RUNS; run++) {
    log(`first render: run ${run + 1}/${RUNS} (fresh browser profile each, app then floor page)`);
    app.push(await timeFirstRender(DIST));
    floor.push(await timeFirstRender(join(ROOT, "bench", "first-floor")));
  }
  return {
    mark: TOPOLOGY_MARK,
    ms: summary(app.map((t) => t.mark)),
    domContentLoadedMs: summary(app.map((t) => t.domContentLoaded)),
    floorMs: summary(floor.map((t) => t.mark)),
    // Run by run (the two loads of a run are seconds apart), then the median.
    overFloorMs: summary(app.map((t, i) => t.mark - floor[i].mark)),
  };
}

function sizes() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".")) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(wasm|js|css)$/.test(name)) files.push(p);
    }
  };
  walk(DIST);
  const by = { wasm: { raw: 0, gzip: 0 }, js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 } };
  const list = [];
  for (const f of files.sort()) {
    const raw = statSync(f).size;
    // Same figure as scripts/size: `gzip -9 -c FILE | wc -c`.
    const gz = execFileSync("gzip", ["-9", "-c", f], { maxBuffer: 1 << 28 }).length;
    const ext = f.split(".").pop();
    by[ext].raw += raw;
    by[ext].gzip += gz;
    list.push({ file: f.slice(DIST.length + 1), raw, gzip: gz });
  }
  const total = { raw: 0, gzip: 0 };
  for (const v of Object.values(by)) {
    total.raw += v.raw;
    total.gzip += v.gzip;
  }
  return { ...by, total, files: list };
}

async function readMemory(page, cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage");
  const wasm = await page.evaluate(() => globalThis.__msgflowWasmMemory?.buffer?.byteLength ?? NaN);
  const state = await page.evaluate(() => ({
    clockNs: Number(document.querySelector("[data-testid=clock]")?.dataset.ns ?? 0),
    inFlight: Number(document.querySelector("[data-counter=in_flight]")?.textContent ?? 0),
    effective: document.querySelector("[data-testid=effective]")?.textContent ?? null,
  }));
  return { jsHeapUsed: heap.usedSize, jsHeapTotal: heap.totalSize, wasmMemory: wasm, ...state };
}

async function memory() {
  const runs = [];
  for (let run = 0; run < SOAK_RUNS; run++) {
    log(`memory: run ${run + 1}/${SOAK_RUNS}, ${SOAK_SECONDS} s of ${HEAVY} at 100x`);
    const r = await withPage(DIST, async (ctx) => {
      const { page, cdp } = ctx;
      await openApp(ctx, `mode=${HEAVY}&seed=1&speed=100`);
      await play(page);
      const t0 = Date.now();
      await page.waitForFunction((t) => Date.now() - t >= 10_000, t0, { polling: 250, timeout: 60_000 });
      const warm = await readMemory(page, cdp);
      const t1 = Date.now();
      await page.waitForFunction(({ t, ms }) => Date.now() - t >= ms, { t: t1, ms: SOAK_SECONDS * 1000 }, { polling: 1000, timeout: SOAK_SECONDS * 1000 + 60_000 });
      const soak = await readMemory(page, cdp);
      if (ctx.errors.length) throw new Error(`the page reported errors:\n${ctx.errors.join("\n")}`);
      return { warm, soak };
    });
    runs.push(r);
  }
  const pick = (phase, k) => summary(runs.map((r) => r[phase][k]));
  return {
    preset: HEAVY,
    speed: 100,
    soakSeconds: SOAK_SECONDS,
    warm: { jsHeapUsed: pick("warm", "jsHeapUsed"), wasmMemory: pick("warm", "wasmMemory"), virtualS: summary(runs.map((r) => r.warm.clockNs / 1e9)) },
    soak: { jsHeapUsed: pick("soak", "jsHeapUsed"), wasmMemory: pick("soak", "wasmMemory"), virtualS: summary(runs.map((r) => r.soak.clockNs / 1e9)) },
    runs,
  };
}

// ----- table -------------------------------------------------------------------------------

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");
const ms = (x) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : "—");
const mib = (x) => (Number.isFinite(x) ? (x / 1048576).toFixed(1) : "—");
const kib = (x) => (Number.isFinite(x) ? (x / 1024).toFixed(1) : "—");

function rows(r) {
  const out = [];
  const add = (figure, s, fmt, budget = "", ok = null) =>
    out.push({
      figure,
      median: fmt(s.median ?? s),
      range: s.min === undefined ? "" : `${fmt(s.min)}–${fmt(s.max)}`,
      runs: s.runs ?? "",
      budget,
      ok: ok === null ? "" : ok ? "ok" : "OVER",
    });
  const millions = (x) => `≥ ${x / 1e6} M`;
  if (r.engine?.native)
    for (const n of r.engine.native) add(`native events/s: ${n.scenario}`, n.eventsPerS, int, millions(NATIVE_BUDGET), n.eventsPerS.median >= NATIVE_BUDGET);
  for (const n of r.engine?.nativePgo ?? [])
    add(`native PGO events/s: ${n.scenario}`, n.eventsPerS, int, millions(NATIVE_BUDGET), n.eventsPerS.median >= NATIVE_BUDGET);
  if (r.engine?.wasm) {
    for (const w of r.engine.wasm) add(`wasm events/s: ${w.scenario}`, w.eventsPerS, int, millions(WASM_BUDGET), w.eventsPerS.median >= WASM_BUDGET);
    for (const x of r.engine.ratio ?? []) add(`wasm/native: ${x.scenario}`, { median: x.ratio }, (v) => v.toFixed(2));
  }
  for (const [key, label] of [
    ["frames", "1x"],
    ["fast", "100x"],
  ]) {
    const f = r[key];
    if (!f) continue;
    const p = `frame ${label}, ${f.preset}`;
    add(`${p}: p50 ms`, f.p50, ms);
    add(`${p}: p95 ms`, f.p95, ms, `≤ ${FRAME_BUDGET_MS}`, f.p95.max <= FRAME_BUDGET_MS);
    add(`${p}: p99 ms`, f.p99, ms);
    add(`${p}: frames > ${LONG_FRAME_MS} ms`, f.long, int, "0", f.long.max === 0);
    add(`${p}: late frames (gap > 1.5 intervals)`, f.late, int);
    add(`${p}: frames measured in ${f.seconds} s`, f.frames, int);
    add(`${p}: messages drawn (min)`, f.drawnMin, int, key === "frames" ? "≥ 1,000" : "", key === "frames" ? f.drawnMin.min >= 1000 : null);
    add(`${p}: messages in flight (min)`, f.inFlightMin, int);
    if (f.trace) {
      const c = f.trace.frameCpu;
      out.push({ figure: `${p}: main-thread CPU per frame p50 / p95 / p99 ms (trace)`, median: `${ms(c.p50)} / ${ms(c.p95)} / ${ms(c.p99)}`, range: "", runs: 1, budget: "", ok: "" });
    }
    if (key === "fast") {
      const eff = f.runs.map((x) => x.effective).filter(Boolean);
      out.push({ figure: `${p}: effective speed shown`, median: eff.length ? eff[0].replace(/^.*?([\d.]+×).*$/, "$1") : "no", range: "", runs: f.runs.length, budget: "", ok: "" });
    }
  }
  if (r.floor) {
    const f = r.floor;
    const p = `floor (canvas ${f.size}, one putImageData a frame)`;
    add(`${p}: p50 ms`, f.p50, ms);
    add(`${p}: p95 ms`, f.p95, ms);
    add(`${p}: p99 ms`, f.p99, ms);
    add(`${p}: frames > ${LONG_FRAME_MS} ms`, f.long, int);
    add(`${p}: frames measured in ${f.seconds} s`, f.frames, int);
    if (f.frameCpu) out.push({ figure: `${p}: main-thread CPU per frame p50 / p95 / p99 ms (trace)`, median: `${ms(f.frameCpu.p50)} / ${ms(f.frameCpu.p95)} / ${ms(f.frameCpu.p99)}`, range: "", runs: 1, budget: "", ok: "" });
    // The budget on a shared machine, judged against the floor measured in the same run
    // (docs/performance.md, "The floor"): p95 at most max(8 ms, k × the floor's p95), and
    // long frames at most the floor's plus a small share of the frames.
    const p95Max = Math.max(FRAME_BUDGET_MS, BUDGETS.frame_p95_floor_factor * f.p95.median);
    for (const [key, label] of [
      ["frames", "1x"],
      ["fast", "100x"],
    ]) {
      const a = r[key];
      if (!a) continue;
      const longMax = f.long.median + BUDGETS.long_frames_over_floor_share * a.frames.median;
      add(`frame ${label} against the floor: p95 ms`, a.p95, ms, `≤ ${ms(p95Max)}`, a.p95.median <= p95Max);
      add(`frame ${label} against the floor: frames > ${LONG_FRAME_MS} ms`, a.long, int, `≤ ${int(longMax)}`, a.long.median <= longMax);
    }
  }
  if (r.firstRender) {
    add("first topology render ms (navigation → mark)", r.firstRender.ms, ms, `≤ ${FIRST_RENDER_BUDGET_MS}`, r.firstRender.ms.median <= FIRST_RENDER_BUDGET_MS);
    add("DOMContentLoaded ms", r.firstRender.domContentLoadedMs, ms);
    add("first-render floor ms (a page with one module script, bench/first-floor/)", r.firstRender.floorMs, ms);
    add("first render minus the floor ms (run by run)", r.firstRender.overFloorMs, ms);
  }
  if (r.size) {
    for (const k of ["wasm", "js", "css", "total"]) {
      const budget = k === "total" ? `≤ ${BUNDLE_GZIP_BUDGET / 1024} KiB gz` : "";
      const ok = k === "total" ? r.size.total.gzip <= BUNDLE_GZIP_BUDGET : null;
      out.push({ figure: `bundle ${k}: raw / gzip -9 KiB`, median: `${kib(r.size[k].raw)} / ${kib(r.size[k].gzip)}`, range: "", runs: 1, budget, ok: ok === null ? "" : ok ? "ok" : "OVER" });
    }
  }
  if (r.memory) {
    const m = r.memory;
    add(`JS heap MiB, warm-up (10 s at 100x, after GC)`, m.warm.jsHeapUsed, mib);
    add(`JS heap MiB, after ${m.soakSeconds} s at 100x`, m.soak.jsHeapUsed, mib);
    add(`wasm memory MiB, warm-up`, m.warm.wasmMemory, mib);
    add(`wasm memory MiB, after ${m.soakSeconds} s at 100x`, m.soak.wasmMemory, mib);
    add(`virtual seconds reached after ${m.soakSeconds} s`, m.soak.virtualS, int);
    // Growth of the medians: JS heap plus wasm linear memory.
    const growth = m.soak.jsHeapUsed.median + m.soak.wasmMemory.median - (m.warm.jsHeapUsed.median + m.warm.wasmMemory.median);
    add(`memory growth MiB (JS heap + wasm), warm-up → ${m.soakSeconds} s`, { median: growth }, mib, `≤ ${BUDGETS.memory_growth_mib}`, growth <= MEMORY_GROWTH_BUDGET);
  }
  return out;
}

function renderTable(head, rs) {
  const cols = [
    ["figure", "figure"],
    ["median", "median"],
    ["range", "min–max"],
    ["runs", "runs"],
    ["budget", "budget"],
    ["ok", ""],
  ];
  const w = cols.map(([k, t]) => Math.max(t.length, ...rs.map((r) => String(r[k]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ").trimEnd();
  return [...head, "", line(cols.map((c) => c[1])), line(w.map((n) => "-".repeat(n))), ...rs.map((r) => line(cols.map(([k]) => r[k])))].join("\n");
}

function renderMarkdown(head, rs) {
  const esc = (s) => String(s).replace(/\|/g, "\\|");
  return [
    ...head.map((h) => `${h}  `),
    "",
    "| figure | median | min–max | runs | budget | |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...rs.map((r) => `| ${esc(r.figure)} | ${esc(r.median)} | ${esc(r.range)} | ${r.runs} | ${esc(r.budget)} | ${r.ok} |`),
  ].join("\n");
}

// ----- main --------------------------------------------------------------------------------

function machine() {
  const git = (args) => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? "unknown",
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvgStart: os.loadavg().map((x) => +x.toFixed(2)),
    commit: `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--untracked-files=no"]) ? "+dirty" : ""}`,
    branch: git(["rev-parse", "--abbrev-ref", "HEAD"]),
  };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const started = new Date();
  const result = {
    date: started.toISOString(),
    machine: machine(),
    config: { RUNS, ENGINE_SECONDS, FRAME_RUNS, FRAME_SECONDS, SOAK_RUNS, SOAK_SECONDS, sections: ONLY, heavyPreset: HEAVY },
  };
  if (want("engine") || want("wasm")) result.engine = await engine(want("wasm"));
  if (want("frames")) result.frames = await frames(1, "frames 1x");
  if (want("fast")) result.fast = await frames(100, "frames 100x");
  if (want("floor")) result.floor = await floor();
  if (want("first-render")) result.firstRender = await firstRender();
  if (want("size")) result.size = sizes();
  if (want("memory")) result.memory = await memory();
  result.machine.chromium = browserVersion;
  result.machine.loadAvgEnd = os.loadavg().map((x) => +x.toFixed(2));
  result.seconds = Math.round((Date.now() - started) / 1000);

  const m = result.machine;
  const head = [
    `msgflow bench, ${result.date.slice(0, 16).replace("T", " ")} UTC, commit ${m.commit} (${m.branch})`,
    `machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}; load average ${m.loadAvgStart.join(" ")} at start, ${m.loadAvgEnd.join(" ")} at end`,
    `${m.chromium ? `browser: ${m.chromium} (--disable-gpu); ` : ""}node ${m.node}; bench took ${result.seconds} s`,
  ];
  const rs = rows(result);
  result.table = rs;
  const stamp = result.date.replace(/[:.]/g, "-");
  writeFileSync(join(OUT, `bench-${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(OUT, "latest.json"), JSON.stringify(result, null, 2));
  writeFileSync(join(OUT, "latest.md"), renderMarkdown(head, rs) + "\n");
  console.log(renderTable(head, rs));
  console.log(`\nJSON: ${join(OUT, "latest.json")} (and bench-${stamp}.json); Markdown: ${join(OUT, "latest.md")}`);
}

// Run when executed (`node bench/bench.mjs`), not when imported for its helpers.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
