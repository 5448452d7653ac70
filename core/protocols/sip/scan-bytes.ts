/**
 * Byte classes shared by the one-pass scanners of common header values (scanCommonVia,
 * scanCommonNameAddr): a byte outside them sends the value to the full parser.
 */

/** Letters, digits, '.', '-', '_': a host name or IPv4 address (an IPv6 reference goes to the full parser). */
export function isHostByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x5f;
}

/** Visible ASCII but '"' and ',' (a quote or a list comma needs the full parser): a parameter byte; ';' ends a parameter. */
export function isParamByte(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x22 && c !== 0x2c;
}
