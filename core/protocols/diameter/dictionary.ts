/**
 * Diameter dictionary: applications, commands and AVPs with their data types and enumerated
 * values, so decoded messages show by name (cf. Wireshark's dictionary.xml). Covers the base
 * protocol (RFC 6733), credit control (RFC 4006) and the 3GPP interfaces an IMS / EPC trace
 * carries: Cx/Dx (TS 29.228/29.229) in full, and the common AVPs of Sh (29.329), Rx (29.214),
 * Gx (29.212), Ro/Gy (32.299) and S6a/S6d (29.272). Unknown codes are not errors: the decoder
 * shows them raw.
 */

export type AvpType =
  | "OctetString"
  | "UTF8String"
  | "DiameterIdentity"
  | "DiameterURI"
  | "Integer32"
  | "Integer64"
  | "Unsigned32"
  | "Unsigned64"
  | "Float32"
  | "Float64"
  | "Address"
  | "Time"
  | "Enumerated"
  | "Grouped";

export interface AvpDef {
  code: number;
  /** 0 for IETF AVPs. */
  vendorId: number;
  name: string;
  type: AvpType;
  enums?: Record<number, string>;
  /** M bit senders set (used by the encoder's default). */
  mandatory: boolean;
}

export interface CommandDef {
  code: number;
  /** Short names for request and answer ("MAR", "MAA"). */
  request: string;
  answer: string;
  /** Long name stem: "Multimedia-Auth" -> "Multimedia-Auth-Request" / "-Answer". */
  long: string;
}

export const VENDOR_3GPP = 10415;
export const APP_CX = 16777216;

export const APPLICATIONS: Record<number, string> = {
  0: "Diameter Common Messages",
  1: "NASREQ",
  2: "Mobile IPv4",
  3: "Diameter Base Accounting",
  4: "Diameter Credit Control",
  5: "Diameter EAP",
  6: "Diameter SIP",
  16777216: "3GPP Cx/Dx",
  16777217: "3GPP Sh",
  16777236: "3GPP Rx",
  16777238: "3GPP Gx",
  16777251: "3GPP S6a/S6d",
  16777252: "3GPP S13/S13'",
  16777265: "3GPP SWx",
  16777272: "3GPP S6b",
  16777302: "3GPP Sy",
  4294967295: "Relay",
};

const COMMAND_LIST: [number, string, string, string][] = [
  [257, "CER", "CEA", "Capabilities-Exchange"],
  [258, "RAR", "RAA", "Re-Auth"],
  [265, "AAR", "AAA", "AA"],
  [268, "DER", "DEA", "Diameter-EAP"],
  [271, "ACR", "ACA", "Accounting"],
  [272, "CCR", "CCA", "Credit-Control"],
  [274, "ASR", "ASA", "Abort-Session"],
  [275, "STR", "STA", "Session-Termination"],
  [280, "DWR", "DWA", "Device-Watchdog"],
  [282, "DPR", "DPA", "Disconnect-Peer"],
  // Cx/Dx, TS 29.229 §6.1
  [300, "UAR", "UAA", "User-Authorization"],
  [301, "SAR", "SAA", "Server-Assignment"],
  [302, "LIR", "LIA", "Location-Info"],
  [303, "MAR", "MAA", "Multimedia-Auth"],
  [304, "RTR", "RTA", "Registration-Termination"],
  [305, "PPR", "PPA", "Push-Profile"],
  // Sh, TS 29.329 §6.1
  [306, "UDR", "UDA", "User-Data"],
  [307, "PUR", "PUA", "Profile-Update"],
  [308, "SNR", "SNA", "Subscribe-Notifications"],
  [309, "PNR", "PNA", "Push-Notification"],
  // S6a/S6d, TS 29.272 §7.2
  [316, "ULR", "ULA", "Update-Location"],
  [317, "CLR", "CLA", "Cancel-Location"],
  [318, "AIR", "AIA", "Authentication-Information"],
  [319, "IDR", "IDA", "Insert-Subscriber-Data"],
  [320, "DSR", "DSA", "Delete-Subscriber-Data"],
  [321, "PUR", "PUA", "Purge-UE"],
  [322, "RSR", "RSA", "Reset"],
  [323, "NOR", "NOA", "Notify"],
];

export const COMMANDS: Map<number, CommandDef> = new Map(COMMAND_LIST.map(([code, request, answer, long]) => [code, { code, request, answer, long }]));

