/**
 * A fixture model that falls back the way the paper describes, deterministically: a one-layer Llama (untied head)
 * whose attention and MLP write nothing, so each next token depends only on the current one (a bigram table).
 * Under greedy decoding a list prompt ("…\n1.") continues " Index\n2. Index\n2. Index…" (one answer, then
 * repetitions) and a bio prompt continues " He is an actor. Index\n2. Index\n2. …".
 *
 * How: every token's embedding is ε·e_z, plus the one-hot e_k(t) for the tokens of the table. The final RMSNorm
 * (gain 1) maps e_k + ε·e_z to ≈ 8·(e_k + ε·e_z), and the unembedding row of t's successor is 10·e_k(t): its logit
 * is ≈ 80, against 10·8·ε = 4 for " He" (row 10·e_z) and 0 for every other token. A token outside the table has
 * only ε·e_z, which the RMSNorm scales to 8·e_z: the logit of " He" is 80 and every other is 0, so any unknown
 * token (the last token of a bio prompt) is followed by " He".
 */
import { writeModelFolder } from '../../src/lib/engine/fixtures/node/writeModelFolder';
import { resolveSpec } from '../../src/lib/engine/fixtures/spec';
import { randomWeights, type WeightTensor } from '../../src/lib/engine/fixtures/weights';

/** GPT-2 ids: "." 13, " Index" 12901, "\n" 198, "2" 17, " He" 679, " is" 318, " an" 281, " actor" 8674. */
export const LOOP_TABLE: readonly (readonly [number, number])[] = [
  [13, 12901], // "." → " Index"
  [12901, 198], // " Index" → "\n"
  [198, 17], // "\n" → "2"
  [17, 13], // "2" → "."
  [679, 318], // " He" → " is"
  [318, 281], // " is" → " an"
  [281, 8674], // " an" → " actor"
  [8674, 13] // " actor" → "."
];
const UNKNOWN_NEXT = 679; // " He"

export async function writeLoopModel(dir: string): Promise<void> {
  const spec = resolveSpec({ arch: 'llama', layers: 1, hidden: 64, heads: 4, tieWordEmbeddings: false, seed: 1 });
  const w: Record<string, WeightTensor> = { ...randomWeights(spec) };
  const d = spec.hidden;
  const V = spec.vocabSize;
  const zero = (name: string): void => void (w[name] = { shape: w[name].shape, data: new Float32Array(w[name].data.length) });
  zero('model.layers.0.self_attn.o_proj.weight');
  zero('model.layers.0.mlp.down_proj.weight');
  const z = LOOP_TABLE.length;
  const emb = new Float32Array(V * d);
  for (let t = 0; t < V; t++) emb[t * d + z] = 0.05;
  const head = new Float32Array(V * d);
  LOOP_TABLE.forEach(([from, to], k) => {
    emb[from * d + k] = 1;
    head[to * d + k] = 10;
  });
  head[UNKNOWN_NEXT * d + z] = 10;
  w['model.embed_tokens.weight'] = { shape: [V, d], data: emb };
  w['lm_head.weight'] = { shape: [V, d], data: head };
  w['model.norm.weight'] = { shape: [d], data: new Float32Array(d).fill(1) };
  await writeModelFolder(dir, { arch: 'llama', heads: 4, seed: 1 }, { weights: w, dtypes: ['fp32'], note: 'bigram loop fixture (fallbacks-run tests)' });
}
