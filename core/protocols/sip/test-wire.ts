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

/** `text` with each edit applied in turn: [position (wrapped to the text), character, insert (else replace)]. */
export function editedText(text: string, edits: readonly (readonly [number, string, boolean])[]): string {
  for (const [at, c, insert] of edits) {
    const i = at % (text.length + 1);
    text = text.slice(0, i) + c + text.slice(insert ? i : i + 1);
  }
  return text;
}
