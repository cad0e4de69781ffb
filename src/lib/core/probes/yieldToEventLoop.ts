/**
 * Gives the event loop a turn, so that long training in a worker (or in the CLI) still answers messages, progress
 * requests and Ctrl-C. `setImmediate` where it exists (Node), a `MessageChannel` round trip in browsers and
 * workers (no 4 ms clamp as nested `setTimeout` has), `setTimeout(0)` otherwise.
 */
type Scheduler = (resume: () => void) => void;

const scheduler: Scheduler = (() => {
  const g = globalThis as unknown as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return (f) => void g.setImmediate!(f);
  if (typeof g.MessageChannel === 'function') {
    return (f) => {
      const channel = new g.MessageChannel!();
      channel.port1.onmessage = () => {
        channel.port1.close();
        f();
      };
      channel.port2.postMessage(null);
    };
  }
  return (f) => void setTimeout(f, 0);
})();

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => scheduler(resolve));
}

/** Throws the signal's reason (an `AbortError` by default) when it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error) throw reason;
  const err = new Error('training was cancelled');
  err.name = 'AbortError';
  throw err;
}
