/**
 * SIPScope in a real browser against browser mode: open captures through the UI, filter, open a
 * call, compare the drawn ladder with the Api's ladder, inspect a message, follow a finding to its
 * evidence, stats, SVG export, and the XSS probe. Every test leaves a screenshot in test-results/.
 */
import { test, expect, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FindingDTO, LadderDTO } from "../../core/api";
import { switchboardCapture, xssCapture, XSS_IMG, XSS_SCRIPT } from "./captures";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const publicCapture = path.resolve(root, "..", "shared", "captures", "public", "goff-call-with-proxy.pcap");
const shots = path.join(root, "test-results");

function url(): string {
  const u = process.env.SIPSCOPE_URL;
  if (!u) throw new Error("SIPSCOPE_URL not set: run through playwright.config.ts (global setup)");
  return u;
}

/** Call the host's Api directly (same token) to compare the UI with the analysis. */
async function api<T>(page: Page, method: string, args: unknown[]): Promise<T> {
  const u = new URL(url());
  const res = await page.request.post(`${u.origin}/api/${method}`, { headers: { "x-sipscope-token": u.searchParams.get("token")! }, data: args });
  const body = await res.json();
  if (!body.ok) throw new Error(body.error);
  return body.value as T;
}

/** Opens files through the UI's file input; resolves with the new session once it is ready and listed. */
async function openFile(page: Page, ...files: string[]): Promise<string> {
  await page.goto(url());
  const num = (id: string) => Number(id.slice(1));
  const before = Math.max(0, ...(await api<{ id: string }[]>(page, "listSessions", [])).map((s) => num(s.id)));
  await page.getByTestId("open-file").setInputFiles(files);
  let id = "";
  await expect
    .poll(async () => {
      const s = (await api<{ id: string; state: string }[]>(page, "listSessions", [])).find((x) => num(x.id) > before);
      id = s?.id ?? "";
      return s?.state;
    })
    .toBe("ready");
  await expect(page.getByTestId("session-title")).toContainText(path.basename(files[0]));
  await expect(page.getByTestId("call-row").first()).toBeVisible();
  return id;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

test.beforeEach(async ({ page }) => {
  page.on("dialog", (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });
});

// Runs first: the host has no session yet, so the start screen shows.
test("the empty start screen says what to do", async ({ page }) => {
  await page.goto(url());
  await expect(page.getByText("Open a SIP trace")).toBeVisible();
  await expect(page.getByRole("button", { name: "Open files…" })).toBeVisible();
  await shot(page, "e2e-start");
});

test("the bundled IMS sample (capture + proxy log) opens as one timeline; ladder = analysis", async ({ page }) => {
  const dir = path.join(root, "samples");
  const capture = path.join(dir, "bug1-ims-mar-no-401.pcap");
  const log = path.join(dir, "bug1-ims-mar-no-401.log");
  test.skip(!existsSync(capture), "samples/bug1-ims-mar-no-401.pcap not generated yet (npm run samples)");
  const session = await openFile(page, ...[capture, log].filter((f) => existsSync(f)));
  // The call with the most findings is the interesting one.
  const page1 = await api<{ calls: { id: string; findings: string[] }[] }>(page, "calls", [session, { sort: { key: "findings", dir: "desc" }, limit: 1 }]);
  const callId = page1.calls[0].id;
  await page.locator(`[data-testid="call-row"][data-call-id="${callId}"]`).click();
  const ladder = await api<LadderDTO>(page, "ladder", [session, callId]);
  const arrows = page.getByTestId("ladder-arrow");
  await expect(arrows.first()).toBeVisible();
  const shown = await arrows.evaluateAll((els) =>
    els.map((el) => {
      // The node typecheck has no DOM lib; in the page this is an SVG <g>.
      const e = el as unknown as { getAttribute(name: string): string | null };
      return [Number(e.getAttribute("data-message-id")), e.getAttribute("data-label")];
    }),
  );
  expect(shown.length).toBeGreaterThan(0);
  expect(shown).toEqual(ladder.arrows.slice(0, shown.length).map((a) => [a.messageId, a.label.split(" ")[0]]));
  await expect(page.getByTestId("ladder-ghost")).toHaveCount(ladder.ghosts.length);
  await shot(page, "e2e-sample");
});

test("public capture: call list, ladder arrows = analysis, message inspector", async ({ page }) => {
  test.skip(!existsSync(publicCapture), `public capture absent: ${publicCapture}`);
  const session = await openFile(page, publicCapture);
  await expect(page.getByTestId("session-title")).toContainText("goff-call-with-proxy.pcap");
  const row = page.getByTestId("call-row").first();
  await row.click();
  const callId = (await row.getAttribute("data-call-id"))!;
  const ladder = await api<LadderDTO>(page, "ladder", [session, callId]);
  const arrows = page.getByTestId("ladder-arrow");
  await expect(arrows).toHaveCount(ladder.arrows.length);
  const drawn = await arrows.evaluateAll((els) =>
    els.map((el) => {
      // The node typecheck has no DOM lib; in the page this is an SVG <g>.
      const e = el as unknown as { getAttribute(name: string): string | null };
      return [Number(e.getAttribute("data-message-id")), e.getAttribute("data-label")];
    }),
  );
  expect(drawn).toEqual(ladder.arrows.map((a) => [a.messageId, a.label.split(" ")[0]]));
  expect(drawn.map((d) => d[1])).toContain("INVITE");
  expect(drawn.map((d) => d[1])).toContain("200");
  await expect(page.getByTestId("ladder-node")).toHaveCount(ladder.nodes.length);

  // Keyboard: focus the ladder, ↓ twice, Enter opens the second message.
  await page.getByTestId("ladder").focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("message-raw")).toContainText(ladder.arrows[1].label.split(" ")[0]);
  // Click opens the first INVITE.
  await arrows.first().click();
  await expect(page.getByTestId("message-raw")).toContainText("INVITE sip:");
  await expect(page.getByTestId("message-raw")).toContainText("Call-ID:");
  // Rename a lane (alias), zoom in.
  await page.getByTestId("ladder-node").first().dblclick();
  await page.getByLabel("Rename node").fill("Caller phone");
  await page.getByLabel("Rename node").press("Enter");
  await expect(page.getByTestId("ladder-node").first()).toContainText("Caller phone");
  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect(page.getByRole("button", { name: "120%" })).toBeVisible();
  await shot(page, "e2e-public-capture");
});

