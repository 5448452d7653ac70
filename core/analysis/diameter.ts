/**
 * Diameter exchanges: each request matched with its answer by hop-by-hop + end-to-end identifier
 * (RFC 6733 §3) on the reverse path, retransmissions (T flag or a repeat of the same ids) kept
 * apart, Result-Code / Experimental-Result named, and each Cx/Dx exchange linked to the SIP
 * transaction that caused it: the REGISTER (or INVITE) received by the node that sent the
 * Diameter request, naming the same identity (Public-Identity / User-Name vs the SIP To URI and
 * Authorization username), the latest one before the request.
 */
import type { Observed, TransactionView } from "./model";
import { addr } from "./context";
import { isSuccess, resultName } from "./diameter-names";

export interface DiameterExchange {
  index: number;
  request: number;
  answer?: number;
  retransmissions: number[];
  name: string;
  command: number;
  app: number;
  hopByHop: number;
  endToEnd: number;
  sessionId?: string;
  /** Answer time - request time, seconds. */
  answerTime?: number;
  resultCode?: number;
  experimental?: boolean;
  resultName?: string;
  success?: boolean;
  /** Identity the request names (Public-Identity, else User-Name), normalised. */
  identity?: string;
  /** Index of the SIP transaction that caused this exchange. */
  sipTxn?: number;
}

/** Base-protocol peer commands (CER/CEA, DWR/DWA, DPR/DPA): connection upkeep, not user traffic. */
export const PEER_COMMANDS = new Set([257, 280, 282]);

/** Identity text normalised for matching: no scheme, no params, lower case. */
export function normIdentity(s: string | undefined): string | undefined {
  if (!s) return undefined;
  let t = s.trim().toLowerCase();
  const lt = t.indexOf("<");
  if (lt >= 0) t = t.slice(lt + 1, t.indexOf(">", lt) >= 0 ? t.indexOf(">", lt) : undefined);
  t = t.replace(/^(sips?|tel):/, "");
  const semi = t.indexOf(";");
  if (semi >= 0) t = t.slice(0, semi);
  return t || undefined;
}

/** Seconds back from a Diameter request within which the causing SIP request must have arrived. */
const LINK_WINDOW = 30;
/** Tighter when the addresses do not tie the two together. */
const ANY_ADDRESS_WINDOW = 5;

export function buildDiameter(msgs: readonly Observed[], txns: readonly TransactionView[], txnOf: Int32Array): DiameterExchange[] {
  const out: DiameterExchange[] = [];
  // Most captures carry no Diameter: then there is nothing to index.
  let anyDiameter = false;
  let locationQueries = false;
  // Indexed, not for-of: a pass over every message runs mostly unoptimised, where each for-of
  // step allocates an iterator result.
  for (let mi = 0; mi < msgs.length; mi++) {
    const m = msgs[mi];
    if (!m.diameter) continue;
    anyDiameter = true;
    if (m.diameter.commandCode === 302) locationQueries = true;
  }
  if (!anyDiameter) return out;
  const pending = new Map<string, number>();
  // identity -> latest SIP request (REGISTER / initial INVITE) transaction seen, per receiving IP.
  const lastSip = new Map<string, { txn: number; time: number }>();
  const remember = (ip: string, id: string | undefined, txn: number, time: number) => {
    if (!id) return;
    lastSip.set(`${ip}|${id}`, { txn, time });
    // Also by identity alone: a multi-homed server may talk Diameter from another address.
    lastSip.set(`*|${id}`, { txn, time });
  };
  // Indexed, not for-of: a pass over every message runs mostly unoptimised, where each for-of
  // step allocates an iterator result.
  for (let mi = 0; mi < msgs.length; mi++) {
    const m = msgs[mi];
    const sip = m.sip;
    if (sip) {
      // REGISTER causes UAR/MAR/SAR; an INVITE causes LIR (only looked at when LIRs exist).
      if (sip.kind === "request" && (sip.method === "REGISTER" || (locationQueries && sip.method === "INVITE"))) {
        const t = txnOf[m.id];
        if (t < 0 || txns[t].request !== m.id) continue;
        const ip = m.dst.ip;
        remember(ip, normIdentity(sip.to?.uri?.raw ?? sip.to?.uriText), t, m.time);
        if (sip.method === "INVITE") remember(ip, normIdentity(sip.requestUri), t, m.time);
        for (const h of ["authorization", "proxy-authorization"]) {
          const a = sip.header(h);
          const u = a && /username\s*=\s*"?([^",]+)"?/i.exec(a);
          if (u) remember(ip, normIdentity(u[1]), t, m.time);
        }
      }
      continue;
    }
    const d = m.diameter;
    if (!d) continue;
    const fwd = `${addr(m.src)}>${addr(m.dst)}|${d.hopByHop}|${d.endToEnd}`;
    if (d.flags.request) {
      const prev = pending.get(fwd);
      if (prev !== undefined && out[prev].answer === undefined) {
        out[prev].retransmissions.push(m.id);
        continue;
      }
      const x: DiameterExchange = {
        index: out.length,
        request: m.id,
        retransmissions: [],
        name: d.name,
        command: d.commandCode,
        app: d.applicationId,
        hopByHop: d.hopByHop,
        endToEnd: d.endToEnd,
      };
      if (d.sessionId) x.sessionId = d.sessionId;
      const ids = [normIdentity(d.publicIdentity), normIdentity(d.userName)];
      x.identity = ids[0] ?? ids[1];
      for (const scope of [m.src.ip, "*"]) {
        for (const id of ids) {
          if (!id || x.sipTxn !== undefined) continue;
          const hit = lastSip.get(`${scope}|${id}`);
          const window = scope === "*" ? ANY_ADDRESS_WINDOW : LINK_WINDOW;
          if (hit && m.time - hit.time <= window && m.time >= hit.time) x.sipTxn = hit.txn;
        }
      }
      pending.set(fwd, x.index);
      out.push(x);
    } else {
      const key = `${addr(m.dst)}>${addr(m.src)}|${d.hopByHop}|${d.endToEnd}`;
      const i = pending.get(key);
      if (i === undefined) continue;
      const x = out[i];
      if (x.answer !== undefined) {
        x.retransmissions.push(m.id);
        continue;
      }
      x.answer = m.id;
      x.answerTime = m.time - msgs[x.request].time;
      const experimental = d.resultCode === undefined && d.experimentalResultCode !== undefined;
      const code = d.resultCode ?? d.experimentalResultCode;
      if (code !== undefined) {
        x.resultCode = code;
        x.experimental = experimental;
        x.resultName = resultName(code, experimental);
      }
      x.success = isSuccess(code) && !d.flags.error;
    }
  }
  return out;
}
