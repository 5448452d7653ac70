/** Test helper: wire text written with "\n" line ends in the source, sent with CRLF. */
import { encodeText } from "./text";

export function crlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

/** CRLF wire bytes; "{CL}" is replaced by the byte length of the body (text after the first empty line). */
export function wire(text: string): Uint8Array {
  let t = crlf(text);
  const sep = t.indexOf("\r\n\r\n");
  if (t.includes("{CL}") && sep >= 0) {
    const bodyLen = encodeText(t.slice(sep + 4)).length;
    t = t.replace("{CL}", String(bodyLen));
  }
  return encodeText(t);
}
