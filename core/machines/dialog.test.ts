import { describe, expect, it } from "vitest";
import { observeDialog, startDialog, stepDialog, type DialogEffect, type DialogEvent, type DialogState } from "./dialog";
import { timerConfig } from "./timers";

function fmt(e: DialogEffect): string {
  switch (e.type) {
    case "StartTimer": return `Start ${e.timer.name}@${e.timer.at}`;
    case "StopTimer": return `Stop ${e.name}`;
    case "Resend2xx": return `Resend2xx ${e.cseq}`;
    case "AckTimeout": return `AckTimeout ${e.cseq}`;
    case "Terminated": return `End ${e.by}`;
    default: return e.type;
  }
}

const ok = (cseq = 1, initial = true): DialogEvent => ({ type: "InviteAnswered", status: 200, cseq, initial });
type Row = [name: string, start: "Early" | "Confirmed", path: [DialogEvent, number][], ev: [DialogEvent, number], state: string, effects: string[]];

const ROWS: Row[] = [
  ["Early + 2xx -> Confirmed; 2xx retransmit T1, AckWait 64*T1", "Early", [], [ok(), 1], "Confirmed", ["Start 2xx@1.5", "Start AckWait@33", "Confirmed"]],
  ["Early + 486 to the initial INVITE -> Terminated (non2xx)", "Early", [], [{ type: "InviteAnswered", status: 486, cseq: 1, initial: true }, 1], "Terminated", ["End non2xx"]],
  ["Early + 487 after CANCEL -> Terminated (CANCEL)", "Early", [], [{ type: "InviteAnswered", status: 487, cseq: 1, initial: true, cancelled: true }, 1], "Terminated", ["End CANCEL"]],
  ["Confirmed + ACK stops the 2xx timers", "Early", [[ok(), 1]], [{ type: "AckSeen", cseq: 1 }, 1.1], "Confirmed", ["Stop 2xx", "Stop AckWait"]],
  ["Confirmed + ACK of another CSeq: nothing", "Early", [[ok(), 1]], [{ type: "AckSeen", cseq: 7 }, 1.1], "Confirmed", []],
  ["2xx timer: resend, interval doubles", "Early", [[ok(), 1]], [{ type: "TimerFired", name: "2xx", cseq: 1 }, 1.5], "Confirmed", ["Resend2xx 1", "Start 2xx@2.5"]],
  ["AckWait: ACK timeout, BYE (§13.3.1.4)", "Early", [[ok(), 1]], [{ type: "TimerFired", name: "AckWait", cseq: 1 }, 33], "Confirmed", ["Stop 2xx", "AckTimeout 1", "SendBye"]],
  ["Confirmed + BYE -> Terminated", "Confirmed", [], [{ type: "RequestSeen", method: "BYE", from: "callee" }, 5], "Terminated", ["End BYE"]],
  ["Confirmed + re-INVITE 2xx: ACK awaited for CSeq 2", "Confirmed", [], [ok(2, false), 5], "Confirmed", ["Start 2xx@5.5", "Start AckWait@37"]],
  ["re-INVITE 2xx while the first 2xx is unACKed: both awaited", "Early", [[ok(), 1]], [ok(2, false), 2], "Confirmed", ["Start 2xx@2.5", "Start AckWait@34"]],
  ["Confirmed + re-INVITE 491: unchanged", "Confirmed", [], [{ type: "InviteAnswered", status: 491, cseq: 2, initial: false }, 5], "Confirmed", []],
  ["Confirmed + 481 to a mid-dialog request -> Terminated", "Confirmed", [], [{ type: "ResponseSeen", method: "INFO", status: 481 }, 5], "Terminated", ["End 481"]],
  ["Confirmed + 408 to a re-INVITE -> Terminated", "Confirmed", [], [{ type: "InviteAnswered", status: 408, cseq: 2, initial: false }, 5], "Terminated", ["End 408"]],
  ["Early + another fork confirmed: ForkWait 64*T1", "Early", [], [{ type: "OtherForkConfirmed" }, 2], "Early", ["Start ForkWait@34"]],
  ["Early + ForkWait fires -> Terminated", "Early", [[{ type: "OtherForkConfirmed" }, 2]], [{ type: "TimerFired", name: "ForkWait" }, 34], "Terminated", ["End fork-superseded"]],
  ["Early + UPDATE/PRACK: stays Early", "Early", [], [{ type: "RequestSeen", method: "PRACK", from: "caller" }, 1], "Early", []],
  ["Terminated absorbs everything", "Confirmed", [[{ type: "RequestSeen", method: "BYE", from: "caller" }, 5]], [ok(3, false), 6], "Terminated", []],
];

