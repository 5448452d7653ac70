/**
 * `sipscope samples [FOLDER]` — writes every synthetic sample capture (and its log when it has
 * one) plus README.md into FOLDER (default ./samples). The captures are built by core/samples.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { SAMPLES, buildSample, sampleReadme } from "../../samples/index";

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: sipscope samples [FOLDER]\n\nWrites the synthetic sample captures (.pcap, .log) and README.md into FOLDER (default: samples).");
    return 0;
  }
  const dir = path.resolve(args.find((a) => !a.startsWith("-")) ?? "samples");
  await mkdir(dir, { recursive: true });
  let files = 0;
  for (const spec of SAMPLES) {
    const s = buildSample(spec);
    await writeFile(path.join(dir, `${spec.name}.pcap`), s.pcap);
    files++;
    if (s.log !== undefined) {
      await writeFile(path.join(dir, `${spec.name}.log`), s.log);
      files++;
    }
  }
  await writeFile(path.join(dir, "README.md"), sampleReadme());
  console.log(`wrote ${files} files and README.md to ${dir}`);
  return 0;
}
