// End-to-end tests of embedding: the embed view (?embed=1), the example documentation
// page (dist/embed-example.html) with two <iframe> embeds and one <message-flow-playground>
// element, the "Copy embed code" button, and a cross-origin host page with a strict CSP.
// Every wait polls observed state; nothing sleeps to assert.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCREENSHOTS, openApp } from "./harness.mjs";
import { startStaticServer } from "./static-server.mjs";

const MODES = ["request-response", "work-queue", "pub-sub", "partitioned-log", "side-by-side", "hybrid", "rpc-chain"];
const SIZES = [
  [320, 240],
  [480, 320],
  [640, 400],
  [800, 450],
];

const clockNs = (frame) => frame.$eval("[data-testid=embed] [data-testid=clock]", (e) => Number(e.dataset.ns));
const playing = (frame) => frame.$eval("[data-testid=play]", (e) => e.getAttribute("aria-pressed") === "true");
const state = (frame) => frame.$eval("[data-testid=embed]", (e) => e.dataset.state);

/** The content frame of the <iframe> matched by `selector` (CSS; pierces open shadow roots). */
async function frameOf(page, selector) {
  const handle = await page.waitForSelector(selector, { state: "attached" });
  const frame = await handle.contentFrame();
  assert.ok(frame, `${selector} has a content frame`);
  await frame.waitForSelector("[data-testid=embed] g.node[data-role]");
  return frame;
}

// Waits in frames poll on a timer: Chromium runs no animation frames in a cross-origin
// frame that is off screen, so the default requestAnimationFrame polling would never look.
const POLL = { polling: 50 };

/** Waits until the virtual clock of `frame` is past `ns`. */
const clockPast = (frame, ns) =>
  frame.waitForFunction((ns) => Number(document.querySelector("[data-testid=clock]").dataset.ns) > ns, ns, POLL);

/** Waits until the embed in `frame` reports `want` (playing, paused, off-screen, hidden-tab). */
const stateIs = (frame, want) =>
  frame.waitForFunction((want) => document.querySelector("[data-testid=embed]")?.dataset.state === want, want, POLL);

/** Waits for `n` animation frames of `page` (a frame count, not a sleep). */
async function frames(page, n) {
  await page.evaluate(
    (n) =>
      new Promise((resolve) => {
        let left = n;
        const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
        requestAnimationFrame(tick);
      }),
    n,
  );
}

/** Document overflow of `frame`: [scrollWidth - innerWidth, scrollHeight - innerHeight]. */
const overflow = (frame) =>
  frame.evaluate(() => {
    const d = document.documentElement;
    return [d.scrollWidth - innerWidth, d.scrollHeight - innerHeight];
  });