/** Result-Code (268) values: RFC 6733 §7.1, RFC 4006 §9. */
export const RESULT_CODES: Record<number, string> = {
  1001: "DIAMETER_MULTI_ROUND_AUTH",
  2001: "DIAMETER_SUCCESS",
  2002: "DIAMETER_LIMITED_SUCCESS",
  3001: "DIAMETER_COMMAND_UNSUPPORTED",
  3002: "DIAMETER_UNABLE_TO_DELIVER",
  3003: "DIAMETER_REALM_NOT_SERVED",
  3004: "DIAMETER_TOO_BUSY",
  3005: "DIAMETER_LOOP_DETECTED",
  3006: "DIAMETER_REDIRECT_INDICATION",
  3007: "DIAMETER_APPLICATION_UNSUPPORTED",
  3008: "DIAMETER_INVALID_HDR_BITS",
  3009: "DIAMETER_INVALID_AVP_BITS",
  3010: "DIAMETER_UNKNOWN_PEER",
  4001: "DIAMETER_AUTHENTICATION_REJECTED",
  4002: "DIAMETER_OUT_OF_SPACE",
  4003: "ELECTION_LOST",
  4010: "DIAMETER_END_USER_SERVICE_DENIED",
  4011: "DIAMETER_CREDIT_CONTROL_NOT_APPLICABLE",
  4012: "DIAMETER_CREDIT_LIMIT_REACHED",
  5001: "DIAMETER_AVP_UNSUPPORTED",
  5002: "DIAMETER_UNKNOWN_SESSION_ID",
  5003: "DIAMETER_AUTHORIZATION_REJECTED",
  5004: "DIAMETER_INVALID_AVP_VALUE",
  5005: "DIAMETER_MISSING_AVP",
  5006: "DIAMETER_RESOURCES_EXCEEDED",
  5007: "DIAMETER_CONTRADICTING_AVPS",
  5008: "DIAMETER_AVP_NOT_ALLOWED",
  5009: "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES",
  5010: "DIAMETER_NO_COMMON_APPLICATION",
  5011: "DIAMETER_UNSUPPORTED_VERSION",
  5012: "DIAMETER_UNABLE_TO_COMPLY",
  5013: "DIAMETER_INVALID_BIT_IN_HEADER",
  5014: "DIAMETER_INVALID_AVP_LENGTH",
  5015: "DIAMETER_INVALID_MESSAGE_LENGTH",
  5016: "DIAMETER_INVALID_AVP_BIT_COMBO",
  5017: "DIAMETER_NO_COMMON_SECURITY",
  5030: "DIAMETER_USER_UNKNOWN",
  5031: "DIAMETER_RATING_FAILED",
};

/**
 * Experimental-Result-Code (298) values defined by 3GPP (vendor 10415): Cx/Dx TS 29.229 §6.2,
 * Sh TS 29.329 §6.2, S6a TS 29.272 §7.4. The code spaces do not overlap where they are shared
 * (5001 "user unknown" means the same on Cx and S6a).
 */
export const EXPERIMENTAL_RESULT_CODES: Record<number, string> = {
  2001: "DIAMETER_FIRST_REGISTRATION",
  2002: "DIAMETER_SUBSEQUENT_REGISTRATION",
  2003: "DIAMETER_UNREGISTERED_SERVICE",
  2004: "DIAMETER_SUCCESS_SERVER_NAME_NOT_STORED",
  2005: "DIAMETER_SERVER_SELECTION",
  4100: "DIAMETER_USER_DATA_NOT_AVAILABLE",
  4101: "DIAMETER_PRIOR_UPDATE_IN_PROGRESS",
  4181: "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE",
  4182: "DIAMETER_ERROR_CAMEL_SUBSCRIPTION_PRESENT",
  5001: "DIAMETER_ERROR_USER_UNKNOWN",
  5002: "DIAMETER_ERROR_IDENTITIES_DONT_MATCH",
  5003: "DIAMETER_ERROR_IDENTITY_NOT_REGISTERED",
  5004: "DIAMETER_ERROR_ROAMING_NOT_ALLOWED",
  5005: "DIAMETER_ERROR_IDENTITY_ALREADY_REGISTERED",
  5006: "DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED",
  5007: "DIAMETER_ERROR_IN_ASSIGNMENT_TYPE",
  5008: "DIAMETER_ERROR_TOO_MUCH_DATA",
  5009: "DIAMETER_ERROR_NOT_SUPPORTED_USER_DATA",
  5011: "DIAMETER_ERROR_FEATURE_UNSUPPORTED",
  5012: "DIAMETER_ERROR_SERVING_NODE_FEATURE_UNSUPPORTED",
  5100: "DIAMETER_ERROR_USER_DATA_NOT_RECOGNIZED",
  5101: "DIAMETER_ERROR_OPERATION_NOT_ALLOWED",
  5102: "DIAMETER_ERROR_USER_DATA_CANNOT_BE_READ",
  5103: "DIAMETER_ERROR_USER_DATA_CANNOT_BE_MODIFIED",
  5104: "DIAMETER_ERROR_USER_DATA_CANNOT_BE_NOTIFIED",
  5105: "DIAMETER_ERROR_TRANSPARENT_DATA_OUT_OF_SYNC",
  5106: "DIAMETER_ERROR_SUBS_DATA_ABSENT",
  5107: "DIAMETER_ERROR_NO_SUBSCRIPTION_TO_DATA",
  5108: "DIAMETER_ERROR_DSAI_NOT_AVAILABLE",
  5420: "DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION",
  5421: "DIAMETER_ERROR_RAT_NOT_ALLOWED",
  5422: "DIAMETER_ERROR_EQUIPMENT_UNKNOWN",
  5423: "DIAMETER_ERROR_UNKNOWN_SERVING_NODE",
};