test("filter the call list by field and text", async ({ page }) => {
  await openFile(page, switchboardCapture());
  const rows = page.getByTestId("call-row");
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(5);
  const all = await rows.count();
  const filter = page.getByTestId("call-filter");
  await filter.fill("status:486");
  await expect(rows).toHaveCount(2);
  await filter.fill("user:carol");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("carol");
  await filter.fill("method:INVITE status:2xx");
  await expect(rows).toHaveCount(3);
  await filter.fill("nobody-by-that-name");
  await expect(rows).toHaveCount(0);
  await expect(page.getByText("No calls match")).toBeVisible();
  await filter.fill("");
  await expect(rows).toHaveCount(all);
  // Sort by status descending: the busy calls come first.
  await page.getByRole("button", { name: "Status" }).click();
  await page.getByRole("button", { name: /Status/ }).click();
  await expect(rows.first()).toContainText("486");
  // Keyboard: ↓ in the list opens the next call.
  await rows.first().click();
  await page.getByTestId("call-list").press("ArrowDown");
  await expect(rows.nth(1)).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("ladder").first()).toHaveAttribute("data-call-id", (await rows.nth(1).getAttribute("data-call-id"))!);
  await shot(page, "e2e-filter");
});

test("a finding jumps to the ladder with its evidence highlighted", async ({ page }) => {
  const session = await openFile(page, switchboardCapture());
  const findings = await api<FindingDTO[]>(page, "findings", [session]);
  const target = findings.find((f) => f.rule === "ack-missing-non2xx") ?? findings.find((f) => f.call && (f.messages.length || f.ghosts.length));
  expect(target, `findings: ${findings.map((f) => f.rule).join(", ")}`).toBeTruthy();
  await page.getByTestId("tab-findings").click();
  await expect(page.getByTestId("finding").first()).toBeVisible();
  await shot(page, "e2e-findings");
  await page.locator(`[data-testid="finding"][data-finding-id="${target!.id}"]`).click();
  await expect(page.getByTestId("ladder")).toBeVisible();
  for (const m of target!.messages) {
    await expect(page.locator(`[data-testid="ladder-arrow"][data-message-id="${m}"]`)).toHaveAttribute("data-evidence", "true");
  }
  for (const g of target!.ghosts) {
    const ghost = page.locator(`[data-testid="ladder-ghost"][data-finding="${target!.id}"]`).first();
    await expect(ghost).toHaveAttribute("data-label", g.label);
    await expect(ghost).toHaveClass(/evidence/);
  }
  await shot(page, "e2e-finding-evidence");
});

test("stats show charts", async ({ page }) => {
  await openFile(page, switchboardCapture());
  await page.getByTestId("tab-stats").click();
  const charts = page.getByTestId("stats-chart");
  await expect(charts.first()).toBeVisible();
  expect(await charts.count()).toBeGreaterThanOrEqual(5);
  await expect(page.locator('[data-chart="codes"] .recharts-bar-rectangle').first()).toBeVisible();
  await shot(page, "e2e-stats");
});

