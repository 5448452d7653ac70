/** PIDF documents (RFC 3863) for the presence server: build a minimal one, read <basic>. */

export const PIDF_TYPE = "application/pidf+xml";

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

export function buildPidf(entity: string, basic: "open" | "closed", note?: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\r\n` +
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${xmlEscape(entity)}">\r\n` +
    `  <tuple id="t1"><status><basic>${basic}</basic></status>${note ? `<note>${xmlEscape(note)}</note>` : ""}</tuple>\r\n` +
    `</presence>\r\n`
  );
}

/** The first <basic> value of a PIDF document, or undefined when it has none. */
export function pidfBasic(doc: string): string | undefined {
  const m = /<(?:\w+:)?basic>\s*([^<\s]+)\s*<\/(?:\w+:)?basic>/.exec(doc);
  return m?.[1];
}

/** True when the text looks like a PIDF document (root element presence in the PIDF namespace). */
export function isPidf(doc: string): boolean {
  return /<(?:\w+:)?presence\b[^>]*urn:ietf:params:xml:ns:pidf/.test(doc);
}
