import { describe, expect, it } from "vitest";
import { diffLadders, type DiffInput } from "./diff";

let id = 0;
const m = (from: string, to: string, label: string): DiffInput => ({ id: id++, from, to, label });

describe("diffLadders", () => {
  it("identical flows: no difference", () => {
    const a = [m("A", "S", "INVITE"), m("S", "A", "200 INVITE"), m("A", "S", "ACK")];
    const b = a.map((x) => ({ ...x, id: x.id + 100 }));
    expect(diffLadders(a, b)).toEqual([]);
  });

  it("a message only the replay has is extra; only the capture has is missing", () => {
    const a = [m("S", "A", "BYE"), m("A", "S", "200 BYE"), m("S", "B", "INFO")];
    const b = [m("S", "A", "BYE"), m("A", "S", "200 BYE"), m("S", "B", "BYE"), m("B", "S", "200 BYE")];
    const d = diffLadders(a, b);
    expect(d.map((x) => [x.kind, x.label.split(" happens")[0].split(" is in")[0]])).toEqual([
      ["missing", "INFO S → B"],
      ["extra", "BYE S → B"],
      ["extra", "200 BYE B → S"],
    ]);
    expect(d[1].replay).toBe(b[2].id);
    expect(d[0].original).toBe(a[2].id);
  });

  it("a different final status on the same hop for the same method is 'changed'", () => {
    const a = [m("A", "S", "REGISTER"), m("S", "A", "403 REGISTER")];
    const b = [m("A", "S", "REGISTER"), m("S", "A", "200 REGISTER")];
    expect(diffLadders(a, b)).toEqual([{ kind: "changed", original: a[1].id, replay: b[1].id, label: "S → A: 403 REGISTER in the capture, 200 REGISTER in the replay" }]);
  });

  it("interleaving between hops does not count as a difference", () => {
    const a = [m("A", "S", "SUBSCRIBE"), m("B", "S", "SUBSCRIBE"), m("S", "A", "200 SUBSCRIBE"), m("S", "B", "200 SUBSCRIBE")];
    const b = [m("B", "S", "SUBSCRIBE"), m("S", "B", "200 SUBSCRIBE"), m("A", "S", "SUBSCRIBE"), m("S", "A", "200 SUBSCRIBE")];
    expect(diffLadders(a, b)).toEqual([]);
  });
});
