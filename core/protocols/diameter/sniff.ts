/**
 * Diameter sniffing and framing (version 1, 24-bit length, sane command flags). The implementation
 * lives in core/capture/framing/diameter.ts (capture may not import protocols; the reverse is fine).
 */
export { sniffDiameter, frameDiameter, diameterLength } from "../../capture/framing/diameter";
export type { Framing } from "../../capture/framing/framing";
