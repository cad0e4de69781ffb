/** The Teach page keeps its choices in the URL (a link reproduces the view) without a navigation. */
import { replaceState } from '$app/navigation';
import { page } from '$app/state';

export function readParam(name: string): string | null {
  return page.url.searchParams.get(name);
}

/** Sets (or, for null, removes) search params in place. Call from event handlers, after the router has started. */
export function setParams(values: Record<string, string | number | null>) {
  const url = new URL(page.url);
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === '') url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  if (url.href !== page.url.href) replaceState(url, page.state);
}
