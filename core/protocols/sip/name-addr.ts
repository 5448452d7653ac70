/**
 * name-addr / addr-spec with header parameters (From, To, Contact, Route, Record-Route,
 * P-Asserted-Identity ...), RFC 3261 §20.10 and §25.1:
 *   "Display, Name" <sip:a@b;lr>;tag=1     Display Name <sip:a@b>     <sip:a@b>
 *   sip:a@b;tag=1   (bare URI: the parameters belong to the HEADER, not the URI)
 *   *               (Contact wildcard)
 */
import type { NameAddr } from "./types";
import { NO_PARAMS, parseParams, shareString, unquote } from "./header-values";
import { parseUri } from "./uri";

export function parseNameAddr(text: string | undefined): NameAddr | undefined {
  if (text === undefined) return undefined;
  const raw = text.trim();
  if (!raw) return undefined;
  let displayName: string | undefined;
  let i = 0;
  if (raw[0] === '"') {
    // Quoted display name: may contain commas, '<' and escaped quotes.
    let j = 1;
    while (j < raw.length && raw[j] !== '"') j += raw[j] === "\\" ? 2 : 1;
    displayName = unquote(raw.slice(0, Math.min(j + 1, raw.length)));
    i = j + 1;
  }
  const lt = raw.indexOf("<", i);
  let uriText: string;
  let paramText: string;
  if (lt >= 0) {
    if (displayName === undefined) {
      const d = raw.slice(0, lt).trim();
      if (d) displayName = d;
    }
    const gt = raw.indexOf(">", lt);
    uriText = raw.slice(lt + 1, gt < 0 ? raw.length : gt).trim();
    paramText = gt < 0 ? "" : raw.slice(gt + 1);
  } else {
    const rest = raw.slice(i).trim();
    const semi = rest.indexOf(";");
    uriText = (semi < 0 ? rest : rest.slice(0, semi)).trim();
    paramText = semi < 0 ? "" : rest.slice(semi);
  }
  const semi = paramText.indexOf(";");
  const params = semi < 0 ? NO_PARAMS : parseParams(paramText.slice(semi + 1));
  const tag = params.tag ?? undefined;
  const uri = uriText === "*" ? undefined : parseUri(uriText);
  return { displayName: displayName === undefined ? undefined : shareString(displayName), uri, uriText, tag: tag === null ? undefined : tag, params, raw };
}

/**
 * A From or To as the call list shows it: user@host[:port] of its URI (scheme and parameters left
 * out), else the text between <> when the URI did not parse; undefined without the header.
 */
export function shortAddress(na: NameAddr | undefined): string | undefined {
  if (!na) return undefined;
  const u = na.uri;
  if (!u) return na.uriText;
  return `${u.user ? u.user + "@" : ""}${u.host}${u.port ? ":" + u.port : ""}`;
}
