// Import-layer check (DESIGN §3), in the spirit of VS Code's code-layering rule: reads every import
// of every source file and reports the ones that cross a layer the wrong way. Exit 1 on any.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// Pure core folders and what each may import (besides itself and core/api.ts).
const PURE = {
  capture: [],
  protocols: ["capture"],
  machines: ["capture", "protocols"],
  analysis: ["capture", "protocols", "machines"],
  engine: ["capture", "protocols", "machines"],
  samples: ["capture", "protocols"],
  replay: ["capture", "protocols", "machines", "engine"],
};
// What the renderer may import from outside renderer/: the Api (types and the method list) and
// pure, DOM-free helpers it shares with the exporters (DESIGN §3), so nothing is kept twice.
const RENDERER_MAY_IMPORT = new Set(["core/api", "core/analysis/export/ladder-rows", "core/analysis/export/palette"]);
// npm packages a pure folder may use (pure JS, no I/O).
const PURE_PACKAGES = new Set(["sdp-transform", "fflate"]);
// Globals that mean I/O or a clock in pure code.
// (?<![.\w]) so that a property such as `result.document.calls` is not mistaken for the global.
const PURE_FORBIDDEN = [/(?<![.\w])Date\.now\s*\(/, /(?<![.\w])setTimeout\s*\(/, /(?<![.\w])setInterval\s*\(/, /(?<![.\w])process\./, /(?<![.\w])performance\.now\s*\(/, /(?<![.\w])window\./, /(?<![.\w])document\./];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|mts)$/.test(name)) yield p;
  }
}

const IMPORT_RE = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const errors = [];
function report(file, msg) {
  errors.push(`${path.relative(root, file)}: ${msg}`);
}

for (const top of ["core", "electron", "renderer"]) {
  let files;
  try {
    files = [...walk(path.join(root, top))];
  } catch {
    continue;
  }
  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep);
    const isTest = /\.test\.tsx?$/.test(file);
    const src = readFileSync(file, "utf8");
    const layer = rel[0] === "core" ? rel[1] : rel[0];
    const pure = rel[0] === "core" && PURE[layer] !== undefined;
    for (const m of src.matchAll(IMPORT_RE)) {
      const typeOnly = Boolean(m[2]);
      const spec = m[3] ?? m[4];
      if (spec.startsWith(".")) {
        const target = path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep);
        if (pure && !isTest) {
          if (target[0] !== "core") report(file, `pure core imports outside core: ${spec}`);
          else if (target[1] === "api" || target[1] === "api.ts") continue;
          else if (target[1] !== layer && !PURE[layer].includes(target[1])) report(file, `core/${layer} may not import core/${target[1]} (${spec})`);
        }
        if (rel[0] === "electron" && target[0] === "renderer") report(file, `electron may not import renderer (${spec})`);
        if (rel[0] === "renderer" && target[0] !== "renderer") {
          const rel2 = target.join("/").replace(/\.ts$/, "");
          if (!RENDERER_MAY_IMPORT.has(rel2)) report(file, `renderer may import only core/api.ts and the DOM-free helpers ${[...RENDERER_MAY_IMPORT].join(", ")} (${spec})`);
        }
      } else if (pure && !isTest) {
        if (spec.startsWith("node:") || !PURE_PACKAGES.has(spec.split("/")[0])) report(file, `pure core imports package "${spec}"`);
      }
    }
    if (pure && !isTest) {
      const code = src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      for (const re of PURE_FORBIDDEN) {
        const name = re.source.match(/\w+/g).find((w) => w !== "w" && w !== "s");
        // A local of the same name (`const document = …`) is not the global.
        if (new RegExp(`\\b(const|let|var|function)\\s+${name}\\b`).test(code)) continue;
        if (re.test(code)) report(file, `pure core uses ${name}`);
      }
    }
  }
}

if (errors.length) {
  console.error(`layer check: ${errors.length} violation(s)\n` + errors.map((e) => `  ${e}`).join("\n"));
  process.exit(1);
}
console.log("layer check: ok");
