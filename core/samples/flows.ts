/** Building blocks the sample scenarios share: parties, and the usual request/response shapes. */
import { request, response, sdp } from "./sip-builder";

export interface Party {
  user: string;
  /** "ip:port" the party sends from and listens on. */
  addr: string;
  domain: string;
}

export const ALICE: Party = { user: "alice", addr: "10.0.0.10:5060", domain: "example.com" };
export const BOB: Party = { user: "bob", addr: "10.0.0.20:5060", domain: "example.com" };
export const PROXY: Party = { user: "proxy", addr: "10.0.0.1:5060", domain: "example.com" };

export function aor(p: Party): string {
  return `sip:${p.user}@${p.domain}`;
}

export function ip(p: Party | string): string {
  const a = typeof p === "string" ? p : p.addr;
  return a.slice(0, a.lastIndexOf(":"));
}

let branchSeq = 0;
/** A fresh RFC 3261 branch (magic cookie + counter: deterministic across runs per process order). */
export function branch(tag: string): string {
  branchSeq++;
  return `z9hG4bK-${tag}-${branchSeq}`;
}
export function resetBranches(): void {
  branchSeq = 0;
}

export interface Dialog {
  callId: string;
  from: Party;
  to: Party;
  fromTag: string;
  toTag: string;
}

export function dialog(callId: string, from: Party, to: Party): Dialog {
  return { callId, from, to, fromTag: `${from.user}-tag`, toTag: `${to.user}-tag` };
}

/** The caller's INVITE straight to the callee (request URI = the callee's address). */
export function invite(d: Dialog, br: string, opts: { uri?: string; extra?: string[]; cseq?: number; transport?: string } = {}): string {
  return request({
    method: "INVITE",
    uri: opts.uri ?? `sip:${d.to.user}@${d.to.addr}`,
    via: d.from.addr,
    transport: opts.transport,
    branch: br,
    from: aor(d.from),
    fromTag: d.fromTag,
    to: aor(d.to),
    callId: d.callId,
    cseq: opts.cseq ?? 1,
    contact: `sip:${d.from.user}@${d.from.addr}`,
    extra: opts.extra,
    body: sdp(ip(d.from), 4000),
  });
}

/** An in-dialog request from `by` ("caller" or "callee"). */
export function inDialog(d: Dialog, method: string, by: "caller" | "callee", br: string, cseq: number, opts: { uri?: string; via?: string; extra?: string[]; cseqMethod?: string } = {}): string {
  const caller = by === "caller";
  const me = caller ? d.from : d.to;
  const peer = caller ? d.to : d.from;
  return request({
    method,
    uri: opts.uri ?? `sip:${peer.user}@${peer.addr}`,
    via: opts.via ?? me.addr,
    branch: br,
    from: aor(me),
    fromTag: caller ? d.fromTag : d.toTag,
    to: aor(peer),
    toTag: caller ? d.toTag : d.fromTag,
    callId: d.callId,
    cseq,
    cseqMethod: opts.cseqMethod,
    extra: opts.extra,
  });
}

/** ACK for a non-2xx final: same branch and Request-URI as the INVITE (RFC 3261 §17.1.1.3). */
export function ackNon2xx(d: Dialog, inviteBranch: string, cseq = 1, uri?: string): string {
  return request({
    method: "ACK",
    uri: uri ?? `sip:${d.to.user}@${d.to.addr}`,
    via: d.from.addr,
    branch: inviteBranch,
    from: aor(d.from),
    fromTag: d.fromTag,
    to: aor(d.to),
    toTag: d.toTag,
    callId: d.callId,
    cseq,
  });
}

export function answer(inviteText: string, d: Dialog, status = 200, reason = "OK"): string {
  return response(inviteText, status, reason, status < 300 && status > 100 ? { toTag: d.toTag, contact: `sip:${d.to.user}@${d.to.addr}`, body: status === 200 ? sdp(ip(d.to), 5000) : undefined } : { toTag: d.toTag });
}
