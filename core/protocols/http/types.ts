export interface HttpMessage {
  raw: Uint8Array;
  kind: "request" | "response";
  method?: string;
  /** Request target as sent. */
  path?: string;
  version: string;
  status?: number;
  reason?: string;
  headers: { name: string; value: string }[];
  header(name: string): string | undefined;
  /** De-chunked body. */
  body: Uint8Array;
  problems: string[];
}
