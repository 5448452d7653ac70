import { describe, expect, it } from "vitest";
import { defaultUsers, parseUsers } from "./users";

describe("users directory", () => {
  it("reads the object form with a realm", () => {
    const d = parseUsers('{"realm":"ims.example.com","users":[{"user":"alice","password":"pw1","impi":"alice@ims.example.com"}]}');
    expect(d.realm).toBe("ims.example.com");
    expect(d.users.get("alice")).toEqual({ user: "alice", password: "pw1", impi: "alice@ims.example.com" });
  });
  it("reads the plain map form", () => {
    const d = parseUsers('{"bob":"b","carol":"c"}');
    expect([...d.users.keys()]).toEqual(["bob", "carol"]);
    expect(d.realm).toBe("sipscope.test");
  });
  it.each([
    ["not json", /not JSON/],
    ["[1,2]", /JSON object/],
    ['{"users":[{"user":"x"}]}', /users\[0\] needs/],
    ['{"bob": 5}', /password must be a string/],
    ["null", /JSON object/],
  ])("rejects %s with a message that says why", (text, why) => {
    expect(() => parseUsers(text)).toThrow(why);
  });
  it("the demo set has named users and user0001..user0100", () => {
    const d = defaultUsers();
    expect(d.users.get("alice")?.password).toBe("alice-secret");
    expect(d.users.get("user0100")?.password).toBe("user0100-pw");
    expect(d.users.size).toBe(105);
  });
});
