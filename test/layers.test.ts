// Enforces DESIGN §3's import rules on every test run (scripts/check-layers.mjs is the rule).
import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";

test("no import crosses a layer the wrong way", () => {
  let out = "";
  try {
    out = execFileSync(process.execPath, ["scripts/check-layers.mjs"], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
  expect(out).toContain("layer check: ok");
});