/** Serves `html` as index.html of another origin (127.0.0.2); closed when `t` ends. */
async function hostPage(t, html) {
  const dir = await mkdtemp(join(tmpdir(), "msgflow-host-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "index.html"), html);
  const host = await startStaticServer({ root: dir, host: "127.0.0.2" });
  t.after(() => host.close());
  return host.url;
}

test("the harness reports CSP violations and errors from inside embeds, same-origin or not", async (t) => {
  // The other tests' "no errors" checks cover the frames only if this holds.
  const app = await openApp(t, { path: "/embed-example.html", waitFor: "h1", viewport: { width: 900, height: 700 } });
  const { page } = app;
  const provoke = async (frame, tag) => {
    await frame.evaluate((tag) => {
      document.body.setAttribute("style", "color: red");
      setTimeout(() => {
        throw new Error(`thrown inside ${tag}`);
      });
    }, tag);
    const seen = () =>
      app.cspViolations.some((v) => /style-src/.test(v)) && app.errors.some((e) => e.includes(`thrown inside ${tag}`));
    for (let i = 0; i < 300 && !seen(); i++) await frames(page, 1);
    assert.ok(seen(), `${tag}: ${JSON.stringify({ errors: app.errors, csp: app.cspViolations })}`);
    app.cspViolations.length = 0;
  };
  await provoke(await frameOf(page, "[data-testid=embed-work-queue]"), "the same-origin embed");

  const url = await hostPage(
    t,
    `<!doctype html><title>Host</title><iframe src="${app.url}?embed=1&amp;mode=pub-sub" sandbox="allow-scripts allow-same-origin" width="640" height="400"></iframe>`,
  );
  await page.goto(url);
  await provoke(await frameOf(page, "iframe"), "the cross-origin embed");
});

test("the example page runs two iframe embeds independently", async (t) => {
  // Tall enough for both iframes to be on screen at once.
  const app = await openApp(t, { path: "/embed-example.html", waitFor: "h1", viewport: { width: 900, height: 1500 } });
  const { page } = app;
  assert.equal(await page.locator("script:not([src])").count(), 0, "no inline <script>");
  const wq = await frameOf(page, "[data-testid=embed-work-queue]");
  const rr = await frameOf(page, "[data-testid=embed-request-response]");
  assert.equal(await wq.textContent(".embed-title"), "Work queue");
  assert.equal(await rr.textContent(".embed-title"), "Request-response");
  assert.equal(await wq.locator("g.node[data-role]").count(), 3);
  assert.equal(await rr.locator("g.node[data-role]").count(), 2);
  // Only the canvas and the compact controls: none of the full view's panels.
  assert.equal(await wq.locator(".params-panel, .metrics-panel, .log-panel, [data-testid=mode]").count(), 0);

  // Both autoplay: each frame's own virtual clock advances.
  await stateIs(wq, "playing");
  await stateIs(rr, "playing");
  await clockPast(wq, 0);
  await clockPast(rr, 0);

  // Pausing one leaves the other running.
  await wq.click("[data-testid=play]");
  await stateIs(wq, "paused");
  assert.equal(await playing(wq), false);
  const frozen = await clockNs(wq);
  await clockPast(rr, await clockNs(rr));
  await clockPast(rr, await clockNs(rr));
  await frames(page, 10);
  assert.equal(await clockNs(wq), frozen, "the paused embed's clock stands still");
  assert.equal(await playing(rr), true);

  // Reset in one frame only restarts that one.
  const rrBefore = await clockNs(rr);
  await wq.click("[data-testid=reset]");
  await wq.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) === 0, null, POLL);
  assert.ok((await clockNs(rr)) >= rrBefore);
  await wq.click("[data-testid=play]");
  await stateIs(wq, "playing");
  await clockPast(wq, 0);
  await app.screenshot("embed-example-page");
  app.assertNoErrors();
});

