/**
 * The transaction and dialog observers on the real lab captures (Kamailio 5.6.3 + sipp on
 * loopback, each opened with its kamailio.log as the CLI does): the one real fault (the 487 never
 * ACKed in cancel-noack) is found with its evidence, and the clean captures yield no expectation
 * other than "capture ended" ones.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadFiles } from "../core/node/ingest";
import { observeTransactions } from "../core/analysis/transactions";
import { observeDialogs } from "../core/analysis/dialogs";
import { sharedDir } from "./shared";

const labDir = sharedDir && path.join(sharedDir, "captures", "lab");
const have = (name: string) => !!labDir && existsSync(path.join(labDir, name, "capture.pcap"));
if (!labDir || !existsSync(labDir)) console.warn("SKIPPED machines-lab: ../shared/captures/lab not found next to the repository");

async function observe(name: string) {
  const dir = path.join(labDir!, name);
  const { model } = await loadFiles([path.join(dir, "capture.pcap"), path.join(dir, "kamailio.log")]);
  const tx = observeTransactions(model);
  const dialogs = observeDialogs(model, tx);
  return { model, tx, dialogs };
}

const ep = (e: { ip: string; port: number }) => `${e.ip}:${e.port}`;

describe("observers on the lab captures", () => {
  it.skipIf(!have("cancel-noack"))("cancel-noack: the 487 to the UAC is never ACKed, retransmitted 3 times; the UAS leg is complete", async () => {
    const { model, tx, dialogs } = await observe("cancel-noack");
    const missing = tx.transactions.flatMap((t) => t.expectations.filter((e) => !e.beyondCapture).map((e) => ({ t, e })));
    expect(missing).toHaveLength(1);
    const { t, e } = missing[0];
    expect(e.what).toBe("ack-non2xx");
    expect(t).toMatchObject({ kind: "INVITE", callId: "cancelnoack-1-26989@127.0.0.1", finalStatus: 487, endState: "Completed" });
    expect([ep(t.client), ep(t.server)]).toEqual(["127.0.0.1:5080", "127.0.0.1:5060"]);
    expect(t.finalCopies).toHaveLength(4); // truth: observed_487_sent_to_uac = 4
    expect(t.cancelledBy).toBeDefined();
    expect(tx.transactions[t.cancelledBy!].method).toBe("CANCEL");
    expect(e.by).toBeLessThan(model.end);
    // The proxy->UAS leg: its 487 was ACKed hop by hop.
    const down = tx.transactions.find((x) => x.kind === "INVITE" && ep(x.client) === "127.0.0.1:5060");
    expect(down).toMatchObject({ finalStatus: 487, expectations: [] });
    expect(down!.ack).toBeDefined();
    expect(tx.orphanResponses).toEqual([]);
    expect(dialogs.every((d) => d.terminatedBy === "CANCEL")).toBe(true);
  });

  for (const name of ["basic-call", "cancel", "register-auth", "rpc-cancel"]) {
    it.skipIf(!have(name))(`${name}: nothing missing inside the capture window`, async () => {
      const { tx, dialogs } = await observe(name);
      const missing = [...tx.transactions.flatMap((t) => t.expectations), ...dialogs.flatMap((d) => d.expectations ?? [])].filter((e) => !e.beyondCapture);
      expect(missing).toEqual([]);
      expect(tx.orphanResponses).toEqual([]);
      expect(tx.transactions.length).toBeGreaterThan(0);
    });
  }

  it.skipIf(!have("basic-call"))("basic-call: 5 calls x 2 hops, each dialog confirmed, ACKed and ended by BYE; hops linked", async () => {
    const { tx, dialogs } = await observe("basic-call");
    expect(tx.transactions.filter((t) => t.method === "INVITE")).toHaveLength(10);
    expect(tx.transactions.filter((t) => t.method === "BYE")).toHaveLength(10);
    expect(dialogs).toHaveLength(10);
    for (const d of dialogs) {
      expect(d).toMatchObject({ state: "Terminated", terminatedBy: "BYE", byeStatus: 200 });
      expect(d.acks.length).toBe(1);
      expect(d.hops).toHaveLength(2);
    }
    expect(tx.retransmission.every((x) => x === 0)).toBe(true);
  });
});
