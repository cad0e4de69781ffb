/** The run config of one Try-it/Teach dialogue, and its item: shared by the worker and by tests that rerun it in Node. */
import { parseRunConfig, type RunConfig } from '../../src/lib/core/config/runConfig';
import type { DatasetItem } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import type { DialogueRequest } from '../protocols/dialogue';

export function dialogueRunConfig(req: DialogueRequest): RunConfig {
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
        label_method: req.label !== undefined && req.label !== null ? 'dataset' : 'f1',
        capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] }
      },
      { context: 'page', where: 'dialogue settings' }
    )
  );
}

/** The item: its id keys the random draws (default: derived from the question and context). */
export function dialogueItem(req: DialogueRequest): DatasetItem {
  return {
    id: req.itemId ?? `q:${req.context ? `${req.context}\n` : ''}${req.question}`,
    question: req.question,
    context: req.context ?? '',
    answer: req.gold && req.gold.length ? [...req.gold] : ''
  };
}