const V = VENDOR_3GPP;
type Row = [code: number, vendor: number, name: string, type: AvpType, enums?: Record<number, string>, mandatory?: boolean];

const AVP_LIST: Row[] = [
  // RFC 6733 base protocol (+ RFC 7683 etc. where noted)
  [1, 0, "User-Name", "UTF8String"],
  [25, 0, "Class", "OctetString"],
  [27, 0, "Session-Timeout", "Unsigned32"],
  [33, 0, "Proxy-State", "OctetString"],
  [44, 0, "Accounting-Session-Id", "OctetString"],
  [50, 0, "Acct-Multi-Session-Id", "UTF8String"],
  [55, 0, "Event-Timestamp", "Time"],
  [85, 0, "Acct-Interim-Interval", "Unsigned32"],
  [257, 0, "Host-IP-Address", "Address"],
  [258, 0, "Auth-Application-Id", "Unsigned32"],
  [259, 0, "Acct-Application-Id", "Unsigned32"],
  [260, 0, "Vendor-Specific-Application-Id", "Grouped"],
  [261, 0, "Redirect-Host-Usage", "Enumerated", { 0: "DONT_CACHE", 1: "ALL_SESSION", 2: "ALL_REALM", 3: "REALM_AND_APPLICATION", 4: "ALL_APPLICATION", 5: "ALL_HOST", 6: "ALL_USER" }],
  [262, 0, "Redirect-Max-Cache-Time", "Unsigned32"],
  [263, 0, "Session-Id", "UTF8String"],
  [264, 0, "Origin-Host", "DiameterIdentity"],
  [265, 0, "Supported-Vendor-Id", "Unsigned32"],
  [266, 0, "Vendor-Id", "Unsigned32"],
  [267, 0, "Firmware-Revision", "Unsigned32", undefined, false],
  [268, 0, "Result-Code", "Unsigned32"],
  [269, 0, "Product-Name", "UTF8String", undefined, false],
  [270, 0, "Session-Binding", "Unsigned32"],
  [271, 0, "Session-Server-Failover", "Enumerated", { 0: "REFUSE_SERVICE", 1: "TRY_AGAIN", 2: "ALLOW_SERVICE", 3: "TRY_AGAIN_ALLOW_SERVICE" }],
  [272, 0, "Multi-Round-Time-Out", "Unsigned32"],
  [273, 0, "Disconnect-Cause", "Enumerated", { 0: "REBOOTING", 1: "BUSY", 2: "DO_NOT_WANT_TO_TALK_TO_YOU" }],
  [274, 0, "Auth-Request-Type", "Enumerated", { 1: "AUTHENTICATE_ONLY", 2: "AUTHORIZE_ONLY", 3: "AUTHORIZE_AUTHENTICATE" }],
  [276, 0, "Auth-Grace-Period", "Unsigned32"],
  [277, 0, "Auth-Session-State", "Enumerated", { 0: "STATE_MAINTAINED", 1: "NO_STATE_MAINTAINED" }],
  [278, 0, "Origin-State-Id", "Unsigned32"],
  [279, 0, "Failed-AVP", "Grouped"],
  [280, 0, "Proxy-Host", "DiameterIdentity"],
  [281, 0, "Error-Message", "UTF8String", undefined, false],
  [282, 0, "Route-Record", "DiameterIdentity"],
  [283, 0, "Destination-Realm", "DiameterIdentity"],
  [284, 0, "Proxy-Info", "Grouped"],
  [285, 0, "Re-Auth-Request-Type", "Enumerated", { 0: "AUTHORIZE_ONLY", 1: "AUTHORIZE_AUTHENTICATE" }],
  [287, 0, "Accounting-Sub-Session-Id", "Unsigned64"],
  [291, 0, "Authorization-Lifetime", "Unsigned32"],
  [292, 0, "Redirect-Host", "DiameterURI"],
  [293, 0, "Destination-Host", "DiameterIdentity"],
  [294, 0, "Error-Reporting-Host", "DiameterIdentity", undefined, false],
  [295, 0, "Termination-Cause", "Enumerated", { 1: "DIAMETER_LOGOUT", 2: "DIAMETER_SERVICE_NOT_PROVIDED", 3: "DIAMETER_BAD_ANSWER", 4: "DIAMETER_ADMINISTRATIVE", 5: "DIAMETER_LINK_BROKEN", 6: "DIAMETER_AUTH_EXPIRED", 7: "DIAMETER_USER_MOVED", 8: "DIAMETER_SESSION_TIMEOUT" }],
  [296, 0, "Origin-Realm", "DiameterIdentity"],
  [297, 0, "Experimental-Result", "Grouped"],
  [298, 0, "Experimental-Result-Code", "Unsigned32"],
  [299, 0, "Inband-Security-Id", "Unsigned32", { 0: "NO_INBAND_SECURITY", 1: "TLS" }],
  [480, 0, "Accounting-Record-Type", "Enumerated", { 1: "EVENT_RECORD", 2: "START_RECORD", 3: "INTERIM_RECORD", 4: "STOP_RECORD" }],
  [483, 0, "Accounting-Realtime-Required", "Enumerated", { 1: "DELIVER_AND_GRANT", 2: "GRANT_AND_STORE", 3: "GRANT_AND_LOSE" }],
  [485, 0, "Accounting-Record-Number", "Unsigned32"],
  [493, 0, "Service-Selection", "UTF8String"], // RFC 5778, the APN on S6a
  // RFC 4740 / 4590 digest AVPs used inside SIP-Digest-Authenticate on Cx
  [104, 0, "Digest-Realm", "UTF8String"],
  [110, 0, "Digest-QoP", "UTF8String"],
  [111, 0, "Digest-Algorithm", "UTF8String"],
  [121, 0, "Digest-HA1", "UTF8String"],
  // RFC 4006 credit control (Gy/Ro, also used by Gx)
  [411, 0, "CC-Correlation-Id", "OctetString"],
  [412, 0, "CC-Input-Octets", "Unsigned64"],
  [413, 0, "CC-Money", "Grouped"],
  [414, 0, "CC-Output-Octets", "Unsigned64"],
  [415, 0, "CC-Request-Number", "Unsigned32"],
  [416, 0, "CC-Request-Type", "Enumerated", { 1: "INITIAL_REQUEST", 2: "UPDATE_REQUEST", 3: "TERMINATION_REQUEST", 4: "EVENT_REQUEST" }],
  [417, 0, "CC-Service-Specific-Units", "Unsigned64"],
  [418, 0, "CC-Session-Failover", "Enumerated", { 0: "FAILOVER_NOT_SUPPORTED", 1: "FAILOVER_SUPPORTED" }],
  [419, 0, "CC-Sub-Session-Id", "Unsigned64"],
  [420, 0, "CC-Time", "Unsigned32"],
  [421, 0, "CC-Total-Octets", "Unsigned64"],
  [427, 0, "Credit-Control-Failure-Handling", "Enumerated", { 0: "TERMINATE", 1: "CONTINUE", 2: "RETRY_AND_TERMINATE" }],
  [430, 0, "Final-Unit-Indication", "Grouped"],
  [431, 0, "Granted-Service-Unit", "Grouped"],
  [432, 0, "Rating-Group", "Unsigned32"],
  [436, 0, "Requested-Action", "Enumerated", { 0: "DIRECT_DEBITING", 1: "REFUND_ACCOUNT", 2: "CHECK_BALANCE", 3: "PRICE_ENQUIRY" }],
  [437, 0, "Requested-Service-Unit", "Grouped"],
  [439, 0, "Service-Identifier", "Unsigned32"],
  [443, 0, "Subscription-Id", "Grouped"],
  [444, 0, "Subscription-Id-Data", "UTF8String"],
  [446, 0, "Used-Service-Unit", "Grouped"],
  [448, 0, "Validity-Time", "Unsigned32"],
  [449, 0, "Final-Unit-Action", "Enumerated", { 0: "TERMINATE", 1: "REDIRECT", 2: "RESTRICT_ACCESS" }],
  [450, 0, "Subscription-Id-Type", "Enumerated", { 0: "END_USER_E164", 1: "END_USER_IMSI", 2: "END_USER_SIP_URI", 3: "END_USER_NAI", 4: "END_USER_PRIVATE" }],
  [455, 0, "Multiple-Services-Indicator", "Enumerated", { 0: "MULTIPLE_SERVICES_NOT_SUPPORTED", 1: "MULTIPLE_SERVICES_SUPPORTED" }],
  [456, 0, "Multiple-Services-Credit-Control", "Grouped"],
  [458, 0, "User-Equipment-Info", "Grouped", undefined, false],
  [459, 0, "User-Equipment-Info-Type", "Enumerated", { 0: "IMEISV", 1: "MAC", 2: "EUI64", 3: "MODIFIED_EUI64" }, false],
  [460, 0, "User-Equipment-Info-Value", "OctetString", undefined, false],
  [461, 0, "Service-Context-Id", "UTF8String"],
  [422, 0, "Check-Balance-Result", "Enumerated", { 0: "ENOUGH_CREDIT", 1: "NO_CREDIT" }],
  [423, 0, "Cost-Information", "Grouped"],
  [424, 0, "Cost-Unit", "UTF8String"],
  [425, 0, "Currency-Code", "Unsigned32"],
  [428, 0, "Direct-Debiting-Failure-Handling", "Enumerated", { 0: "TERMINATE_OR_BUFFER", 1: "CONTINUE" }],
  [429, 0, "Exponent", "Integer32"],
  [433, 0, "Redirect-Address-Type", "Enumerated", { 0: "IPv4 Address", 1: "IPv6 Address", 2: "URL", 3: "SIP URI" }],
  [434, 0, "Redirect-Server", "Grouped"],
  [435, 0, "Redirect-Server-Address", "UTF8String"],
  [440, 0, "Service-Parameter-Info", "Grouped"],
  [441, 0, "Service-Parameter-Type", "Unsigned32"],
  [442, 0, "Service-Parameter-Value", "OctetString"],
  [445, 0, "Unit-Value", "Grouped"],
  [447, 0, "Value-Digits", "Integer64"],
  [451, 0, "Tariff-Time-Change", "Time"],
  [452, 0, "Tariff-Change-Usage", "Enumerated", { 0: "UNIT_BEFORE_TARIFF_CHANGE", 1: "UNIT_AFTER_TARIFF_CHANGE", 2: "UNIT_INDETERMINATE" }],
  [453, 0, "G-S-U-Pool-Identifier", "Unsigned32"],
  [454, 0, "CC-Unit-Type", "Enumerated", { 0: "TIME", 1: "MONEY", 2: "TOTAL-OCTETS", 3: "INPUT-OCTETS", 4: "OUTPUT-OCTETS", 5: "SERVICE-SPECIFIC-UNITS" }],
  [457, 0, "G-S-U-Pool-Reference", "Grouped"],
  // RFC 7155 (NASREQ) AVPs that Gx/Gy/Rx carry
  [8, 0, "Framed-IP-Address", "OctetString"],
  [30, 0, "Called-Station-Id", "UTF8String"],
  [31, 0, "Calling-Station-Id", "UTF8String"],
  // 3GPP Cx/Dx, TS 29.229 §6.3 (vendor 10415)
  [600, V, "Visited-Network-Identifier", "OctetString"],
  [601, V, "Public-Identity", "UTF8String"],
  [602, V, "Server-Name", "UTF8String"],
  [603, V, "Server-Capabilities", "Grouped"],
  [604, V, "Mandatory-Capability", "Unsigned32"],
  [605, V, "Optional-Capability", "Unsigned32"],
  [606, V, "User-Data", "OctetString"],
  [607, V, "SIP-Number-Auth-Items", "Unsigned32"],
  [608, V, "SIP-Authentication-Scheme", "UTF8String"],
  [609, V, "SIP-Authenticate", "OctetString"],
  [610, V, "SIP-Authorization", "OctetString"],
  [611, V, "SIP-Authentication-Context", "OctetString"],
  [612, V, "SIP-Auth-Data-Item", "Grouped"],
  [613, V, "SIP-Item-Number", "Unsigned32"],
  [
    614,
    V,
    "Server-Assignment-Type",
    "Enumerated",
    {
      0: "NO_ASSIGNMENT",
      1: "REGISTRATION",
      2: "RE_REGISTRATION",
      3: "UNREGISTERED_USER",
      4: "TIMEOUT_DEREGISTRATION",
      5: "USER_DEREGISTRATION",
      6: "TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME",
      7: "USER_DEREGISTRATION_STORE_SERVER_NAME",
      8: "ADMINISTRATIVE_DEREGISTRATION",
      9: "AUTHENTICATION_FAILURE",
      10: "AUTHENTICATION_TIMEOUT",
      11: "DEREGISTRATION_TOO_MUCH_DATA",
      12: "AAA_USER_DATA_REQUEST",
      13: "PGW_UPDATE",
      14: "RESTORATION",
    },
  ],
  [615, V, "Deregistration-Reason", "Grouped"],
  [616, V, "Reason-Code", "Enumerated", { 0: "PERMANENT_TERMINATION", 1: "NEW_SERVER_ASSIGNED", 2: "SERVER_CHANGE", 3: "REMOVE_S-CSCF" }],
  [617, V, "Reason-Info", "UTF8String"],
  [618, V, "Charging-Information", "Grouped"],
  [619, V, "Primary-Event-Charging-Function-Name", "DiameterURI"],
  [620, V, "Secondary-Event-Charging-Function-Name", "DiameterURI"],
  [621, V, "Primary-Charging-Collection-Function-Name", "DiameterURI"],
  [622, V, "Secondary-Charging-Collection-Function-Name", "DiameterURI"],
  [623, V, "User-Authorization-Type", "Enumerated", { 0: "REGISTRATION", 1: "DE_REGISTRATION", 2: "REGISTRATION_AND_CAPABILITIES" }],
  [624, V, "User-Data-Already-Available", "Enumerated", { 0: "USER_DATA_NOT_AVAILABLE", 1: "USER_DATA_ALREADY_AVAILABLE" }],
  [625, V, "Confidentiality-Key", "OctetString"],
  [626, V, "Integrity-Key", "OctetString"],
  [628, V, "Supported-Features", "Grouped", undefined, false],
  [629, V, "Feature-List-ID", "Unsigned32", undefined, false],
  [630, V, "Feature-List", "Unsigned32", undefined, false],
  [631, V, "Supported-Applications", "Grouped", undefined, false],
  [632, V, "Associated-Identities", "Grouped", undefined, false],
  [633, V, "Originating-Request", "Enumerated", { 0: "ORIGINATING" }],
  [634, V, "Wildcarded-PSI", "UTF8String", undefined, false],
  [635, V, "SIP-Digest-Authenticate", "Grouped"],
  [636, V, "Wildcarded-IMPU", "UTF8String", undefined, false],
  [637, V, "UAR-Flags", "Unsigned32", undefined, false],
  [638, V, "Loose-Route-Indication", "Enumerated", { 0: "LOOSE_ROUTE_NOT_REQUIRED", 1: "LOOSE_ROUTE_REQUIRED" }, false],
  [639, V, "SCSCF-Restoration-Info", "Grouped", undefined, false],
  [640, V, "Path", "OctetString", undefined, false],
  [641, V, "Contact", "OctetString", undefined, false],
  [642, V, "Subscription-Info", "Grouped", undefined, false],
  [643, V, "Call-ID-SIP-Header", "OctetString", undefined, false],
  [644, V, "From-SIP-Header", "OctetString", undefined, false],
  [645, V, "To-SIP-Header", "OctetString", undefined, false],
  [646, V, "Record-Route", "OctetString", undefined, false],
  [647, V, "Associated-Registered-Identities", "Grouped", undefined, false],
  [648, V, "Multiple-Registration-Indication", "Enumerated", { 0: "NOT_MULTIPLE_REGISTRATION", 1: "MULTIPLE_REGISTRATION" }, false],
  [649, V, "Restoration-Info", "Grouped", undefined, false],
  // 3GPP Sh, TS 29.329 §6.3
  [700, V, "User-Identity", "Grouped"],
  [701, V, "MSISDN", "OctetString"],
  [702, V, "Sh-User-Data", "OctetString"],
  [703, V, "Data-Reference", "Enumerated", { 0: "RepositoryData", 10: "IMSPublicIdentity", 11: "IMSUserState", 12: "S-CSCFName", 13: "InitialFilterCriteria", 14: "LocationInformation", 15: "UserState", 16: "ChargingInformation", 17: "MSISDN", 18: "PSIActivation", 19: "DSAI", 21: "ServiceLevelTraceInfo", 22: "IPAddressSecureBindingInformation", 23: "ServicePriorityLevel", 24: "SMSRegistrationInfo", 25: "UEReachabilityForIP", 26: "TADSinformation", 27: "STN-SR", 28: "UE-SRVCC-Capability", 29: "ExtendedPriority", 30: "CSRN", 31: "ReferenceLocationInformation", 32: "IMSI", 33: "IMSPrivateUserIdentity", 34: "IMEISV", 35: "UE-5G-SRVCC-Capability" }],
  [704, V, "Service-Indication", "OctetString"],
  [705, V, "Subs-Req-Type", "Enumerated", { 0: "Subscribe", 1: "Unsubscribe" }],
  [706, V, "Requested-Domain", "Enumerated", { 0: "CS-Domain", 1: "PS-Domain" }],
  [707, V, "Current-Location", "Enumerated", { 0: "DoNotNeedInitiateActiveLocationRetrieval", 1: "InitiateActiveLocationRetrieval" }],
  [708, V, "Identity-Set", "Enumerated", { 0: "ALL_IDENTITIES", 1: "REGISTERED_IDENTITIES", 2: "IMPLICIT_IDENTITIES", 3: "ALIAS_IDENTITIES" }],
  [709, V, "Expiry-Time", "Time"],
  [710, V, "Send-Data-Indication", "Enumerated", { 0: "USER_DATA_NOT_REQUESTED", 1: "USER_DATA_REQUESTED" }],
  [711, V, "DSAI-Tag", "OctetString"],
  // 3GPP Rx, TS 29.214 §5.3
  [504, V, "AF-Application-Identifier", "OctetString"],
  [505, V, "AF-Charging-Identifier", "OctetString"],
  [507, V, "Flow-Description", "IPFilterRule" as AvpType],
  [509, V, "Flow-Number", "Unsigned32"],
  [510, V, "Flows", "Grouped"],
  [511, V, "Flow-Status", "Enumerated", { 0: "ENABLED-UPLINK", 1: "ENABLED-DOWNLINK", 2: "ENABLED", 3: "DISABLED", 4: "REMOVED" }],
  [512, V, "Flow-Usage", "Enumerated", { 0: "NO_INFORMATION", 1: "RTCP", 2: "AF_SIGNALLING" }],
  [513, V, "Specific-Action", "Enumerated", { 1: "CHARGING_CORRELATION_EXCHANGE", 2: "INDICATION_OF_LOSS_OF_BEARER", 3: "INDICATION_OF_RECOVERY_OF_BEARER", 4: "INDICATION_OF_RELEASE_OF_BEARER", 6: "IP-CAN_CHANGE", 7: "INDICATION_OF_OUT_OF_CREDIT", 8: "INDICATION_OF_SUCCESSFUL_RESOURCES_ALLOCATION", 9: "INDICATION_OF_FAILED_RESOURCES_ALLOCATION", 10: "INDICATION_OF_LIMITED_PCC_DEPLOYMENT", 11: "USAGE_REPORT", 12: "ACCESS_NETWORK_INFO_REPORT" }],
  [515, V, "Max-Requested-Bandwidth-DL", "Unsigned32"],
  [516, V, "Max-Requested-Bandwidth-UL", "Unsigned32"],
  [517, V, "Media-Component-Description", "Grouped"],
  [518, V, "Media-Component-Number", "Unsigned32"],
  [519, V, "Media-Sub-Component", "Grouped"],
  [520, V, "Media-Type", "Enumerated", { 0: "AUDIO", 1: "VIDEO", 2: "DATA", 3: "APPLICATION", 4: "CONTROL", 5: "TEXT", 6: "MESSAGE", 4294967295: "OTHER" }],
  [521, V, "RR-Bandwidth", "Unsigned32"],
  [522, V, "RS-Bandwidth", "Unsigned32"],
  [523, V, "SIP-Forking-Indication", "Enumerated", { 0: "SINGLE_DIALOGUE", 1: "SEVERAL_DIALOGUES" }],
  [527, V, "Service-Info-Status", "Enumerated", { 0: "FINAL_SERVICE_INFORMATION", 1: "PRELIMINARY_SERVICE_INFORMATION" }],
  [533, V, "Rx-Request-Type", "Enumerated", { 0: "INITIAL_REQUEST", 1: "UPDATE_REQUEST", 2: "PCSCF_RESTORATION" }],
  // 3GPP Gx, TS 29.212 §5.3
  [1001, V, "Charging-Rule-Install", "Grouped"],
  [1002, V, "Charging-Rule-Remove", "Grouped"],
  [1003, V, "Charging-Rule-Definition", "Grouped"],
  [1004, V, "Charging-Rule-Base-Name", "UTF8String"],
  [1005, V, "Charging-Rule-Name", "OctetString"],
  [1006, V, "Event-Trigger", "Enumerated", { 0: "SGSN_CHANGE", 1: "QOS_CHANGE", 2: "RAT_CHANGE", 3: "TFT_CHANGE", 4: "PLMN_CHANGE", 5: "LOSS_OF_BEARER", 6: "RECOVERY_OF_BEARER", 7: "IP-CAN_CHANGE", 13: "USAGE_REPORT", 26: "UE_IP_ADDRESS_ALLOCATE", 27: "UE_IP_ADDRESS_RELEASE" }],
  [1016, V, "QoS-Information", "Grouped"],
  [1018, V, "Charging-Rule-Report", "Grouped"],
  [1019, V, "PCC-Rule-Status", "Enumerated", { 0: "ACTIVE", 1: "INACTIVE", 2: "TEMPORARILY_INACTIVE" }],
  [1027, V, "IP-CAN-Type", "Enumerated", { 0: "3GPP-GPRS", 1: "DOCSIS", 2: "xDSL", 3: "WiMAX", 4: "3GPP2", 5: "3GPP-EPS", 6: "Non-3GPP-EPS", 7: "FBA", 8: "3GPP-5GS", 9: "Non-3GPP-5GS" }],
  [1028, V, "QoS-Class-Identifier", "Enumerated"],
  [1032, V, "RAT-Type", "Enumerated", { 0: "WLAN", 1: "VIRTUAL", 2: "TRUSTED-N3GA", 1000: "UTRAN", 1001: "GERAN", 1002: "GAN", 1003: "HSPA_EVOLUTION", 1004: "EUTRAN", 1005: "EUTRAN-NB-IoT", 1006: "NR", 2000: "CDMA2000_1X", 2001: "HRPD", 2002: "UMB", 2003: "EHRPD" }],
  [1034, V, "Allocation-Retention-Priority", "Grouped"],
  [1040, V, "APN-Aggregate-Max-Bitrate-DL", "Unsigned32"],
  [1041, V, "APN-Aggregate-Max-Bitrate-UL", "Unsigned32"],
  [1046, V, "Priority-Level", "Unsigned32"],
  [1047, V, "Pre-emption-Capability", "Enumerated", { 0: "PRE-EMPTION_CAPABILITY_ENABLED", 1: "PRE-EMPTION_CAPABILITY_DISABLED" }],
  [1048, V, "Pre-emption-Vulnerability", "Enumerated", { 0: "PRE-EMPTION_VULNERABILITY_ENABLED", 1: "PRE-EMPTION_VULNERABILITY_DISABLED" }],
  // 3GPP Ro/Gy charging, TS 32.299 §7.2
  [873, V, "Service-Information", "Grouped"],
  [874, V, "PS-Information", "Grouped"],
  [876, V, "IMS-Information", "Grouped"],
  [2, V, "3GPP-Charging-Id", "Unsigned32"],
  [1, V, "3GPP-IMSI", "UTF8String"],
  [8, V, "3GPP-IMSI-MCC-MNC", "UTF8String"],
  [21, V, "3GPP-RAT-Type", "OctetString"],
  [22, V, "3GPP-User-Location-Info", "OctetString"],
  // 3GPP S6a/S6d, TS 29.272 §7.3
  [1400, V, "Subscription-Data", "Grouped"],
  [1401, V, "Terminal-Information", "Grouped"],
  [1402, V, "IMEI", "UTF8String"],
  [1403, V, "Software-Version", "UTF8String"],
  [1404, V, "QoS-Subscribed", "OctetString"],
  [1405, V, "ULR-Flags", "Unsigned32"],
  [1406, V, "ULA-Flags", "Unsigned32"],
  [1407, V, "Visited-PLMN-Id", "OctetString"],
  [1408, V, "Requested-EUTRAN-Authentication-Info", "Grouped"],
  [1409, V, "Requested-UTRAN-GERAN-Authentication-Info", "Grouped"],
  [1410, V, "Number-Of-Requested-Vectors", "Unsigned32"],
  [1411, V, "Re-Synchronization-Info", "OctetString"],
  [1412, V, "Immediate-Response-Preferred", "Unsigned32"],
  [1413, V, "Authentication-Info", "Grouped"],
  [1414, V, "E-UTRAN-Vector", "Grouped"],
  [1415, V, "UTRAN-Vector", "Grouped"],
  [1416, V, "GERAN-Vector", "Grouped"],
  [1417, V, "Network-Access-Mode", "Enumerated", { 0: "PACKET_AND_CIRCUIT", 2: "ONLY_PACKET" }],
  [1419, V, "Item-Number", "Unsigned32"],
  [1420, V, "Cancellation-Type", "Enumerated", { 0: "MME_UPDATE_PROCEDURE", 1: "SGSN_UPDATE_PROCEDURE", 2: "SUBSCRIPTION_WITHDRAWAL", 3: "UPDATE_PROCEDURE_IWF", 4: "INITIAL_ATTACH_PROCEDURE" }],
  [1423, V, "Context-Identifier", "Unsigned32"],
  [1424, V, "Subscriber-Status", "Enumerated", { 0: "SERVICE_GRANTED", 1: "OPERATOR_DETERMINED_BARRING" }],
  [1428, V, "All-APN-Configurations-Included-Indicator", "Enumerated", { 0: "All_APN_CONFIGURATIONS_INCLUDED", 1: "MODIFIED_ADDED_APN_CONFIGURATIONS_INCLUDED" }],
  [1429, V, "APN-Configuration-Profile", "Grouped"],
  [1430, V, "APN-Configuration", "Grouped"],
  [1431, V, "EPS-Subscribed-QoS-Profile", "Grouped"],
  [1435, V, "AMBR", "Grouped"],
  [1447, V, "RAND", "OctetString"],
  [1448, V, "XRES", "OctetString"],
  [1449, V, "AUTN", "OctetString"],
  [1450, V, "KASME", "OctetString"],
  [1456, V, "PDN-Type", "Enumerated", { 0: "IPv4", 1: "IPv6", 2: "IPv4v6", 3: "IPv4_OR_IPv6" }],
];

