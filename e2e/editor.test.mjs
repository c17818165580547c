// End-to-end tests of the scenario editor, the exports and the theory overlay (see
// harness.mjs). Every wait polls observed state; nothing sleeps to assert.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApp, ROOT } from "./harness.mjs";

async function open(t, query) {
  const app = await openApp(t, { path: `/?${query}` });
  await app.page.waitForSelector("g.node[data-role]");
  return app;
}

const clockNs = (page) => page.$eval("[data-testid=clock]", (e) => Number(e.dataset.ns));
const editorText = (page) => page.inputValue("[data-testid=editor-text]");

/** Waits until the virtual clock has moved past `ns` (the simulation is running). */
async function clockPasses(page, ns) {
  await page.waitForFunction(
    (ns) => Number(document.querySelector("[data-testid=clock]").dataset.ns) > ns,
    ns,
  );
}

async function tempDir(t) {
  const dir = await mkdtemp(join(tmpdir(), "msgflow-editor-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Clicks an export button and returns the downloaded file's name and text. */
async function exported(page, testid) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid=${testid}]`)]);
  const text = await readFile(await download.path(), "utf8");
  return { name: download.suggestedFilename(), text };
}

test("a parameter edited in the JSON applies live; the run goes on", async (t) => {
  const app = await open(t, "mode=work-queue&seed=4&speed=2");
  const { page } = app;
  const text = await editorText(page);
  assert.equal(JSON.parse(text).name, "Work queue", "the editor shows the running scenario");
  assert.match(text, /\n {2}"nodes": \[/, "pretty-printed");
  await page.click("[data-testid=play]");
  await clockPasses(page, 300e6);
  await page.fill("[data-testid=editor-text]", text.replace('"count": 3', '"count": 5'));
  await page.waitForFunction(() => /valid/.test(document.querySelector("[data-testid=editor-state]").textContent));
  const before = await clockNs(page);
  await page.click("[data-testid=editor-apply]");
  await page.waitForFunction(() => document.querySelectorAll('[data-node="workers"][data-inst]').length === 5);
  assert.match(await page.textContent("[data-testid=editor-status]"), /Applied live at t = /);
  assert.ok((await clockNs(page)) >= before, "no restart: the clock did not go back");
  await clockPasses(page, before);
  assert.equal(await page.inputValue("[data-testid=mode]"), "work-queue");
  app.assertNoErrors();
});

test("syntax and range errors name the field; the simulation keeps running", async (t) => {
  const app = await open(t, "mode=work-queue&seed=6&speed=2");
  const { page } = app;
  const good = await editorText(page);
  await page.click("[data-testid=play]");
  await clockPasses(page, 200e6);

  // A missing comma: serde's line and column, and the enclosing field.
  await page.fill("[data-testid=editor-text]", good.replace('"count": 3,', '"count": 3'));
  const syntax = page.locator('[data-testid=editor-errors] li[data-path="nodes[2].role.consumer_group"]');
  await syntax.waitFor();
  assert.match(await syntax.textContent(), /expected `,` or `}` at line \d+ column \d+/);
  assert.match(await syntax.textContent(), /line \d+, column \d+/, "a button selects the line");
  assert.equal(await page.getAttribute("[data-testid=editor-text]", "aria-invalid"), "true");
  let t0 = await clockNs(page);
  await clockPasses(page, t0);
  await page.click("[data-testid=editor-apply]");
  assert.match(await page.textContent("[data-testid=editor-status]"), /Not applied/);
  // The button selects the offending line in the text.
  await syntax.locator("button").click();
  const selected = await page.$eval("[data-testid=editor-text]", (e) => e.value.slice(e.selectionStart, e.selectionEnd));
  assert.match(selected, /"(count|prefetch)"/);
  await app.screenshot("editor-syntax-error");

  // Out of range: the path and the accepted range.
  await page.fill("[data-testid=editor-text]", good.replace('"count": 3', '"count": 0'));
  const range = page.locator('[data-testid=editor-errors] li[data-path="nodes[2].role.consumer_group.count"]');
  await range.waitFor();
  assert.match(await range.textContent(), /must be between 1 and 64, got 0/);
  await page.click("[data-testid=editor-apply]");
  assert.match(await page.textContent("[data-testid=editor-status]"), /Not applied/);
  t0 = await clockNs(page);
  await clockPasses(page, t0);
  assert.equal(await page.locator('[data-node="workers"][data-inst]').count(), 3, "the run kept its scenario");
  await app.screenshot("editor-range-error");

  // Revert shows the running scenario again.
  await page.click("[data-testid=editor-revert]");
  assert.equal(await page.locator("[data-testid=editor-errors] li").count(), 0);
  assert.equal(JSON.parse(await editorText(page)).nodes[2].role.consumer_group.count, 3);
  app.assertNoErrors();
});

test("importing a file with new nodes restarts as a custom scenario; oversized files are refused", async (t) => {
  const app = await open(t, "mode=work-queue&seed=8&speed=2");
  const { page } = app;
  const dir = await tempDir(t);
  const scenario = JSON.parse(await readFile(join(ROOT, "scenarios", "request-response.json"), "utf8"));
  scenario.name = "Imported call";
  scenario.nodes[1].role.service.replicas = 1;
  scenario.nodes[1].label = "Imported orders";
  const file = join(dir, "imported.json");
  await writeFile(file, JSON.stringify(scenario));
  await page.setInputFiles("[data-testid=editor-file]", file);
  await page.waitForFunction(() => /Imported imported\.json: press Apply/.test(document.querySelector("[data-testid=editor-status]").textContent));
  assert.equal(JSON.parse(await editorText(page)).name, "Imported call");
  await page.click("[data-testid=editor-apply]");
  await page.waitForFunction(() => document.querySelectorAll("g.node[data-role]").length === 2);
  assert.match(await page.textContent("[data-testid=editor-status]"), /Restarted from t = 0 as a custom scenario/);
  assert.equal(await page.inputValue("[data-testid=mode]"), "custom");
  assert.match(await page.textContent("#topology-title"), /Custom scenario/);
  assert.match(await page.textContent("svg[data-testid=topology]"), /Imported orders/);
  assert.equal(await page.locator('[data-node="orders"][data-inst]').count(), 1);
  // Reset keeps the custom scenario.
  await page.click("[data-testid=reset]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) === 0);
  assert.equal(await page.locator("g.node[data-role]").count(), 2);

  // Over the 1 MiB limit: a clear error, nothing changes.
  const big = join(dir, "big.json");
  await writeFile(big, JSON.stringify({ ...scenario, description: "x".repeat(1100 * 1024) }));
  await page.setInputFiles("[data-testid=editor-file]", big);
  await page.waitForFunction(() => /big\.json is \d+ bytes; a scenario may have at most 1048576 bytes/.test(document.querySelector("[data-testid=editor-status]").textContent));
  assert.equal(JSON.parse(await editorText(page)).name, "Imported call");
  app.assertNoErrors();
});

test("every export downloads and parses", async (t) => {
  const app = await open(t, "mode=work-queue&seed=5&speed=5");
  const { page } = app;
  await page.click("[data-testid=play]");
  await clockPasses(page, 2.5e9);
  await page.click("[data-testid=play]");

  const report = await exported(page, "export-report");
  assert.equal(report.name, "msgflow-work-queue-seed5-report.json");
  const r = JSON.parse(report.text);
  assert.equal(r.seed, 5);
  assert.equal(r.virtual_ns, await clockNs(page));
  assert.ok(r.events > 100 && r.invariants_ok);
  assert.deepEqual(r.nodes.map((n) => n.id), ["producer", "broker", "workers"]);
  assert.match(await page.textContent("[data-testid=export-status]"), /msgflow run msgflow-work-queue-seed5-scenario\.json --seed 5 --events \d+ --duration \d+ns/);

  const csv = await exported(page, "export-csv");
  assert.equal(csv.name, "msgflow-work-queue-seed5-series.csv");
  const rows = csv.text.trimEnd().split("\n");
  assert.equal(rows[0], "t_ms,throughput_per_s,errors_per_s,p50_ms,p90_ms,p99_ms,queue_depth,log_lag,in_flight");
  assert.ok(rows.length >= 1 + 10, `one row per 250 ms window (${rows.length - 1})`);
  for (const row of rows.slice(1)) {
    const cells = row.split(",").map(Number);
    assert.equal(cells.length, 9);
    assert.ok(cells.every(Number.isFinite), row);
  }
  assert.equal(Number(rows[1].split(",")[0]), 250);

  // Paused: the canvas holds still, and the file draws the same messages in flight as SVG.
  const drawn = Number(await page.$eval("[data-testid=flight-canvas]", (c) => c.dataset.drawn));
  const svg = await exported(page, "export-svg");
  assert.equal(svg.name, "msgflow-work-queue-seed5-topology.svg");
  // Parsed in a blank page: the app's CSP (rightly) refuses the file's <style> element.
  const blank = await page.context().newPage();
  t.after(() => blank.close());
  const parsed = await blank.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const root = doc.documentElement;
    return {
      error: doc.getElementsByTagName("parsererror").length > 0,
      root: root.localName,
      ns: root.namespaceURI,
      labels: [...doc.querySelectorAll("text.node-label")].map((e) => e.textContent),
      style: doc.querySelector("style")?.textContent ?? "",
      width: root.getAttribute("width"),
      flights: [...doc.querySelectorAll("g.flights > g.flight[data-kind][transform]")].length,
      kinds: [...doc.querySelectorAll("g.flights > g.flight[data-kind]")].map((e) => e.getAttribute("data-kind")),
    };
  }, svg.text);
  assert.equal(parsed.error, false, "well-formed XML");
  assert.equal(parsed.root, "svg");
  assert.equal(parsed.ns, "http://www.w3.org/2000/svg");
  assert.deepEqual(parsed.labels, ["Producer", "Broker", "Workers"]);
  assert.match(parsed.style, /--text:\s*(#|rgb)/, "colours resolved into the file");
  assert.match(parsed.style, /\.node-label/);
  assert.ok(Number(parsed.width) > 100);
  assert.equal(parsed.flights, drawn, "the messages the canvas shows are in the file");
  // With the rules of the shapes drawn: an ack is a tick, every other kind a filled shape.
  if (parsed.kinds.some((k) => k !== "ack")) assert.match(parsed.style, /\.flight \.shape/, "with their shapes' rules");
  if (parsed.kinds.includes("ack")) assert.match(parsed.style, /\.flight \.tick/, "with the ack's tick rule");
  const dir = await tempDir(t);
  const svgPath = join(dir, "topology.svg");
  await writeFile(svgPath, svg.text);

  const sc = await exported(page, "export-scenario");
  assert.equal(sc.name, "msgflow-work-queue-seed5-scenario.json");
  assert.equal(JSON.parse(sc.text).name, "Work queue");
  app.assertNoErrors();

  // The SVG on its own, outside the page (for a look at it).
  const alone = await app.page.context().newPage();
  await alone.goto(`file://${svgPath}`);
  await app.screenshot("editor-page");
  await alone.screenshot({ path: join(ROOT, "e2e", "screenshots", "exported-topology.png") });
  await alone.close();
});

