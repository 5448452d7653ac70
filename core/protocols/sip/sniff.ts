/**
 * SIP sniffing and framing. The implementation lives in core/capture/framing/sip.ts because the
 * capture layer needs it to find PDUs and the layering rule lets protocols import capture, never
 * the reverse; this file is the protocol-side name for it.
 */
export { sniffSip, frameSip } from "../../capture/framing/sip";
export type { Framing } from "../../capture/framing/framing";
