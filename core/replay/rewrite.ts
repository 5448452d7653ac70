/**
 * Consistent rewriting of captured SIP text for a replay: captured addresses become the replay's
 * (server -> engine/target, each endpoint -> its replaying agent, any other captured IP ->
 * 127.0.0.1), Call-IDs and tags become fresh ones — the same captured value always maps to the
 * same new value, so dialogs stay dialogs.
 */

export class Rewriter {
  /** "ip:port" (captured) -> "ip:port" (replay); longest first when applied. */
  private readonly addresses: [string, string][] = [];
  private readonly ips = new Map<string, string>();
  readonly callIds = new Map<string, string>();
  readonly tags = new Map<string, string>();

  constructor(private readonly runId: string) {}

  mapAddress(captured: string, replay: string): void {
    this.addresses.push([captured, replay]);
    this.addresses.sort((a, b) => b[0].length - a[0].length);
    const ip = captured.replace(/:\d+$/, "");
    if (!this.ips.has(ip)) this.ips.set(ip, replay.replace(/:\d+$/, ""));
  }

  callId(captured: string): string {
    let v = this.callIds.get(captured);
    if (!v) {
      v = `${captured}-r${this.runId}`;
      this.callIds.set(captured, v);
    }
    return v;
  }

  /** A tag this side creates: a fresh value, stable per captured tag. */
  ownTag(captured: string): string {
    let v = this.tags.get(captured);
    if (!v) {
      v = `r${this.runId}${this.tags.size.toString(36)}${captured.length.toString(36)}`;
      this.tags.set(captured, v);
    }
    return v;
  }

  /** Learn the replay value of a tag created by the other side. */
  learnTag(captured: string, replay: string): void {
    if (!this.tags.has(captured)) this.tags.set(captured, replay);
  }

  /** Replace every captured "ip:port" and bare captured IP in text. */
  text(s: string): string {
    let out = s;
    for (const [from, to] of this.addresses) out = out.split(from).join(to);
    for (const [from, to] of this.ips) {
      if (from === to) continue;
      out = out.replace(new RegExp(`(?<![0-9.])${from.replace(/\./g, "\\.")}(?![0-9]|\\.[0-9])`, "g"), to);
    }
    return out;
  }

  /** Rewrite tag=... parameters through the tag map (unknown tags are left as captured). */
  tagsIn(headerValue: string): string {
    return headerValue.replace(/;\s*tag=([^;,\s>]+)/gi, (m, t: string) => (this.tags.has(t) ? `;tag=${this.tags.get(t)}` : m));
  }
}
