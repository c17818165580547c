// e2e harness: serves the release bundle (dist/, built by `trunk build --release`) and
// drives /usr/bin/chromium through playwright-core. Tests run with `node --test e2e/`
// (scripts/test does that after building dist/). Files named *.test.mjs are tests.
//
// API
//   await openApp(t, opts?) -> app           one page on a fresh server + browser; cleaned up
//                                             automatically when the test `t` ends (t.after).
//       opts.path       URL path to open (default "/")
//       opts.waitFor    CSS selector to wait for after load (default "h1"; null = don't wait)
//       opts.viewport   {width, height} (default 1280x800)
//       opts.timeout    ms for waits (default 15000)
//     app.page          the playwright-core Page
//     app.url           base URL of the server, e.g. "http://127.0.0.1:40123/"
//     app.errors        array of strings: console errors, uncaught page errors, CSP
//                       violations, failed requests and HTTP >= 400 responses
//     app.cspViolations array of strings: CSP violations only (also in app.errors)
//                       Both cover every frame of the page, cross-origin iframes included
//                       (checked by e2e/embed.test.mjs).
//     app.console       array of {type, text} of every console message
//     app.assertNoErrors()       throws (listing them) if app.errors is not empty
//     app.screenshot(name)       full-page PNG to e2e/screenshots/<name>.png; returns path
//     app.close()                closes page, browser, server (done by t.after anyway)
//   await startServer({root?, port?}) -> {url, port, close()}    dist/ on 127.0.0.1 (free port)
//   await launchBrowser() -> {browser, close()}   chromium with the standard flags and a fresh
//                                                 --user-data-dir in os.tmpdir()
//   await watchPage(page) -> {errors, cspViolations, console}   attach error collection to a
//                                                 page (before navigating it)
//   await screenshot(page, name) -> path
//   ROOT, DIST, SCREENSHOTS   absolute paths
//
// Environment: E2E_BASE_URL=http://127.0.0.1:8080/ tests an already running server (e.g.
// scripts/serve) instead of dist/; CHROMIUM=/path overrides the browser binary;
// E2E_HEADED=1 shows the window (needs a display).
//
// Example:
//   import { test } from "node:test";
//   import assert from "node:assert/strict";
//   import { openApp } from "./harness.mjs";
//   test("shows the title", async (t) => {
//     const app = await openApp(t);
//     assert.equal(await app.page.textContent("h1"), "Message flow playground");
//     await app.screenshot("title");
//     app.assertNoErrors();
//   });
import { chromium } from "playwright-core";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startStaticServer } from "./static-server.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DIST = join(ROOT, "dist");
export const SCREENSHOTS = join(ROOT, "e2e", "screenshots");

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function startServer({ root = DIST, port = 0 } = {}) {
  if (!existsSync(join(root, "index.html"))) {
    throw new Error(`${root}/index.html is missing: run 'trunk build --release' first`);
  }
  return startStaticServer({ root, host: "127.0.0.1", port });
}

export async function launchBrowser() {
  const userDataDir = await mkdtemp(join(tmpdir(), "msgflow-e2e-chromium-"));
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  const headed = process.env.E2E_HEADED === "1";
  const args = [...CHROMIUM_FLAGS.filter((f) => !(headed && f === "--headless"))];
  // playwright-core refuses --user-data-dir in launch(); a persistent context is the
  // same browser with that flag, owned by us and deleted on close.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: !headed,
    args,
    viewport: { width: 1280, height: 800 },
  });
  return {
    browser: context,
    context,
    userDataDir,
    close: async () => {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

export async function watchPage(page) {
  const errors = [];
  const cspViolations = [];
  const consoleMessages = [];
  page.on("console", (msg) => {
    const text = msg.text();
    consoleMessages.push({ type: msg.type(), text });
    if (/Content[- ]Security[- ]Policy/i.test(text)) cspViolations.push(text);
    if (msg.type() === "error") errors.push(`console.error: ${text}`);
  });
  page.on("pageerror", (err) => errors.push(`uncaught: ${err.stack ?? err}`));
  page.on("requestfailed", (req) =>
    errors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on("response", (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  // securitypolicyviolation events, reported from the page (the init script runs
  // outside the page's CSP).
  await page.exposeBinding("__msgflowCspViolation", (_src, text) => {
    cspViolations.push(text);
    errors.push(`CSP violation: ${text}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      globalThis.__msgflowCspViolation?.(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  return { errors, cspViolations, console: consoleMessages };
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, "_")}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function openApp(t, opts = {}) {
  const { path = "/", waitFor = "h1", viewport, timeout = 15000 } = opts;
  const external = process.env.E2E_BASE_URL;
  const server = external ? { url: external.replace(/\/?$/, "/"), close: async () => {} } : await startServer();
  let browser;
  const close = async () => {
    await browser?.close();
    await server.close();
  };
  t?.after?.(close);
  try {
    browser = await launchBrowser();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    if (viewport) await page.setViewportSize(viewport);
    page.setDefaultTimeout(timeout);
    const watched = await watchPage(page);
    await page.goto(new URL(path.replace(/^\//, ""), server.url).href, { waitUntil: "load" });
    if (waitFor) await page.waitForSelector(waitFor, { timeout });
    return {
      page,
      url: server.url,
      errors: watched.errors,
      cspViolations: watched.cspViolations,
      console: watched.console,
      assertNoErrors() {
        const all = [...new Set([...watched.errors, ...watched.cspViolations.map((v) => `CSP: ${v}`)])];
        if (all.length) throw new Error(`page reported ${all.length} problem(s):\n  ${all.join("\n  ")}`);
      },
      screenshot: (name) => screenshot(page, name),
      close,
    };
  } catch (err) {
    if (!t?.after) await close();
    throw err;
  }
}
