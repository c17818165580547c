// The canvas of moving messages (src/app/dots.rs): every message in flight is drawn up to
// 4,000, one in k beyond that with per-link counts, and a click on a drawn message opens it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp } from "./harness.mjs";
import { drawn, findDot } from "./canvas.mjs";

async function open(t, query, opts = {}) {
  const app = await openApp(t, { path: `/?${query}`, ...opts });
  await app.page.waitForSelector("g.node[data-role]");
  return app;
}

const inFlight = (page) => page.$eval("[data-counter=in_flight]", (e) => Number(e.textContent));

test("the at-scale preset draws more than a thousand messages in flight, one by one", async (t) => {
  const app = await open(t, "mode=at-scale&seed=1&speed=1");
  const { page } = app;
  assert.equal(await page.$eval("[data-testid=mode]", (e) => e.value), "at-scale");
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn) >= 1000);
  await page.waitForFunction(() => Number(document.querySelector("[data-counter=in_flight]").textContent) >= 1000);
  assert.equal(await page.locator("[data-bundle]").count(), 0, "no counted bundles");
  assert.equal(await page.locator("[data-testid=aggregate-note]").count(), 0, "no note");
  // The canvas covers the SVG exactly.
  const [a, b] = await page.evaluate(() =>
    ["svg.topology", "[data-testid=flight-canvas]"].map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return [r.left, r.top, r.width, r.height].map(Math.round);
    }),
  );
  assert.deepEqual(a, b);
  app.assertNoErrors();
});

test("more than 4,000 in flight: one in k is drawn and each link shows its count", async (t) => {
  const app = await open(t, "mode=work-queue&seed=3&speed=1");
  const { page } = app;
  const latency = page.locator('input[data-path="links[0].latency_ms"]');
  await latency.fill("400");
  await latency.press("Tab");
  const rate = page.locator('input[data-path="nodes[0].role.producer.workload"]');
  await rate.fill("20000");
  await rate.press("Tab");
  await page.click("[data-testid=play]");
  await page.waitForSelector("[data-testid=aggregate-note]", { timeout: 30000 });
  assert.match(await page.textContent("[data-testid=aggregate-note]"), /more than 4000, so one in \d+ is drawn/);
  await page.click("[data-testid=play]");
  const n = await drawn(page);
  const total = await page.$$eval("[data-bundle]", (els) => els.reduce((s, e) => s + Number(e.dataset.bundle), 0));
  assert.ok(total > 4000, `bundles count ${total} messages`);
  assert.ok(n > 0 && n <= 4000 * 1.1, `drawn ${n} of ${total}`);
  assert.ok(n < total, `drawn ${n} < ${total} in flight`);
  app.assertNoErrors();
});

test("clicking a drawn message opens it; clicking a node beside it still crashes the node", async (t) => {
  const app = await open(t, "mode=at-scale&seed=2&speed=1");
  const { page } = app;
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn) >= 200);
  await page.click("[data-testid=play]");
  assert.ok((await inFlight(page)) > 0);
  const dot = await findDot(page, "event");
  assert.ok(dot, "an event is drawn");
  await page.mouse.click(dot.x, dot.y);
  // The journey itself may be empty: the engine keeps journeys of the 512 most recent
  // messages only, and a copy fanned out 200 ms ago can be older than that at 2,000/s.
  await page.waitForSelector("[data-testid=inspector] .inspector-head");
  assert.match(await page.textContent("[data-testid=inspector] .inspector-head"), /Message #\d+ · event/);
  assert.ok((await page.locator("[data-testid=hex] .byte").count()) > 0, "its bytes are shown");
  assert.equal(await page.locator("[data-link][data-cut=true]").count(), 0, "the link below was not cut");
  // Nodes and links are still SVG buttons under the canvas.
  await page.locator('[data-node="alerts"][data-inst="0"]').click();
  await page.waitForSelector('[data-node="alerts"][data-inst="0"][data-up="false"]');
  app.assertNoErrors();
});

