/**
 * Subscribers the registrar (digest auth) and the embedded HSS know. A users file is either
 * `{ "realm": "...", "users": [{ "user": "alice", "password": "..." }] }` or a plain map
 * `{ "alice": "secret" }`.
 */
export interface UserRecord {
  user: string;
  password: string;
  /** IMS private identity (default user@realm). */
  impi?: string;
}

export interface UserDirectory {
  realm: string;
  users: Map<string, UserRecord>;
}

export const DEFAULT_REALM = "sipscope.test";

/** The demo set: a few named users plus user0001..user0100 (password = user name + "-pw") for load tests. */
export function defaultUsers(realm = DEFAULT_REALM): UserDirectory {
  const users = new Map<string, UserRecord>();
  for (const u of ["alice", "bob", "carol", "dave", "service"]) users.set(u, { user: u, password: `${u}-secret` });
  for (let i = 1; i <= 100; i++) {
    const u = `user${String(i).padStart(4, "0")}`;
    users.set(u, { user: u, password: `${u}-pw` });
  }
  return { realm, users };
}

/** Parse a users file's JSON text. Throws an Error naming what is wrong (the CLI prints it). */
export function parseUsers(json: string, fallbackRealm = DEFAULT_REALM): UserDirectory {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`users file is not JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("users file must hold a JSON object");
  const o = doc as Record<string, unknown>;
  const users = new Map<string, UserRecord>();
  if (Array.isArray(o.users)) {
    for (const [i, u] of o.users.entries()) {
      const r = u as Record<string, unknown>;
      if (typeof r?.user !== "string" || typeof r?.password !== "string") throw new Error(`users[${i}] needs string "user" and "password"`);
      users.set(r.user, { user: r.user, password: r.password, impi: typeof r.impi === "string" ? r.impi : undefined });
    }
    return { realm: typeof o.realm === "string" ? o.realm : fallbackRealm, users };
  }
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== "string") throw new Error(`user "${k}": password must be a string`);
    users.set(k, { user: k, password: v });
  }
  return { realm: fallbackRealm, users };
}
