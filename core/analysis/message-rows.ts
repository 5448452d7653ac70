/**
 * The observed messages of a session as rows of columns, not as objects: what the analysis reads of
 * each message (addresses, times, start line, Call-ID, CSeq, tags, users, top Via) sits in
 * fixed-size chunks of slots and typed columns, what few messages have (problems, a few headers,
 * several frames, a record number past 2^31) in side maps by row, and each message is one small
 * `RowMessage` — an `Observed` that is also its own `SipMessage` — which reads its row when asked.
 *
 * Why: kept as objects, one SIP message was an Observed (96 B), a stored message (192 B), its top-Via
 * key (56 B), a boxed time (16 B) and a problems array (32 B), each promoted through the young
 * generation and traced by every full GC. As a row it is 64 B of slots in a chunk allocated once,
 * 68 B of numbers in typed arrays, and a 32 B handle (DESIGN §9: 10^7 messages must not need 10^7
 * sets of objects).
 *
 * Anything not stored (header fields, Contact, Route, body, raw bytes) is parsed again from the
 * message's bytes, which stay in the capture file when they are a plain range of it (see BytesHome).
 */
import type { Endpoint, Transport } from "../capture/types";
import type { CSeq, NameAddr, SipHeaderField, SipMessage, Via, ViaKey } from "../protocols/sip/types";
import type { DiameterMessage } from "../protocols/diameter/types";
import type { HttpMessage } from "../protocols/http/types";
import { headerKeyId, parseSip, type ParsedSip } from "../protocols/sip/parse";
import { canonicalHeaderKey } from "../protocols/sip/header-names";
import { KEPT_HEADERS, addressOf, isKeptHeader, keepBytes, keepText, keepTextOptional, keptNameAddr, sentByOfBytes, sharedSentBy, type BytesHome, type KeptNameAddr, type SentBy } from "../protocols/sip/stored";
import { COMMON_TRANSPORTS, viaParts } from "../protocols/sip/via";
import type { Observed } from "./model";

/** Rows per chunk: a chunk's slots (4096 x STRIDE x 8 B, 256 KB) are one array allocated once. */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

// Reference slots of a row (texts and objects). What few rows have (problems, kept headers) is in
// side maps by row instead: a slot costs 8 B on every row.
/** SIP: the Request-URI of a request, the reason phrase of a response. */
const LINE_TEXT = 0;
/** Diameter, HTTP: the decode (such a row has none of the SIP values). */
const DECODED = 0;
const CALL_ID = 1;
const CSEQ = 2;
const FROM_TAG = 3;
const TO_TAG = 4;
const FROM_USER = 5;
const TO_USER = 6;
/** The top Via's branch (its sent-by is the int column TOP_VIA_SENT_BY). */
const TOP_VIA_BRANCH = 7;
const STRIDE = 8;

// Integer columns of a row.
/** transport (3 bits) | protocol (2) | fromLog (1) | response (1) | file index (rest). */
const PACKED = 0;
/** Status code of a response; NO_STATUS for a request or a status line that did not parse. */
const STATUS = 1;
const VIA_COUNT = 2;
const LENGTH = 3;
// Values that few rows differ in (a capture has a few dozen addresses, methods and content
// types), as indexes into the store's table of values: 4 bytes a row instead of an 8-byte slot.
const SRC = 4;
const DST = 5;
const METHOD = 6;
const CONTENT_TYPE = 7;
const TOP_VIA_SENT_BY = 8;
/** Where the bytes are read back from: an index into the store's homes (0: none). */
const HOME = 9;
/** The record number; LARGE_FRAME when it does not fit (then it is in a side map). */
const FRAME = 10;
/** From's and To's address less the user (KeptNameAddr.hostPort), as table indexes. */
const FROM_HOST_PORT = 11;
const TO_HOST_PORT = 12;
const INTS = 13;
const NO_STATUS = -1;
const LARGE_FRAME = -0x80000000;

