/**
 * Ready-made messages for the built-in engine's peers: base CER/CEA, DWR/DWA and the Cx/Dx
 * exchanges an S-CSCF and HSS have during IMS registration (TS 29.228 §6.1, message formats in
 * TS 29.229 §6.1): UAR/UAA (I-CSCF), MAR/MAA (authentication vectors), SAR/SAA (assignment).
 * Answers copy the request's identifiers (hop-by-hop, end-to-end, Session-Id, application).
 */
import type { DiameterMessage } from "./types";
import { APP_CX } from "./dictionary";
import { avp, encodeDiameter, experimentalResult, group, vendorSpecificAppId } from "./encode";
import type { AvpInput } from "./encode";

export interface Ids {
  hopByHop: number;
  endToEnd: number;
}

export interface PeerIdentity {
  originHost: string;
  originRealm: string;
}

export interface CapabilitiesOptions extends PeerIdentity {
  hostIpAddresses: string[];
  vendorId?: number;
  productName?: string;
  originStateId?: number;
  /** Auth-Application-Ids advertised inside Vendor-Specific-Application-Id (3GPP); default [Cx]. */
  vendorSpecificAuthApps?: number[];
  authApplicationIds?: number[];
}

function capabilityAvps(o: CapabilitiesOptions): AvpInput[] {
  const avps: AvpInput[] = [avp("Origin-Host", o.originHost), avp("Origin-Realm", o.originRealm)];
  for (const ip of o.hostIpAddresses) avps.push(avp("Host-IP-Address", ip));
  avps.push(avp("Vendor-Id", o.vendorId ?? 0), avp("Product-Name", o.productName ?? "SIPScope"));
  if (o.originStateId !== undefined) avps.push(avp("Origin-State-Id", o.originStateId));
  avps.push(avp("Supported-Vendor-Id", 10415));
  for (const app of o.authApplicationIds ?? []) avps.push(avp("Auth-Application-Id", app));
  for (const app of o.vendorSpecificAuthApps ?? [APP_CX]) avps.push(vendorSpecificAppId(app));
  return avps;
}

export function buildCer(ids: Ids, o: CapabilitiesOptions): Uint8Array {
  return encodeDiameter({ command: "CER", ...ids, applicationId: 0, avps: capabilityAvps(o) });
}

export function buildCea(req: DiameterMessage, o: CapabilitiesOptions & { resultCode?: number }): Uint8Array {
  return encodeDiameter({
    command: 257,
    request: false,
    hopByHop: req.hopByHop,
    endToEnd: req.endToEnd,
    applicationId: 0,
    avps: [avp("Result-Code", o.resultCode ?? 2001), ...capabilityAvps(o)],
  });
}

export function buildDwr(ids: Ids, o: PeerIdentity & { originStateId?: number }): Uint8Array {
  const avps = [avp("Origin-Host", o.originHost), avp("Origin-Realm", o.originRealm)];
  if (o.originStateId !== undefined) avps.push(avp("Origin-State-Id", o.originStateId));
  return encodeDiameter({ command: "DWR", ...ids, applicationId: 0, avps });
}

export function buildDwa(req: DiameterMessage, o: PeerIdentity & { resultCode?: number }): Uint8Array {
  return encodeDiameter({
    command: 280,
    request: false,
    hopByHop: req.hopByHop,
    endToEnd: req.endToEnd,
    applicationId: 0,
    avps: [avp("Result-Code", o.resultCode ?? 2001), avp("Origin-Host", o.originHost), avp("Origin-Realm", o.originRealm)],
  });
}

/** Common head of a Cx request: Session-Id, Vendor-Specific-Application-Id, Auth-Session-State, origin/destination. */
export interface CxRequestOptions extends PeerIdentity {
  sessionId: string;
  destinationRealm: string;
  destinationHost?: string;
}

