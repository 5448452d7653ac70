/**
 * The embedded HSS (3GPP TS 29.228/29.229 Cx server side): answers CER, MAR (SIP Digest: HA1 of
 * the subscriber) and SAR (registration state + minimal User-Data) from the users directory.
 * Pure: a request's bytes in, the answer's bytes out.
 */
import { AVP, CMD, CX_APP_ID, VENDOR_3GPP, avp, avpText, avpU32, decodeCx, encodeCx, findAvp, type Avp } from "./cx-codec";
import { ha1 } from "./digest";
import type { UserDirectory } from "./users";

export const HSS_HOST = "hss.sipscope.test";
const DIAMETER_SUCCESS = 2001;
const DIAMETER_ERROR_USER_UNKNOWN = 5001;
const DIAMETER_UNABLE_TO_COMPLY = 5012;

export class Hss {
  /** Public identity -> S-CSCF name registered by SAR. */
  readonly registered = new Map<string, string>();

  constructor(private readonly users: UserDirectory, private readonly host = HSS_HOST) {}

  private userOf(publicIdentity: string | undefined, userName: string | undefined) {
    const fromImpu = publicIdentity ? /^sips?:([^@;>]+)@/i.exec(publicIdentity)?.[1] : undefined;
    const fromImpi = userName?.split("@")[0];
    return this.users.users.get(fromImpi ?? "") ?? this.users.users.get(fromImpu ?? "");
  }

  /** Answer one request; undefined for bytes that are not a Diameter request. */
  answer(bytes: Uint8Array): Uint8Array | undefined {
    const req = decodeCx(bytes);
    if (!req || !req.request) return undefined;
    const base = (result: number | undefined, extra: Avp[]): Uint8Array => {
      const avps: Avp[] = [];
      const sid = findAvp(req.avps, AVP.SessionId);
      if (sid) avps.push(avp(AVP.SessionId, avpText(sid)!));
      if (req.command !== CMD.CER) {
        avps.push(avp(AVP.VendorSpecificApplicationId, [avp(AVP.VendorId, VENDOR_3GPP), avp(AVP.AuthApplicationId, CX_APP_ID)]));
        avps.push(avp(AVP.AuthSessionState, 1));
      }
      avps.push(avp(AVP.OriginHost, this.host), avp(AVP.OriginRealm, this.users.realm));
      if (result !== undefined) avps.push(avp(AVP.ResultCode, result));
      avps.push(...extra);
      return encodeCx({ request: false, command: req.command, appId: req.appId, hopByHop: req.hopByHop, endToEnd: req.endToEnd, avps });
    };
    const experimental = (code: number): Avp => avp(AVP.ExperimentalResult, [avp(AVP.VendorId, VENDOR_3GPP), avp(AVP.ExperimentalResultCode, code)]);

    if (req.command === CMD.CER) {
      return base(DIAMETER_SUCCESS, [avp(AVP.HostIpAddress, Uint8Array.of(0, 1, 127, 0, 0, 1)), avp(AVP.VendorId, VENDOR_3GPP), avp(AVP.ProductName, "SIPScope HSS"), avp(AVP.AuthApplicationId, CX_APP_ID)]);
    }
    const impu = avpText(findAvp(req.avps, AVP.PublicIdentity));
    const impi = avpText(findAvp(req.avps, AVP.UserName));
    const user = this.userOf(impu, impi);
    if (req.command === CMD.MAR) {
      if (!user) return base(undefined, [experimental(DIAMETER_ERROR_USER_UNKNOWN)]);
      // HA1 over the subscriber's configured private identity (the plain user name when none is
      // configured, which is what a non-IMS client such as sipp authenticates with).
      const realm = this.users.realm;
      const item = avp(AVP.SipAuthDataItem, [
        avp(AVP.SipItemNumber, 1),
        avp(AVP.SipAuthenticationScheme, "SIP Digest"),
        avp(AVP.SipDigestAuthenticate, [avp(AVP.DigestRealm, realm), avp(AVP.DigestQop, "auth"), avp(AVP.DigestHA1, ha1(user.impi ?? user.user, realm, user.password))]),
      ]);
      return base(DIAMETER_SUCCESS, [avp(AVP.UserName, impi ?? `${user.user}@${realm}`), avp(AVP.PublicIdentity, impu ?? `sip:${user.user}@${realm}`), avp(AVP.SipNumberAuthItems, 1), item]);
    }
    if (req.command === CMD.SAR) {
      if (!user) return base(undefined, [experimental(DIAMETER_ERROR_USER_UNKNOWN)]);
      const type = avpU32(findAvp(req.avps, AVP.ServerAssignmentType));
      const server = avpText(findAvp(req.avps, AVP.ServerName)) ?? "";
      if (impu) {
        if (type === 1 || type === 2) this.registered.set(impu, server);
        else this.registered.delete(impu);
      }
      const userData = `<?xml version="1.0" encoding="UTF-8"?><IMSSubscription><PrivateID>${impi ?? user.user}</PrivateID><ServiceProfile><PublicIdentity><Identity>${impu ?? ""}</Identity></PublicIdentity></ServiceProfile></IMSSubscription>`;
      return base(DIAMETER_SUCCESS, [avp(AVP.UserName, impi ?? user.user), avp(AVP.UserData, userData)]);
    }
    return base(DIAMETER_UNABLE_TO_COMPLY, []);
  }
}
