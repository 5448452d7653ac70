/**
 * Every synthetic sample: one per finding rule (fault + clean twin) and the five bugs of the design
 * (fault + clean twin). Pure builders: `buildSample` returns the bytes; core/node/commands/samples.ts
 * writes them to disk.
 */
import { RULE_SAMPLES } from "./rule-samples";
import { BUG_SAMPLES } from "./bug-samples";
import { resetBranches } from "./flows";
import type { SampleSpec } from "./types";

export type { SampleSpec } from "./types";

export const SAMPLES: readonly SampleSpec[] = [...BUG_SAMPLES, ...RULE_SAMPLES];

export interface BuiltSample {
  spec: SampleSpec;
  pcap: Uint8Array;
  /** Log text when the scenario wrote log lines. */
  log?: string;
}

export function buildSample(spec: SampleSpec): BuiltSample {
  resetBranches();
  const sc = spec.build();
  const out: BuiltSample = { spec, pcap: sc.pcap() };
  if (sc.hasLog) out.log = sc.logText();
  return out;
}

export function sampleReadme(): string {
  const lines = [
    "# Samples",
    "",
    "Synthetic captures written by `npm run samples` (core/samples) with the project's own pcap writer.",
    "They are made up, not recorded: every SIP message says `SIPScope-sample (synthetic)` in its User-Agent/Server header.",
    "Each fault has a clean twin (`-clean`). Open a capture together with its `.log` when there is one:",
    "`npx sipscope analyze samples/bug4-dialog-bye-race.pcap samples/bug4-dialog-bye-race.log`.",
    "",
  ];
  for (const s of SAMPLES) {
    const expect = s.expect.length ? s.expect.map((e) => `${e.rule} (${e.severity})`).join(", ") : "no findings";
    lines.push(`- \`${s.name}.pcap\` — ${s.description}. Expected: ${expect}.`);
    if (buildSample(s).log !== undefined) lines.push(`- \`${s.name}.log\` — the server log (Kamailio, syslog form) written alongside \`${s.name}.pcap\`.`);
  }
  return lines.join("\n") + "\n";
}
