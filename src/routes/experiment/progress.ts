/**
 * The live progress of a run as the page shows it (item i of n, turn k of K, tokens/s, ETA, the text of the turn
 * being generated), folded from the worker's events. Pure: the same events give the same view in the running tab
 * and in the tabs that follow it (they receive the folded view over a BroadcastChannel).
 */
import { formatDuration } from '../../lib/ui/format';
import type { ExperimentEvent } from '../../../workers/protocols/experiment';
import { remoteProgressText, type RemoteProgress } from './remoteRun';

export interface LiveProgress {
  readonly runId: string;
  /** 1-based item being worked on (or last worked on). */
  readonly item: number;
  readonly total: number;
  readonly itemId: string | null;
  /** Turns of the current item finished (0…K). */
  readonly turn: number;
  /** K = max_steps + 1 (0 for probe_data, which has no turns). */
  readonly turns: number;
  readonly tokensPerSecond: number | null;
  readonly etaSeconds: number | null;
  /** Items finished in this session, skipped as already finished, and failed. */
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  /** The text generated so far in the current turn (the last 400 characters). */
  readonly text: string;
  readonly lastError: string | null;
  /** A run on the server's GPU pool: items stored, per node (no turns or tokens are streamed from there). */
  readonly remote?: RemoteProgress | null;
}

export function emptyProgress(runId: string, total = 0, turns = 0): LiveProgress {
  return { runId, item: 0, total, itemId: null, turn: 0, turns, tokensPerSecond: null, etaSeconds: null, done: 0, skipped: 0, failed: 0, text: '', lastError: null };
}

const TEXT_TAIL = 400;

export function applyEvent(p: LiveProgress, e: ExperimentEvent): LiveProgress {
  if (e.type === 'token') {
    const text = (p.text + e.text).slice(-TEXT_TAIL);
    return { ...p, text };
  }
  if (e.type === 'probe-item') {
    const base = { ...p, item: e.index + 1, total: e.total, itemId: e.itemId, text: '' };
    if (e.kind === 'item-done') return { ...base, done: p.done + 1 };
    if (e.kind === 'item-skipped') return { ...base, skipped: p.skipped + 1 };
    return { ...base, failed: p.failed + 1, lastError: `${e.itemId}: ${e.error ?? 'failed'}` };
  }
  const ev = e.event;
  switch (ev.type) {
    case 'item-start':
      return { ...p, item: ev.index + 1, total: ev.total, itemId: ev.itemId, turn: ev.fromTurn, turns: ev.turns, text: '' };
    case 'turn':
      return { ...p, item: ev.index + 1, total: ev.total, itemId: ev.itemId, turn: ev.turn + 1, turns: ev.turns, tokensPerSecond: ev.tokensPerSecond, etaSeconds: ev.etaSeconds, text: '' };
    case 'item-skipped':
      return { ...p, item: ev.index + 1, total: ev.total, itemId: ev.itemId, skipped: p.skipped + 1 };
    case 'item-done':
      return { ...p, item: ev.index + 1, total: ev.total, itemId: ev.itemId, done: p.done + 1 };
    case 'item-failed':
      return { ...p, item: ev.index + 1, total: ev.total, itemId: ev.itemId, failed: p.failed + 1, lastError: `${ev.itemId}: ${ev.error}` };
  }
}

/** Fraction of the run finished, in [0, 1]: whole items before this one, plus this item's finished turns. */
export function fractionDone(p: LiveProgress): number {
  if (p.remote) return p.remote.total > 0 ? Math.min(1, (p.remote.stored + p.remote.alreadyStored + p.remote.failed) / p.remote.total) : 0;
  if (p.total <= 0) return 0;
  const finishedItems = p.done + p.skipped + p.failed;
  const within = p.turns > 0 && p.turn < p.turns ? p.turn / p.turns : 0;
  return Math.min(1, (finishedItems + within) / p.total);
}

/**
 * "item 2 of 4 · turn 3 of 6 · 14.2 tok/s · ETA 1 min 5 s · 1 done": the turn shown is the one in progress. A remote
 * run: "3 of 4 items stored · on 2 nodes: node-1 2, node-2 1" (`remoteProgressText`).
 */
export function progressText(p: LiveProgress): string {
  if (p.remote) return remoteProgressText(p.remote);
  const parts = [`item ${p.item} of ${p.total}`];
  if (p.turns) parts.push(`turn ${Math.min(p.turn + 1, p.turns)} of ${p.turns}`);
  parts.push(p.tokensPerSecond === null ? '– tok/s' : `${p.tokensPerSecond.toFixed(1)} tok/s`);
  parts.push(`ETA ${p.etaSeconds === null ? '–' : formatDuration(p.etaSeconds * 1000)}`);
  parts.push(`${p.done} done${p.skipped ? `, ${p.skipped} already done` : ''}${p.failed ? `, ${p.failed} failed` : ''}`);
  return parts.join(' · ');
}