test("export the ladder as SVG (and PNG, Mermaid, CSV, findings JSON, pcap)", async ({ page }) => {
  await openFile(page, switchboardCapture());
  await page.getByTestId("call-row").first().click();
  await expect(page.getByTestId("ladder-arrow").first()).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-svg").click()]);
  expect(download.suggestedFilename()).toMatch(/\.svg$/);
  const svg = readFileSync((await download.path())!, "utf8");
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain(">INVITE<");
  await shot(page, "e2e-export");

  // The other exports: PNG and Mermaid from the ladder, CSV / findings / pcap from the Export menu.
  const save = async (click: () => Promise<void>) => {
    const [d] = await Promise.all([page.waitForEvent("download"), click()]);
    return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
  };
  const png = await save(() => page.getByRole("button", { name: "PNG" }).click());
  expect(png.name).toMatch(/\.png$/);
  expect([...png.bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
  const mmd = await save(() => page.getByRole("button", { name: "Mermaid" }).click());
  expect(mmd.bytes.toString("utf8")).toMatch(/^sequenceDiagram\n/);
  const menu = (item: RegExp) => async () => {
    await page.getByRole("button", { name: "Export ▾" }).click();
    await page.getByRole("menu").getByRole("button", { name: item }).click();
  };
  const csv = await save(menu(/^Call list as CSV/));
  expect(csv.bytes.toString("utf8").split("\r\n")[0]).toMatch(/^id,start_iso,/);
  const fj = await save(menu(/^Findings as JSON/));
  expect(JSON.parse(fj.bytes.toString("utf8")).count).toBeGreaterThanOrEqual(1);
  const pcap = await save(menu(/^Selected calls as pcap/));
  expect(pcap.name).toMatch(/\.pcap$/);
  expect(pcap.bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
});

test("XSS probe: HTML in SIP headers is shown as text and never runs", async ({ page }) => {
  const session = await openFile(page, xssCapture());
  const row = page.getByTestId("call-row").first();
  await row.click();
  await page.getByTestId("ladder-arrow").first().click();
  const raw = page.getByTestId("message-raw");
  await expect(raw).toContainText(XSS_SCRIPT);
  await expect(raw).toContainText(XSS_IMG);
  await page.getByRole("button", { name: "Header tree" }).click();
  await expect(page.getByText(XSS_SCRIPT).first()).toBeVisible();
  // Custom column with the hostile header, and the SVG export of the call.
  await page.getByRole("button", { name: "+ Column" }).click();
  await page.getByLabel("Add header column").fill("Subject");
  await page.getByLabel("Add header column").press("Enter");
  await expect(row).toContainText(XSS_SCRIPT);
  const exported = await api<{ text: string }>(page, "export", [session, "ladder-svg", [(await row.getAttribute("data-call-id"))!]]);
  expect(exported.text).not.toMatch(/<script|<img|onerror=|onload=/i);
  // Nothing ran, nothing was injected.
  expect(await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss)).toBeUndefined();
  expect(await page.locator("#root script, #root img, #root iframe, #root [onerror], #root [onload]").count()).toBe(0);
  await shot(page, "e2e-xss");
});

test("replay a bug sample: captured and replayed ladders side by side with the diff", async ({ page }) => {
  const capture = path.join(root, "samples", "bug4-dialog-bye-race.pcap");
  test.skip(!existsSync(capture), "samples/bug4-dialog-bye-race.pcap not generated yet (npm run samples)");
  test.setTimeout(150_000);
  const session = await openFile(page, capture);
  const top = await api<{ calls: { id: string }[] }>(page, "calls", [session, { sort: { key: "findings", dir: "desc" }, limit: 1 }]);
  await page.locator(`[data-testid="call-row"][data-call-id="${top.calls[0].id}"]`).click();
  await expect(page.getByTestId("ladder-arrow").first()).toBeVisible();
  await page.getByRole("button", { name: "▶ Replay" }).click();
  await expect(page.getByTestId("replay-running")).toBeVisible();
  await expect(page.getByTestId("replay")).toBeVisible({ timeout: 130_000 });
  await expect(page.getByTestId("ladder-original").locator('[data-testid="ladder-arrow"]').first()).toBeVisible();
  await expect(page.getByTestId("ladder-replay").locator('[data-testid="ladder-arrow"]').first()).toBeVisible();
  await expect(page.locator(".diff")).not.toBeEmpty();
  await shot(page, "e2e-replay");
});

test("light theme", async ({ page }) => {
  await openFile(page, switchboardCapture());
  await page.getByRole("button", { name: "Switch theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await page.getByTestId("call-row").nth(1).click();
  await page.getByTestId("ladder-arrow").first().click();
  await shot(page, "e2e-light");
});
