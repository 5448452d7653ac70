/**
 * Where the app's Replay button meets the replay core. The replay engine lives in core/replay and
 * core/node (issue 5); until it is wired here the service reports "replay unavailable".
 */
import type { Replayer } from "./service";

export function loadReplayer(): Replayer | undefined {
  return undefined;
}
