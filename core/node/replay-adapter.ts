/**
 * Where the app's Replay button meets the replay runner (core/node/engine/replay-runner.ts): the
 * analysis already in the session is replayed against the built-in engine (or a target), and only
 * the JSON parts of the run cross the Api.
 */
import type { Replayer } from "./service";
import { replayCall } from "./engine/replay-runner";

export function loadReplayer(): Replayer {
  return async (result, callId, options) => {
    const run = await replayCall(result, callId, { speed: options.speed, target: options.target, maxSeconds: 120 });
    return { original: run.original, replay: run.replay, diff: run.diff };
  };
}
