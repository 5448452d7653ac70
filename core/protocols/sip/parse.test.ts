import { describe, expect, it } from "vitest";
import { forgetSharedParses, parseSip } from "./parse";
import { wire, crlf } from "./test-wire";
import { decodeText, encodeText } from "./text";

// RFC 4475 §3.1.1.1 "A Short Tortuous INVITE" (body shortened; Content-Length computed).
const WSINV = `INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
TO :
 sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1
Content-Length   : {CL}
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /UDP
    192.0.2.2;branch=390skdjuw
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  192.168.255.111   ; branch=
 z9hG4bK30239
m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33

v=0
o=mhandley 29739 7272939 IN IP4 192.0.2.3
s=-
c=IN IP4 192.0.2.4
t=0 0
m=audio 49217 RTP/AVP 0 12
m=video 3227 RTP/AVP 31
a=rtpmap:31 LPC
`;

describe("parseSip: RFC 4475 short tortuous INVITE", () => {
  const m = parseSip(wire(WSINV));
  it("start line", () => {
    expect(m.kind).toBe("request");
    expect(m.method).toBe("INVITE");
    expect(m.requestUri).toBe("sip:vivekg@chair-dnrc.example.com;unknownparam");
  });
  it("folded To with spaces around the tag '='", () => {
    expect(m.to?.uri?.user).toBe("vivekg");
    expect(m.to?.uri?.host).toBe("chair-dnrc.example.com");
    expect(m.to?.tag).toBe("1918181833n");
  });
  it("From with an escaped quote in the display name and a folded tag", () => {
    expect(m.from?.displayName).toBe('J Rosenberg \\"');
    expect(m.from?.tag).toBe("98asjd8");
    expect(m.from?.uri?.user).toBe("jdrosen");
  });
  it("folded CSeq, odd case names, spaces before ':'", () => {
    expect(m.cseq).toEqual({ seq: 9, method: "INVITE" });
    expect(m.header("max-forwards")).toBe("0068");
    expect(m.header("Content-Length")).toBe(String(m.body.length));
    expect(m.contentType).toBe("application/sdp");
    expect(m.header("subject")).toBe("");
  });
  it("Vias: folded, LWS around '/', two in one compact line", () => {
    expect(m.vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ["UDP", "192.0.2.2", "390skdjuw"],
      ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    expect(m.vias[0].protocol).toBe("SIP/2.0");
  });
  it("folded unknown header, unusual value, Route and compact Contact", () => {
    expect(m.header("newfangledheader")).toBe("newfangled value continued newfangled value");
    expect(m.header("UnknownHeaderWithUnusualValue")).toBe(";;,,;;,;");
    expect(m.route.map((r) => r.uri?.params)).toEqual([{ lr: null, unknownwith: "value", "unknown-no-value": null }]);
    expect(m.contact).toHaveLength(1);
    expect(m.contact[0].displayName).toBe('Quoted string ""');
    expect(m.contact[0].params).toEqual({ newparam: "newvalue", secondparam: null, q: "0.33" });
  });
  it("body by Content-Length, no problems", () => {
    expect(decodeText(m.body)).toMatch(/^v=0\r\n[\s\S]*a=rtpmap:31 LPC\r\n$/);
    expect(m.problems).toEqual([]);
  });
  it("field offsets cover the folded lines", () => {
    const via = m.fields.find((f) => f.key === "via")!;
    expect(via.name).toBe("Via");
    expect(decodeText(m.raw, via.start, via.end)).toBe(crlf("Via  : SIP  /   2.0\n /UDP\n    192.0.2.2;branch=390skdjuw"));
    expect(m.fields.map((f) => f.key)).toContain("contact");
  });
});

// Table: one row per raw message and what must be read from it.
const ROWS: { name: string; text: string; check: (m: ReturnType<typeof parseSip>) => void }[] = [
  {
    name: "RFC 4475 intmeth: odd method token, user:password with reserved chars",
    text: `!interesting-Method0123456789_*+\`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0
Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+\`'~
To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>
From: token1~\` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1'+\`*%!-.
Call-ID: intmeth.word%ZK-!.*_+'@word\`~)(><:\\/"][?}{
CSeq: 139122385 !interesting-Method0123456789_*+\`.%indeed'~
Max-Forwards: 255
extensionHeader-!.%*+_\`'~:\uFEFF\u5927\u505c\u96fb
Content-Length: 0

`,
    check: (m) => {
      expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
      expect(m.cseq?.method).toBe(m.method);
      expect(m.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
      expect(m.from?.tag).toBe("_token~1'+`*%!-.");
      expect(m.from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
      expect(m.from?.params["fromparam''~+*_!.-%"]).toBe('"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439"');
      expect(m.to?.uri?.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(m.vias[0].branch).toBe("z9hG4bK-.!%66*_+`'~");
      expect(m.header("extensionHeader-!.%*+_`'~")).toBe("\uFEFF\u5927\u505c\u96fb");
      expect(m.problems).toEqual([]);
    },
  },
  {
    name: "RFC 4475 esc01: escaped chars in URIs are decoded in user, kept in raw",
    text: `INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0
To: sip:%61lice@example.com
From: <sip:I%20have%20spaces@example.net>;tag=938
Max-Forwards: 87
i: esc01.239409asdfakjkn23onasd0-3234
CSeq: 234234 INVITE
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw
C: application/sdp
Contact:
  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: {CL}

v=0
`,
    check: (m) => {
      expect(m.to?.uri?.user).toBe("alice");
      expect(m.to?.tag).toBeUndefined();
      expect(m.from?.uri?.user).toBe("I have spaces");
      expect(m.callId).toBe("esc01.239409asdfakjkn23onasd0-3234");
      expect(m.contentType).toBe("application/sdp");
      expect(m.contact[0].uri?.user).toBe("caller");
      expect(m.contact[0].uri?.raw).toBe("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
      expect(m.body.length).toBe(5);
    },
  },
  {
    name: "RFC 4475 esc02: an escaped method is just an unknown method",
    text: `RE%47IST%45R sip:registrar.example.com SIP/2.0
To: "%Z%45" <sip:resource@example.com>
From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23
Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3
CSeq: 3923239 REGISTER
Max-Forwards: 70
Content-Length: 0

`,
    check: (m) => {
      expect(m.method).toBe("RE%47IST%45R");
      expect(m.from?.displayName).toBe("%Z%45");
      expect(m.problems).toEqual(["CSeq method REGISTER differs from request method RE%47IST%45R"]);
    },
  },
  {
    name: "RFC 4475 lwsdisp: display name glued to '<'",
    text: `OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: caller<sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID: lwsdisp.1234abcd@funky.example.com
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw
l: 0

`,
    check: (m) => {
      expect(m.from?.displayName).toBe("caller");
      expect(m.from?.uri?.user).toBe("caller");
      expect(m.contentLength).toBe(0);
      expect(m.problems).toEqual([]);
    },
  },
  {
    name: "RFC 4475 semiuri: ';' and escaped '@' in the user part",
    text: `OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Call-ID: semiuri.0ha0isndaksdj
CSeq: 8 OPTIONS
Accept: application/sdp, application/pkcs7-mime,
        multipart/mixed, multipart/signed,
        message/sip, message/sipfrag
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw
l: 0

`,
    check: (m) => {
      expect(m.requestUri).toBe("sip:user;par=u%40example.net@example.com");
      expect(m.from?.tag).toBe("33242");
      expect(m.from?.uriText).toBe("sip:caller@example.org");
      expect(m.from?.uri?.params).toEqual({});
      expect(m.headerValues("accept")).toEqual(["application/sdp", "application/pkcs7-mime", "multipart/mixed", "multipart/signed", "message/sip", "message/sipfrag"]);
    },
  },
  {
    name: "RFC 4475 transports: five Vias on one line and on several",
    text: `OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: <sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID:  transports.kijh4akdnaqjkwendsasfdj
Accept: application/sdp
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee, SIP/2.0/ws t6.example.com;branch=z9hG4bKw
l: 0

`,
    check: (m) => {
      expect(m.callId).toBe("transports.kijh4akdnaqjkwendsasfdj");
      expect(m.vias.map((v) => v.transport)).toEqual(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP", "WS"]);
      expect(m.headerValues("v")).toHaveLength(6);
    },
  },
  {
    name: "RFC 4475 unreason: UTF-8 reason phrase",
    text: `SIP/2.0 200 = 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435
Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923
Call-ID: unreason.1234ksdfak3j2erwedfsASdf
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: 0

`,
    check: (m) => {
      expect(m.kind).toBe("response");
      expect(m.status).toBe(200);
      expect(m.reason).toBe("= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435");
      expect(m.to?.tag).toBe("2229");
      expect(m.callId).toBe("unreason.1234ksdfak3j2erwedfsASdf");
    },
  },
  {
    name: "RFC 4475 noreason: empty reason phrase",
    text: `SIP/2.0 100 \nVia: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\nCall-ID: noreason.asndj203insdf99223ndf\nCSeq: 35 INVITE\nFrom: <sip:user@example.com>;tag=39ansfi3\nTo: <sip:user@example.edu>;tag=902jndnke3\nContent-Length: 0\n\n`,
    check: (m) => {
      expect(m.status).toBe(100);
      expect(m.reason).toBe("");
      expect(m.problems).toEqual([]);
    },
  },
  {
    name: "RFC 4475 dblreq: a second request after Content-Length 0 is reported, not parsed",
    text: `REGISTER sip:example.com SIP/2.0
To: sip:j.user@example.com
From: sip:j.user@example.com;tag=43251j3j324
Max-Forwards: 8
I: dblreq.0ha0isndaksdj99sdfafnl3lk233412
Contact: sip:j.user@host.example.com
CSeq: 8 REGISTER
Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492
Content-Length: 0


INVITE sip:joe@example.com SIP/2.0
t: sip:joe@example.com
`,
    check: (m) => {
      expect(m.method).toBe("REGISTER");
      expect(m.body.length).toBe(0);
      expect(m.contact[0].uri?.host).toBe("host.example.com");
      expect(m.problems.some((p) => /bytes after the body/.test(p))).toBe(true);
    },
  },
  {
    name: "RFC 4475 ncl: negative Content-Length",
    text: `INVITE sip:user@example.com SIP/2.0
Max-Forwards: 254
To: sip:j.user@example.com
From: sip:caller@example.net;tag=32394234
Call-ID: ncl.0ha0isndaksdj2193423r542w35
CSeq: 0 INVITE
Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw
Contact: <sip:caller@example53.example.net>
Content-Type: application/sdp
Content-Length: -999

v=0
`,
    check: (m) => {
      expect(m.contentLength).toBeUndefined();
      expect(decodeText(m.body)).toBe("v=0\r\n");
      expect(m.problems).toEqual(['bad Content-Length "-999"; body taken as the remaining 5 bytes']);
    },
  },
  {
    name: "RFC 4475 clerr: Content-Length larger than the message",
    text: `INVITE sip:user@example.com SIP/2.0
Max-Forwards: 80
To: sip:j.user@example.com
From: sip:caller@example.net;tag=93942939o2
Contact: <sip:caller@hungry.example.net>
Call-ID: clerr.0ha0isndaksdjweiafasdk3
CSeq: 8 INVITE
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523
Content-Type: application/sdp
Content-Length: 9999

v=0
`,
    check: (m) => {
      expect(m.contentLength).toBe(9999);
      expect(m.body.length).toBe(5);
      expect(m.problems).toEqual(["Content-Length 9999 larger than the 5 bytes present (truncated body)"]);
    },
  },
  {
    name: "RFC 4475 scalar02: CSeq beyond 2^32 is a bad CSeq",
    text: `REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129
To: <sip:user@example.com>
From: <sip:user@example.com>;tag=239232jh3
CSeq: 36893488147419103232 REGISTER
Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32
Max-Forwards: 300
Expires: 1000000000000000000000000000000000000000000000000000000000000000000
Contact: <sip:user@host129.example.com>;expires=280297596632815
Content-Length: 0

`,
    check: (m) => {
      expect(m.cseq).toBeUndefined();
      expect(m.problems).toEqual(['bad CSeq "36893488147419103232 REGISTER"']);
      expect(m.vias[0].received).toBe("192.0.2.129");
      expect(m.contact[0].params.expires).toBe("280297596632815");
    },
  },
  {
    name: "RFC 4475 badaspec/regaut: quoted display names with commas, '<' and spaces inside <>",
    text: `OPTIONS sip:user@example.org SIP/2.0
Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234
Max-Forwards: 70
From: "Bell, Alexander <ab>" <sip:a.g.bell@example.com>;tag=433423
To: "Watson, Thomas" < sip:t.watson@example.org >
Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3
Accept: application/sdp
CSeq: 3923239 OPTIONS
P-Asserted-Identity: "Bell, A." <sip:bell@example.com>, <tel:+15551234;phone-context=example.com>
l: 0

`,
    check: (m) => {
      expect(m.from?.displayName).toBe("Bell, Alexander <ab>");
      expect(m.from?.uri?.user).toBe("a.g.bell");
      expect(m.to?.displayName).toBe("Watson, Thomas");
      expect(m.to?.uri?.host).toBe("example.org");
      expect(m.vias[0].port).toBe(5060);
      const pai = m.headerValues("p-asserted-identity");
      expect(pai).toEqual(['"Bell, A." <sip:bell@example.com>', "<tel:+15551234;phone-context=example.com>"]);
    },
  },
  {
    name: "RFC 5118: IPv6 in Request-URI, Via sent-by, received, Contact and Route",
    text: `REGISTER sip:[2001:db8::10]:5070 SIP/2.0
To: sip:user@[2001:db8::10]
From: sip:user@example.com;tag=81x2
Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111;received=[2001:db8::9:255];rport=6050
Via: SIP/2.0/TCP [2001:db8::9:2];branch=z9hG4bKas3-112;rport
Call-ID: SSG9559905523997077@hlau_4100
Max-Forwards: 70
Contact: "Caller" <sip:caller@[2001:db8::1]:5060;transport=tcp>
Route: <sip:[::ffff:192.0.2.10];lr>
CSeq: 98176 REGISTER
Content-Length: 0

`,
    check: (m) => {
      expect(m.vias[0]).toMatchObject({ host: "2001:db8::9:1", port: 6050, branch: "z9hG4bKas3-111", received: "2001:db8::9:255", rport: 6050 });
      expect(m.vias[1]).toMatchObject({ host: "2001:db8::9:2", transport: "TCP", rport: null });
      expect(m.vias[1].port).toBeUndefined();
      expect(m.to?.uri?.host).toBe("2001:db8::10");
      expect(m.contact[0].uri).toMatchObject({ user: "caller", host: "2001:db8::1", port: 5060, params: { transport: "tcp" } });
      expect(m.route[0].uri?.host).toBe("::ffff:192.0.2.10");
      expect(m.problems).toEqual([]);
    },
  },
  {
    name: "real-world quirks: unbracketed IPv6 in Via and URIs, a doubled ;tag= keeps the first",
    text: `INVITE sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060 SIP/2.0
Call-ID: c3eF6f58@fe80:0:0:0:21a:a0ff:fe07:32e0
Contact: <sip:9876@fe80::1>
CSeq: 1 INVITE
From: <sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0>;tag=a3bhg
To: "mcr" <sip:mcr@[fd17::3519]:5062>;tag=first;tag=second
Via: SIP/2.0/UDP fe80:0:0:0:21a:a0ff:fe07:32e0:5060;branch=z9hG4bKkdjuw8376
Content-Length: 0

`,
    check: (m) => {
      expect(m.vias[0]).toMatchObject({ host: "fe80:0:0:0:21a:a0ff:fe07:32e0", port: 5060, branch: "z9hG4bKkdjuw8376" });
      expect(m.from?.uri).toMatchObject({ host: "fe80:0:0:0:21a:a0ff:fe07:32e0", port: undefined });
      expect(m.contact[0].uri?.host).toBe("fe80::1");
      expect(m.to?.tag).toBe("first");
      expect(m.to?.uri).toMatchObject({ host: "fd17::3519", port: 5062 });
      expect(m.problems).toEqual([]);
    },
  },
  {
    name: "junk before the start line is skipped and reported; CRLF keep-alives are not",
    text: `garbage bytes here\n\nINVITE sip:bob@b.example SIP/2.0\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\nFrom: <sip:a@a.example>;tag=1\nTo: <sip:bob@b.example>\nCall-ID: junk1\nCSeq: 1 INVITE\nContent-Length: 0\n\n`,
    check: (m) => {
      expect(m.method).toBe("INVITE");
      expect(m.callId).toBe("junk1");
      expect(m.problems).toEqual(["skipped 22 bytes of junk before the start line"]);
    },
  },
  {
    name: "leading CRLFs (keep-alive) are ignored silently; LF-only line ends accepted",
    text: `\n\nSIP/2.0 180 Ringing\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\nFrom: <sip:a@a.example>;tag=1\nTo: <sip:bob@b.example>;tag=2\nCall-ID: ka\nCSeq: 1 INVITE\nContent-Length: 0\n\n`,
    check: (m) => {
      expect(m.status).toBe(180);
      expect(m.reason).toBe("Ringing");
      expect(m.problems).toEqual([]);
    },
  },
  {
    name: "no Content-Length on a datagram: the rest is the body, reported",
    text: `MESSAGE sip:bob@b.example SIP/2.0\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\nFrom: <sip:a@a.example>;tag=1\nTo: <sip:bob@b.example>\nCall-ID: m1\nCSeq: 1 MESSAGE\nContent-Type: text/plain\n\nhello`,
    check: (m) => {
      expect(decodeText(m.body)).toBe("hello");
      expect(m.contentLength).toBeUndefined();
      expect(m.problems).toEqual(["no Content-Length; body taken as the remaining 5 bytes"]);
    },
  },
  {
    name: "missing mandatory headers and a bad Via are problems, not exceptions",
    text: `OPTIONS sip:x SIP/2.0\nVia: SIP/2.0 host\nFrom: nonsense\nContent-Length: 0\n\n`,
    check: (m) => {
      expect(m.method).toBe("OPTIONS");
      expect(m.vias).toEqual([]);
      expect(m.problems).toEqual(["missing Call-ID", "missing CSeq", 'bad From "nonsense"', "missing To", 'bad Via "SIP/2.0 host"']);
    },
  },
  {
    name: "Contact: * and bare-URI Contact whose params belong to the header",
    text: `REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>\nCall-ID: r1\nCSeq: 2 REGISTER\nContact: *\nm: sip:+19725552222@gw1.example.net;unknownparam;expires=60\nExpires: 0\nContent-Length: 0\n\n`,
    check: (m) => {
      expect(m.contact[0].uriText).toBe("*");
      expect(m.contact[0].uri).toBeUndefined();
      expect(m.contact[1].uri?.user).toBe("+19725552222");
      expect(m.contact[1].uri?.params).toEqual({});
      expect(m.contact[1].params).toEqual({ unknownparam: null, expires: "60" });
    },
  },
  {
    name: "URI with password, port, params and headers; non-list headers keep their commas",
    text: `INVITE sip:alice:secret@atlanta.example.com:5061;transport=tls;lr?subject=project%20x&priority=urgent SIP/2.0\nVia: SIP/2.0/TLS a.example:5061;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:alice@example.com>\nCall-ID: u1\nCSeq: 1 INVITE\nDate: Sat, 13 Nov 2010 23:29:00 GMT\nAuthorization: Digest username="alice", realm="atlanta.example.com", nonce="84a4,cc6f", uri="sip:x", response="7587245234b3434cc3412213e5f113a5"\nContent-Length: 0\n\n`,
    check: (m) => {
      expect(m.headerValues("date")).toEqual(["Sat, 13 Nov 2010 23:29:00 GMT"]);
      expect(m.headerValues("authorization")).toHaveLength(1);
      expect(m.requestUri).toBe("sip:alice:secret@atlanta.example.com:5061;transport=tls;lr?subject=project%20x&priority=urgent");
    },
  },
];

describe("parseSip: table of wire messages", () => {
  for (const row of ROWS) it(row.name, () => row.check(parseSip(wire(row.text))));
});

describe("parseSip: lazy access and helpers", () => {
  const text = `INVITE sip:bob@b.example SIP/2.0\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKtop;rport, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\nf: "A" <sip:a@a.example>;tag=ft\nt: <sip:bob@b.example>\ni: c1@host\nCSeq: 7 INVITE\nRecord-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\nRecord-Route: <sip:p3.example;lr>\nl: 0\n\n`;
  const m = parseSip(wire(text));
  it("topVia reads only the first value", () => {
    expect(m.topVia?.branch).toBe("z9hG4bKtop");
    expect(m.topVia?.rport).toBeNull();
    expect(m.vias).toHaveLength(2);
  });
  it("compact and long names are interchangeable", () => {
    expect(m.header("Via")).toBe(m.header("v"));
    expect(m.header("CALL-ID")).toBe("c1@host");
    expect(m.header("i")).toBe("c1@host");
    expect(m.header("l")).toBe("0");
    expect(m.header("X-Nope")).toBeUndefined();
    expect(m.headerValues("x-nope")).toEqual([]);
  });
  it("repeated and comma-joined Record-Route values in order", () => {
    expect(m.recordRoute.map((r) => r.uri?.host)).toEqual(["p1.example", "p2.example", "p3.example"]);
  });
  it("fields keep wire names and offsets", () => {
    const f = m.fields[0];
    expect(f).toMatchObject({ name: "v", key: "via" });
    expect(decodeText(m.raw, f.start, f.end)).toBe("v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKtop;rport, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2");
    expect(m.bodyOffset).toBe(m.raw.length);
  });
});

describe("parseSip: never throws", () => {
  const samples: Uint8Array[] = [
    new Uint8Array(0),
    encodeText("\r\n\r\n"),
    encodeText("SIP/2.0"),
    encodeText("SIP/2.0 abc\r\n\r\n"),
    encodeText("INVITE\r\n: \r\n \r\n\r\n"),
    encodeText(" folded first\r\nVia\r\n"),
    new Uint8Array([0xff, 0xfe, 0x00, 0x0a, 0x0d]),
  ];
  for (const s of samples) {
    it(`bytes ${JSON.stringify(decodeText(s))}`, () => {
      const m = parseSip(s);
      // Touch every accessor.
      void [m.kind, m.method, m.status, m.callId, m.cseq, m.from, m.to, m.vias, m.contact, m.route, m.recordRoute, m.fields, m.body, m.contentLength, m.contentType];
      expect(m.problems.length).toBeGreaterThan(0);
    });
  }
});

describe("parses shared between messages", () => {
  const text = ["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-s1", "From: <sip:a@x>;tag=1", "To: <sip:b@x>;tag=2", "Call-ID: s1", "CSeq: 1 INVITE", "", ""].join("\r\n");

  it("hands equal header texts the same parse, until the shared parses are forgotten", () => {
    const a = parseSip(encodeText(text));
    const b = parseSip(encodeText(text));
    expect(b.from).toBe(a.from);
    expect(b.vias).toBe(a.vias);
    forgetSharedParses();
    const c = parseSip(encodeText(text));
    expect(c.from).not.toBe(a.from);
    expect(c.from).toEqual(a.from);
    expect(c.vias).toEqual(a.vias);
    expect(c.problems).toEqual([]);
  });

  it("lists each message's own problems (the scratch list is never handed out)", () => {
    const bad = parseSip(encodeText(["INVITE sip:b@x SIP/2.0", "Call-ID: p1", "", ""].join("\r\n")));
    const good = parseSip(encodeText(text));
    expect(good.problems).toEqual([]);
    const listed = [...bad.problems];
    expect(listed).toContain("missing Via");
    parseSip(encodeText(["BYE sip:b@x SIP/2.0", "", ""].join("\r\n"))).problems;
    expect(bad.problems).toEqual(listed);
  });
});