test("the custom element renders a sandboxed frame that runs", async (t) => {
  const app = await openApp(t, { path: "/embed-example.html", waitFor: "h1", viewport: { width: 900, height: 800 } });
  const { page } = app;
  const el = page.locator("[data-testid=element-pub-sub]");
  await el.scrollIntoViewIfNeeded();
  const iframe = page.locator("[data-testid=element-pub-sub] iframe");
  assert.equal(await iframe.count(), 1);
  const src = new URL(await iframe.getAttribute("src"));
  assert.equal(src.origin + src.pathname, app.url, "the app next to embed.js");
  assert.deepEqual(Object.fromEntries(src.searchParams), { embed: "1", mode: "pub-sub", seed: "5" });
  assert.equal(await iframe.getAttribute("sandbox"), "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
  assert.equal(await iframe.getAttribute("loading"), "lazy");
  assert.equal(await iframe.getAttribute("title"), "Message flow playground: pub sub");
  assert.deepEqual(await iframe.evaluate((f) => [f.width, f.height]), ["640", "400"]);

  const frame = await frameOf(page, "[data-testid=element-pub-sub] iframe");
  assert.equal(await frame.textContent(".embed-title"), "Pub/sub");
  await stateIs(frame, "playing");
  await clockPast(frame, 0);

  // Attributes apply at once; bad values are refused with a warning and the defaults kept.
  await el.evaluate((e) => {
    e.setAttribute("width", "320");
    e.setAttribute("height", "240");
    e.setAttribute("speed", "fast");
  });
  assert.deepEqual(await iframe.evaluate((f) => [f.width, f.height]), ["320", "240"]);
  assert.equal(new URL(await iframe.getAttribute("src")).searchParams.get("speed"), null);
  assert.ok(app.console.some((m) => m.type === "warning" && /speed must be between 0\.1 and 100, got "fast"/.test(m.text)));
  await frame.waitForFunction(() => innerWidth === 320 && innerHeight === 240, null, POLL);
  const [dx, dy] = await overflow(frame);
  assert.ok(dx <= 0 && dy <= 0, `no scrollbars at 320×240 (overflow ${dx}, ${dy})`);

  // A new mode reloads the frame with it.
  await el.evaluate((e) => e.setAttribute("mode", "partitioned-log"));
  const next = await frameOf(page, "[data-testid=element-pub-sub] iframe");
  await next.waitForFunction(() => document.querySelector(".embed-title")?.textContent === "Partitioned log", null, POLL);
  await mkdir(SCREENSHOTS, { recursive: true });
  await el.screenshot({ path: join(SCREENSHOTS, "embed-element-320x240.png") });
  app.assertNoErrors();
});

test("the embed fits its frame without scrollbars, in every mode and size", async (t) => {
  const app = await openApp(t, { path: "/?embed=1&mode=request-response&seed=1", waitFor: "[data-testid=embed]", viewport: { width: 320, height: 240 } });
  const { page } = app;
  for (const mode of MODES) {
    await page.goto(new URL(`?embed=1&mode=${mode}&seed=42&speed=0.5`, app.url).href);
    await page.waitForSelector("[data-testid=embed] g.node[data-role]");
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await page.waitForFunction(([w, h]) => innerWidth === w && innerHeight === h, [width, height]);
      await frames(page, 2);
      const [dx, dy] = await overflow(page.mainFrame());
      assert.ok(dx <= 0 && dy <= 0, `${mode} at ${width}×${height}: overflow ${dx}, ${dy}`);
      // The whole topology and both bars are inside the frame.
      const boxes = await page.evaluate(() =>
        [".embed-bar", "svg.topology", ".embed .time-controls"].map((s) => {
          const r = document.querySelector(s).getBoundingClientRect();
          return [s, r.left, r.top, r.right, r.bottom, r.width, r.height];
        }),
      );
      for (const [s, l, tp, r, b, w, h] of boxes) {
        assert.ok(l >= 0 && tp >= 0 && r <= width + 0.5 && b <= height + 0.5, `${mode} ${width}×${height}: ${s} inside`);
        assert.ok(w > 0 && h > 0, `${mode} ${width}×${height}: ${s} not empty`);
      }
      if (mode === "work-queue" || mode === "side-by-side") await app.screenshot(`embed-${mode}-${width}x${height}`);
    }
  }
  app.assertNoErrors();
});

test("an embed pauses when scrolled off screen and resumes when back; a manual pause is kept", async (t) => {
  const app = await openApp(t, { path: "/embed-example.html", waitFor: "h1", viewport: { width: 900, height: 700 } });
  const { page } = app;
  const wq = await frameOf(page, "[data-testid=embed-work-queue]");
  await stateIs(wq, "playing");
  await clockPast(wq, 0);

  // Scrolled away: the frame is outside the top-level viewport.
  await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
  await stateIs(wq, "off-screen");
  assert.equal(await playing(wq), false);
  const away = await clockNs(wq);
  await frames(page, 10);
  assert.equal(await clockNs(wq), away, "no virtual time passes off screen");

  // Back on screen: it plays again by itself.
  await page.evaluate(() => scrollTo(0, 0));
  await stateIs(wq, "playing");
  await clockPast(wq, away);

  // Paused by hand: scrolling away and back does not restart it.
  await wq.click("[data-testid=play]");
  await stateIs(wq, "paused");
  // An observer of our own in the frame tells when the frame has seen itself leave and
  // come back: observers are notified in creation order, so the app's has been by then.
  await wq.evaluate(() => {
    new IntersectionObserver((es) => (globalThis.__ratio = es.at(-1).intersectionRatio), {
      threshold: [0, 0.25],
    }).observe(document.documentElement);
  });
  const ratio = (test) => wq.waitForFunction(test, null, POLL);
  await ratio(() => globalThis.__ratio >= 0.25);
  await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
  await ratio(() => globalThis.__ratio === 0);
  assert.equal(await state(wq), "paused");
  await page.evaluate(() => scrollTo(0, 0));
  await ratio(() => globalThis.__ratio >= 0.25);
  assert.equal(await state(wq), "paused");
  assert.equal(await playing(wq), false);
  app.assertNoErrors();
});