test("the exported scenario and report agree with the headless runner", async (t) => {
  const bin = join(ROOT, "target", "debug", "msgflow");
  // Always: a binary left from an older tree would run an older engine (a no-op when current).
  execFileSync("cargo", ["build", "--bin", "msgflow"], { cwd: ROOT, stdio: "inherit" });
  const app = await open(t, "mode=hybrid&seed=9&speed=3");
  const { page } = app;
  await page.click("[data-testid=play]");
  await clockPasses(page, 3e9); // about 860 events in hybrid, seed 9
  await page.click("[data-testid=play]");
  // A step or two stops between events as well.
  await page.click("[data-testid=step]");
  await page.click("[data-testid=step]");
  const dir = await tempDir(t);
  const scenario = await exported(page, "export-scenario");
  const report = JSON.parse((await exported(page, "export-report")).text);
  const file = join(dir, scenario.name);
  await writeFile(file, scenario.text);
  const out = execFileSync(bin, [
    "run", file, "--seed", "9", "--events", String(report.events), "--duration", `${report.virtual_ns}ns`,
  ], { encoding: "utf8" });
  const runner = JSON.parse(out);
  assert.ok(report.events > 500, `${report.events} events`);
  assert.deepEqual(runner, report, "the runner's report equals the exported one");
  app.assertNoErrors();
});

