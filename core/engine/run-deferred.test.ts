import { describe, expect, it } from "vitest";
import { runDeferred } from "./run-deferred";

describe("runDeferred", () => {
  it("runs the handler, then the queued work in order, including work queued by queued work", () => {
    const log: string[] = [];
    const q: (() => void)[] = [];
    runDeferred(() => {
      log.push("fn");
      q.push(() => {
        log.push("a");
        q.push(() => log.push("c"));
      });
      q.push(() => log.push("b"));
    }, q, () => log.push("error"));
    expect(log).toEqual(["fn", "a", "b", "c"]);
    expect(q).toEqual([]);
  });

  it("a throw in the handler or in queued work drops the rest and is reported, never rethrown", () => {
    const log: string[] = [];
    const q: (() => void)[] = [];
    runDeferred(() => {
      q.push(() => {
        throw new Error("boom");
      });
      q.push(() => log.push("never"));
    }, q, (e) => log.push(`error: ${(e as Error).message}`));
    expect(log).toEqual(["error: boom"]);
    expect(q).toEqual([]);
    runDeferred(() => {
      q.push(() => log.push("never"));
      throw new Error("early");
    }, q, (e) => log.push(`error: ${(e as Error).message}`));
    expect(log).toEqual(["error: boom", "error: early"]);
    expect(q).toEqual([]);
  });
});
