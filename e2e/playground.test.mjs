// End-to-end tests of the playground UI against the release bundle (see harness.mjs).
// Every wait polls observed state (waitForFunction); nothing sleeps to assert.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp } from "./harness.mjs";
import { drawn, findDot, pixelHash } from "./canvas.mjs";

const MODES = ["request-response", "work-queue", "pub-sub", "partitioned-log", "side-by-side", "hybrid", "rpc-chain", "at-scale"];

async function open(t, query, opts = {}) {
  const app = await openApp(t, { path: `/?${query}`, ...opts });
  await app.page.waitForSelector("g.node[data-role]");
  return app;
}

const clockNs = (page) => page.$eval("[data-testid=clock]", (e) => Number(e.dataset.ns));
const counter = (page, name) => page.$eval(`[data-counter=${name}]`, (e) => Number(e.textContent));
const playing = (page) => page.$eval("[data-testid=play]", (e) => e.getAttribute("aria-pressed") === "true");

/** Waits for `n` animation frames (a frame count, not a sleep: the app updates once per frame). */
async function frames(page, n) {
  await page.evaluate(
    (n) => new Promise((resolve) => {
      let left = n;
      const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
      requestAnimationFrame(tick);
    }),
    n,
  );
}

test("loads with the topology of the selected mode", async (t) => {
  const app = await open(t, "mode=request-response&seed=3");
  const { page } = app;
  assert.equal(await page.locator("g.node[data-role]").count(), 2);
  assert.equal(await page.locator('g.node[data-node="client"]').getAttribute("data-role"), "client");
  assert.equal(await page.locator('[data-node="orders"][data-inst]').count(), 3, "three replicas");
  assert.equal(await clockNs(page), 0);

  // Switching mode builds a new engine from that preset.
  await page.selectOption("[data-testid=mode]", "work-queue");
  await page.waitForFunction(() => document.querySelectorAll("g.node[data-role]").length === 3);
  assert.equal(await page.locator('g.node[data-node="broker"]').getAttribute("data-role"), "broker");
  assert.equal(await page.locator('[data-node="workers"][data-inst]').count(), 3);
  assert.equal(await page.locator('g.node[data-node="broker"] [data-box]').count(), 1, "one queue box");

  await page.selectOption("[data-testid=mode]", "side-by-side");
  await page.waitForFunction(() => document.querySelectorAll("g.node[data-role]").length === 5);
  await page.waitForSelector("[data-testid=comparison]");
  app.assertNoErrors();
});

test("playing moves messages and advances the clock; pausing freezes it", async (t) => {
  const app = await open(t, "mode=work-queue&seed=5&speed=0.2");
  const { page } = app;
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) > 0);
  // Messages are drawn on the canvas, and what it shows changes from frame to frame.
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn) > 0);
  const first = await pixelHash(page);
  await page.waitForFunction(
    async (first) => {
      const c = document.querySelector("[data-testid=flight-canvas]");
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let i = 0; i < data.length; i += 4) {
        h = Math.imul(h ^ data[i] ^ (data[i + 1] << 8) ^ (data[i + 2] << 16) ^ (data[i + 3] << 24), 16777619);
      }
      return h >>> 0 !== first;
    },
    first,
    { polling: "raf", timeout: 15000 },
  );
  // The readout refreshes ten times a second while playing: wait for its next refresh
  // (a fixed number of frames can fall between two of them).
  const before = await clockNs(page);
  await page.waitForFunction((b) => Number(document.querySelector("[data-testid=clock]").dataset.ns) > b, before, { timeout: 5000 });
  assert.ok((await clockNs(page)) > before, "the clock advances while playing");

  await page.click("[data-testid=play]");
  assert.equal(await playing(page), false);
  const paused = await clockNs(page);
  const still = await pixelHash(page);
  await frames(page, 10);
  assert.equal(await clockNs(page), paused, "the clock is frozen while paused");
  assert.equal(await pixelHash(page), still, "the picture is frozen while paused");

  // Step processes exactly one event: the clock never goes back.
  await page.click("[data-testid=step]");
  assert.ok((await clockNs(page)) >= paused);
  app.assertNoErrors();
});

