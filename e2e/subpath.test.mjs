// The site built for a sub-path (`trunk build --release --public-url /docs/playground/`)
// works when served under it. Run by scripts/check-subpath, which builds that copy into
// target/subpath-dist/ and sets SUBPATH_DIST and SUBPATH; skipped otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { launchBrowser, watchPage } from "./harness.mjs";
import { startStaticServer } from "./static-server.mjs";

const DIST = process.env.SUBPATH_DIST;
const SUB = process.env.SUBPATH ?? "/docs/playground/";
const skip = DIST ? false : "set SUBPATH_DIST (scripts/check-subpath builds it)";

test(`the site built with --public-url ${SUB} runs under that path`, { skip }, async (t) => {
  // A web root holding nothing but the site, under the sub-path.
  const root = await mkdtemp(join(tmpdir(), "msgflow-subpath-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const mount = join(root, ...SUB.split("/").filter(Boolean));
  await mkdir(dirname(mount), { recursive: true });
  await symlink(DIST, mount, "dir");
  const server = await startStaticServer({ root });
  t.after(() => server.close());
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = browser.context.pages()[0];
  page.setDefaultTimeout(20000);
  const watched = await watchPage(page);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const base = new URL(SUB, server.url).href;

  // The full playground, and its embed code pointing under the sub-path.
  await page.goto(base + "?mode=work-queue&seed=7");
  await page.waitForSelector("g.node[data-role]");
  const code = await page.getAttribute("[data-testid=copy-embed]", "data-embed-code");
  assert.ok(code.includes(`src="${base}?embed=1&amp;mode=work-queue&amp;seed=7"`), code);

  // The embed view on its own.
  await page.goto(base + "?embed=1&mode=pub-sub&seed=3");
  await page.waitForSelector("[data-testid=embed] g.node[data-role]");

  // The example page: both iframes and the custom element find the app under the sub-path.
  await page.setViewportSize({ width: 900, height: 3000 });
  await page.goto(base + "embed-example.html");
  for (const sel of ["[data-testid=embed-work-queue]", "[data-testid=embed-request-response]", "message-flow-playground iframe"]) {
    const frame = await (await page.waitForSelector(sel)).contentFrame();
    await frame.waitForSelector("[data-testid=embed] g.node[data-role]");
    await frame.waitForFunction(() => Number(document.querySelector("[data-testid=clock]").dataset.ns) > 0);
    assert.ok(frame.url().startsWith(base + "?embed=1"), frame.url());
  }
  const outside = requests.filter((u) => u.startsWith(server.url) && !u.startsWith(base));
  assert.deepEqual(outside, [], "every request stays under the sub-path");
  assert.deepEqual(watched.errors, []);
  assert.deepEqual(watched.cspViolations, []);
});
