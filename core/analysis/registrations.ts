/**
 * Registrations (RFC 3261 §10): the REGISTER attempts of one flow (one Call-ID) as the UA sent
 * them, with their 401/407 challenge rounds, the outcome, the granted expiry and the bound
 * contacts. IMS flows (RFC 3329 / TS 24.229: Authorization with integrity-protected, Path,
 * Service-Route, P-Visited-Network-ID) are recognised.
 */
import type { AnalysisContextBase } from "./context";

export interface RegistrationAttempt {
  txn: number;
  request: number;
  final?: number;
  status?: number;
  /** The REGISTER carried credentials (an Authorization with a non-empty response). */
  credentials: boolean;
  /** The 401/407 said stale=true: a new nonce, not a wrong password. */
  stale: boolean;
}

export type RegistrationOutcome = "registered" | "unregistered" | "failed" | "challenged" | "no-response" | "pending";

export interface Registration {
  callId: string;
  aor: string;
  attempts: RegistrationAttempt[];
  outcome: RegistrationOutcome;
  status?: number;
  /** Seconds granted by the registrar (200 OK Contact expires / Expires). */
  expires?: number;
  contacts: string[];
  ims: boolean;
  start: number;
  end: number;
}

export function buildRegistrations(ctx: AnalysisContextBase): Registration[] {
  const { msgs, txns, nodes } = ctx;
  const flows = new Map<string, number[]>();
  for (let ti = 0; ti < txns.length; ti++) {
    const t = txns[ti];
    if (t.method !== "REGISTER") continue;
    let l = flows.get(t.callId);
    if (!l) flows.set(t.callId, (l = []));
    l.push(t.index);
  }
  const out: Registration[] = [];
  for (const [callId, list] of flows) {
    list.sort((a, b) => txns[a].request - txns[b].request);
    // The UA's side: the hop where the client is the node that sent the first REGISTER.
    const ua = nodes.nodeOf(txns[list[0]].client);
    const hop = list.filter((i) => nodes.nodeOf(txns[i].client) === ua);
    const first = msgs[txns[hop[0]].request];
    const reg: Registration = {
      callId,
      aor: first.sip?.to?.uri ? `${first.sip.to.uri.user ? first.sip.to.uri.user + "@" : ""}${first.sip.to.uri.host}` : first.sip?.to?.uriText ?? "",
      attempts: [],
      outcome: "pending",
      contacts: [],
      ims: false,
      start: first.time,
      end: first.time,
    };
    for (const i of list) {
      const m = msgs[txns[i].request].sip;
      if (m && (/integrity-protected/i.test(m.header("authorization") ?? "") || m.header("path") || m.header("p-visited-network-id") || m.header("p-access-network-info"))) reg.ims = true;
    }
    for (const i of hop) {
      const t = txns[i];
      const req = msgs[t.request];
      const auth = req.sip?.header("authorization") ?? req.sip?.header("proxy-authorization");
      const a: RegistrationAttempt = {
        txn: i,
        request: t.request,
        credentials: !!auth && /response\s*=\s*"?[0-9a-f]/i.test(auth),
        stale: false,
      };
      if (t.final !== undefined) {
        a.final = t.final;
        a.status = t.finalStatus;
        const fin = msgs[t.final];
        const ch = fin.sip?.header("www-authenticate") ?? fin.sip?.header("proxy-authenticate");
        a.stale = !!ch && /stale\s*=\s*"?true/i.test(ch);
        if (fin.sip?.header("service-route")) reg.ims = true;
        reg.end = Math.max(reg.end, fin.time);
      }
      reg.end = Math.max(reg.end, req.time);
      reg.attempts.push(a);
    }
    const last = reg.attempts[reg.attempts.length - 1];
    const lastFinal = [...reg.attempts].reverse().find((a) => a.status !== undefined);
    if (lastFinal?.status !== undefined) reg.status = lastFinal.status;
    if (!lastFinal) reg.outcome = "no-response";
    else if (lastFinal.status! >= 200 && lastFinal.status! < 300) {
      const fin = msgs[lastFinal.final!].sip;
      const req = msgs[lastFinal.request].sip;
      const contacts = fin?.contact ?? [];
      reg.contacts = contacts.map((c) => c.uriText);
      const exp = contacts.map((c) => Number(c.params.expires)).find((x) => Number.isFinite(x));
      const hdr = Number(fin?.header("expires") ?? req?.header("expires"));
      reg.expires = exp ?? (Number.isFinite(hdr) ? hdr : undefined);
      reg.outcome = reg.expires === 0 || (contacts.length === 0 && req?.contact.length === 0) ? "unregistered" : "registered";
    } else if (lastFinal.status === 401 || lastFinal.status === 407) {
      // A challenge to a REGISTER that already carried credentials (and not for a stale nonce) is a rejection.
      reg.outcome = lastFinal.credentials && !lastFinal.stale ? "failed" : "challenged";
    } else if (lastFinal.status! >= 300) reg.outcome = "failed";
    if (lastFinal && last !== lastFinal && last.status === undefined && reg.outcome !== "registered") reg.outcome = "pending";
    out.push(reg);
  }
  return out;
}