test("changing the consumer count adds and removes consumers", async (t) => {
  const app = await open(t, "mode=work-queue&seed=2");
  const { page } = app;
  const input = page.locator('input[data-path="nodes[2].role.consumer_group.count"]');
  assert.equal(await input.inputValue(), "3");
  await input.fill("6");
  await input.press("Tab");
  await page.waitForFunction(() => document.querySelectorAll('[data-node="workers"][data-inst]').length === 6);
  await input.fill("1");
  await input.press("Tab");
  await page.waitForFunction(() => document.querySelectorAll('[data-node="workers"][data-inst]').length === 1);
  // Out of bounds: the engine refuses and says why next to the field; the run goes on.
  await input.fill("0");
  await input.press("Tab");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-testid=field-error]")].some((e) => /between 1 and 64/.test(e.textContent)),
  );
  assert.equal(await page.locator('[data-node="workers"][data-inst]').count(), 1);
  app.assertNoErrors();
});

test("partitions can only grow: the engine's refusal is shown", async (t) => {
  const app = await open(t, "mode=partitioned-log&seed=2");
  const { page } = app;
  const input = page.locator('input[data-path="nodes[1].role.broker.logs[0].partitions"]');
  await input.fill("6");
  await input.press("Tab");
  await page.waitForFunction(() => document.querySelectorAll('[data-node="broker"] .part-bg').length === 6);
  await input.fill("2");
  await input.press("Tab");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-testid=field-error]")].some((e) => /can only grow/.test(e.textContent)),
  );
  app.assertNoErrors();
});

test("crashing a consumer under manual ack redelivers its messages", async (t) => {
  const app = await open(t, "mode=work-queue&seed=11&speed=0.5");
  const { page } = app;
  assert.equal(await counter(page, "redelivered"), 0);
  const holding = () =>
    [...document.querySelectorAll('[data-node="workers"][data-inst]')].find(
      (e) => e.dataset.up === "true" && Number(e.dataset.busy) > 0,
    )?.dataset.inst;
  // Crash a consumer that is processing a message (seen while paused): that message is
  // not acknowledged yet. An outstanding count above zero is not enough: it also counts an
  // ack already on the wire, which still reaches the broker and settles its message. If no
  // redelivery follows within 3 s all the same, restart it and try again, up to five times.
  let redelivered = false;
  for (let attempt = 0; attempt < 5 && !redelivered; attempt++) {
    let idx;
    for (let round = 0; round < 20 && idx === undefined; round++) {
      await page.click("[data-testid=play]");
      await page.waitForFunction(holding);
      await page.click("[data-testid=play]");
      idx = await page.evaluate(holding);
    }
    assert.ok(idx !== undefined, "a consumer is processing a message while paused");
    const inst = page.locator(`[data-node="workers"][data-inst="${idx}"]`);
    await inst.click();
    await page.waitForFunction(() => document.querySelector('[data-node="workers"][data-up="false"]') !== null);
    await page.click("[data-testid=play]");
    redelivered = await page
      .waitForFunction(() => Number(document.querySelector("[data-counter=redelivered]").textContent) > 0, null, { timeout: 3000 })
      .then(() => true, () => false);
    if (!redelivered) {
      await page.click("[data-testid=play]");
      await inst.click();
      await page.waitForFunction(() => document.querySelector('[data-node="workers"][data-up="false"]') === null);
    }
  }
  assert.ok(redelivered, "a crash under manual ack leads to a redelivery");
  app.assertNoErrors();
});