function cxRequestHead(o: CxRequestOptions): AvpInput[] {
  const avps: AvpInput[] = [
    avp("Session-Id", o.sessionId),
    vendorSpecificAppId(),
    avp("Auth-Session-State", "NO_STATE_MAINTAINED"),
    avp("Origin-Host", o.originHost),
    avp("Origin-Realm", o.originRealm),
  ];
  if (o.destinationHost) avps.push(avp("Destination-Host", o.destinationHost));
  avps.push(avp("Destination-Realm", o.destinationRealm));
  return avps;
}

/** Result of a Cx answer: a base Result-Code or a 3GPP Experimental-Result-Code. */
export interface CxResult {
  resultCode?: number;
  experimentalResultCode?: number;
}

function cxAnswerHead(req: DiameterMessage, o: PeerIdentity & CxResult): AvpInput[] {
  const avps: AvpInput[] = [];
  if (req.sessionId !== undefined) avps.push(avp("Session-Id", req.sessionId));
  avps.push(vendorSpecificAppId());
  if (o.experimentalResultCode !== undefined) avps.push(experimentalResult(o.experimentalResultCode));
  else avps.push(avp("Result-Code", o.resultCode ?? 2001));
  avps.push(avp("Auth-Session-State", "NO_STATE_MAINTAINED"), avp("Origin-Host", o.originHost), avp("Origin-Realm", o.originRealm));
  return avps;
}

function answer(req: DiameterMessage, avps: AvpInput[], error = false): Uint8Array {
  return encodeDiameter({ command: req.commandCode, request: false, hopByHop: req.hopByHop, endToEnd: req.endToEnd, applicationId: req.applicationId, proxiable: req.flags.proxiable, error, avps });
}

// ---- UAR / UAA (I-CSCF -> HSS at REGISTER) ----

export function buildUar(ids: Ids, o: CxRequestOptions & { userName: string; publicIdentity: string; visitedNetworkIdentifier: string; userAuthorizationType?: number | string }): Uint8Array {
  const avps = [
    ...cxRequestHead(o),
    avp("User-Name", o.userName),
    avp("Public-Identity", o.publicIdentity),
    avp("Visited-Network-Identifier", o.visitedNetworkIdentifier),
  ];
  if (o.userAuthorizationType !== undefined) avps.push(avp("User-Authorization-Type", o.userAuthorizationType));
  return encodeDiameter({ command: "UAR", ...ids, applicationId: APP_CX, avps });
}

export function buildUaa(req: DiameterMessage, o: PeerIdentity & CxResult & { serverName?: string; mandatoryCapabilities?: number[]; optionalCapabilities?: number[] }): Uint8Array {
  const avps = cxAnswerHead(req, o);
  if (o.serverName) avps.push(avp("Server-Name", o.serverName));
  if (o.mandatoryCapabilities || o.optionalCapabilities) {
    avps.push(
      group("Server-Capabilities", [
        ...(o.mandatoryCapabilities ?? []).map((c) => avp("Mandatory-Capability", c)),
        ...(o.optionalCapabilities ?? []).map((c) => avp("Optional-Capability", c)),
      ]),
    );
  }
  return answer(req, avps);
}

// ---- MAR / MAA (S-CSCF -> HSS for authentication vectors) ----

export interface MarOptions extends CxRequestOptions {
  userName: string;
  publicIdentity: string;
  serverName: string;
  numberAuthItems?: number;
  /** "Digest-AKAv1-MD5", "SIP Digest", "Unknown" ... */
  authenticationScheme?: string;
  /** Re-synchronisation data (AUTS) when the UE rejected the challenge. */
  sipAuthorization?: Uint8Array;
}

export function buildMar(ids: Ids, o: MarOptions): Uint8Array {
  const item: AvpInput[] = [avp("SIP-Authentication-Scheme", o.authenticationScheme ?? "Digest-AKAv1-MD5")];
  if (o.sipAuthorization) item.push(avp("SIP-Authorization", o.sipAuthorization));
  const avps = [
    ...cxRequestHead(o),
    avp("User-Name", o.userName),
    avp("Public-Identity", o.publicIdentity),
    group("SIP-Auth-Data-Item", item),
    avp("SIP-Number-Auth-Items", o.numberAuthItems ?? 1),
    avp("Server-Name", o.serverName),
  ];
  return encodeDiameter({ command: "MAR", ...ids, applicationId: APP_CX, avps });
}

