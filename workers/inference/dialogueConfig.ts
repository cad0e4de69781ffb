/**
 * The run config and item of a Try-it / Teach dialogue (`DialogueRequest`), in one place, so a test can run the
 * very same dialogue in Node (`runDialogue` on the same model) and compare.
 */
import { parseRunConfig, type RunConfig } from '../../src/lib/core/config/runConfig';
import type { DatasetItem } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import type { DialogueRequest } from '../protocols/dialogue';

/**
 * The dialogue's config: the request's settings, the three positions captured, and the hidden-state indices
 * `layers` ([a, b) half-open: a probe's layer range) or, when null, every capturable index.
 */
export function dialogueConfig(req: Omit<DialogueRequest, 'requestId'>, layers: readonly [number, number] | null = null): RunConfig {
  return unwrap(
    parseRunConfig(
      {
        max_steps: req.maxSteps,
        strategy: req.strategy ?? 'progressive',
        temperature: req.temperature,
        top_p: req.topP,
        max_new_tokens: req.maxNewTokens,
        enable_thinking: req.enableThinking ?? false,
        seed: req.seed,
        label_method: (req.label !== undefined && req.label !== null) || req.testbed ? 'dataset' : 'f1',
        capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'], ...(layers ? { layers: [layers[0], layers[1]] } : {}) }
      },
      { context: 'page', where: 'dialogue settings' }
    )
  );
}

/** The dialogue's one item; its id keys the random draws (default: from the question and context). */
export function dialogueItem(req: Pick<DialogueRequest, 'itemId' | 'question' | 'context' | 'gold'>): DatasetItem {
  return {
    id: req.itemId ?? `q:${req.context ? `${req.context}\n` : ''}${req.question}`,
    question: req.question,
    context: req.context ?? '',
    answer: req.gold && req.gold.length ? [...req.gold] : ''
  };
}