// Doubles of a row: capture time, and the offset of the bytes in their home (a file past 4 GB).
const TIME = 0;
const AT = 1;
const DOUBLES = 2;

const TRANSPORTS: readonly Transport[] = ["udp", "tcp", "sctp", "ws", "wss", "tls"];
const PROTOCOLS: readonly Observed["protocol"][] = ["sip", "diameter", "http"];
const FROM_LOG_BIT = 1 << 5;
const RESPONSE_BIT = 1 << 6;
const FILE_SHIFT = 7;

const NO_PROBLEMS: readonly string[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);

/** Parses kept for re-use: a ladder or a rule reads a handful of messages several times. */
const CACHE_SIZE = 256;
const cache = new Map<RowMessage, ParsedSip>();

/**
 * The parser's own fast reads (parse.ts), when `parsed` came from parseSip: texts made straight
 * from their bytes through an interner (a repeated Request-URI or Content-Type costs a hash, not a
 * new string), the kept headers found in one pass over the fields instead of one search per
 * header, and the Vias counted and the top one read without Via objects (see scanCommonVia).
 */
interface FastReads {
  lineTextOf(text: (b: Uint8Array, s: number, e: number) => string): string | undefined;
  sharedValueByKey(key: string): string | undefined;
  firstValuesOf(want: Uint8Array, out: (string | undefined)[]): number;
  keptNameAddr(to: boolean): KeptNameAddr;
  scanTopVia(): boolean;
  readonly viaCount: number;
}
function fastReads(parsed: ParsedSip): FastReads | undefined {
  return typeof (parsed as Partial<FastReads>).firstValuesOf === "function" ? (parsed as unknown as FastReads) : undefined;
}

/** keptWant[header key id] = position in KEPT_HEADERS + 1 (undefined: an id could not be had). */
const keptWant: Uint8Array | undefined = (() => {
  const want = new Uint8Array(256);
  for (let i = 0; i < KEPT_HEADERS.length; i++) {
    const id = headerKeyId(KEPT_HEADERS[i]);
    if (id === 0) return undefined;
    want[id] = i + 1;
  }
  return want;
})();
const keptScratch: (string | undefined)[] = KEPT_HEADERS.map(() => undefined);

/** What every observed message has, whatever its protocol. */
export type RowPlace = Pick<Observed, "file" | "frame" | "frames" | "time" | "src" | "dst" | "transport" | "fromLog">;

export class MessageRows {
  private readonly slots: unknown[][] = [];
  private readonly ints: Int32Array[] = [];
  private readonly doubles: Float64Array[] = [];
  /** Every frame of the rare message carried by several packets, by row. */
  private readonly frames = new Map<number, number[]>();
  /** Record numbers that do not fit the FRAME column, by row. */
  private readonly largeFrames = new Map<number, number>();
  /** The problems of the rare malformed SIP message, by row. */
  private readonly problems = new Map<number, readonly string[]>();
  /** First values of the KEPT_HEADERS a SIP message has, by row (most have none). */
  private readonly keptHeaders = new Map<number, Record<string, string>>();
  /** The few distinct addresses, methods and content types, by index (0: undefined). */
  private readonly values: unknown[] = [undefined];
  private readonly valueIndex = new Map<unknown, number>();
  /** Addresses by value (ip, then port): the decoder makes a new Endpoint per packet. */
  private readonly endpointIndex = new Map<string, Map<number, number>>();
  /** Where rows' bytes are read back from (a file's BytesHome, a slab of kept bytes), by index (0: none). */
  private readonly homes: (Uint8Array | BytesHome | undefined)[] = [undefined];
  private readonly homeIndex = new Map<BytesHome, number>();
  private lastHome = 0;
  private count = 0;
  /** This store's handle classes (see handleClass). */
  private readonly Handle: RowHandleClass;
  private readonly SipHandle: RowHandleClass;

  constructor() {
    this.Handle = handleClass(RowMessage, this);
    this.SipHandle = handleClass(SipRowMessage, this);
  }

