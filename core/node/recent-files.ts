/**
 * The recent-files list, kept as JSON in the user's config folder (or in memory for tests).
 * SIPSCOPE_CONFIG_DIR overrides the folder (tests and portable installs).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RecentFile } from "../api";

export interface RecentStore {
  list(): RecentFile[];
  add(paths: string[], now: number): void;
}

const MAX = 12;

export function configDir(): string {
  if (process.env.SIPSCOPE_CONFIG_DIR) return process.env.SIPSCOPE_CONFIG_DIR;
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return path.join(base, "sipscope");
}

export function memoryRecentStore(initial: RecentFile[] = []): RecentStore {
  let items = initial.slice();
  return {
    list: () => items.slice(),
    add(paths, now) {
      items = [...paths.map((p) => ({ path: p, openedAt: now })), ...items.filter((r) => !paths.includes(r.path))].slice(0, MAX);
    },
  };
}

export function fileRecentStore(file = path.join(configDir(), "recent.json")): RecentStore {
  let initial: RecentFile[] = [];
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    if (Array.isArray(parsed)) initial = parsed.filter((r) => typeof r?.path === "string" && typeof r?.openedAt === "number");
  } catch {
    // First run or unreadable file: start empty; a broken list must not stop the app.
  }
  const mem = memoryRecentStore(initial);
  return {
    list: mem.list,
    add(paths, now) {
      mem.add(paths, now);
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(mem.list(), null, 1));
      } catch {
        // Read-only home: the list just is not remembered.
      }
    },
  };
}
