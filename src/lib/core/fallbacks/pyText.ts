/**
 * Python string semantics that the Loops-to-Oops labelling depends on, written out for JavaScript.
 *
 * The reference code (Python 3) uses `str.split()`, `str.strip()`, `\s`, `\d`, `\w` and `\b`, all Unicode-aware.
 * JavaScript differs in three places that change labels on real model output:
 * - JS `\s` has U+FEFF but not U+001C–U+001F or U+0085; Python's whitespace (`str.isspace`, and `\s` in `re`) is
 *   exactly the 29 characters of `PY_WS` below (checked against CPython 3.11 over every code point).
 * - JS `\w`, `\b` and `\d` are ASCII-only even with the `u` flag. Python's `\w` is exactly `[\p{L}\p{N}_]` and its
 *   `\d` exactly `\p{Nd}` (checked the same way), so these classes are spelt out wherever they matter.
 * - JS `.` does not match `\r`, U+2028 or U+2029; Python's `.` matches everything but `\n`. Patterns here use
 *   `[^\n]` instead of `.`, which keeps CRLF completions working.
 */

/** Python's whitespace characters, for use inside a character class. */
export const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's `\w` for str patterns, for use inside a character class (needs the `u` flag). */
export const PY_WORD = '\\p{L}\\p{N}_';
/** Python's `\d` for str patterns (needs the `u` flag). */
export const PY_DIGIT = '\\p{Nd}';

const leadingWs = new RegExp(`^[${PY_WS}]+`);
const trailingWs = new RegExp(`[${PY_WS}]+$`);
const wsRun = new RegExp(`[${PY_WS}]+`);
const digitRun = new RegExp(`${PY_DIGIT}+`, 'gu');
const isDigitChar = new RegExp(`^${PY_DIGIT}$`, 'u');

/** Python's `s.strip()` (no argument). */
export function pyStrip(s: string): string {
  return s.replace(leadingWs, '').replace(trailingWs, '');
}

/** Python's `s.lstrip()` (no argument). */
export function pyLstrip(s: string): string {
  return s.replace(leadingWs, '');
}

/** Python's `s.split()` (no argument): runs of whitespace separate, empty pieces are dropped. */
export function pySplit(s: string): string[] {
  const t = pyStrip(s);
  return t.length === 0 ? [] : t.split(wsRun);
}

/** Replaces every run of decimal digits (any script, as Python's `\d+`) with `$$$`. */
export function maskDigits(s: string): string {
  return s.replace(digitRun, () => '$$$');
}

/**
 * Python's `int()` of a run of decimal digits in any script. Unicode lays every set of decimal digits out as
 * contiguous runs of ten, zero first, so a digit's value is its distance from the start of its run, modulo 10.
 */
export function pyDigitsToInt(digits: string): number {
  let value = 0;
  for (const ch of digits) {
    const cp = ch.codePointAt(0) as number;
    let start = cp;
    while (start > 0 && isDigitChar.test(String.fromCodePoint(start - 1))) start--;
    value = value * 10 + ((cp - start) % 10);
  }
  return value;
}

/**
 * Python's `repr(float)`: the shortest round-tripping digits, `1.0` for integral values, and exponent notation
 * below 1e-4 or from 1e16 on (`1e-05`, `1e+16`), as `json.dumps`, `str` and pandas' `to_csv` write floats.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const s = String(x);
  // JS writes 1e21 and up, and below 1e-6, in exponent form; neither reaches here (exp is in [-4, 15]).
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * Python's `json.dumps(value)` with its defaults: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`,
 * floats written as `repr(float)`. Integral numbers are written as ints (as Python writes an `int`); pass
 * `floats: true` to write every number as a float. Non-finite numbers are refused: Python would write
 * `NaN`/`Infinity`, which is not JSON.
 */
export function pyJsonDumps(value: unknown, options: { floats?: boolean } = {}): string {
  const floats = options.floats === true;
  const enc = (v: unknown): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new RangeError(`pyJsonDumps: non-finite number ${v} cannot be written as JSON`);
      return floats || !Number.isInteger(v) ? pyFloatRepr(v) : String(v);
    }
    if (typeof v === 'string') return pyJsonString(v);
    if (Array.isArray(v)) return `[${v.map(enc).join(', ')}]`;
    if (typeof v === 'object') {
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${pyJsonString(k)}: ${enc(x)}`)
        .join(', ')}}`;
    }
    throw new TypeError(`pyJsonDumps: cannot write a ${typeof v}`);
  };
  return enc(value);
}

/** A JSON string literal as Python's `json.dumps` writes it (ensure_ascii). */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