export interface AuthVector {
  itemNumber?: number;
  scheme: string;
  /** AKA: RAND || AUTN (32 bytes). */
  authenticate?: Uint8Array;
  /** AKA: XRES. */
  authorization?: Uint8Array;
  confidentialityKey?: Uint8Array;
  integrityKey?: Uint8Array;
  /** SIP Digest (TS 29.229 §6.3.36): realm, QoP, HA1 inside SIP-Digest-Authenticate. */
  digest?: { realm: string; qop?: string; ha1: string; algorithm?: string };
}

export function buildMaa(req: DiameterMessage, o: PeerIdentity & CxResult & { userName?: string; publicIdentity?: string; vectors?: AuthVector[] }): Uint8Array {
  const avps = cxAnswerHead(req, o);
  if (o.userName ?? req.userName) avps.push(avp("User-Name", (o.userName ?? req.userName)!));
  if (o.publicIdentity ?? req.publicIdentity) avps.push(avp("Public-Identity", (o.publicIdentity ?? req.publicIdentity)!));
  const vectors = o.vectors ?? [];
  if (vectors.length) avps.push(avp("SIP-Number-Auth-Items", vectors.length));
  vectors.forEach((v, i) => {
    const item: AvpInput[] = [avp("SIP-Item-Number", v.itemNumber ?? i + 1), avp("SIP-Authentication-Scheme", v.scheme)];
    if (v.authenticate) item.push(avp("SIP-Authenticate", v.authenticate));
    if (v.authorization) item.push(avp("SIP-Authorization", v.authorization));
    if (v.confidentialityKey) item.push(avp("Confidentiality-Key", v.confidentialityKey));
    if (v.integrityKey) item.push(avp("Integrity-Key", v.integrityKey));
    if (v.digest) {
      const d: AvpInput[] = [avp("Digest-Realm", v.digest.realm)];
      if (v.digest.algorithm) d.push(avp("Digest-Algorithm", v.digest.algorithm));
      if (v.digest.qop) d.push(avp("Digest-QoP", v.digest.qop));
      d.push(avp("Digest-HA1", v.digest.ha1));
      item.push(group("SIP-Digest-Authenticate", d));
    }
    avps.push(group("SIP-Auth-Data-Item", item));
  });
  return answer(req, avps);
}

// ---- SAR / SAA (S-CSCF -> HSS after successful authentication) ----

export function buildSar(ids: Ids, o: CxRequestOptions & { userName?: string; publicIdentity: string; serverName: string; serverAssignmentType: number | string; userDataAlreadyAvailable?: number | string }): Uint8Array {
  const avps = [...cxRequestHead(o)];
  if (o.userName) avps.push(avp("User-Name", o.userName));
  avps.push(
    avp("Public-Identity", o.publicIdentity),
    avp("Server-Name", o.serverName),
    avp("Server-Assignment-Type", o.serverAssignmentType),
    avp("User-Data-Already-Available", o.userDataAlreadyAvailable ?? "USER_DATA_NOT_AVAILABLE"),
  );
  return encodeDiameter({ command: "SAR", ...ids, applicationId: APP_CX, avps });
}

export function buildSaa(req: DiameterMessage, o: PeerIdentity & CxResult & { userName?: string; userData?: string; chargingCollectionFunction?: string }): Uint8Array {
  const avps = cxAnswerHead(req, o);
  if (o.userName ?? req.userName) avps.push(avp("User-Name", (o.userName ?? req.userName)!));
  if (o.userData) avps.push(avp("User-Data", o.userData));
  if (o.chargingCollectionFunction) avps.push(group("Charging-Information", [avp("Primary-Charging-Collection-Function-Name", o.chargingCollectionFunction)]));
  return answer(req, avps);
}