describe("dialog machine: RFC 3261 §12-§15 transitions", () => {
  it.each(ROWS)("%s", (_name, start, path, [ev, at], state, effects) => {
    let s = startDialog(start, timerConfig(), 0).state;
    for (const [e, t] of path) s = stepDialog(s, e, t).state;
    const r = stepDialog(s, ev, at);
    expect({ state: r.state.state, effects: r.effects.map(fmt) }).toEqual({ state, effects });
  });

  // Steps share empty lists and fixed effects and copy lists by hand: check no state, list or
  // effect a caller holds is ever written afterwards (strict mode: writing a frozen object throws).
  it.each(ROWS)("never writes a state or effect it handed out: %s", (_name, start, path, [ev, at], state, effects) => {
    let r = startDialog(start, deepFreeze(timerConfig()), 0);
    const seen: [unknown, string][] = [];
    for (const [e, t] of [...path, [ev, at] as [DialogEvent, number]]) {
      seen.push([deepFreeze(r.state), JSON.stringify(r.state)], [deepFreeze(r.effects), JSON.stringify(r.effects)]);
      r = stepDialog(r.state, deepFreeze({ ...e }), t);
    }
    for (const [x, text] of seen) expect(JSON.stringify(x)).toBe(text);
    expect({ state: r.state.state, effects: r.effects.map(fmt) }).toEqual({ state, effects });
  });

  it("a step that changes nothing answers the very state given", () => {
    const s = stepDialog(startDialog("Early", timerConfig(), 0).state, ok(), 1).state;
    for (const ev of [ok(), { type: "AckSeen", cseq: 9 }, { type: "RequestSeen", method: "INFO", from: "caller" }, { type: "ResponseSeen", method: "INFO", status: 200 }] as DialogEvent[]) {
      const r = stepDialog(s, ev, 2);
      expect(r.state).toBe(s);
      expect(r.effects).toEqual([]);
    }
  });

  it("the ACK leaves the other INVITE's timers and pending ACK", () => {
    let s = stepDialog(startDialog("Early", timerConfig(), 0).state, ok(1), 1).state;
    s = stepDialog(s, ok(2, false), 2).state;
    const r = stepDialog(s, { type: "AckSeen", cseq: 1 }, 2.1);
    expect(r.effects.map(fmt)).toEqual(["Stop 2xx", "Stop AckWait"]);
    expect(r.state.timers.map((t) => `${t.name}/${t.cseq}`)).toEqual(["2xx/2", "AckWait/2"]);
    expect(r.state.awaitingAck.map((a) => a.cseq)).toEqual([2]);
    expect(s.awaitingAck.map((a) => a.cseq)).toEqual([1, 2]);
  });

  // observeDialog: the analyzer's step, the same states without effects.
  it.each(ROWS)("observing gives the step's states: %s", (_name, start, path, [ev, at]) => {
    let stepped = startDialog(start, timerConfig(), 0).state;
    let observed = startDialog(start, timerConfig(), 0).state;
    for (const [e, t] of [...path, [ev, at] as [DialogEvent, number]]) {
      const next = observeDialog(observed, e, t);
      const r = stepDialog(stepped, e, t);
      expect(next).toStrictEqual(r.state);
      expect(next === observed).toBe(r.state === stepped);
      stepped = r.state;
      observed = next;
    }
  });

  it("observing random walks gives the step's states, and later steps still make their effects", () => {
    let seed = 7;
    const pick = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let walk = 0; walk < 300; walk++) {
      let stepped: DialogState = startDialog(walk % 2 ? "Early" : "Confirmed", timerConfig(), 0).state;
      let observed = stepped;
      let at = 0;
      for (let k = 0; k < 10; k++) {
        at += [0.1, 0.7, 5, 40][pick(4)];
        const cseq = 1 + pick(3);
        const events: DialogEvent[] = [
          { type: "InviteAnswered", status: [180, 200, 200, 408, 481, 486, 487][pick(7)], cseq, initial: pick(2) === 0, cancelled: pick(4) === 0 },
          { type: "AckSeen", cseq },
          { type: "RequestSeen", method: ["BYE", "INFO", "UPDATE"][pick(3)], from: pick(2) ? "caller" : "callee" },
          { type: "ResponseSeen", method: "INFO", status: [200, 408, 481][pick(3)] },
          { type: "OtherForkConfirmed" },
          { type: "TimerFired", name: (["2xx", "AckWait", "ForkWait"] as const)[pick(3)], cseq },
        ];
        const e = events[pick(events.length)];
        const next = observeDialog(observed, e, at);
        const r = stepDialog(stepped, e, at);
        expect(next).toStrictEqual(r.state);
        stepped = r.state;
        observed = next;
      }
    }
    const s = stepDialog(startDialog("Early", timerConfig(), 0).state, ok(), 1).state;
    observeDialog(s, { type: "AckSeen", cseq: 1 }, 1.1);
    expect(stepDialog(s, { type: "AckSeen", cseq: 1 }, 1.1).effects.map(fmt)).toEqual(["Stop 2xx", "Stop AckWait"]);
  });

  it("records who sent the BYE", () => {
    const s = stepDialog(startDialog("Confirmed", timerConfig(), 0).state, { type: "RequestSeen", method: "BYE", from: "callee" }, 3).state;
    expect(s).toMatchObject({ state: "Terminated", terminatedBy: "BYE", byeFrom: "callee" });
  });
});

/** Freeze `x` and everything it holds (objects and arrays). */
function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === "object" && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
