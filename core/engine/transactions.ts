/**
 * The engine's transaction layer: a table of live client/server transactions, each one a machine
 * from core/machines (the same code the analyzer observes with). This file only keys, stores and
 * steps them; it turns machine effects into engine effects through a small `TxnHost` (sending,
 * timers) and calls the owner (`TxnUser`) for DeliverToTU / InformTU / Terminated.
 */
import {
  startInviteClient, stepInviteClient, startInviteServer, stepInviteServer,
  startNonInviteClient, stepNonInviteClient, startNonInviteServer, stepNonInviteServer,
  timerConfig, type TxnEffect, type TimerName, type ClientEvent, type ServerEvent,
} from "../machines";
import type { SipMessage } from "../protocols/sip/types";
import type { Flow } from "./types";

/** What the machines carry: the bytes to (re)send and, for received messages, the parsed message. */
export interface Wire {
  bytes: Uint8Array;
  msg?: SipMessage;
  status?: number;
}

export type TxnKind = "ict" | "nict" | "ist" | "nist";

export interface TxnUser {
  deliver(txn: Txn, wire: Wire, now: number): void;
  inform(txn: Txn, error: "timeout" | "ack-timeout" | "transport-error", now: number): void;
  terminated?(txn: Txn, now: number): void;
}

export interface TxnHost {
  send(flow: Flow, bytes: Uint8Array): void;
  armTimer(key: string, at: number): void;
  clearTimer(key: string): void;
  /** Build and send the ACK for a non-2xx final response (INVITE client). */
  sendAck(txn: Txn, response: Wire): void;
  /** Build and send the CANCEL for an INVITE client transaction. */
  sendCancel(txn: Txn, now: number): void;
  /** Build and send 100 Trying for an INVITE server transaction. */
  sendTrying(txn: Txn): void;
}

export interface Txn {
  id: number;
  key: string;
  kind: TxnKind;
  method: string;
  flow: Flow;
  request: Wire;
  state: any;
  user: TxnUser;
  /** Owner data (proxy context, watcher, dialog ...). */
  ctx: any;
  done: boolean;
}

export class TransactionTable {
  private nextId = 1;
  readonly byKey = new Map<string, Txn>();
  readonly byId = new Map<number, Txn>();

  constructor(private readonly host: TxnHost, private readonly t1 = 0.5) {}

  get size(): number {
    return this.byId.size;
  }

  find(key: string): Txn | undefined {
    return this.byKey.get(key);
  }

  private cfg(flow: Flow) {
    return timerConfig({ t1: this.t1, transport: flow.transport });
  }

  private add(key: string, kind: TxnKind, method: string, flow: Flow, request: Wire, user: TxnUser, ctx: unknown): Txn {
    const txn: Txn = { id: this.nextId++, key, kind, method, flow, request, state: undefined, user, ctx, done: false };
    this.byKey.set(key, txn);
    this.byId.set(txn.id, txn);
    return txn;
  }

  /** A new server transaction for a request that matched none (§17.2.3). */
  server(key: string, request: Wire, flow: Flow, user: TxnUser, ctx: unknown, now: number, sendTrying = true): Txn {
    const invite = request.msg?.method === "INVITE";
    const txn = this.add(key, invite ? "ist" : "nist", request.msg?.method ?? "", flow, request, user, ctx);
    const step = invite ? startInviteServer(request, this.cfg(flow), now, { sendTrying }) : startNonInviteServer(request, this.cfg(flow), now);
    txn.state = step.state;
    this.run(txn, step.effects, now);
    return txn;
  }

  /** A new client transaction; the machine sends the request. */
  client(key: string, method: string, request: Wire, flow: Flow, user: TxnUser, ctx: unknown, now: number): Txn {
    const invite = method === "INVITE";
    const txn = this.add(key, invite ? "ict" : "nict", method, flow, request, user, ctx);
    const step = invite ? startInviteClient(request, this.cfg(flow), now) : startNonInviteClient(request, this.cfg(flow), now);
    txn.state = step.state;
    this.run(txn, step.effects, now);
    return txn;
  }

  serverEvent(txn: Txn, ev: ServerEvent<Wire>, now: number): void {
    if (txn.done) return;
    const step = txn.kind === "ist" ? stepInviteServer(txn.state, ev, now) : stepNonInviteServer(txn.state, ev, now);
    txn.state = step.state;
    this.run(txn, step.effects, now);
  }

  clientEvent(txn: Txn, ev: ClientEvent<Wire>, now: number): void {
    if (txn.done) return;
    const step = txn.kind === "ict" ? stepInviteClient(txn.state, ev, now) : stepNonInviteClient(txn.state, ev, now);
    txn.state = step.state;
    this.run(txn, step.effects, now);
  }

  /** The TU answers a server transaction. */
  respond(txn: Txn, bytes: Uint8Array, status: number, now: number): void {
    this.serverEvent(txn, { type: "ResponseSent", status, message: { bytes, status } }, now);
    // After the final response only bytes are ever resent: let the parsed request go (memory
    // under load is dominated by transactions waiting out Timers J/L).
    if (status >= 200 && txn.request.msg) txn.request.msg = undefined;
  }

  timerFired(txnId: number, name: TimerName, now: number): void {
    const txn = this.byId.get(txnId);
    if (!txn) return;
    const ev = { type: "TimerFired" as const, name };
    if (txn.kind === "ict" || txn.kind === "nict") this.clientEvent(txn, ev, now);
    else this.serverEvent(txn, ev, now);
  }

  transportError(txn: Txn, now: number): void {
    const ev = { type: "TransportError" as const };
    if (txn.kind === "ict" || txn.kind === "nict") this.clientEvent(txn, ev, now);
    else this.serverEvent(txn, ev, now);
  }

  timerKey(txn: Txn, name: TimerName): string {
    return `t${txn.id}.${name}`;
  }

  private run(txn: Txn, effects: TxnEffect<Wire>[], now: number): void {
    for (const e of effects) {
      switch (e.type) {
        case "Send":
          this.host.send(txn.flow, e.message.bytes);
          break;
        case "SendAck":
          this.host.sendAck(txn, e.response);
          break;
        case "SendCancel":
          this.host.sendCancel(txn, now);
          break;
        case "SendTrying":
          this.host.sendTrying(txn);
          break;
        case "StartTimer":
          this.host.armTimer(this.timerKey(txn, e.timer.name), e.timer.at);
          break;
        case "StopTimer":
          this.host.clearTimer(this.timerKey(txn, e.name));
          break;
        case "DeliverToTU":
          txn.user.deliver(txn, e.message, now);
          break;
        case "InformTU":
          txn.user.inform(txn, e.error, now);
          break;
        case "Terminated":
          txn.done = true;
          if (this.byKey.get(txn.key) === txn) this.byKey.delete(txn.key);
          this.byId.delete(txn.id);
          txn.user.terminated?.(txn, now);
          break;
      }
    }
  }
}
