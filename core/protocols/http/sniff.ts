/**
 * HTTP/1.x sniffing and framing (start line; Content-Length / chunked / no body). The implementation
 * lives in core/capture/framing/http.ts (capture may not import protocols; the reverse is fine).
 */
export { sniffHttp, frameHttp, frameHttpEx, httpStart } from "../../capture/framing/http";
export type { Framing } from "../../capture/framing/framing";
