/**
 * Models this app serves itself from `static/models/` (built by `npm run build` from code and committed weights),
 * so the page works with no network.
 */
import type { CatalogEntry } from '$lib/engine/catalog';

export const BUILTIN_MODELS: readonly CatalogEntry[] = [
  {
    id: 'testbed',
    label: 'Knowledge testbed (1.1M-parameter GPT-2 trained here)',
    kind: 'chat',
    sizesMb: { fp32: 4.4, fp16: 2.2 },
    note:
      'Built into the app, works offline. A tiny GPT-2 trained on a synthetic knowledge base of fictional countries (testbed/MODEL_CARD.md): it knows the frequent facts (held-out accuracy 0.996), guesses on rare ones and hallucinates fluently about countries it never saw (0.053, chance level). Its answers are labelled exactly by the knowledge base, no judge. Not a real LLM: what it shows is the method under controlled knowledge.',
    builtin: true
  },
  {
    id: 'random-demo',
    label: 'Random-weight demo model',
    kind: 'chat',
    sizesMb: { fp32: 26, fp16: 13 },
    note: 'Built into the app, works offline. Its weights are RANDOM: it shows the pipeline (dialogue, per-turn scores, SpikeScore), not the method — its answers are noise.',
    builtin: true,
    randomWeights: true
  }
];