test("the theory overlay explains when M/M/c does not apply and compares when it does", async (t) => {
  const app = await open(t, "mode=work-queue&seed=3&speed=20");
  const { page } = app;
  const line = page.locator('[data-testid=theory] .theory-line[data-kind="queue"]');
  await line.waitFor();
  assert.equal(await line.getAttribute("data-applies"), "false");
  assert.match(await line.textContent(), /prefetch 2 lets a busy consumer hold messages/);
  assert.match(await line.textContent(), /the broker–workers link adds 10 ms/);
  // Make it an M/M/3 queue: prefetch 1 and instant links (live: same nodes and links).
  const s = JSON.parse(await editorText(page));
  s.nodes[2].role.consumer_group.prefetch = 1;
  s.nodes[0].role.producer.confirms = null;
  for (const l of s.links) l.latency_ms = 0;
  await page.fill("[data-testid=editor-text]", JSON.stringify(s, null, 2));
  await page.click("[data-testid=editor-apply]");
  await page.waitForFunction(() => document.querySelector('[data-testid=theory] .theory-line[data-kind="queue"]')?.dataset.applies === "true");
  await page.click("[data-testid=play]");
  await page.waitForFunction(() => /Little's law on the run: L = /.test(document.querySelector("[data-testid=little]")?.textContent ?? ""));
  const text = await line.textContent();
  assert.match(text, /M\/M\/3: λ = 60\/s, 1\/μ = 40 ms, ρ = 0\.80/);
  assert.match(text, /theory.*this run/);
  await page.click("[data-testid=play]");
  await page.evaluate(() => document.querySelector("[data-testid=theory]").scrollIntoView({ block: "center" }));
  await page.locator("[data-testid=theory]").screenshot({ path: join(ROOT, "e2e", "screenshots", "theory.png") });
  app.assertNoErrors();
});
