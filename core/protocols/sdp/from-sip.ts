/**
 * The SDP carried by a SIP message: the body when Content-Type is application/sdp, or the
 * application/sdp part of a multipart body (SDP + ISUP, SDP + PIDF-LO ...). Undefined when none.
 */
import type { SipMessage } from "../sip/types";
import { splitMultipart } from "../sip/multipart";
import { decodeText } from "../sip/text";
import { summariseSdp } from "./summary";
import type { SdpSummary } from "./summary";

function isSdp(contentType: string | undefined): boolean {
  return !!contentType && /^\s*application\/sdp\s*(;|$)/i.test(contentType);
}

export function sdpText(msg: SipMessage): string | undefined {
  const ct = msg.contentType;
  if (msg.body.length === 0) return undefined;
  if (isSdp(ct)) return decodeText(msg.body);
  if (ct && /^\s*multipart\//i.test(ct)) {
    const part = splitMultipart(msg.body, ct).parts.find((p) => isSdp(p.contentType));
    return part ? decodeText(part.body) : undefined;
  }
  return undefined;
}

/** summariseSdp of the message's SDP, or undefined when it carries none. */
export function sdpOf(msg: SipMessage): SdpSummary | undefined {
  const text = sdpText(msg);
  return text === undefined ? undefined : summariseSdp(text);
}