test("crashing the gRPC service produces UNAVAILABLE errors", async (t) => {
  const app = await open(t, "mode=request-response&seed=4&speed=1");
  const { page } = app;
  for (let i = 0; i < 3; i++) await page.locator(`[data-node="orders"][data-inst="${i}"]`).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-node="orders"][data-up="false"]').length === 3);
  assert.equal(await page.locator('g.node[data-node="orders"].down').count(), 1, "the node is greyed");
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-status=UNAVAILABLE]").textContent) > 0);
  // Restart one replica: calls succeed again.
  const ok = await page.$eval("[data-status=OK]", (e) => Number(e.textContent));
  await page.locator('[data-node="orders"][data-inst="0"]').click();
  await page.waitForFunction((ok) => Number(document.querySelector("[data-status=OK]").textContent) > ok, ok);
  app.assertNoErrors();
});

test("cutting a link draws it dashed and loses messages", async (t) => {
  const app = await open(t, "mode=work-queue&seed=8&speed=0.5");
  const { page } = app;
  await page.locator("[data-link='0']").click();
  await page.waitForSelector("[data-link='0'].cut");
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-counter=lost]").textContent) > 0);
  await page.locator("[data-link='0']").click();
  await page.waitForSelector("[data-link='0']:not(.cut)");
  app.assertNoErrors();
});

test("more than 300 messages in flight are each drawn, not bundled", async (t) => {
  // Up to 300 the SVG drew dots and bundled the rest per link; the canvas draws every
  // message up to 4,000 (see "more than 4,000" in canvas.test.mjs).
  const app = await open(t, "mode=work-queue&seed=12&speed=1");
  const { page } = app;
  const latency = page.locator('input[data-path="links[0].latency_ms"]');
  await latency.fill("400");
  await latency.press("Tab");
  const rate = page.locator('input[data-path="nodes[0].role.producer.workload"]');
  await rate.fill("3000");
  await rate.press("Tab");
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn) > 300);
  assert.ok((await drawn(page)) > 300);
  assert.equal(await page.locator("[data-bundle]").count(), 0, "no bundle badges");
  assert.equal(await page.locator("[data-testid=aggregate-note]").count(), 0, "no note");
  app.assertNoErrors();
});

test("when the engine cannot keep up, the effective speed is shown instead of freezing", async (t) => {
  const app = await open(t, "mode=work-queue&seed=13&speed=100");
  const { page } = app;
  const rate = page.locator('input[data-path="nodes[0].role.producer.workload"]');
  await rate.fill("50000");
  await rate.press("Tab");
  const count = page.locator('input[data-path="nodes[2].role.consumer_group.count"]');
  await count.fill("64");
  await count.press("Tab");
  await page.click("[data-testid=play]");
  await page.waitForSelector("[data-testid=effective]");
  assert.match(await page.textContent("[data-testid=effective]"), /effective speed [\d.]+×/);
  // Still animating: the clock keeps moving.
  const a = await clockNs(page);
  await page.waitForFunction((a) => Number(document.querySelector("[data-testid=clock]").dataset.ns) > a, a);
  app.assertNoErrors();
});

