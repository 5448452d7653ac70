/**
 * The analysis model: what the observer builds from decoded messages, and what rules, calls,
 * ladders and stats read. Plain data; built once per analysis by core/analysis/analyze.ts.
 */
import type { Endpoint, Transport, ConnectionEvent, LogRecord, CaptureProblem } from "../capture/types";
import type { SipMessage } from "../protocols/sip/types";
import type { DiameterMessage } from "../protocols/diameter/types";
import type { HttpMessage } from "../protocols/http/types";

/** One decoded message of the capture, in capture order. `id` is its index in Capture.messages. */
export interface Observed {
  id: number;
  /** Index of the input file (several files open as one timeline). */
  file: number;
  frame: number;
  frames?: number[];
  time: number;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  protocol: "sip" | "diameter" | "http";
  sip?: SipMessage;
  diameter?: DiameterMessage;
  http?: HttpMessage;
  /** Came from a log file rather than the wire. */
  fromLog?: boolean;
}

export interface ObservedLog extends LogRecord {
  id: number;
  file: number;
}

/** Everything an analysis starts from. */
export interface CaptureModel {
  files: string[];
  messages: Observed[];
  connections: (ConnectionEvent & { file: number })[];
  logs: ObservedLog[];
  problems: (CaptureProblem & { file: number })[];
  /** Capture window: first and last record time over all files (epoch seconds). */
  start: number;
  end: number;
  /** Timer T1 in seconds (RFC 3261 default 0.5). */
  t1: number;
  /** Releases what message bytes are read back from (the open capture files); set by the host that opened them. */
  close?: () => void;
}

/** RFC 3261 §17 roles as observed: the client side sent the request. */
export type TxnKind = "INVITE" | "non-INVITE";

/** One SIP transaction observed at one hop (one client->server pair). */
export interface TransactionView {
  index: number;
  kind: TxnKind;
  method: string;
  /**
   * Top Via branch (or the RFC 2543 fallback key, "c|..."). The full matching key (branch, sent-by,
   * method) is `transactionKey()` of the request (core/machines/transaction-key.ts).
   */
  key: string;
  callId: string;
  client: Endpoint;
  server: Endpoint;
  transport: Transport;
  /** First request message id. */
  request: number;
  /**
   * Every message id of this transaction (request, retransmissions, responses, ACK for non-2xx).
   * The analysis shares one frozen empty list among all views for an empty list (most of them):
   * a later pass replaces a view's list with a longer one, and never pushes to it.
   */
  messages: readonly number[];
  /** Ids of messages that are retransmissions. */
  retransmissions: readonly number[];
  /** Provisional and final responses (first copy of each, ids). */
  provisional: readonly number[];
  final?: number;
  finalStatus?: number;
  /** ACK for a non-2xx final (INVITE only; belongs to this transaction). */
  ack?: number;
  /** CANCEL transaction index that targets this INVITE transaction. */
  cancelledBy?: number;
  /** For a CANCEL transaction: the INVITE transaction it cancels. */
  cancels?: number;
  /** RFC state the machine ended in when the capture ran out of messages for it. */
  endState: string;
  /** What the machine expected that the capture does not show (missing ACK, no final response...). */
  expectations: readonly Expectation[];
  /** RFC state of the client-side machine at the end of the capture (endState is the server side's). */
  clientState?: string;
  /**
   * Every copy of the final response (first one included) when it was sent more than once:
   * copies - 1 = retransmissions of the final. Absent when the final was seen once ([final]).
   */
  finalCopies?: number[];
  /** Further distinct final responses (first copies): a forking proxy relaying several 2xx upstream. */
  otherFinals?: number[];
  /**
   * Messages filed here by Call-ID, From tag, CSeq and endpoints because their top Via was missing
   * or matched no transaction: responses without the request's Via (§8.2.6.2 requires it copied),
   * an ACK for the non-2xx final with a new branch (§17.1.1.3 requires the INVITE's). A peer fault.
   */
  matchedWithoutVia?: number[];
  /** Copies of a message recorded twice by the capture (same bytes, same endpoints, within 2 ms): not retransmissions. */
  duplicates?: number[];
}

export interface Expectation {
  /** "ack-non2xx" | "final-response" | "ack-2xx" | ... */
  what: string;
  /** Label for a ghost arrow. */
  label: string;
  from: Endpoint;
  to: Endpoint;
  /** Latest time it should have been seen (epoch s). */
  by: number;
  /** True when `by` is after the end of the capture: say "capture ended", not "missing". */
  beyondCapture: boolean;
  reason: string;
  /** Message id after which it was expected. */
  after: number;
  /** The RFC timer that sets the deadline ("B", "F", "H", "C"...), when one does. */
  timer?: string;
  /** The message did arrive, but only after the deadline (the machine had already given up): its id. */
  late?: number;
}

/** A dialog observed at one hop (RFC 3261 §12): Call-ID + local/remote tags. */
export interface DialogView {
  index: number;
  callId: string;
  fromTag: string;
  toTag?: string;
  /** Endpoints of the hop where this dialog was observed (caller side, callee side). */
  caller: Endpoint;
  callee: Endpoint;
  state: "Early" | "Confirmed" | "Terminated";
  /** Transaction indexes in this dialog, in order (INVITE first). */
  transactions: readonly number[];
  /** Message ids of the INVITE's 2xx, and the ACK(s) for 2xx. */
  answer?: number;
  acks: readonly number[];
  bye?: number;
  byeFrom?: Endpoint;
  terminatedBy?: "BYE" | "481" | "408" | "CANCEL" | "non2xx";
  start: number;
  end: number;
  /** The initial INVITE transaction (absent for a partial dialog). */
  invite?: number;
  /** When the dialog reached Terminated (the BYE, the 481/408, the final non-2xx...). */
  terminatedAt?: number;
  /** The BYE's transaction, its first final response and that response's status. */
  byeTxn?: number;
  byeResponse?: number;
  byeStatus?: number;
  /** Indexes of every DialogView that is this same dialog (Call-ID + tags) seen at another hop, itself included. */
  hops?: number[];
  /** The dialog began before the capture: only mid-dialog requests were seen (caller = first sender seen). */
  partial?: boolean;
  /** What the capture should show and does not (e.g. "ack-2xx"); same rules as TransactionView.expectations. */
  expectations?: Expectation[];
}

/**
 * The finished analysis (built by core/analysis/analyze.ts), held by the host's session and read
 * by the Api service. `document` is exactly the `analyze --json` document.
 */
export interface AnalysisResult {
  model: CaptureModel;
  document: import("../api").AnalysisDocument;
  transactions: TransactionView[];
  dialogs: DialogView[];
  /** Call id (CallDTO.id) -> message ids of all its legs, in time order. */
  callMessages: Map<string, number[]>;
  /** Logical nodes over the whole capture (ip:port merged). */
  nodes: import("../api").NodeDTO[];
  /** Build the ladder of one call (CallDTO.id). */
  ladder(callId: string): import("../api").LadderDTO;
  /**
   * `messages[id]` of the document. A host that keeps the result for a session analyses without
   * message DTOs (`document.messages` stays empty: 10^5 of them were a quarter of a session's
   * memory) and makes each one here when it is asked for.
   */
  message(id: number): import("../api").MessageDTO | undefined;
}
