/**
 * The requests a worker has in progress, by id, so the page can cancel them (the page's side of cancel: a request
 * id, since an AbortSignal cannot cross the worker boundary). Each worker makes its own registry.
 */
export interface RequestRegistry {
  /** The controller of each request in progress. */
  readonly controllers: Map<string, AbortController>;
  /** Runs `task` with an AbortSignal registered under `requestId` until it settles. */
  cancellable<T>(requestId: string, task: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export function requestRegistry(): RequestRegistry {
  const controllers = new Map<string, AbortController>();
  return {
    controllers,
    async cancellable<T>(requestId: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const controller = new AbortController();
      controllers.set(requestId, controller);
      try {
        return await task(controller.signal);
      } finally {
        controllers.delete(requestId);
      }
    }
  };
}
