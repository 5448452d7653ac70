import type { Severity } from "../api";
import type { Scenario } from "./scenario";

export interface SampleSpec {
  /** File base name: <name>.pcap (+ <name>.log). */
  name: string;
  /** One line for samples/README.md. */
  description: string;
  /** Exactly the findings (rule and severity) the analysis must report on it. */
  expect: { rule: string; severity: Severity }[];
  build(): Scenario;
}
