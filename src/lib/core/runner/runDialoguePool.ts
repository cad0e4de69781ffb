/**
 * The dialogue experiment spread over a pool of models (remote engines, `remote_engines` in the CLI): the same
 * turns, prompts, seeds and item files as `runDialogue`, with several items in flight at once.
 *
 * - Each item's whole dialogue runs on ONE node (`pool.run` hands the per-item function one model), so the
 *   engine's prefix cache holds the conversation from turn to turn.
 * - The per-item function writes into a buffer, never into the store: an attempt that times out or fails on one
 *   node, and is retried on another, cannot leave turns behind. When an item finishes, its turns are stored in
 *   order, each as `runDialogue` would have stored it (`sink.save` after every turn: one atomic step each), so the
 *   files equal those of a local run and an interruption between two of those saves leaves a resumable item.
 * - Results are stored as they complete (`onResult` is awaited, so a slow store holds the node's slot). Finished
 *   items in the store are skipped; a partial one (from an earlier local or remote session) continues at its next
 *   turn. An item that fails on every attempt is recorded beside it (`<safe_id>_error.json`) and counted.
 * - Seeds are keyed by (run seed, item id, turn, sample), so results do not depend on the node or the order in
 *   which items finish.
 */
import { turnsPerItem } from '../config/runConfig';
import type { DatasetItem } from '../datasets/parseDataset';
import type { ItemResult } from '../itemResult';
import { checkCapture, newItemResult, newTally, openStoredItem, recordFailure, runItem, runSummary, type DialogueRunOptions } from './runDialogue';
import { abortError, type ItemPool, type RunSink, type RunSummary, type TurnHidden } from './types';

export interface DialoguePoolOptions extends Omit<DialogueRunOptions, 'model'> {
  readonly pool: ItemPool;
  /** The pool's model description (any node's: they serve one model), for checks and the new item files. */
  readonly model: DialogueRunOptions['model'];
}

interface Buffered {
  readonly saves: { readonly result: ItemResult; readonly turn: { readonly step: number; readonly hidden: TurnHidden | null } | null }[];
}

/** A sink that keeps every save of one item in memory (deep copies), to be replayed into the real store. */
function bufferSink(stored: ItemResult | null, out: Buffered): RunSink {
  return {
    loadItem: async () => stored,
    async save(result, turn) {
      out.saves.push({ result: structuredClone(result), turn });
    },
    saveError: async () => undefined,
    clearError: async () => undefined,
    saveProgress: async () => undefined
  };
}

export async function runDialoguePool(options: DialoguePoolOptions): Promise<RunSummary> {
  const { model, config, items, sink, signal, pool } = options;
  const now = options.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const K = turnsPerItem(config);
  const layers = checkCapture(config, model);
  const t = newTally();
  const n = items.length;
  let remainingTurns = n * K;

  // The store decides what is left: finished items are skipped, partial ones continue.
  const pending: { item: DatasetItem; index: number; stored: ItemResult | null }[] = [];
  for (let i = 0; i < n; i++) {
    if (signal?.aborted) throw abortError();
    const item = items[i];
    const open = await openStoredItem(options, item, i, K, t, iso);
    if (!open.run) {
      remainingTurns -= K;
      continue;
    }
    remainingTurns -= open.from;
    pending.push({ item, index: i, stored: open.stored });
  }

  let stored = 0;
  const summary = await pool.run(pending, {
    itemId: (p) => p.item.id,
    signal,
    run: async (p, nodeModel, nodeSignal) => {
      const buffer: Buffered = { saves: [] };
      // Each attempt starts from the stored state again, with its own tallies (kept only when it succeeds).
      const result = p.stored ? structuredClone(p.stored) : newItemResult(p.item, config, model, { provenance: options.provenance, datasetKind: options.datasetKind, now: iso() });
      const local = newTally();
      options.onProgress?.({ type: 'item-start', index: p.index, total: n, itemId: p.item.id, fromTurn: result.reasoning_chain.length, turns: K });
      await runItem(
        {
          options,
          model: nodeModel,
          sink: bufferSink(p.stored, buffer),
          signal: nodeSignal,
          layers,
          K,
          index: p.index,
          t: local,
          remaining: () => remainingTurns,
          consume: () => undefined,
          iso,
          now
        },
        p.item,
        result
      );
      if (nodeSignal.aborted) throw abortError();
      return { buffer, tally: local, result };
    },
    onResult: async ({ item: p, result: r }) => {
      for (const save of r.buffer.saves) await sink.save(save.result, save.turn);
      await sink.clearError(p.item.id);
      for (const key of ['labelled', 'labelFailures', 'timedOutTurns', 'truncatedItems', 'generatedTokens'] as const) t[key] += r.tally[key];
      t.completed++;
      stored++;
      remainingTurns -= K - (p.stored?.reasoning_chain.length ?? 0);
      await sink.saveProgress({ current: stored, total: pending.length, percentage: (stored / Math.max(1, pending.length)) * 100, current_item: p.item.id, timestamp: iso(), turn: r.result.reasoning_chain.length, turns: K });
      options.onProgress?.({ type: 'item-done', index: p.index, total: n, itemId: p.item.id, label: r.result.nli_label });
    },
    onFailure: async ({ item: p, error, nodes }) => {
      t.failed++;
      remainingTurns -= K - (p.stored?.reasoning_chain.length ?? 0);
      await recordFailure(options, p.item.id, Object.assign(new Error(`${error.message} (tried on ${nodes.join(', ')})`), { stack: error.stack }), iso());
      options.onProgress?.({ type: 'item-failed', index: p.index, total: n, itemId: p.item.id, error: error.message });
    }
  });
  if (summary.cancelled > 0 || signal?.aborted) throw abortError();
  return runSummary(n, t);
}
