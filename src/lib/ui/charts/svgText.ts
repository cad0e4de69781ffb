/** Text and numbers written into standalone SVG (the exported charts and the Loops-to-Oops figures). */

/** Escapes text for an SVG/XML text node or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A number for an SVG attribute: at most 2 decimals, no trailing zeros. */
export function svgNum(x: number): string {
  return String(Math.round(x * 100) / 100);
}
