/** The Teach page keeps its choices in the URL (a link reproduces the view) without a navigation. */
import { replaceState } from '$app/navigation';
import { page } from '$app/state';

export function readParam(name: string): string | null {
  return new URL(location.href).searchParams.get(name);
}

/**
 * Sets (or, for null, removes) search params in place. Call from event handlers, after the router has started.
 * It starts from `location` (shallow routing does not move `page.url`), so successive calls add up.
 */
export function setParams(values: Record<string, string | number | null>) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === '') url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  if (url.href !== location.href) replaceState(url, page.state);
}
