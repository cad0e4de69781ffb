/**
 * A value kept in localStorage under `key` (svelte.dev's `Persisted`): reactive, and it survives disabled or full
 * storage (then it simply lives in memory for this page).
 */
export class Persisted<T> {
  #value = $state<T>() as T;
  constructor(
    private readonly key: string,
    fallback: T
  ) {
    let initial = fallback;
    try {
      const raw = typeof localStorage !== 'undefined' ? localStorage.getItem(key) : null;
      if (raw !== null) initial = JSON.parse(raw) as T;
    } catch {
      // storage disabled or corrupt entry: keep the fallback
    }
    this.#value = initial;
  }
  get current(): T {
    return this.#value;
  }
  set current(v: T) {
    this.#value = v;
    try {
      localStorage.setItem(this.key, JSON.stringify(v));
    } catch {
      // storage disabled or full: the value still applies for this page
    }
  }
}
