/**
 * Errors as data (zod's habit): a problem with an input is an `Issue` with a code, a path down to the bad value
 * and a message. Validators collect every issue, not only the first; callers choose to throw (`InputError`) or
 * to render them (`prettifyIssues`).
 */

/** Known issue codes; any other string is accepted too (open union that keeps autocomplete). */
export type IssueCode =
  | 'invalid_type'
  | 'missing_field'
  | 'invalid_value'
  | 'unknown_field'
  | 'malformed'
  | 'empty'
  | 'mismatch'
  | 'not_found'
  | 'unsupported'
  | 'too_large'
  | 'newer_format'
  | (string & {});

export type PathSegment = string | number;

export interface Issue {
  readonly code: IssueCode;
  /** Keys and indices down to the bad value, e.g. `['reasoning_chain', 2, 'metrics', 'probe_pred']`. */
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** The file, line or source the issue is in, e.g. `data/x.jsonl:4` or `config.json`. */
  readonly where?: string;
  /** Warnings do not stop the caller; errors do. Default: error. */
  readonly severity?: 'error' | 'warning';
}

/** `a.b[2].c`; an empty path renders as an empty string. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** One line per issue ("✖ message"), and under it where it is ("→ at file: a.b[2]"). */
export function prettifyIssues(issues: readonly Issue[]): string {
  const lines: string[] = [];
  for (const issue of issues) {
    const mark = issue.severity === 'warning' ? '⚠' : '✖';
    lines.push(`${mark} ${issue.message}`);
    const path = formatPath(issue.path);
    if (issue.where || path) lines.push(`  → at ${[issue.where, path].filter(Boolean).join(': ')}`);
  }
  return lines.join('\n');
}

export function isError(issue: Issue): boolean {
  return issue.severity !== 'warning';
}

/** An input the user gave is wrong. The CLI exits with status 2 on it; the page shows the issues. */
export class InputError extends Error {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[] | string, where?: string) {
    const list: Issue[] =
      typeof issues === 'string' ? [{ code: 'invalid_value', path: [], message: issues, where }] : [...issues];
    super(prettifyIssues(list));
    this.name = 'InputError';
    this.issues = list;
  }
}

export type Result<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

export function ok<T>(value: T, warnings: readonly Issue[] = []): Result<T> {
  return { ok: true, value, warnings };
}

export function fail<T = never>(issues: readonly Issue[]): Result<T> {
  return { ok: false, issues };
}

/** Unwraps a result or throws an `InputError` with all its issues. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new InputError(result.issues);
}

/** A short type name for messages: "array", "null", "string", … */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}
