/**
 * The engine and the replay agents handle one input at a time: `fn` reacts to it and may queue
 * work (`deferred`) that must run only after the current handler has finished — e.g. a request
 * the transaction layer accepted is handed to the core once the transaction's own state is
 * settled. A handler that throws must never take the peer down: the rest of the queue is dropped
 * and `onError` records what happened.
 */
export function runDeferred(fn: () => void, deferred: (() => void)[], onError: (e: unknown) => void): void {
  try {
    fn();
    while (deferred.length) deferred.shift()!();
  } catch (e) {
    deferred.length = 0;
    onError(e);
  }
}
