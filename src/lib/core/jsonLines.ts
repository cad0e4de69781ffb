/**
 * Reading JSONL with every problem reported by line: the JSON value of each non-blank line of `text` (a trailing
 * `\r` dropped), with its 1-based line number `n` and its place `at` (`${where}:${n}`). A line that is not JSON adds
 * a 'malformed' issue (`line n is not JSON (…)`) to `issues` and is skipped. Lines are read as the caller's loop asks
 * for them, so the issues the caller adds for a line stay in line order with these.
 */
import type { Issue } from './issues';

export function* jsonLines(text: string, where: string, issues: Issue[]): Generator<{ readonly value: unknown; readonly n: number; readonly at: string }> {
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const line = rows[i].replace(/\r$/, '');
    if (line.trim().length === 0) continue;
    const n = i + 1;
    const at = `${where}:${n}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      issues.push({ code: 'malformed', path: [], where: at, message: `line ${n} is not JSON (${(err as Error).message})` });
      continue;
    }
    yield { value, n, at };
  }
}