test("the event log is not refreshed while it is off screen, and is as soon as it is back", async (t) => {
  const app = await open(t, "mode=at-scale&seed=4&speed=1");
  const { page } = app;
  const offScreen = () => page.$eval("[data-testid=log]", (ol) => ol.getBoundingClientRect().top > innerHeight);
  assert.equal(await offScreen(), true, "at 1280x800 the log starts below the fold");
  await page.click("[data-testid=play]");
  // Hundreds of messages delivered (each one a log row) while the log was out of view.
  await page.waitForFunction(() => Number(document.querySelector("[data-counter=delivered]").textContent) >= 500);
  assert.equal(await offScreen(), true);
  assert.equal(await page.locator("[data-testid=log] li[aria-posinset]").count(), 0, "no rows built off screen");
  await page.locator("[data-testid=log]").scrollIntoViewIfNeeded();
  await page.waitForSelector("[data-testid=log] li[aria-posinset='1']");
  app.assertNoErrors();
});

test("the event log scrolls through its 200 rows with only those in view in the document", async (t) => {
  const app = await open(t, "mode=at-scale&seed=4&speed=1");
  const { page } = app;
  await page.click("[data-testid=play]");
  // Off screen the log is not refreshed: bring it into view.
  await page.locator("[data-testid=log]").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=log] li[aria-setsize]")?.getAttribute("aria-setsize")) === 200);
  await page.click("[data-testid=play]");
  const rows = () => page.$$eval("[data-testid=log] li[aria-posinset]", (els) => els.map((e) => Number(e.getAttribute("aria-posinset"))));
  const top = await rows();
  assert.ok(top.length > 0 && top.length < 40, `${top.length} rows in the document`);
  assert.equal(top[0], 1);
  // Scrolled to the end: the oldest rows are there, the list is as tall as 200 rows.
  const { scrollHeight, clientHeight } = await page.$eval("[data-testid=log]", (ol) => {
    ol.scrollTop = ol.scrollHeight;
    return { scrollHeight: ol.scrollHeight, clientHeight: ol.clientHeight };
  });
  assert.ok(scrollHeight >= 200 * 20 && clientHeight <= 340, `scrollHeight ${scrollHeight}, clientHeight ${clientHeight}`);
  await page.waitForFunction(() => {
    const r = [...document.querySelectorAll("[data-testid=log] li[aria-posinset]")];
    return r.length > 0 && Number(r[r.length - 1].getAttribute("aria-posinset")) === 200;
  });
  // A row scrolled into view still opens its own message. (Not checked through the journey:
  // the engine keeps journeys of the 512 most recent messages only, and the oldest row's
  // message can be older than that at 2,000 messages a second.)
  const row = page.locator("[data-testid=log] li[aria-posinset='200'] button");
  const origin = (await row.locator(".m").textContent()).trim();
  assert.match(origin, /^#\d+$/);
  await row.click();
  await page.waitForFunction(
    (o) => document.querySelector("[data-testid=inspector] .inspector-head strong")?.textContent === `Message ${o}`,
    origin,
  );
  assert.ok((await page.locator("[data-testid=hex] .byte").count()) > 0, "its bytes are shown");
  app.assertNoErrors();
});

test("with reduced motion a message is drawn only at either end of its link", async (t) => {
  const app = await open(t, "mode=request-response&seed=6&speed=0.2");
  const { page } = app;
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.reload();
  await page.waitForSelector("g.node[data-role]");
  const edges = await page.evaluate(() => {
    const box = (id) => document.querySelector(`g.node[data-node="${id}"] rect.node-bg`).getBoundingClientRect();
    return [box("client").right, box("orders").left];
  });
  await page.click("[data-testid=play]");
  let seen = 0;
  for (let i = 0; i < 40 && seen < 3; i++) {
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=flight-canvas]").dataset.drawn) > 0);
    await page.click("[data-testid=play]");
    const dot = await findDot(page, "request");
    if (dot) {
      const off = Math.min(...edges.map((x) => Math.abs(dot.x - x)));
      assert.ok(off <= 4, `request drawn at x=${dot.x}, ${off}px from the nearest end (${edges})`);
      seen++;
    }
    await page.click("[data-testid=play]");
    await page.waitForFunction((n) => Number(document.querySelector("[data-testid=clock]").dataset.ns) > n, await page.$eval("[data-testid=clock]", (e) => Number(e.dataset.ns)));
  }
  assert.ok(seen > 0, "a request was drawn");
  app.assertNoErrors();
});
