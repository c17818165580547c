import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp } from "./harness.mjs";

test("the app boots under the CSP and renders its title", async (t) => {
  const app = await openApp(t);
  assert.equal((await app.page.textContent("h1"))?.trim(), "Message flow playground");
  assert.equal(await app.page.title(), "Message flow playground");
  // Trunk's loader ran from boot.js (no inline script) and the wasm started.
  assert.equal(await app.page.locator("script:not([src])").count(), 0, "no inline <script>");
  const path = await app.screenshot("smoke");
  t.diagnostic(`screenshot: ${path}`);
  // Give late errors (e.g. a favicon 404, a deferred CSP report) a moment to arrive.
  await app.page.waitForTimeout(300);
  assert.deepEqual(app.cspViolations, [], "CSP violations");
  app.assertNoErrors();
});
