// Soak test: the heaviest preset (side by side: a gRPC service and a broker queue) with both
// workloads raised to the playground's maximum rate, played at the maximum speed (100×) for
// a bounded wall time. JS heap (CDP Runtime.getHeapUsage after a forced GC) and WASM linear
// memory (the module's exported memory, caught from boot.js's TrunkApplicationStarted
// event) are sampled every few seconds: WASM memory must stay within a base plus a bound per
// message alive (and stop growing at the live-message limit), the JS heap within a bound of
// its level after warm-up. At the end the page still answers a click (pause works) and the
// effective-speed indicator shows that the engine fell behind instead of freezing the page.
//
// MSGFLOW_SOAK_SECONDS sets the duration (default 120); every wait polls a condition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp } from "./harness.mjs";

const SECONDS = Number(process.env.MSGFLOW_SOAK_SECONDS ?? 120);
const SAMPLE_MS = 5000;
const MiB = 1 << 20;
// MAX_LIVE_MESSAGES in src/scenario/limits.rs.
const LIVE_LIMIT = 250_000;

test(`soak: side by side at 100× and 100,000 msg/s for ${SECONDS} s keeps memory bounded`, async (t) => {
  const app = await openApp(t, { path: "/?mode=side-by-side&seed=1&speed=100", timeout: 60_000 });
  const { page } = app;
  // Keep the module's memory when it starts: reload with a listener installed first.
  await page.addInitScript(() => {
    addEventListener("TrunkApplicationStarted", (e) => {
      globalThis.__msgflowWasmMemory = e.detail?.wasm?.memory;
    });
  });
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector("g.node[data-role]");
  await page.waitForFunction(() => globalThis.__msgflowWasmMemory?.buffer instanceof ArrayBuffer);

  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.enable");
  const sample = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const state = await page.evaluate(() => ({
      now: performance.now(),
      wasm: globalThis.__msgflowWasmMemory.buffer.byteLength,
      clock: Number(document.querySelector("[data-testid=clock]").dataset.ns),
      inFlight: Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn),
      effective: document.querySelector("[data-testid=effective]")?.textContent ?? null,
      live: ["in_flight", "queued"].reduce((n, c) => n + Number(document.querySelector(`[data-counter=${c}]`).textContent), 0),
    }));
    return { ...state, heap: heap.usedSize };
  };

  // Maximum load: both workloads at the fields' upper bound.
  for (const path of ["nodes[0].role.client.workload", "nodes[2].role.producer.workload"]) {
    const input = page.locator(`input[data-path="${path}"]`);
    await input.fill("100000");
    await input.press("Tab");
    await page.waitForFunction((p) => document.querySelector(`input[data-path="${p}"]`).value === "100000", path);
  }
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) > 0);

  const start = await sample();
  const samples = [start];
  const warmMs = Math.min(30_000, (SECONDS * 1000) / 4);
  for (let next = start.now + SAMPLE_MS; next <= start.now + SECONDS * 1000; next += SAMPLE_MS) {
    // A condition on the page's own clock: it also proves the page keeps answering.
    await page.waitForFunction((t) => performance.now() >= t, next, { polling: 250, timeout: SAMPLE_MS * 4 });
    samples.push(await sample());
  }
  const last = samples[samples.length - 1];
  const warm = samples.filter((s) => s.now - start.now >= warmMs);
  const base = warm[0];
  const fmt = (b) => `${(b / MiB).toFixed(1)} MiB`;
  const table = samples
    .map((s) => `  ${((s.now - start.now) / 1000).toFixed(0).padStart(4)} s  heap ${fmt(s.heap).padStart(10)}  wasm ${fmt(s.wasm).padStart(10)}  alive ${String(s.live).padStart(7)}  virtual ${(s.clock / 1e9).toFixed(1).padStart(7)} s  ${s.effective ?? ""}`)
    .join("\n");
  console.log(`soak samples (warm-up ${warmMs / 1000} s):\n${table}`);

  // The engine kept running: virtual time moved between every pair of samples.
  for (let i = 1; i < samples.length; i++) {
    assert.ok(samples[i].clock > samples[i - 1].clock, `virtual time stalled at sample ${i}`);
  }
  // Memory is bounded by work in flight: at every sample, WASM memory stays within a fixed
  // base plus 1 KiB per message alive at the high-water mark so far (a leak grows with
  // time or processed messages, not with the messages alive). Once the live-message limit
  // is reached, WASM memory (which never shrinks) stops growing. The JS heap (after GC)
  // stays near its level after warm-up.
  let high = 0;
  for (const s of samples) {
    high = Math.max(high, s.live);
    assert.ok(s.wasm <= 16 * MiB + 1024 * high, `WASM ${fmt(s.wasm)} with at most ${high} messages alive`);
  }
  const full = samples.find((s) => s.live >= 0.95 * LIVE_LIMIT);
  if (full) {
    const maxAfter = Math.max(...samples.filter((s) => s.now >= full.now).map((s) => s.wasm));
    assert.ok(maxAfter <= full.wasm * 1.25 + 8 * MiB, `WASM memory grew from ${fmt(full.wasm)} to ${fmt(maxAfter)} at the limit`);
  }
  const maxWasm = Math.max(...samples.map((s) => s.wasm));
  const maxHeap = Math.max(...warm.map((s) => s.heap));
  assert.ok(maxHeap <= base.heap * 1.5 + 8 * MiB, `JS heap grew from ${fmt(base.heap)} to ${fmt(maxHeap)}`);
  assert.ok(maxWasm < 512 * MiB && maxHeap < 256 * MiB, `absolute bound: wasm ${fmt(maxWasm)}, heap ${fmt(maxHeap)}`);
  console.log(`live-message limit ${full ? `reached at ${((full.now - start.now) / 1000).toFixed(0)} s` : "not reached"}; most alive ${high}`);

  // It fell behind and says so, instead of freezing.
  await page.waitForSelector("[data-testid=effective]");
  assert.match(await page.textContent("[data-testid=effective]"), /effective speed [\d.]+×/);

  // Still answers a click: pause takes effect and the clock stops.
  const t0 = Date.now();
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => document.querySelector("[data-testid=play]").getAttribute("aria-pressed") === "false");
  const clickMs = Date.now() - t0;
  const paused = Number(await page.$eval("[data-testid=clock]", (e) => e.dataset.ns));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r)))));
  assert.equal(Number(await page.$eval("[data-testid=clock]", (e) => e.dataset.ns)), paused, "paused");
  console.log(`pause answered in ${clickMs} ms; virtual ${(last.clock / 1e9).toFixed(1)} s in ${SECONDS} s wall`);
  // Generous: on a loaded 2-core machine a click waits for frames that also run the engine.
  assert.ok(clickMs < 15_000, `pause took ${clickMs} ms`);
  app.assertNoErrors();
});
