/**
 * An NLI model's class order comes from its `config.json` `id2label`, never from a guess: MNLI heads say
 * contradiction/neutral/entailment in some order (microsoft/deberta-*-mnli: 0 CONTRADICTION, 1 NEUTRAL,
 * 2 ENTAILMENT; cross-encoder/nli-*: 0 contradiction, 1 entailment, 2 neutral).
 *
 * nliLabelCodes(id2label) maps class index → verdict code (0 contradiction, 1 neutral, 2 entailment), matching
 * names case-insensitively after trimming. A config that does not name exactly those three labels (a two-way
 * "entailment / not_entailment" head, "LABEL_0"…) is refused, naming what it found.
 */
import { InputError } from '../../core/issues';
import type { Entailment } from '../../core/semantic';

const CODES: Record<string, Entailment> = { contradiction: 0, neutral: 1, entailment: 2 };

export function nliLabelCodes(id2label: unknown, where = 'config.json'): Entailment[] {
  const found = JSON.stringify(id2label);
  const fail = () =>
    new InputError(
      [{ code: 'unsupported', path: ['id2label'], where, message: `id2label must name contradiction, neutral and entailment (any case) for classes 0, 1, 2, got ${found}` }]
    );
  if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) throw fail();
  const entries = Object.entries(id2label as Record<string, unknown>);
  if (entries.length !== 3) throw fail();
  const codes: (Entailment | undefined)[] = [undefined, undefined, undefined];
  for (const [k, v] of entries) {
    const index = Number(k);
    const code = typeof v === 'string' ? CODES[v.trim().toLowerCase()] : undefined;
    if (!Number.isInteger(index) || index < 0 || index > 2 || code === undefined || codes[index] !== undefined) throw fail();
    codes[index] = code;
  }
  if (new Set(codes).size !== 3) throw fail();
  return codes as Entailment[];
}
