/**
 * A small zod-style collector for validating plain JSON objects: every problem becomes an `Issue` (the field's path,
 * the value received and what is allowed), nothing stops at the first one. Used by the config and dataset parsers.
 */
import { formatPath, typeName, type Issue, type PathSegment } from '../issues';

export class Checker {
  readonly issues: Issue[] = [];
  constructor(readonly where: string) {}

  error(path: readonly PathSegment[], code: string, message: string): void {
    this.issues.push({ code, path: [...path], message: `${this.where}: ${message}`, where: this.where });
  }

  warn(path: readonly PathSegment[], code: string, message: string): void {
    this.issues.push({ code, path: [...path], message: `${this.where}: ${message}`, where: this.where, severity: 'warning' });
  }

  get errors(): Issue[] {
    return this.issues.filter((i) => i.severity !== 'warning');
  }

  get warnings(): Issue[] {
    return this.issues.filter((i) => i.severity === 'warning');
  }
}

/** `sampling.n` for messages; the empty path is "(root)". */
export function fieldName(path: readonly PathSegment[]): string {
  return formatPath(path) || '(root)';
}

/** A value rendered for a message: JSON where possible, the type name otherwise. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return typeName(value);
    return s.length > 80 ? `${s.slice(0, 77)}…` : s;
  } catch {
    return typeName(value);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** The lower bound itself is not allowed. */
  readonly minExclusive?: boolean;
}

function describeNumber(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const lo = rule.min !== undefined ? `${rule.minExclusive ? '>' : '≥'} ${rule.min}` : '';
  const hi = rule.max !== undefined ? `≤ ${rule.max}` : '';
  if (lo && hi) return `${kind} ${rule.minExclusive ? `in (${rule.min}, ${rule.max}]` : `in [${rule.min}, ${rule.max}]`}`;
  return [kind, lo || hi].filter(Boolean).join(' ');
}

/** Checks a number against a rule; on failure reports it and returns undefined. */
export function checkNumber(c: Checker, path: readonly PathSegment[], value: unknown, rule: NumberRule): number | undefined {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || (rule.minExclusive ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || value <= rule.max);
  if (ok) return value as number;
  c.error(path, typeof value === 'number' ? 'invalid_value' : 'invalid_type', `${fieldName(path)} must be ${describeNumber(rule)}, got ${show(value)}`);
  return undefined;
}

export function checkString(c: Checker, path: readonly PathSegment[], value: unknown, what = 'a non-empty string'): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  c.error(path, typeof value === 'string' ? 'empty' : 'invalid_type', `${fieldName(path)} must be ${what}, got ${show(value)}`);
  return undefined;
}

export function checkBoolean(c: Checker, path: readonly PathSegment[], value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  c.error(path, 'invalid_type', `${fieldName(path)} must be true or false, got ${show(value)}`);
  return undefined;
}

export function checkEnum<T extends string>(c: Checker, path: readonly PathSegment[], value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  c.error(path, 'invalid_value', `${fieldName(path)} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(value)}`);
  return undefined;
}

/** Levenshtein distance, for "did you mean" hints on unknown fields. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest known name within distance 2 (or a case-insensitive match), for hints. */
export function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
