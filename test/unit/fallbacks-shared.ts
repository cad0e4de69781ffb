/**
 * Where the tests find the team's shared data: `../shared` next to the repository root (CI clones the repository
 * beside it, as /work/main sits beside /work/shared); from a worktree deeper down, `/work/shared`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function sharedDir(): string {
  for (const cand of [resolve(repoRoot, '..', 'shared'), '/work/shared']) {
    if (existsSync(join(cand, 'data', 'fallbacks'))) return cand;
  }
  throw new Error(`cannot find the shared data: neither ${resolve(repoRoot, '..', 'shared')} nor /work/shared has data/fallbacks`);
}

/** Reads a file of ../shared/data/fallbacks/ (as text). */
export function readFallbacksData(relPath: string): string {
  return readFileSync(join(sharedDir(), 'data', 'fallbacks', relPath), 'utf8');
}

export function readFallbacksJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFallbacksData(relPath)) as T;
}
