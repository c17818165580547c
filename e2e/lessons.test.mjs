// End-to-end tests of the guided lessons (see harness.mjs). For every lesson: open it by
// URL, press each step's "Try this" and wait for the step's completion tick, which the app
// shows when the step's condition holds on the engine. Every wait polls observed state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp } from "./harness.mjs";

/** Virtual seconds per wall second while the lessons run (the engine is light enough). */
const SPEED = 10;
/** Wall milliseconds a step may take to show its tick on a loaded machine. */
const STEP_TIMEOUT = 30000;

/** Before some "try this" clicks, the moment matters: crash a consumer that holds messages. */
const BEFORE_TRY = {
  "delivery/2": holdsMessages,
  "delivery/4": holdsMessages,
};

async function holdsMessages(page) {
  await page.waitForFunction(
    () => Number(document.querySelector('[data-node="workers"][data-inst="0"]')?.dataset.outstanding) > 0,
    null,
    { timeout: STEP_TIMEOUT },
  );
}

const url = (app, query) => new URL(`?${query}`, app.url).href;
const stepCount = async (page) => {
  const m = (await page.textContent("[data-testid=step-count]")).match(/Step (\d+) of (\d+)/);
  return [Number(m[1]), Number(m[2])];
};

async function playLesson(app, id) {
  const { page } = app;
  await page.goto(url(app, `lesson=${id}&step=1&speed=${SPEED}`));
  await page.waitForSelector("[data-testid=lesson-panel]");
  await page.waitForSelector("g.node[data-role]");
  const [, total] = await stepCount(page);
  assert.ok(total >= 3, `${id}: ${total} steps`);
  for (let n = 1; n <= total; n++) {
    assert.deepEqual(await stepCount(page), [n, total]);
    await page.waitForFunction((n) => new URLSearchParams(location.search).get("step") === String(n), n);
    // Every step points at something: nodes of the topology or panels of the page.
    const highlighted = await page.locator("g.node.lesson-hl").count();
    const wants = await page.evaluate(() => document.querySelector(".app").dataset.highlight);
    assert.ok(highlighted > 0 || wants.length > 0, `${id} step ${n} highlights something`);
    if ((await page.locator("[data-testid=try-this]").count()) > 0) {
      await BEFORE_TRY[`${id}/${n}`]?.(page);
      await page.click("[data-testid=try-this]");
    }
    await page.waitForSelector('[data-testid=step-done][data-done="true"]', { timeout: STEP_TIMEOUT });
    if (n === total) await app.screenshot(`lesson-${id}`);
    await page.click("[data-testid=step-next]");
  }
}

test("every lesson: each step's try-this reaches its completion tick", async (t) => {
  const app = await openApp(t, { path: "/?mode=request-response&seed=1" });
  const { page } = app;
  // The picker lists the lessons and the closing page.
  await page.click("[data-testid=learn]");
  await page.waitForSelector("[data-testid=lesson-picker]");
  const ids = await page.$$eval("[data-testid=lesson-item]", (els) => els.map((e) => e.dataset.lesson));
  assert.equal(ids.at(-1), "which-one");
  const lessons = ids.slice(0, -1);
  assert.equal(lessons.length, 9);
  await app.screenshot("lesson-picker");
  for (const id of lessons) {
    await t.test(id, () => playLesson(app, id));
  }
  // Next on the last step of the last lesson leads to the closing page.
  await page.waitForSelector("[data-testid=which-one]");
  assert.equal(new URL(page.url()).searchParams.get("lesson"), "which-one");
  assert.equal(await page.locator("[data-testid=which-one-link]").count() >= lessons.length, true);
  await app.screenshot("lesson-which-one");
  app.assertNoErrors();
});

test("picker, back and next, links back from the closing page, leaving a lesson", async (t) => {
  const app = await openApp(t, { path: "/?mode=work-queue&seed=4" });
  const { page } = app;
  await page.click("[data-testid=learn]");
  await page.click('[data-testid=lesson-item][data-lesson="decoupling"]');
  await page.waitForSelector("[data-testid=lesson-panel]");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("lesson") === "decoupling");
  assert.equal(await page.locator("[data-testid=lesson-picker]").count(), 0, "the picker closes");
  // The lesson's scenario runs, playing.
  assert.equal(await page.locator("g.node[data-role]").count(), 5);
  assert.equal(await page.getAttribute("[data-testid=play]", "aria-pressed"), "true");
  assert.ok(await page.isDisabled("[data-testid=step-back]"));
  await page.click("[data-testid=step-next]");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("step") === "2");
  assert.match(await page.textContent("[data-testid=try-this]"), /Crash service and consumers/);
  await page.click("[data-testid=step-back]");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("step") === "1");

  // Reset keeps the lesson's scenario; picking a mode leaves the lesson.
  await page.click("[data-testid=reset]");
  assert.equal(await page.locator("g.node[data-role]").count(), 5);
  await page.waitForSelector("[data-testid=lesson-panel]");
  await page.selectOption("[data-testid=mode]", "pub-sub");
  await page.waitForSelector("[data-testid=lesson-panel]", { state: "detached" });
  await page.waitForFunction(() => new URLSearchParams(location.search).get("mode") === "pub-sub");

  // The closing page links back to the lessons.
  await page.goto(new URL("?lesson=which-one", app.url).href);
  await page.waitForSelector("[data-testid=which-one]");
  await page.click('[data-testid=which-one-link][data-lesson="fan-out"]');
  await page.waitForFunction(() => new URLSearchParams(location.search).get("lesson") === "fan-out");
  await page.waitForSelector("[data-testid=lesson-panel]");
  await page.click("[data-testid=lesson-close]");
  await page.waitForSelector("[data-testid=lesson-panel]", { state: "detached" });
  await page.waitForFunction(() => new URLSearchParams(location.search).has("mode"));

  // An unknown lesson is reported, and the playground runs on.
  await page.goto(new URL("?lesson=nope", app.url).href);
  await page.waitForSelector("g.node[data-role]");
  await page.waitForFunction(() => /no lesson `nope`/.test(document.body.textContent));
  app.assertNoErrors();
});

test("lessons fit a 375-px phone without horizontal scrolling", async (t) => {
  const app = await openApp(t, { path: "/?lesson=scaling-out&step=2&speed=5", viewport: { width: 375, height: 740 } });
  const { page } = app;
  await page.waitForSelector("[data-testid=lesson-panel]");
  await page.waitForSelector("[data-testid=readout]");
  await page.click("[data-testid=try-this]");
  await page.waitForSelector('[data-testid=step-done][data-done="true"]', { timeout: STEP_TIMEOUT });
  const width = () => page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok((await width()) <= 375, `lesson panel: scrollWidth ${await width()}`);
  await app.screenshot("lesson-phone");
  await page.click("[data-testid=learn]");
  await page.waitForSelector("[data-testid=lesson-picker]");
  assert.ok((await width()) <= 375, `picker: scrollWidth ${await width()}`);
  await page.goto(new URL("?lesson=which-one", app.url).href);
  await page.waitForSelector("[data-testid=which-one]");
  assert.ok((await width()) <= 375, `closing page: scrollWidth ${await width()}`);
  await app.screenshot("lesson-which-one-phone");
  app.assertNoErrors();
});