test("the inspector shows the bytes of a selected message", async (t) => {
  const app = await open(t, "mode=request-response&seed=6&speed=0.1");
  const { page } = app;
  await page.click("[data-testid=play]");
  // Pause with a request drawn, then click it where the canvas shows it.
  let dot = null;
  for (let i = 0; i < 50 && !dot; i++) {
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn) > 0);
    await page.click("[data-testid=play]");
    dot = await findDot(page, "request");
    if (!dot) {
      await page.click("[data-testid=play]");
      await frames(page, 3);
    }
  }
  assert.ok(dot, "a request was drawn on the canvas");
  await page.mouse.click(dot.x, dot.y);
  await page.waitForSelector("[data-testid=hex] .byte");
  assert.equal(await page.locator("[data-link][data-cut=true]").count(), 0, "the click did not reach the link below");
  await page.click("[data-testid=play]");
  assert.equal(await page.locator("[data-testid=hex] .byte.frame-hdr").count(), 5, "5-byte gRPC frame header");
  const hex = await page.locator("[data-testid=hex] .byte").allTextContents();
  assert.ok(hex.every((b) => /^[0-9a-f]{2}$/.test(b)));
  // The frame header's length field matches the protobuf body length.
  const len = parseInt(hex.slice(1, 5).join(""), 16);
  assert.equal(len, hex.length - 5);
  assert.match(await page.textContent("[data-testid=sizes]"), /protobuf \d+ B · gRPC frame \d+ B · JSON \d+ B/);
  assert.ok((await page.locator("[data-testid=fields] tbody tr").count()) > 0);
  assert.match(await page.textContent("[data-testid=json]"), /^\{/);
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=journey] li").length > 0);

  // Event-log rows open the inspector too (the run is still playing).
  assert.equal(await playing(page), true);
  await page.locator("[data-testid=log]").scrollIntoViewIfNeeded();
  await page.waitForSelector("[data-testid=log] button");
  await page.locator("[data-testid=log] button").first().click();
  await page.waitForSelector("[data-testid=hex] .byte");
  app.assertNoErrors();
});

test("the keyboard alone can play, pause and crash a node", async (t) => {
  const app = await open(t, "mode=work-queue&seed=9&speed=0.5");
  const { page } = app;
  await page.keyboard.press("Space");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) > 0);
  assert.equal(await playing(page), true);
  await page.keyboard.press("Space");
  assert.equal(await playing(page), false);
  const paused = await clockNs(page);
  await frames(page, 6);
  assert.equal(await clockNs(page), paused);
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((p) => Number(document.querySelector("[data-testid=clock]").dataset.ns) >= p, paused);

  // Tab to the first consumer and crash it with Enter, restart it with Space.
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.keyboard.press("Tab");
    found = await page.evaluate(() => document.activeElement?.matches('[data-node="workers"][data-inst]') ?? false);
  }
  assert.ok(found, "a consumer is reachable with Tab");
  const label = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  assert.match(label, /^Workers consumer \d, .*activate to crash$/);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement.dataset.up === "false");
  await page.keyboard.press(" ");
  await page.waitForFunction(() => document.activeElement.dataset.up === "true");
  app.assertNoErrors();
});

test("no horizontal scroll on a 375-px phone, in every mode", async (t) => {
  const app = await open(t, "mode=request-response&seed=1", { viewport: { width: 375, height: 740 } });
  const { page } = app;
  for (const mode of MODES) {
    await page.selectOption("[data-testid=mode]", mode);
    await page.waitForFunction((m) => new URLSearchParams(location.search).get("mode") === m, mode);
    const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 375, `${mode}: scrollWidth ${width}`);
  }
  app.assertNoErrors();
});

for (const [device, viewport] of [
  ["desktop", { width: 1280, height: 800 }],
  ["phone", { width: 375, height: 740 }],
]) {
  test(`screenshots of every mode (${device})`, async (t) => {
    const app = await open(t, "mode=request-response&seed=42&speed=0.5", { viewport });
    const { page } = app;
    for (const mode of MODES) {
      await page.selectOption("[data-testid=mode]", mode);
      await page.waitForFunction((m) => new URLSearchParams(location.search).get("mode") === m, mode);
      await page.click("[data-testid=play]");
      await page.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) > 1.2e9);
      await page.click("[data-testid=play]");
      // Open a message in the inspector so the screenshot shows it.
      for (const kind of ["request", "event", "response", "ack"]) {
        const dot = await findDot(page, kind);
        if (dot) {
          await page.mouse.click(dot.x, dot.y);
          break;
        }
      }
      await app.screenshot(`${mode}-${device}`);
      const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
      assert.ok(width <= viewport.width, `${mode}: scrollWidth ${width}`);
    }
    app.assertNoErrors();
  });
}
