// End-to-end tests of the UI in Debian's headless chromium, driven by
// playwright-core, against a running `sluice standalone`. tests/e2e/test_ui.py
// starts the server with the flagship pipeline and real services, creates the
// users and passes everything in the environment:
//   SLUICE_UI_URL                      e.g. http://127.0.0.1:8080/
//   SLUICE_UI_ADMIN_USER / _PASSWORD   the one-time admin
//   SLUICE_UI_VIEWER_USER / _PASSWORD  a user with the Viewer role
//   SLUICE_UI_DAG                      the flagship DAG id
//   SLUICE_UI_TABLES                   its tables, comma separated
//   SLUICE_UI_OUTPUT                   folder for screenshots and lineage.json
//   SLUICE_UI_RUN_TIMEOUT_MS           how long a run may take (default 300000)
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set; run this through tests/e2e/test_ui.py`);
  return value;
};

const baseUrl = env("SLUICE_UI_URL").replace(/\/?$/, "/");
const dagId = env("SLUICE_UI_DAG", "trust_wallet_jsonplaceholder_api_data");
const tables = env("SLUICE_UI_TABLES", "users,posts,comments,albums,photos,todos").split(",");
const output = env("SLUICE_UI_OUTPUT", join(tmpdir(), "sluice-ui"));
const runTimeoutMs = Number(env("SLUICE_UI_RUN_TIMEOUT_MS", "300000"));
const admin = { username: env("SLUICE_UI_ADMIN_USER", "admin"), password: env("SLUICE_UI_ADMIN_PASSWORD") };
const viewer = { username: env("SLUICE_UI_VIEWER_USER"), password: env("SLUICE_UI_VIEWER_PASSWORD") };
const kChromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

mkdirSync(output, { recursive: true });

let browser;

// launch() gives chromium a fresh, empty --user-data-dir of its own (a temporary
// profile Playwright deletes on close); it refuses one passed in args.
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: kChromiumArgs,
  });
});

after(async () => {
  await browser?.close();
});

async function newPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/status of 40[13]/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.problems = problems;
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(output, `${name}.png`), fullPage: false });
}

async function logIn(page, user) {
  await page.goto(baseUrl);
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("user").waitFor();
}

/** Calls the API from inside the page, with its session cookie and CSRF token, as the UI does. */
async function apiFromPage(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = await fetch("/api/v2/sluice/session").then((r) => r.json());
      const response = await fetch(path, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token ?? "" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let parsed = null;
      try {
        parsed = await response.json();
      } catch {}
      return { status: response.status, body: parsed };
    },
    { method, path, body },
  );
}

function dagRow(page) {
  return page.getByTestId(`dag-row-${dagId}`);
}

describe("an admin runs the flagship pipeline from the browser", { concurrency: false }, () => {
  let page;
  let runId;

  before(async () => {
    page = await newPage();
  });
  after(async () => {
    assert.deepEqual(page?.problems ?? [], [], "the pages logged no errors");
    await page?.context().close();
  });

  it("refuses a wrong password with a message that names neither field", async () => {
    await page.goto(baseUrl);
    await page.getByLabel("Username").fill(admin.username);
    const passwordField = page.getByLabel("Password");
    assert.equal(await passwordField.inputValue(), "", "no password is offered");
    await passwordField.fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const error = page.getByRole("alert");
    await error.waitFor();
    assert.match(await error.innerText(), /Log in: .+\(HTTP 401\)/);
    page.problems.length = 0;
    await shot(page, "01-login-error");
  });

  it("logs in and sees the flagship DAG", async () => {
    await logIn(page, admin);
    await dagRow(page).waitFor();
    assert.match(await dagRow(page).innerText(), /\*\/30 \* \* \* \*|30/);
    await shot(page, "02-dag-list");
  });

  it("unpauses the DAG when it is paused, so its runs are scheduled", async () => {
    const toggle = dagRow(page).getByTestId("pause-toggle");
    if (!(await toggle.isChecked())) {
      await toggle.click();
      await page.getByTestId("notice-success").filter({ hasText: `${dagId} unpaused` }).waitFor();
      await assertEventually(async () => (await toggle.isChecked()) === true, "the toggle shows the DAG active");
    }
  });

  it("triggers a run with a conf and lands on its DAG page", async () => {
    await dagRow(page).getByTestId("trigger").click();
    const editor = page.getByTestId("trigger-conf");
    await editor.fill("[1, 2]");
    await page.getByText("conf must be a JSON object").waitFor();
    assert.equal(await page.getByTestId("trigger-submit").isDisabled(), true, "an invalid conf cannot be sent");
    await editor.fill('{"requested_by": "ui test"}');
    await shot(page, "03-trigger-dialog");
    await page.getByTestId("trigger-submit").click();
    await page.getByTestId("notice-success").filter({ hasText: "Triggered" }).waitFor();
    await page.getByTestId("dag-title").waitFor();
    runId = new URLSearchParams(page.url().split("?")[1] ?? "").get("run");
    assert.ok(runId, `the page URL names the new run: ${page.url()}`);
    await page.getByTestId("run-details").getByText("ui test").waitFor();
  });

  it("watches every task of the run turn green", async () => {
    const nodes = page.locator('[data-testid^="graph-node-"]');
    await nodes.first().waitFor();
    const count = await nodes.count();
    assert.ok(count >= 4, `the graph shows the flagship's tasks (${count})`);
    const started = Date.now();
    let seen = new Set();
    while (true) {
      const states = await nodes.evaluateAll((elements) => elements.map((e) => e.getAttribute("data-state")));
      states.forEach((state) => seen.add(state));
      if (states.every((state) => state === "success")) break;
      assert.ok(!states.includes("failed") && !states.includes("upstream_failed"), `no task failed: ${states}`);
      assert.ok(Date.now() - started < runTimeoutMs, `all tasks succeed within ${runTimeoutMs} ms: ${states}`);
      await page.waitForTimeout(250);
    }
    const cells = page.locator(`[data-testid^="grid-cell-${runId}-"]`);
    await assertEventually(
      async () => (await cells.evaluateAll((e) => e.map((c) => c.getAttribute("data-state")))).every((s) => s === "success"),
      "the grid shows the run's tasks green",
    );
    await page.getByTestId("run-details").locator('[data-state="success"]').waitFor();
    await shot(page, "04-dag-page");
  });

  it("opens a task's details and log", async () => {
    await page.getByTestId("graph-node-raw_data_collection_task").click();
    const details = page.getByTestId("task-details");
    await details.waitFor();
    const log = page.getByTestId("log-content");
    await assertEventually(async () => {
      const text = await log.innerText();
      return text.length > 20 && !/Loading|empty log/.test(text);
    }, "the log of try 1 has content");
    assert.match(await page.getByTestId("task-metrics").innerText(), /\d/, "the task reports counts");
    await shot(page, "05-task-log");
  });

  it("opens the lineage of the run and sees the six tables' counts", async () => {
    await page.getByTestId("run-details").getByRole("link", { name: "Lineage" }).click();
    await page.getByTestId("lineage-table").waitFor();
    const counts = {};
    for (const table of tables) {
      const row = page.getByTestId(`lineage-row-${table}`);
      await row.waitFor();
      const cell = row.locator('[data-column="warehouse_rows"], [data-column="loaded_rows"]').first();
      const text = (await cell.innerText()).replace(/,/g, "");
      assert.match(text, /^\d+$/, `${table} shows a row count (${text})`);
      counts[table] = Number(text);
      assert.ok(counts[table] > 0, `${table} has rows`);
    }
    writeFileSync(join(output, "lineage.json"), JSON.stringify({ dag_run_id: runId, counts }, null, 2));
    await shot(page, "06-lineage");
  });

  it("browses the raw bucket and previews an object", async () => {
    await page.getByRole("link", { name: "Lake", exact: true }).click();
    await page.getByTestId("bucket-raw").click();
    let prefix = "raw/";
    for (let depth = 0; depth < 8; ++depth) {
      const listing = page.locator(`[data-testid="objects"][data-prefix="${prefix}"]`);
      await listing.waitFor();
      await assertEventually(async () => (await listing.locator("tbody tr a").count()) > 0, `${prefix} lists something`);
      const jsonObject = listing.getByTestId("object").filter({ hasText: /part-\d+\.json/ });
      if ((await jsonObject.count()) > 0) {
        await jsonObject.first().click();
        break;
      }
      const child = listing.getByTestId("prefix").first();
      assert.ok((await child.count()) > 0, `${prefix} leads on to an object`);
      prefix = `${prefix}${(await child.innerText()).trim()}`;
      await child.click();
    }
    const preview = page.getByTestId("preview");
    await preview.waitFor();
    assert.match(await preview.innerText(), /"id"/, "the preview shows the raw JSON");
    const download = page.getByTestId("download");
    assert.match(await download.getAttribute("href"), /download/);
    const status = await page.evaluate((href) => fetch(href).then((r) => r.status), await download.getAttribute("href"));
    assert.equal(status, 200, "the download link serves the object");
    await shot(page, "07-lake");
  });

  it("pauses the DAG from the list", async () => {
    await page.getByRole("link", { name: "DAGs", exact: true }).click();
    const toggle = dagRow(page).getByTestId("pause-toggle");
    await toggle.waitFor();
    assert.equal(await toggle.isChecked(), true, "the DAG is active before");
    await toggle.click();
    await page.getByTestId("notice-success").filter({ hasText: `${dagId} paused` }).waitFor();
    const dag = await apiFromPage(page, "GET", `/api/v2/dags/${dagId}`);
    assert.equal(dag.body.is_paused, true, "the server has the DAG paused");
    await page.waitForTimeout(2500); // one poll later the toggle still shows the server's state
    assert.equal(await toggle.isChecked(), false);
  });

  it("is usable in a narrow window", async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(`${baseUrl}#/dags/${dagId}?run=${encodeURIComponent(runId)}`);
    await page.getByTestId("task-graph").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page does not scroll sideways (${overflow}px)`);
    await shot(page, "08-narrow");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("logs out, after which the API answers 401", async () => {
    await page.getByTestId("logout").click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const response = await page.request.get("/api/v2/dags");
    assert.equal(response.status(), 401);
  });
});

describe("a viewer reads but cannot change anything", { concurrency: false }, () => {
  let page;

  before(async () => {
    page = await newPage();
    await logIn(page, viewer);
  });
  after(async () => {
    await page?.context().close();
  });

  it("sees the DAG without trigger or pause controls", async () => {
    await dagRow(page).waitFor();
    assert.equal(await page.getByTestId("trigger").count(), 0, "no trigger button on the list");
    assert.equal(await dagRow(page).getByTestId("pause-toggle").isDisabled(), true, "the toggle is read-only");
    await shot(page, "09-viewer-list");
    await dagRow(page).getByRole("link", { name: dagId }).click();
    await page.getByTestId("dag-title").waitFor();
    await page.getByTestId("grid").waitFor();
    assert.equal(await page.getByTestId("trigger").count(), 0, "no trigger button on the DAG page");
    const cell = page.locator('[data-testid^="grid-cell-"]').first();
    if ((await cell.count()) > 0) {
      await cell.click();
      await page.getByTestId("task-details").waitFor();
      assert.equal(await page.getByTestId("task-actions").count(), 0, "no clear or mark buttons");
    }
  });

  it("gets 403 from the API when trying anyway, and nothing changes", async () => {
    const runsBefore = await apiFromPage(page, "GET", `/api/v2/dags/${dagId}/dagRuns`);
    assert.equal(runsBefore.status, 200);
    const trigger = await apiFromPage(page, "POST", `/api/v2/dags/${dagId}/dagRuns`, { logical_date: null, conf: {} });
    assert.equal(trigger.status, 403, JSON.stringify(trigger.body));
    assert.equal(trigger.body?.detail, "Forbidden");
    const pause = await apiFromPage(page, "PATCH", `/api/v2/dags/${dagId}`, { is_paused: false });
    assert.equal(pause.status, 403);
    const clear = await apiFromPage(page, "POST", `/api/v2/dags/${dagId}/clearTaskInstances`, { dry_run: false });
    assert.equal(clear.status, 403);
    const runsAfter = await apiFromPage(page, "GET", `/api/v2/dags/${dagId}/dagRuns`);
    assert.equal(runsAfter.body.total_entries, runsBefore.body.total_entries, "no run was created");
    const dag = await apiFromPage(page, "GET", `/api/v2/dags/${dagId}`);
    assert.equal(dag.body.is_paused, true, "the DAG stays paused");
  });
});

async function assertEventually(check, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} (within ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