  get length(): number {
    return this.count;
  }

  /**
   * A SIP message: its stored values are copied out of `parsed`; its bytes stay in `home`, at
   * [at, at + length) (a Uint8Array home given alone: all of it).
   */
  addSip(place: RowPlace, parsed: ParsedSip, home: Uint8Array | BytesHome, at = 0, length = home instanceof Uint8Array ? home.length : 0): RowMessage {
    const row = this.newRow(place, "sip");
    const chunk = row >>> CHUNK_BITS;
    const s = this.slots[chunk];
    const o = (row & CHUNK_MASK) * STRIDE;
    const n = this.ints[chunk];
    const io = (row & CHUNK_MASK) * INTS;
    const fast = fastReads(parsed);
    const response = parsed.kind === "response";
    if (response) n[io + PACKED] |= RESPONSE_BIT;
    n[io + STATUS] = response ? (parsed.status ?? NO_STATUS) : NO_STATUS;
    // The reason phrase of a response, the Request-URI of a request (lineTextOf picks the same).
    s[o + LINE_TEXT] = fast ? fast.lineTextOf(keepBytes) : keepTextOptional(response ? parsed.reason : parsed.requestUri);
    n[io + METHOD] = this.indexOf(parsed.method);
    s[o + CALL_ID] = parsed.callId;
    s[o + CSEQ] = parsed.cseq;
    const from = fast ? fast.keptNameAddr(false) : keptNameAddr(parsed.from);
    const to = fast ? fast.keptNameAddr(true) : keptNameAddr(parsed.to);
    s[o + FROM_TAG] = from.tag;
    s[o + TO_TAG] = to.tag;
    s[o + FROM_USER] = from.user;
    s[o + TO_USER] = to.user;
    n[io + FROM_HOST_PORT] = this.indexOf(from.hostPort);
    n[io + TO_HOST_PORT] = this.indexOf(to.hostPort);
    // problems first: it reads every Via, so the Via reads below find them counted.
    const problems = parsed.problems;
    if (problems.length) this.problems.set(row, problems);
    // vias[0], not the parser's topVia: they differ when the first Via value is malformed.
    if (fast?.scanTopVia()) {
      // The usual top Via, read from the bytes (see scanCommonVia): no Via object is made.
      const b = parsed.raw;
      s[o + TOP_VIA_BRANCH] = viaParts[4] < 0 ? undefined : keepBytes(b, viaParts[4], viaParts[5]);
      n[io + TOP_VIA_SENT_BY] = this.indexOf(sentByOfBytes(b, viaParts[1], viaParts[2], viaParts[3], COMMON_TRANSPORTS[viaParts[0]]));
    } else {
      const top = parsed.vias[0];
      s[o + TOP_VIA_BRANCH] = keepTextOptional(top?.branch);
      n[io + TOP_VIA_SENT_BY] = this.indexOf(sharedSentBy(top));
    }
    n[io + VIA_COUNT] = fast ? fast.viaCount : parsed.vias.length;
    n[io + CONTENT_TYPE] = this.indexOf(fast ? fast.sharedValueByKey("content-type") : parsed.contentType);
    const kept = fast && keptWant ? keptOfFastReads(fast, keptWant) : keptOfParse(parsed);
    if (kept) this.keptHeaders.set(row, kept);
    n[io + HOME] = this.indexOfHome(home);
    n[io + LENGTH] = length;
    this.doubles[chunk][(row & CHUNK_MASK) * DOUBLES + AT] = at;
    return new this.SipHandle(row);
  }

  /** A Diameter or HTTP message: kept as its decode. */
  addDecoded(place: RowPlace, protocol: "diameter" | "http", decoded: DiameterMessage | HttpMessage): RowMessage {
    const row = this.newRow(place, protocol);
    this.slots[row >>> CHUNK_BITS][(row & CHUNK_MASK) * STRIDE + DECODED] = decoded;
    this.ints[row >>> CHUNK_BITS][(row & CHUNK_MASK) * INTS + STATUS] = NO_STATUS;
    return new this.Handle(row);
  }