test("an embed pauses while its tab is hidden, and a manual pause outlasts it", async (t) => {
  const app = await openApp(t, { path: "/embed-example.html", waitFor: "h1", viewport: { width: 900, height: 700 } });
  const { page } = app;
  const wq = await frameOf(page, "[data-testid=embed-work-queue]");
  await stateIs(wq, "playing");
  // Headless Chromium never hides a tab (a second tab in front or a minimised window
  // still reads "visible"), so the frame's document is told so the way the browser
  // does it: document.hidden / visibilityState change, then a visibilitychange event.
  const setHidden = (hidden) =>
    wq.evaluate((hidden) => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
      document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
    }, hidden);
  await setHidden(true);
  await stateIs(wq, "hidden-tab");
  assert.equal(await playing(wq), false);
  const hidden = await clockNs(wq);
  await frames(page, 10);
  assert.equal(await clockNs(wq), hidden, "no virtual time passes in a hidden tab");
  await setHidden(false);
  await stateIs(wq, "playing");
  await clockPast(wq, hidden);

  await wq.click("[data-testid=play]");
  await stateIs(wq, "paused");
  await setHidden(true);
  await setHidden(false);
  assert.equal(await state(wq), "paused");
  assert.equal(await playing(wq), false);
  app.assertNoErrors();
});