function keyOf(code: number, vendorId: number): number {
  // vendor ids and codes are 32-bit; this pairing is collision-free for the values used here.
  return vendorId * 4294967296 + code;
}

const AVPS = new Map<number, AvpDef>();
const AVPS_BY_NAME = new Map<string, AvpDef>();
for (const [code, vendorId, name, type, enums, mandatory] of AVP_LIST) {
  // "IPFilterRule" is an OctetString-derived type; shown as text.
  const t: AvpType = (type as string) === "IPFilterRule" ? "OctetString" : type;
  const def: AvpDef = { code, vendorId, name, type: t, enums, mandatory: mandatory ?? true };
  AVPS.set(keyOf(code, vendorId), def);
  if (!AVPS_BY_NAME.has(name.toLowerCase())) AVPS_BY_NAME.set(name.toLowerCase(), def);
}

/** AVP definition by code and vendor (0 = IETF). */
export function avpDef(code: number, vendorId = 0): AvpDef | undefined {
  return AVPS.get(keyOf(code, vendorId));
}

/** AVP definition by name (case-insensitive). */
export function avpByName(name: string): AvpDef | undefined {
  return AVPS_BY_NAME.get(name.toLowerCase());
}

/** Command names for a code; "Cmd-<code>" when unknown. */
export function commandNames(code: number, request: boolean): { name: string; longName: string } {
  const c = COMMANDS.get(code);
  if (!c) return { name: `Cmd-${code}-${request ? "R" : "A"}`, longName: `Command-${code}-${request ? "Request" : "Answer"}` };
  return { name: request ? c.request : c.answer, longName: `${c.long}-${request ? "Request" : "Answer"}` };
}

/** Command code by short name ("MAR", "maa" -> 303); undefined when unknown. */
export function commandCodeByName(name: string): { code: number; request: boolean } | undefined {
  const n = name.toUpperCase();
  for (const c of COMMANDS.values()) {
    if (c.request === n) return { code: c.code, request: true };
    if (c.answer === n) return { code: c.code, request: false };
  }
  return undefined;
}

export function applicationName(id: number): string | undefined {
  return APPLICATIONS[id];
}

export function resultCodeName(code: number): string | undefined {
  return RESULT_CODES[code];
}

export function experimentalResultCodeName(code: number): string | undefined {
  return EXPERIMENTAL_RESULT_CODES[code];
}

/** Result class: 1xxx informational, 2xxx success, 3xxx protocol error, 4xxx transient, 5xxx permanent. */
export function resultClass(code: number): "informational" | "success" | "protocol-error" | "transient-failure" | "permanent-failure" | "unknown" {
  const k = Math.floor(code / 1000);
  return (["unknown", "informational", "success", "protocol-error", "transient-failure", "permanent-failure"] as const)[k] ?? "unknown";
}
