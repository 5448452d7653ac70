/**
 * Byte classes and the parameter scan shared by the one-pass scanners of common header values
 * (scanCommonVia, scanCommonNameAddr): a byte outside them sends the value to the full parser.
 */

/** Letters, digits, '.', '-', '_': a host name or IPv4 address (an IPv6 reference goes to the full parser). */
export function isHostByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x5f;
}

/** Visible ASCII but '"' and ',' (a quote or a list comma needs the full parser): a parameter byte; ';' ends a parameter. */
export function isParamByte(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x22 && c !== 0x2c;
}

/** Where scanParams found the named parameter's value: [start, end), both -1 when it has none. */
export const paramValue = new Int32Array(2);

/**
 * The ";name[=value]..." parameters at b[i] (i at a ';' or at e) to e, checked byte by byte: false
 * on a byte that needs the full parser. Like parseParams, the first parameter called `name` (any
 * case; `name` is lower-case letters) gives the value, into paramValue.
 */
export function scanParams(b: Uint8Array, i: number, e: number, name: string): boolean {
  let seen = false;
  paramValue[0] = -1;
  paramValue[1] = -1;
  while (i < e) {
    const ns = ++i; // past the ';'
    let eq = -1;
    for (; i < e; i++) {
      const c = b[i];
      if (c === 0x3b /* ; */) break;
      if (!isParamByte(c)) return false;
      if (c === 0x3d /* = */ && eq < 0) eq = i;
    }
    if (!seen && isNamed(b, ns, eq < 0 ? i : eq, name)) {
      seen = true;
      if (eq >= 0) {
        paramValue[0] = eq + 1;
        paramValue[1] = i;
      }
    }
  }
  return true;
}

/** b[s, e) is `name` (lower-case letters) in any case. */
function isNamed(b: Uint8Array, s: number, e: number, name: string): boolean {
  if (e - s !== name.length) return false;
  for (let k = 0; k < name.length; k++) if ((b[s + k] | 0x20) !== name.charCodeAt(k)) return false;
  return true;
}