  private newRow(place: RowPlace, protocol: Observed["protocol"]): number {
    const row = this.count++;
    const chunk = row >>> CHUNK_BITS;
    if (chunk === this.slots.length) {
      // Filled with undefined up front: the array is one packed backing store of its final size.
      this.slots.push(new Array<unknown>(CHUNK * STRIDE).fill(undefined));
      this.ints.push(new Int32Array(CHUNK * INTS));
      this.doubles.push(new Float64Array(CHUNK * DOUBLES));
    }
    const n = this.ints[chunk];
    const io = (row & CHUNK_MASK) * INTS;
    n[io + SRC] = this.indexOfEndpoint(place.src);
    n[io + DST] = this.indexOfEndpoint(place.dst);
    n[io + PACKED] = TRANSPORTS.indexOf(place.transport) | (PROTOCOLS.indexOf(protocol) << 3) | (place.fromLog ? FROM_LOG_BIT : 0) | (place.file << FILE_SHIFT);
    const frame = place.frame;
    if ((frame | 0) === frame && frame !== LARGE_FRAME) n[io + FRAME] = frame;
    else {
      n[io + FRAME] = LARGE_FRAME;
      this.largeFrames.set(row, frame);
    }
    this.doubles[chunk][(row & CHUNK_MASK) * DOUBLES + TIME] = place.time;
    if (place.frames && place.frames.length > 1) this.frames.set(row, place.frames);
    return row;
  }

  /**
   * Put the rows in a new order: row i becomes what row order[i] was (several files merged on one
   * timeline; each message's id then equals its new row). Handles made before point at their old
   * row until their id is set to the new one.
   */
  reorder(order: readonly number[]): void {
    if (order.length !== this.count) throw new Error(`reorder: ${order.length} rows given for ${this.count}`);
    const slots = this.slots.map(() => new Array<unknown>(CHUNK * STRIDE).fill(undefined));
    const ints = this.ints.map(() => new Int32Array(CHUNK * INTS));
    const doubles = this.doubles.map(() => new Float64Array(CHUNK * DOUBLES));
    for (let to = 0; to < order.length; to++) {
      const from = order[to];
      const fs = this.slots[from >>> CHUNK_BITS];
      const fo = (from & CHUNK_MASK) * STRIDE;
      const ts = slots[to >>> CHUNK_BITS];
      const tso = (to & CHUNK_MASK) * STRIDE;
      for (let k = 0; k < STRIDE; k++) ts[tso + k] = fs[fo + k];
      ints[to >>> CHUNK_BITS].set(this.ints[from >>> CHUNK_BITS].subarray((from & CHUNK_MASK) * INTS, (from & CHUNK_MASK) * INTS + INTS), (to & CHUNK_MASK) * INTS);
      doubles[to >>> CHUNK_BITS].set(this.doubles[from >>> CHUNK_BITS].subarray((from & CHUNK_MASK) * DOUBLES, (from & CHUNK_MASK) * DOUBLES + DOUBLES), (to & CHUNK_MASK) * DOUBLES);
    }
    this.slots.splice(0, this.slots.length, ...slots);
    this.ints.splice(0, this.ints.length, ...ints);
    this.doubles.splice(0, this.doubles.length, ...doubles);
    const rowOf = new Map<number, number>();
    order.forEach((from, to) => rowOf.set(from, to));
    for (const byRow of [this.frames, this.largeFrames, this.problems, this.keptHeaders] as Map<number, unknown>[]) renumber(byRow, rowOf);
  }