test("Copy embed code copies an iframe snippet, and shows it when the clipboard refuses", async (t) => {
  const app = await openApp(t, { path: "/?mode=work-queue&seed=7", waitFor: "[data-testid=copy-embed]" });
  const { page } = app;
  const code = await page.getAttribute("[data-testid=copy-embed]", "data-embed-code");
  assert.equal(
    code,
    `<iframe src="${app.url}?embed=1&amp;mode=work-queue&amp;seed=7" title="Message flow playground: Work queue (seed 7)" ` +
      `width="640" height="400" loading="lazy" ` +
      `sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox" frameborder="0"></iframe>`,
  );

  // Allowed: the clipboard holds exactly the snippet, also shown in a read-only text area.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
  await page.click("[data-testid=copy-embed]");
  await page.waitForFunction(() => /Copied/.test(document.querySelector("[data-testid=copy-status]").textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
  assert.equal(await page.inputValue("[data-testid=embed-code]"), code);
  assert.equal(await page.getAttribute("[data-testid=embed-code]", "readonly"), "");
  await app.screenshot("copy-embed-code");

  // A new seed changes the snippet.
  await page.click("[data-testid=new-seed]");
  const seed = (await page.textContent("[data-testid=seed]")).replace(/\D/g, "");
  await page.waitForFunction(
    (seed) => document.querySelector("[data-testid=copy-embed]").dataset.embedCode.includes(`seed=${seed}"`),
    seed,
  );
  await page.click("[data-testid=embed-code-close]");
  await page.waitForSelector("[data-testid=embed-code]", { state: "hidden" });

  // Refused: the status says so and the code is selected for a manual copy.
  await page.context().clearPermissions();
  await page.evaluate(() => {
    // The browser refuses the write (as without permission or focus).
    navigator.clipboard.writeText = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
  });
  await page.click("[data-testid=copy-embed]");
  await page.waitForFunction(() => /Could not copy/.test(document.querySelector("[data-testid=copy-status]").textContent));
  await page.waitForFunction(() => {
    const a = document.querySelector("[data-testid=embed-code]");
    return document.activeElement === a && a.selectionStart === 0 && a.selectionEnd === a.value.length;
  });
  app.assertNoErrors();
});

test("on a cross-origin host page with a strict CSP, the copied snippet and the element run and cannot navigate the page", async (t) => {
  const app = await openApp(t, { path: "/?mode=request-response&seed=9", waitFor: "[data-testid=copy-embed]" });
  const { page } = app;
  const snippet = await page.getAttribute("[data-testid=copy-embed]", "data-embed-code");
  const appOrigin = new URL(app.url).origin;

  // The host: another origin (127.0.0.2), a policy allowing only the app's origin for
  // frames and scripts, the snippet pasted as is, and the custom element.
  const hostSite = await hostPage(
    t,
    `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${appOrigin}; frame-src ${appOrigin}; style-src 'none'">
<title>Host</title><script src="${app.url}embed.js" defer></script></head>
<body><h1>Host page</h1>${snippet}
<pre>${"\n".repeat(80)}</pre>
<message-flow-playground mode="hybrid" seed="4" width="480" height="320"></message-flow-playground>
</body></html>`,
  );
  await page.setViewportSize({ width: 1000, height: 700 });
  await page.goto(hostSite);
  const snippetFrame = await frameOf(page, "iframe[title^='Message flow playground: Request-response']");
  const elementFrame = await frameOf(page, "message-flow-playground iframe");
  assert.notEqual(new URL(page.url()).origin, appOrigin, "the host is another origin");
  // IntersectionObserver inside a cross-origin frame measures against the host's viewport:
  // the snippet's frame (top) plays, the element's (below a long block) waits...
  await stateIs(snippetFrame, "playing");
  await clockPast(snippetFrame, 0);
  await stateIs(elementFrame, "off-screen");
  assert.equal(await clockNs(elementFrame), 0);
  // ...until the host page scrolls: then it is the other way round.
  await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
  await stateIs(snippetFrame, "off-screen");
  await stateIs(elementFrame, "playing");
  await clockPast(elementFrame, 0);
  assert.equal(await elementFrame.textContent(".embed-title"), "Hybrid");
  await page.evaluate(() => scrollTo(0, 0));
  await stateIs(snippetFrame, "playing");

  // The sandbox forbids navigating the host page.
  const hostUrl = page.url();
  const attempt = await snippetFrame.evaluate(() => {
    try {
      top.location.href = "https://example.com/";
      return "no exception";
    } catch (e) {
      return e.name;
    }
  });
  await frames(page, 5);
  assert.equal(page.url(), hostUrl, `top URL unchanged (attempt: ${attempt})`);
  t.diagnostic(`top navigation from the frame: ${attempt}`);
  const blocked = app.errors.filter((e) => /allow-top-navigation|Unsafe attempt to initiate navigation/i.test(e));
  assert.ok(blocked.length > 0 || attempt !== "no exception", "the attempt was refused");
  t.diagnostic(`reported: ${blocked.join(" | ")}`);
  app.errors.splice(0, app.errors.length, ...app.errors.filter((e) => !blocked.includes(e)));

  // "Open in the full playground" opens a new tab (no opener) on the same mode and seed.
  const [popup] = await Promise.all([
    page.context().waitForEvent("page"),
    snippetFrame.click("[data-testid=open-full]"),
  ]);
  await popup.waitForLoadState("load");
  const url = new URL(popup.url());
  assert.equal(url.origin, appOrigin);
  assert.deepEqual(Object.fromEntries(url.searchParams), { mode: "request-response", seed: "9" });
  assert.equal(await popup.evaluate(() => window.opener), null, "rel=noopener");
  // Outside the sandbox, the full playground runs.
  await popup.waitForSelector("[data-testid=copy-embed]");
  assert.equal(page.url(), hostUrl);
  await popup.close();
  await app.screenshot("embed-cross-origin-host");
  app.assertNoErrors();
});

test("without allow-same-origin the app cannot start from a plain static host (why the sandbox keeps it)", async (t) => {
  const app = await openApp(t, { path: "/embed-example.html", waitFor: "h1", viewport: { width: 900, height: 700 } });
  const { page } = app;
  const loaded = await page.evaluate(
    (src) =>
      new Promise((resolve) => {
        const f = document.createElement("iframe");
        f.setAttribute("sandbox", "allow-scripts");
        f.src = src;
        f.dataset.testid = "opaque";
        f.addEventListener("load", () => resolve(true));
        document.querySelector("main").prepend(f);
      }),
    "./?embed=1&mode=work-queue&seed=1",
  );
  assert.ok(loaded);
  const frame = await (await page.$("[data-testid=opaque]")).contentFrame();
  assert.equal(await frame.evaluate(() => origin), "null", "an opaque origin");
  // Its module script is a CORS request from origin "null", which a plain static host
  // (no Access-Control-Allow-Origin) refuses.
  const cors = () => app.errors.some((e) => /CORS policy|Access-Control-Allow-Origin/i.test(e));
  for (let i = 0; i < 600 && !cors(); i++) await frames(page, 1);
  assert.equal(await frame.locator("[data-testid=embed]").count(), 0, "the app did not start");
  assert.ok(
    cors(),
    `a CORS failure is reported:\n${app.errors.join("\n")}`,
  );
});
