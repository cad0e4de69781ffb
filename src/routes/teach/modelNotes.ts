/**
 * What the Teach page says about the loaded model, so a class is never misled: a random-weight model shows the
 * pipeline and nothing about knowledge; a chat model fed a raw list prompt is not what Loops-to-Oops ran; a Pythia
 * base model is.
 */
import { CATALOG, type CatalogEntry } from '../../lib/engine/catalog';
import { BUILTIN_MODELS } from '../../lib/ui/builtinModels';

export type TeachModelKind = 'none' | 'random' | 'builtin' | 'chat' | 'base' | 'unknown';

export interface TeachModel {
  readonly kind: TeachModelKind;
  readonly id: string | null;
  readonly entry: CatalogEntry | null;
  /** True for the base models the paper ran (the Pythia entries of the catalogue). */
  readonly paperListModel: boolean;
}

export function teachModel(id: string | null | undefined): TeachModel {
  if (!id) return { kind: 'none', id: null, entry: null, paperListModel: false };
  const builtin = BUILTIN_MODELS.find((e) => e.id === id) ?? null;
  if (builtin) {
    return { kind: builtin.randomWeights ? 'random' : 'builtin', id, entry: builtin, paperListModel: false };
  }
  const entry = CATALOG.find((e) => e.id === id) ?? null;
  if (!entry) return { kind: 'unknown', id, entry: null, paperListModel: false };
  return { kind: entry.kind, id, entry, paperListModel: entry.kind === 'base' && /pythia/i.test(entry.id) };
}

export interface Note {
  readonly level: 'ok' | 'warn';
  readonly text: string;
}

/** What the side-by-side dialogues mean on this model. */
export function dialogueNote(m: TeachModel): Note {
  switch (m.kind) {
    case 'none':
      return { level: 'warn', text: 'Load a model first (the built-in one needs no download).' };
    case 'random':
      return {
        level: 'warn',
        text:
          'This is the built-in model with RANDOM weights: it knows nothing, so both answers are noise and neither curve says anything about hallucination. ' +
          'It shows the pipeline — the dialogue, the per-turn score, the spike and SpikeScore — not the method. "Factual" and "made-up" name the questions, not what this model knows.'
      };
    case 'builtin':
      return {
        level: 'ok',
        text: `${m.entry?.label ?? m.id}: its own questions are listed for it, about countries it learned and ones it never saw, picked to show a clear contrast; each first answer is labelled exactly by its knowledge base. A pair illustrates; it is not evidence: over 870 held-out questions, SpikeScore on entropy separates its hallucinations with AUROC 0.77, less well than the first turn's entropy alone (0.85) — see testbed/MODEL_CARD.md.`
      };
    case 'chat':
      return {
        level: 'ok',
        text: `${m.entry?.label ?? m.id} is a real small chat model. It may still get the "factual" question wrong, or hedge on the made-up one: the label under each dialogue is what its first answer actually matched, not the question's kind. One pair is an illustration, not evidence: the method is judged over hundreds of questions (Experiment, Evaluate).`
      };
    case 'base':
      return {
        level: 'warn',
        text: `${m.entry?.label ?? m.id} is a base model without a chat template: the dialogue uses a plain "User: / Assistant:" format, which is not what SpikeScore was run on. Use a chat model here; base models belong in the list prompt below.`
      };
    default:
      return { level: 'warn', text: `${m.id} is not in the app's catalogue: check that it is a chat model before reading anything into its curves.` };
  }
}

/** What a list prompt on this model compares with (the paper ran base models with raw prompts). */
export function listNote(m: TeachModel): Note {
  switch (m.kind) {
    case 'none':
      return { level: 'warn', text: 'Load a model first. The paper ran base models with raw prompts: pick a Pythia entry for the real thing, or the built-in model to see the pipeline.' };
    case 'random':
      return {
        level: 'warn',
        text: 'The built-in model has RANDOM weights: this is NOT what the paper ran. Its "answers" are noise, mostly bad format; the slots show how labelling works, not how a model falls back. Load a Pythia base model (Models) for the paper\'s setting.'
      };
    case 'builtin':
      return { level: 'warn', text: `${m.entry?.label ?? m.id} is not a model the paper ran, and its training text has no such lists: expect bad format. The paper ran Pythia, OLMo and Llama base models.` };
    case 'chat':
      return {
        level: 'warn',
        text: `${m.entry?.label ?? m.id} is a chat model. It gets the raw prompt (no chat template), as the reference fed its chat models, but the paper's main results are for base models (Pythia, OLMo, Llama): this is NOT what the paper ran for them.`
      };
    case 'base':
      return m.paperListModel
        ? { level: 'ok', text: `${m.entry?.label ?? m.id}: a Pythia base model, as in the paper (raw prompt, tokenized as the reference does; greedy with 512 new tokens is the paper's setting). One prompt is one row of the paper's heat maps, not its mean bars.` }
        : { level: 'warn', text: `${m.entry?.label ?? m.id} is a base model the paper did not run.` };
    default:
      return { level: 'warn', text: `${m.id} is not in the catalogue: the paper ran base models with raw prompts (Pythia, OLMo, Llama); results on other models are not the paper's.` };
  }
}