  /** Index of an address in the table, equal addresses sharing one Endpoint (nobody mutates them). */
  private indexOfEndpoint(e: Endpoint): number {
    let byPort = this.endpointIndex.get(e.ip);
    if (!byPort) this.endpointIndex.set(e.ip, (byPort = new Map()));
    let i = byPort.get(e.port);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(e);
      byPort.set(e.port, i);
    }
    return i;
  }

  /** Index of a value in the table (texts by value, objects by identity). */
  private indexOf(value: unknown): number {
    if (value === undefined) return 0;
    let i = this.valueIndex.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.valueIndex.set(value, i);
    }
    return i;
  }

  /**
   * Index of a home. Rows come in runs from one home (a file, a slab), so the last one is checked
   * first; a BytesHome is found by identity, and a byte array other than the last is added anew:
   * mostly a message's own copy, which no other row shares; a slab come back to after rows from
   * elsewhere (a file interleaved with reassembled messages) gets one more entry, not a Map entry
   * per byte array.
   */
  private indexOfHome(home: Uint8Array | BytesHome): number {
    if (this.homes[this.lastHome] === home) return this.lastHome;
    let i = home instanceof Uint8Array ? undefined : this.homeIndex.get(home);
    if (i === undefined) {
      i = this.homes.length;
      this.homes.push(home);
      if (!(home instanceof Uint8Array)) this.homeIndex.set(home, i);
    }
    return (this.lastHome = i);
  }

  /** The table value that integer column `which` of row `row` points at. */
  value(row: number, which: number): unknown {
    return this.values[this.int(row, which)];
  }

  /** Reference slot `slot` of row `row`. */
  slot(row: number, slot: number): unknown {
    return this.slots[row >>> CHUNK_BITS][(row & CHUNK_MASK) * STRIDE + slot];
  }

  int(row: number, which: number): number {
    return this.ints[row >>> CHUNK_BITS][(row & CHUNK_MASK) * INTS + which];
  }

  double(row: number, which: number): number {
    return this.doubles[row >>> CHUNK_BITS][(row & CHUNK_MASK) * DOUBLES + which];
  }

  frameOf(row: number): number {
    const frame = this.int(row, FRAME);
    return frame === LARGE_FRAME ? this.largeFrames.get(row)! : frame;
  }

  framesOf(row: number): number[] | undefined {
    return this.frames.size === 0 ? undefined : this.frames.get(row);
  }

  problemsOf(row: number): readonly string[] {
    return (this.problems.size === 0 ? undefined : this.problems.get(row)) ?? NO_PROBLEMS;
  }

  keptHeadersOf(row: number): Record<string, string> | undefined {
    return this.keptHeaders.size === 0 ? undefined : this.keptHeaders.get(row);
  }

  /** The bytes of row `row`: a view of its home's, or read back from its file. */
  rawOf(row: number): Uint8Array {
    const home = this.homes[this.int(row, HOME)];
    if (home === undefined) return EMPTY;
    const at = this.double(row, AT);
    const length = this.int(row, LENGTH);
    if (home instanceof Uint8Array) return at === 0 && length === home.length ? home : home.subarray(at, at + length);
    try {
      return home.read(at, length);
    } catch {
      // The capture file changed or went away since it was read: the stored values still stand.
      return EMPTY;
    }
  }
}

/** The first values of the kept headers, from the parser's one pass over the fields (undefined: none). */
function keptOfFastReads(fast: FastReads, want: Uint8Array): Record<string, string> | undefined {
  const values = keptScratch;
  if (fast.firstValuesOf(want, values) === 0) return undefined;
  let kept: Record<string, string> | undefined;
  for (let i = 0; i < KEPT_HEADERS.length; i++) {
    const value = values[i];
    if (value !== undefined) {
      (kept ??= {})[KEPT_HEADERS[i]] = keepText(value);
      values[i] = undefined;
    }
  }
  return kept;
}

function keptOfParse(parsed: ParsedSip): Record<string, string> | undefined {
  let kept: Record<string, string> | undefined;
  for (const name of KEPT_HEADERS) {
    const value = parsed.header(name);
    if (value !== undefined) (kept ??= {})[name] = keepText(value);
  }
  return kept;
}

