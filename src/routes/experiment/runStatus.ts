/**
 * What a stored run's status means right now, given which run (if any) a tab is running. A record says "running"
 * from its start until the worker writes its end; if no tab holds that run's lock, the tab that ran it was closed
 * or reloaded mid-run: the run is interrupted, and resumable from where its record says it stopped.
 */
import type { RunRecord } from '../../lib/store/idb/schema';

export type RunState = 'running-here' | 'running-elsewhere' | 'interrupted' | 'paused' | 'stopped' | 'finished' | 'imported';

export const RUN_STATE_TEXT: Record<RunState, string> = {
  'running-here': 'running',
  'running-elsewhere': 'running in another tab',
  interrupted: 'interrupted',
  paused: 'paused',
  stopped: 'stopped by an error',
  finished: 'finished',
  imported: 'imported'
};

export function runState(run: Pick<RunRecord, 'id' | 'status' | 'summary'>, live: { ownRunId: string | null; heldRunIds: ReadonlySet<string> }): RunState {
  if (run.status === 'finished') return 'finished';
  if (run.status === 'imported') return 'imported';
  if (run.status === 'cancelled') return run.summary && typeof run.summary.stopped_by === 'string' ? 'stopped' : 'paused';
  if (run.id === live.ownRunId) return 'running-here';
  if (live.heldRunIds.has(run.id)) return 'running-elsewhere';
  return 'interrupted';
}

export function resumable(state: RunState): boolean {
  return state === 'interrupted' || state === 'paused' || state === 'stopped';
}

/** "item 2 of 4": the item a stopped run was working on, from its record (the run view counts the turns). */
export function whereStopped(run: Pick<RunRecord, 'progress'>): string | null {
  const p = run.progress;
  if (!p) return null;
  return `item ${p.current} of ${p.total}`;
}

/** One line of a stored config for the runs table: "dialogue · 3 items random(seed 42) · K=3 · T 0.2 · top_p 0.7 · 64 tok · labels f1". */
export function configSummary(config: Record<string, unknown>, itemCount: number | null): string {
  const c = config as {
    mode?: string;
    sampling?: { strategy?: string; n?: number | null; seed?: number };
    max_steps?: number;
    temperature?: number;
    top_p?: number;
    max_new_tokens?: number;
    label_method?: string;
    strategy?: string;
    seed?: number;
  };
  const parts: string[] = [c.mode ?? 'dialogue'];
  if (itemCount !== null) parts.push(`${itemCount} items (${c.sampling?.strategy ?? 'all'}${c.sampling?.strategy === 'random' ? `, seed ${c.sampling?.seed}` : ''})`);
  if (c.mode !== 'probe_data' && typeof c.max_steps === 'number') parts.push(`K=${c.max_steps + 1} (${c.strategy ?? 'progressive'})`);
  if (typeof c.temperature === 'number') parts.push(`T ${c.temperature}`);
  if (typeof c.top_p === 'number') parts.push(`top_p ${c.top_p}`);
  if (typeof c.max_new_tokens === 'number') parts.push(`${c.max_new_tokens} tok`);
  if (typeof c.seed === 'number') parts.push(`seed ${c.seed}`);
  if (c.label_method) parts.push(`labels ${c.label_method}`);
  return parts.join(' · ');
}
