/**
 * Original vs replayed ladder: both sides become sequences of (from role, to role, label) — roles
 * "S" for the server (captured hub / engine or target) and "A", "B", ... for the endpoints — with
 * retransmissions left out, aligned by longest common subsequence. What only the capture has is
 * "missing" from the replay, what only the replay has is "extra", and a missing/extra pair on the
 * same hop answering the same request with a different status is "changed".
 */

export interface DiffInput {
  id: number;
  from: string;
  to: string;
  /** "INVITE", "487 INVITE", "HTTP GET", "HTTP 200". */
  label: string;
}

export interface DiffEntry {
  kind: "missing" | "extra" | "changed";
  original?: number;
  replay?: number;
  label: string;
}

function key(m: DiffInput): string {
  return `${m.from}>${m.to} ${m.label}`;
}

function describe(m: DiffInput): string {
  return `${m.label} ${m.from} → ${m.to}`;
}

/**
 * Messages between the server and different endpoints interleave by the accident of timing, so
 * each hop (the server and one endpoint, or two endpoints) is aligned on its own.
 */
export function diffLadders(original: DiffInput[], replay: DiffInput[]): DiffEntry[] {
  const hop = (m: DiffInput) => [m.from, m.to].sort().join("|");
  const hops: string[] = [];
  for (const m of [...original, ...replay]) if (!hops.includes(hop(m))) hops.push(hop(m));
  const out: DiffEntry[] = [];
  for (const h of hops) out.push(...diffSequence(original.filter((m) => hop(m) === h), replay.filter((m) => hop(m) === h)));
  return out;
}

function diffSequence(original: DiffInput[], replay: DiffInput[]): DiffEntry[] {
  const a = original.map(key);
  const b = replay.map(key);
  const n = a.length;
  const m = b.length;
  // LCS table (flows of one call are small: a few hundred messages at most).
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out: DiffEntry[] = [];
  let i = 0;
  let j = 0;
  let gapMissing: DiffInput[] = [];
  let gapExtra: DiffInput[] = [];
  const flush = () => {
    // Pair a missing and an extra response on the same hop for the same method: "changed".
    for (const mi of gapMissing) {
      const status = /^(\d{3}) (.*)$/.exec(mi.label);
      const k = gapExtra.findIndex((e) => {
        const s = /^(\d{3}) (.*)$/.exec(e.label);
        return e.from === mi.from && e.to === mi.to && !!status && !!s && s[2] === status[2];
      });
      if (k >= 0) {
        const e = gapExtra.splice(k, 1)[0];
        out.push({ kind: "changed", original: mi.id, replay: e.id, label: `${mi.from} → ${mi.to}: ${mi.label} in the capture, ${e.label} in the replay` });
      } else out.push({ kind: "missing", original: mi.id, label: `${describe(mi)} is in the capture but not in the replay` });
    }
    for (const e of gapExtra) out.push({ kind: "extra", replay: e.id, label: `${describe(e)} happens in the replay but not in the capture` });
    gapMissing = [];
    gapExtra = [];
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j >= m || (i < n && dp[i + 1][j] >= dp[i][j + 1])) gapMissing.push(original[i++]);
    else gapExtra.push(replay[j++]);
  }
  flush();
  return out;
}