/** Move a side map's entries to their rows' new numbers. */
function renumber(byRow: Map<number, unknown>, rowOf: ReadonlyMap<number, number>): void {
  const entries = [...byRow];
  byRow.clear();
  for (const [row, value] of entries) byRow.set(rowOf.get(row)!, value);
}

type RowHandleClass = new (id: number) => RowMessage;

/**
 * A handle class of its own for one store: the store sits on the class's prototype, so a handle
 * holds only its id (32 B, not 40 B: ~1 MB on 10^5 messages). A store's handles have two hidden
 * classes (SipRowMessage's, RowMessage's), and each store of a process adds its own two: code that
 * reads the messages of several sessions sees more shapes (slower sites, the same answers).
 */
function handleClass(base: RowHandleClass, rows: MessageRows): RowHandleClass {
  const StoreHandle = class extends base {};
  Object.defineProperty(StoreHandle.prototype, "rows", { value: rows });
  return StoreHandle;
}

/**
 * One observed message: a handle on its row. For a SIP message `sip` is the handle itself, which
 * answers the stored values from the row and everything else from a re-parse of its bytes.
 */
export class RowMessage implements Observed, SipMessage {
  /**
   * Position on the session's timeline, which is also the message's row: files merged by time
   * renumber their messages and reorder the rows to match (see MessageRows.reorder). One number
   * less per handle is ~1 MB on 10^5 messages.
   */
  id: number;
  /** The store of the row: on the prototype of the store's own handle class (see handleClass). */
  declare private readonly rows: MessageRows;

  constructor(id: number) {
    this.id = id;
  }

  private get row(): number {
    return this.id;
  }

  private get packed(): number {
    return this.rows.int(this.row, PACKED);
  }

  // --- Observed ---
  get file(): number {
    return this.packed >>> FILE_SHIFT;
  }
  get frame(): number {
    return this.rows.frameOf(this.row);
  }
  get frames(): number[] | undefined {
    return this.rows.framesOf(this.row);
  }
  get time(): number {
    return this.rows.double(this.row, TIME);
  }
  get src(): Endpoint {
    return this.rows.value(this.row, SRC) as Endpoint;
  }
  get dst(): Endpoint {
    return this.rows.value(this.row, DST) as Endpoint;
  }
  get transport(): Transport {
    return TRANSPORTS[this.packed & 7];
  }
  get protocol(): Observed["protocol"] {
    return PROTOCOLS[(this.packed >>> 3) & 3];
  }
  get fromLog(): boolean | undefined {
    return this.packed & FROM_LOG_BIT ? true : undefined;
  }
  get sip(): RowMessage | undefined {
    return (this.packed >>> 3) & 3 ? undefined : this;
  }
  get diameter(): DiameterMessage | undefined {
    return ((this.packed >>> 3) & 3) === 1 ? (this.rows.slot(this.row, DECODED) as DiameterMessage) : undefined;
  }
  get http(): HttpMessage | undefined {
    return ((this.packed >>> 3) & 3) === 2 ? (this.rows.slot(this.row, DECODED) as HttpMessage) : undefined;
  }

