// Hostile input at the playground's entrances: the address (mode, seed, speed) and the
// parameter fields. Nothing reaches the engine unchecked, every refusal names what the field
// accepts, the run goes on, and the page reports no error. Waits poll conditions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp } from "./harness.mjs";

test("a hostile address falls back to the defaults", async (t) => {
  const query = "mode=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&seed=99999999999999999999999&speed=NaN";
  const app = await openApp(t, { path: `/?${query}` });
  const { page } = app;
  await page.waitForSelector("g.node[data-role]");
  assert.equal(await page.$eval("[data-testid=mode]", (e) => e.value), "request-response");
  assert.equal(await page.textContent("[data-testid=seed]"), "seed 42");
  assert.equal(await page.locator("img").count(), 0, "no markup from the address");
  for (const speed of ["1e309", "-5", "0", "1000"]) {
    await page.goto(new URL(`?mode=work-queue&seed=3&speed=${speed}`, app.url).href);
    await page.waitForSelector("g.node[data-role]");
    assert.equal(await page.textContent("[data-testid=speed-value]"), "0.10×", `speed=${speed}`);
  }
  app.assertNoErrors();
});

test("hostile values in the parameter fields are refused with the accepted range", async (t) => {
  const app = await openApp(t, { path: "/?mode=work-queue&seed=2&speed=1" });
  const { page } = app;
  await page.waitForSelector("g.node[data-role]");
  await page.click("[data-testid=play]");
  const count = 'input[data-path="nodes[2].role.consumer_group.count"]';
  const loss = 'input[data-path="links[0].loss"]';
  const latency = 'input[data-path="links[0].latency_ms"]';
  const consumers = () => page.locator('[data-node="workers"][data-inst]').count();
  const cases = [
    [count, "1e12", /must be a whole number between 1 and 64, got 1e12/],
    [count, "2.5", /must be a whole number between 1 and 64, got 2.5/],
    [count, "-3", /between 1 and 64, got -3/],
    [count, "0", /between 1 and 64, got 0/],
    [loss, "150", /must be a number between 0 and 100%, got 150/],
    [loss, "-1", /between 0 and 100%, got -1/],
    [latency, "-5", /must be a number between 0 and 10000 ms, got -5/],
    [latency, "1e400", /enter a number between 0 and 10000 ms|got 1e400/],
  ];
  for (const [sel, value, want] of cases) {
    await page.fill(sel, value);
    await page.press(sel, "Tab");
    await page.waitForFunction(
      ([sel, re]) => {
        const field = document.querySelector(sel).closest(".field");
        return field.classList.contains("invalid") && new RegExp(re).test(field.querySelector("[data-testid=field-error]").textContent);
      },
      [sel, want.source],
    );
    assert.equal(await page.getAttribute(sel, "aria-invalid"), "true");
  }
  // Nothing was applied: three consumers, and the run goes on.
  assert.equal(await consumers(), 3);
  const before = Number(await page.$eval("[data-testid=clock]", (e) => e.dataset.ns));
  await page.waitForFunction((b) => Number(document.querySelector("[data-testid=clock]").dataset.ns) > b, before);
  // A valid value clears the error and applies.
  await page.fill(count, "5");
  await page.press(count, "Tab");
  await page.waitForFunction(() => document.querySelectorAll('[data-node="workers"][data-inst]').length === 5);
  assert.equal(await page.getAttribute(count, "aria-invalid"), "false");
  app.assertNoErrors();
});
