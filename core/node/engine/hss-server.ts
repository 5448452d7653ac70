/**
 * The embedded HSS on a real Diameter/TCP socket, and the S-CSCF's Diameter client to it (CER/CEA
 * first, then the Cx requests the engine hands over). Framing: the 24-bit length in the header.
 */
import net from "node:net";
import { Hss } from "../../engine/hss";
import { diameterLength } from "../../protocols/diameter/sniff";
import { avp, encodeDiameter } from "../../protocols/diameter/encode";
import { APP_CX, VENDOR_3GPP } from "../../protocols/diameter/dictionary";
import type { UserDirectory } from "../../engine/users";
import type { Endpoint } from "../../capture/types";

const CER = 257;

/** Split a byte stream into whole Diameter messages. */
export class DiameterFramer {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Uint8Array[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Uint8Array[] = [];
    for (;;) {
      const len = diameterLength(this.buf, 0, this.buf.length, false);
      if (len < 0) {
        this.buf = Buffer.alloc(0); // not Diameter: drop what we have
        break;
      }
      if (len === 0 || this.buf.length < len) break;
      out.push(new Uint8Array(this.buf.subarray(0, len)));
      this.buf = this.buf.subarray(len);
    }
    return out;
  }
}

export class HssServer {
  private constructor(private readonly server: net.Server, readonly address: Endpoint, readonly hss: Hss) {}

  static async start(a: Endpoint, users: UserDirectory): Promise<HssServer> {
    const hss = new Hss(users);
    const server = net.createServer((socket) => {
      const framer = new DiameterFramer();
      socket.on("data", (chunk) => {
        for (const req of framer.push(chunk)) {
          const ans = hss.answer(req);
          if (ans) socket.write(ans);
        }
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((res, rej) => {
      server.once("error", rej);
      server.listen(a.port, a.ip, () => res());
    });
    return new HssServer(server, { ip: a.ip, port: (server.address() as net.AddressInfo).port }, hss);
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

export interface DiameterClientEvents {
  onAnswer(bytes: Uint8Array): void;
  onPacket(dir: "out" | "in", bytes: Uint8Array): void;
  onOpen(local: Endpoint, remote: Endpoint): void;
  onError(text: string): void;
}

export class DiameterClient {
  private socket?: net.Socket;
  private ready = false;
  private readonly queue: Uint8Array[] = [];
  private closed = false;

  constructor(private readonly hss: Endpoint, private readonly realm: string, private readonly ev: DiameterClientEvents) {}

  send(bytes: Uint8Array): void {
    if (this.ready && this.socket) {
      this.ev.onPacket("out", bytes);
      this.socket.write(bytes);
      return;
    }
    this.queue.push(bytes);
    this.connect();
  }

  private connect(): void {
    if (this.socket || this.closed) return;
    const socket = net.connect({ host: this.hss.ip, port: this.hss.port });
    this.socket = socket;
    const framer = new DiameterFramer();
    socket.once("connect", () => {
      this.ev.onOpen({ ip: socket.localAddress ?? "127.0.0.1", port: socket.localPort ?? 0 }, this.hss);
      // Kept as the engine always sent it (P bit and Product-Name's M bit set, no
      // Supported-Vendor-Id), so the wire does not change; buildCer would follow RFC 6733 here.
      const cer = encodeDiameter({
        command: CER,
        request: true,
        proxiable: true,
        applicationId: 0,
        hopByHop: 0x7fff0001,
        endToEnd: 0x7fff0001,
        avps: [
          avp("Origin-Host", `scscf.${this.realm}`),
          avp("Origin-Realm", this.realm),
          avp("Host-IP-Address", "127.0.0.1"),
          avp("Vendor-Id", VENDOR_3GPP),
          avp("Product-Name", "SIPScope S-CSCF", { mandatory: true }),
          avp("Auth-Application-Id", APP_CX),
        ],
      });
      this.ev.onPacket("out", cer);
      socket.write(cer);
    });
    socket.on("data", (chunk) => {
      for (const msg of framer.push(chunk)) {
        this.ev.onPacket("in", msg);
        const command = (msg[5] << 16) | (msg[6] << 8) | msg[7];
        if (command === CER && !this.ready) {
          this.ready = true;
          for (const b of this.queue.splice(0)) this.send(b);
          continue;
        }
        this.ev.onAnswer(msg);
      }
    });
    socket.on("error", (e) => this.ev.onError(`HSS connection: ${e.message}`));
    socket.on("close", () => {
      this.socket = undefined;
      this.ready = false;
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
