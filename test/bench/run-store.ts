/**
 * `npm run bench -- run-store [--layers=17] [--hidden=2048] [--turns=21]`: what storing one dialogue item costs
 * in the CLI run directory. Each turn writes the item JSON and rewrites the item's hidden-state file (all turns so
 * far, F16, 3 positions), each atomically with fsync, as `RunDirSink.save` does. Default shape: Llama-3.2-1B
 * (17 hidden-state indices × 2048), K = 21 turns.
 *
 * Figures: save time per turn (median and last), bytes written per item, and `hidden_rewrite_overhead_ratio` = the
 * median per-turn save with hidden states ÷ the median per-turn save of the JSON alone (higher = costlier).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeF16 } from '../../src/lib/core/float16';
import type { ItemResult, TurnRecord } from '../../src/lib/core/itemResult';
import type { TurnHidden } from '../../src/lib/core/runner/types';
import { RunDirSink } from '../../src/lib/store/node/runDir';
import { machine, median } from './_machine';

async function item(dir: string, turns: number, hidden: TurnHidden | null): Promise<number[]> {
  const sink = new RunDirSink(dir, 'bench');
  const result: ItemResult = { format_version: 1, id: 'bench-item', question: 'q', gold_answer: 'a', nli_label: null, reasoning_chain: [] };
  const times: number[] = [];
  for (let k = 0; k < turns; k++) {
    const n = 300;
    const turn: TurnRecord = {
      step: k, prompt_type: 'x', followup_prompt: 'Great! Continue.', full_input: 'x'.repeat(2000 * (k + 1)), response: 'word '.repeat(n), token_count: n, metrics: { nll_mean: 1.5, entropy_mean: 2 },
      tokens: { ids: Array.from({ length: n }, (_, i) => i), logprobs: Array.from({ length: n }, () => -1.234567), entropies: Array.from({ length: n }, () => 2.345678), top_ids: Array.from({ length: n }, () => [1, 2, 3, 4, 5]), top_logprobs: Array.from({ length: n }, () => [-0.1, -2.2, -3.3, -4.4, -5.5]) }
    };
    result.reasoning_chain.push(turn);
    const t0 = performance.now();
    await sink.save(result, { step: k, hidden });
    times.push(performance.now() - t0);
  }
  return times;
}

export async function bench(args: Record<string, string>) {
  const layers = Number(args.layers ?? 17);
  const hiddenSize = Number(args.hidden ?? 2048);
  const turns = Number(args.turns ?? 21);
  const values = encodeF16(Float32Array.from({ length: layers * hiddenSize }, (_, i) => Math.sin(i)));
  const hidden: TurnHidden = { layers: Array.from({ length: layers }, (_, i) => i), hiddenSize, positions: { last_token_embedding: values, sec_last_token_embedding: values, last_tok_bef_gen_embedding: values } };
  const dirA = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const dirB = mkdtempSync(join(tmpdir(), 'bench-store-'));
  try {
    process.stderr.write(`storing ${turns} turns with hidden states [${layers} × ${hiddenSize}] × 3 positions …\n`);
    const withHidden = await item(dirA, turns, hidden);
    const jsonOnly = await item(dirB, turns, null);
    const perTurnHidden = 3 * layers * hiddenSize * 2;
    const bytesWritten = Array.from({ length: turns }, (_, k) => (k + 1) * perTurnHidden).reduce((a, b) => a + b, 0);
    return {
      bench: 'run-store',
      figures: {
        save_ms_per_turn_median: median(withHidden),
        save_ms_last_turn: withHidden[turns - 1],
        json_only_ms_per_turn_median: median(jsonOnly),
        hidden_mb_written_per_item: bytesWritten / 1e6,
        hidden_mb_final_file: (turns * perTurnHidden) / 1e6,
        hidden_rewrite_overhead_ratio: median(withHidden) / median(jsonOnly)
      },
      shape: { layers, hidden: hiddenSize, turns, positions: 3 },
      machine: machine()
    };
  } finally {
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
}
