/**
 * The app's Replay button: the Api service's `Replayer` seam (core/node/service.ts) implemented by
 * the replay runner. Wire it with `loadReplayer = () => replayer` in core/node/replay-adapter.ts.
 */
import type { ReplayResult } from "../../api";
import type { AnalysisResult } from "../../analysis/model";
import { replayCall } from "./replay-runner";

export async function replayer(result: AnalysisResult, callId: string, options: { speed?: number; target?: string }): Promise<ReplayResult> {
  const r = await replayCall(result, callId, { speed: options.speed, target: options.target });
  // Only the Api's DTO crosses to the renderer; the pcap path and notes stay on the host.
  return { original: r.original, replay: r.replay, diff: r.diff };
}
