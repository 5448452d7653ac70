/**
 * `sipscope <command> …` — one file per command under ./commands, loaded on demand so a command's
 * start-up cost (React build, sockets) is paid only by that command.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  analyze: { summary: "decode a capture/log and print messages, calls, findings (--json for the document)", load: () => import("./commands/analyze") },
  open: { summary: "open captures in the app (browser mode on 127.0.0.1)", load: () => import("./commands/open") },
  start: { summary: "start the desktop app (Electron if installed, else browser mode) on the bundled sample", load: () => import("./commands/start") },
  engine: { summary: "run the built-in SIP server on 127.0.0.1", load: () => import("./commands/engine") },
  replay: { summary: "replay a captured call against the engine or a target and diff the ladders", load: () => import("./commands/replay") },
  samples: { summary: "write the synthetic sample captures into a folder", load: () => import("./commands/samples") },
};

function usage(): string {
  const lines = ["usage: sipscope <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(9)} ${c.summary}`);
  lines.push("", "sipscope <command> --help shows a command's options.");
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`sipscope: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let mod: { run(args: string[]): Promise<number> };
  try {
    mod = await command.load();
  } catch (e) {
    console.error(`sipscope: command "${name}" is not available: ${(e as Error).message}`);
    return 2;
  }
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`sipscope: ${(e as Error)?.stack ?? e}`);
    process.exitCode = 1;
  },
);
