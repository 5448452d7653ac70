/**
 * Where the shared test data lives: `../shared` next to the repository (CI always has it).
 * Tests that need it skip with a printed reason when it is absent.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const candidate = process.env.SIPSCOPE_SHARED ?? path.resolve(repoRoot, "..", "shared");
export const sharedDir: string | undefined = existsSync(path.join(candidate, "captures")) ? candidate : undefined;
