/**
 * How the analysis names and judges Diameter result codes. The names come from the protocol
 * dictionary (RFC 6733 §7.1 Result-Code; 3GPP Experimental-Result-Code for Cx/Dx, Sh, S6a), so the
 * inspector, the findings and the exports all say the same thing.
 */
import { experimentalResultCodeName, resultCodeName } from "../protocols/diameter/dictionary";

export function resultName(code: number, experimental: boolean): string {
  return (experimental ? experimentalResultCodeName(code) : resultCodeName(code)) ?? `${experimental ? "Experimental-Result" : "Result-Code"} ${code}`;
}

/** 1xxx informational and 2xxx success; everything from 3000 on is a failure (RFC 6733 §7.1). */
export function isSuccess(code: number | undefined): boolean {
  return code === undefined || code < 3000;
}