  // --- SipMessage: stored values ---
  get kind(): "request" | "response" {
    return this.packed & RESPONSE_BIT ? "response" : "request";
  }
  get method(): string | undefined {
    return this.rows.value(this.row, METHOD) as string | undefined;
  }
  get status(): number | undefined {
    const status = this.rows.int(this.row, STATUS);
    return status === NO_STATUS ? undefined : status;
  }
  get requestUri(): string | undefined {
    return this.packed & RESPONSE_BIT ? undefined : (this.rows.slot(this.row, LINE_TEXT) as string | undefined);
  }
  get reason(): string | undefined {
    return this.packed & RESPONSE_BIT ? (this.rows.slot(this.row, LINE_TEXT) as string | undefined) : undefined;
  }
  get callId(): string | undefined {
    return this.rows.slot(this.row, CALL_ID) as string | undefined;
  }
  get cseq(): CSeq | undefined {
    return this.rows.slot(this.row, CSEQ) as CSeq | undefined;
  }
  get fromTag(): string | undefined {
    return this.rows.slot(this.row, FROM_TAG) as string | undefined;
  }
  get toTag(): string | undefined {
    return this.rows.slot(this.row, TO_TAG) as string | undefined;
  }
  get fromUser(): string | undefined {
    return this.rows.slot(this.row, FROM_USER) as string | undefined;
  }
  get toUser(): string | undefined {
    return this.rows.slot(this.row, TO_USER) as string | undefined;
  }
  /** A new text each time (a call reads its first message's): see KeptNameAddr.hostPort. */
  get fromAddress(): string | undefined {
    return addressOf(this.fromUser, this.rows.value(this.row, FROM_HOST_PORT) as string | undefined);
  }
  get toAddress(): string | undefined {
    return addressOf(this.toUser, this.rows.value(this.row, TO_HOST_PORT) as string | undefined);
  }
  /** What matching reads of the top Via (vias[0]), as a new object; the whole Via is in `vias`. */
  get topVia(): ViaKey | undefined {
    const sentBy = this.topViaSentBy;
    return sentBy && { host: sentBy.host, port: sentBy.port, transport: sentBy.transport, branch: this.topViaBranch };
  }
  get topViaBranch(): string | undefined {
    return this.rows.slot(this.row, TOP_VIA_BRANCH) as string | undefined;
  }
  get topViaSentBy(): SentBy | undefined {
    return this.rows.value(this.row, TOP_VIA_SENT_BY) as SentBy | undefined;
  }
  get viaCount(): number {
    return this.rows.int(this.row, VIA_COUNT);
  }
  get contentType(): string | undefined {
    return this.rows.value(this.row, CONTENT_TYPE) as string | undefined;
  }
  get problems(): readonly string[] {
    return this.rows.problemsOf(this.row);
  }
  header(name: string): string | undefined {
    const key = canonicalHeaderKey(name);
    if (isKeptHeader(key)) return this.rows.keptHeadersOf(this.row)?.[key];
    return this.full().header(name);
  }

  // --- SipMessage: read back from the bytes ---
  /** The whole parse of this message (from the cache, else the bytes are read and parsed again). */
  full(): ParsedSip {
    let parsed = cache.get(this);
    if (parsed) return parsed;
    parsed = parseSip(this.raw);
    cache.set(this, parsed);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return parsed;
  }

  get raw(): Uint8Array {
    return this.rows.rawOf(this.row);
  }
  get fields(): readonly SipHeaderField[] {
    return this.full().fields;
  }
  headerValues(name: string): string[] {
    return this.full().headerValues(name);
  }
  get from(): NameAddr | undefined {
    return this.full().from;
  }
  get to(): NameAddr | undefined {
    return this.full().to;
  }
  get vias(): readonly Via[] {
    return this.full().vias;
  }
  get contact(): readonly NameAddr[] {
    return this.full().contact;
  }
  get recordRoute(): readonly NameAddr[] {
    return this.full().recordRoute;
  }
  get route(): readonly NameAddr[] {
    return this.full().route;
  }
  get contentLength(): number | undefined {
    return this.full().contentLength;
  }
  get bodyOffset(): number {
    return this.full().bodyOffset;
  }
  get body(): Uint8Array {
    return this.full().body;
  }
  get version(): string {
    return this.full().version;
  }
  get startLineOffset(): number {
    return this.full().startLineOffset;
  }
}

/** The handle of a SIP row: what depends only on the protocol is known without reading the row (the analysis asks `sip` ~12 times a message). */
class SipRowMessage extends RowMessage {
  override get protocol(): Observed["protocol"] {
    return "sip";
  }
  override get sip(): RowMessage {
    return this;
  }
  override get diameter(): undefined {
    return undefined;
  }
  override get http(): undefined {
    return undefined;
  }
}
