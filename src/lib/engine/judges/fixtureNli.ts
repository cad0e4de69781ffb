/**
 * A tiny NLI "model" whose verdicts are known in advance, laid out like a hub repository so that the real loading
 * code (transformers.js `AutoTokenizer` and `AutoModelForSequenceClassification`) runs on it in tests and in an
 * offline demo. Nothing is downloaded: `buildFixtureNli` writes every file in memory.
 *
 * Files: `config.json` (model_type "bert", `id2label` in the order asked for), `tokenizer.json` (a BERT WordPiece
 * tokenizer whose vocabulary holds whole words only: BertNormalizer lower-cases and strips accents,
 * BertPreTokenizer splits on whitespace and punctuation, pairs become `[CLS] A [SEP] B [SEP]` with token types
 * 0 and 1), `tokenizer_config.json` (BertTokenizer) and `onnx/model.onnx`.
 *
 * The rule, over the words of the premise (A) and of the hypothesis (B) after that tokenisation:
 * - ignored words: the special tokens, punctuation and the articles a, an, the;
 * - negation words (default: no, not, never, none, nothing, nobody, neither, nor, cannot);
 * - content words: the rest of the vocabulary; a word outside the vocabulary becomes [UNK].
 *
 *   contradiction (0) if the two sets of negation words present differ (one side negates, the other does not);
 *   else entailment (2) if the sets of content words present are equal and neither side has an [UNK];
 *   else neutral (1).
 *
 * So the fixture never claims entailment about a word it cannot read. Presence counts, not multiplicity or order
 * ("Paris Paris" and "paris" entail each other; so do "dog bites man" and "man bites dog").
 *
 * The graph computes exactly that with hand-set weights (shapes: B batch, S sequence, V vocabulary):
 *   onehot = OneHot(input_ids)                                   [B, S, V]
 *   cA, cB = (mask·(1−type)) @ onehot, (mask·type) @ onehot       [B, 1, V]  word counts of A and B
 *   pA, pB = min(cA, 1), min(cB, 1)                                          presence
 *   d = Σ_content |pA − pB| + (pA + pB)[UNK],  n = Σ_negation |pA − pB|
 *   logits: contradiction = 10n − 5, neutral = 0, entailment = 5 − 10(d + n)   [B, 3]
 * Every verdict wins by a margin of at least 5, so no rounding can flip it.
 */
import onnxProto from 'onnx-proto';
import type { Entailment } from '../../core/semantic';

const { onnx } = onnxProto;

export type NliLabelName = 'contradiction' | 'neutral' | 'entailment';

export const FIXTURE_NLI_KIND = 'spikescore-fixture-nli';
export const FIXTURE_NLI_VERSION = 1;

export const FIXTURE_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const FIXTURE_ARTICLES = ['a', 'an', 'the'] as const;
export const FIXTURE_NEGATIONS = ['no', 'not', 'never', 'none', 'nothing', 'nobody', 'neither', 'nor', 'cannot'] as const;
// BERT's punctuation test: every ASCII character in 33–47, 58–64, 91–96, 123–126 is its own token.
const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');

/** A default vocabulary: common words and the answers of the bundled demo questions. */
export const FIXTURE_DEFAULT_WORDS: readonly string[] = (
  'is are was were be been it its this that these those of in on at to for from by with as and or but ' +
  'i you he she we they my your his her our their what which who where when why how answer question ' +
  'capital city country largest biggest smallest planet solar system sun moon earth water chemical formula ' +
  'made two one three four five six seven eight nine ten hundred thousand atoms atom hydrogen oxygen carbon ' +
  'plants plant make makes food produce produces through process called photosynthesis respiration ' +
  'paris france london england berlin germany rome italy madrid spain lyon nice tokyo japan ' +
  'jupiter saturn mars venus mercury neptune uranus h2o co2 year years old first last president king queen ' +
  'wrote write author book invented discovered born died war river mountain ocean sea highest longest ' +
  'yes true false correct right wrong maybe sure think believe know great continue'
).split(/\s+/);

export interface FixtureNliOptions {
  /** Content words (any case; duplicates and ignored or negation words are skipped). Default: `FIXTURE_DEFAULT_WORDS`. */
  readonly words?: readonly string[];
  readonly negations?: readonly string[];
  /** The label names in class order, written to `config.json` `id2label` as given (any case). */
  readonly labels?: readonly string[];
}

export interface FixtureNli {
  /** Repository files by path: `config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`. */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** Token → id. */
  readonly vocab: ReadonlyMap<string, number>;
  readonly negations: ReadonlySet<string>;
  /** The verdict the model gives for a pair, computed in plain TypeScript from the same rule. */
  verdict(premise: string, hypothesis: string): Entailment;
}

/**
 * BERT's basic tokenisation as the fixture's tokenizer.json does it: lower-case, strip accents (NFD, drop marks),
 * split on whitespace, and make every punctuation character its own token.
 */
export function fixtureWords(text: string): string[] {
  const cleaned = text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
  const out: string[] = [];
  for (const chunk of cleaned.split(/\s+/u)) {
    if (!chunk) continue;
    let word = '';
    for (const ch of chunk) {
      if (/[!-/:-@[-`{-~]|\p{P}/u.test(ch)) {
        if (word) out.push(word);
        out.push(ch);
        word = '';
      } else word += ch;
    }
    if (word) out.push(word);
  }
  return out;
}

/** The content words of some texts, to build a fixture that can read them (e.g. a demo's answers). */
export function fixtureVocabulary(texts: readonly string[]): string[] {
  const skip = new Set<string>([...FIXTURE_ARTICLES, ...FIXTURE_NEGATIONS, ...ASCII_PUNCTUATION]);
  const words = new Set<string>();
  for (const t of texts) for (const w of fixtureWords(t)) if (!skip.has(w) && !/^\p{P}$/u.test(w)) words.add(w);
  return [...words];
}

function float32Tensor(name: string, dims: number[], values: ArrayLike<number>) {
  const data = new Float32Array(values);
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
}

function int64Tensor(name: string, dims: number[], values: readonly number[]) {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) });
}

function valueInfo(name: string, elemType: number, shape: (string | number)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((s) => (typeof s === 'string' ? { dimParam: s } : { dimValue: s })) } } }
  });
}

function node(opType: string, input: string[], output: string[], attrs: Record<string, number | number[]> = {}) {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })
  );
  return onnx.NodeProto.create({ opType, input, output, name: `/classifier/${output[0]}`, attribute });
}

function labelOrder(labels: readonly string[]): NliLabelName[] {
  const names = labels.map((l) => l.trim().toLowerCase());
  const want: NliLabelName[] = ['contradiction', 'neutral', 'entailment'];
  if (names.length !== 3 || !want.every((w) => names.includes(w))) {
    throw new TypeError(`labels must name contradiction, neutral and entailment once each (any case), got ${JSON.stringify(labels)}`);
  }
  return names as NliLabelName[];
}

/**
 * buildFixtureNli([options]) builds the fixture repository in memory. Same options, same bytes.
 *
 * @example
 *   const nli = buildFixtureNli({ labels: ['CONTRADICTION', 'ENTAILMENT', 'NEUTRAL'] });
 *   nli.verdict('Paris is the capital', 'the capital is Paris') // 2
 */
export function buildFixtureNli(options: FixtureNliOptions = {}): FixtureNli {
  const order = labelOrder(options.labels ?? ['contradiction', 'neutral', 'entailment']);
  const negations = new Set((options.negations ?? FIXTURE_NEGATIONS).map((w) => w.toLowerCase()));
  const vocab = new Map<string, number>();
  const add = (t: string) => {
    if (!vocab.has(t)) vocab.set(t, vocab.size);
  };
  FIXTURE_SPECIAL_TOKENS.forEach(add);
  ASCII_PUNCTUATION.forEach(add);
  FIXTURE_ARTICLES.forEach(add);
  negations.forEach(add);
  const ignored = new Set<string>([...FIXTURE_SPECIAL_TOKENS, ...ASCII_PUNCTUATION, ...FIXTURE_ARTICLES]);
  for (const w of options.words ?? FIXTURE_DEFAULT_WORDS) {
    for (const piece of fixtureWords(w)) if (!/^\p{P}$/u.test(piece)) add(piece);
  }
  const V = vocab.size;
  const unkId = vocab.get('[UNK]')!;

  // Feature weights: column 0 is d (content differences and [UNK] presence), column 1 is n (negation differences).
  const wDiff = new Float32Array(V * 2);
  const wSum = new Float32Array(V * 2);
  for (const [tok, id] of vocab) {
    if (ignored.has(tok)) continue;
    if (negations.has(tok)) wDiff[id * 2 + 1] = 1;
    else wDiff[id * 2] = 1;
  }
  wDiff[unkId * 2] = 0;
  wSum[unkId * 2] = 1;
  // Head: logit_label = f·M[:, label] + bias[label].
  const head: Record<NliLabelName, [number, number, number]> = {
    contradiction: [0, 10, -5],
    neutral: [0, 0, 0],
    entailment: [-10, -10, 5]
  };
  const M = new Float32Array(6);
  const bias = new Float32Array(3);
  order.forEach((name, c) => {
    M[0 * 3 + c] = head[name][0];
    M[1 * 3 + c] = head[name][1];
    bias[c] = head[name][2];
  });

  const T = onnx.TensorProto.DataType;
  const initializer = [
    int64Tensor('depth', [], [V]),
    float32Tensor('onehot_values', [2], [0, 1]),
    int64Tensor('axes_1', [1], [1]),
    float32Tensor('one', [], [1]),
    float32Tensor('w_diff', [V, 2], wDiff),
    float32Tensor('w_sum', [V, 2], wSum),
    float32Tensor('w_head', [2, 3], M),
    float32Tensor('b_head', [3], bias),
    int64Tensor('logits_shape', [2], [-1, 3])
  ];
  const nodes = [
    node('OneHot', ['input_ids', 'depth', 'onehot_values'], ['onehot'], { axis: -1 }), // [B, S, V]
    node('Cast', ['attention_mask'], ['mask_f'], { to: T.FLOAT }), // [B, S]
    node('Cast', ['token_type_ids'], ['type_f'], { to: T.FLOAT }), // [B, S]
    node('Mul', ['mask_f', 'type_f'], ['weight_b']), // [B, S]  1 on B's tokens
    node('Sub', ['mask_f', 'weight_b'], ['weight_a']), // [B, S]  1 on A's tokens (and [CLS], first [SEP])
    node('Unsqueeze', ['weight_a', 'axes_1'], ['weight_a3']), // [B, 1, S]
    node('Unsqueeze', ['weight_b', 'axes_1'], ['weight_b3']), // [B, 1, S]
    node('MatMul', ['weight_a3', 'onehot'], ['count_a']), // [B, 1, V]
    node('MatMul', ['weight_b3', 'onehot'], ['count_b']), // [B, 1, V]
    node('Min', ['count_a', 'one'], ['present_a']), // [B, 1, V]
    node('Min', ['count_b', 'one'], ['present_b']), // [B, 1, V]
    node('Sub', ['present_a', 'present_b'], ['present_diff']),
    node('Abs', ['present_diff'], ['present_absdiff']), // [B, 1, V]
    node('Add', ['present_a', 'present_b'], ['present_sum']), // [B, 1, V]
    node('MatMul', ['present_absdiff', 'w_diff'], ['feat_diff']), // [B, 1, 2]
    node('MatMul', ['present_sum', 'w_sum'], ['feat_sum']), // [B, 1, 2]
    node('Add', ['feat_diff', 'feat_sum'], ['features']), // [B, 1, 2]  (d, n)
    node('MatMul', ['features', 'w_head'], ['head_mm']), // [B, 1, 3]
    node('Add', ['head_mm', 'b_head'], ['logits_3d']), // [B, 1, 3]
    node('Reshape', ['logits_3d', 'logits_shape'], ['logits']) // [B, 3]
  ];
  const graph = onnx.GraphProto.create({
    name: 'fixture_nli',
    node: nodes,
    initializer,
    input: [
      valueInfo('input_ids', T.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', T.INT64, ['batch_size', 'sequence_length']),
      valueInfo('token_type_ids', T.INT64, ['batch_size', 'sequence_length'])
    ],
    output: [valueInfo('logits', T.FLOAT, ['batch_size', 3])]
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: FIXTURE_NLI_KIND,
    producerVersion: String(FIXTURE_NLI_VERSION),
    opsetImport: [{ domain: '', version: 17 }],
    graph
  });
  const onnxBytes = onnx.ModelProto.encode(model).finish();

  const labels = options.labels ?? order;
  const config = {
    model_type: 'bert',
    architectures: ['BertForSequenceClassification'],
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    num_labels: 3,
    vocab_size: V,
    max_position_embeddings: 512,
    fixture: { kind: FIXTURE_NLI_KIND, version: FIXTURE_NLI_VERSION, negations: [...negations] }
  };
  const specials = FIXTURE_SPECIAL_TOKENS.map((content) => ({
    id: vocab.get(content)!,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true
  }));
  const cls = vocab.get('[CLS]')!;
  const sep = vocab.get('[SEP]')!;
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } }
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] }
      }
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab)
    }
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]'
  };
  const text = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 1));
  const files: Record<string, Uint8Array> = {
    'config.json': text(config),
    'tokenizer.json': text(tokenizer),
    'tokenizer_config.json': text(tokenizerConfig),
    'onnx/model.onnx': onnxBytes
  };

  function verdict(premise: string, hypothesis: string): Entailment {
    const classify = (t: string) => {
      const content = new Set<string>();
      const neg = new Set<string>();
      let unk = false;
      for (const w of fixtureWords(t)) {
        // Words longer than WordPiece's 100-character limit become [UNK] too.
        if (!vocab.has(w) || [...w].length > 100) unk = true;
        else if (ignored.has(w)) continue;
        else if (negations.has(w)) neg.add(w);
        else content.add(w);
      }
      return { content, neg, unk };
    };
    const a = classify(premise);
    const b = classify(hypothesis);
    const sameSet = (x: Set<string>, y: Set<string>) => x.size === y.size && [...x].every((w) => y.has(w));
    if (!sameSet(a.neg, b.neg)) return 0;
    if (!a.unk && !b.unk && sameSet(a.content, b.content)) return 2;
    return 1;
  }

  return { files, vocab, negations, verdict };
}

/**
 * fixtureFetch(nli, {host, id}) is a fetch that serves the fixture's files as a hub would, at
 * `<host><id>/resolve/<revision>/<path>`, and hands every other request to `fallback` (default: the global fetch).
 * For the offline demo in a browser worker, with nothing on disk and no network:
 *
 *   const nli = buildFixtureNli({ words: fixtureVocabulary(demoTexts) });
 *   const host = 'https://fixture.invalid/';
 *   await loadNliModel({ model: 'demo/fixture-nli', remoteHost: host, fetch: fixtureFetch(nli, { host, id: 'demo/fixture-nli' }), dtype: 'fp32' });
 */
export function fixtureFetch(
  nli: FixtureNli,
  options: { readonly host: string; readonly id: string; readonly fallback?: (input: string | URL, init?: RequestInit) => Promise<Response> }
): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const host = options.host.endsWith('/') ? options.host : `${options.host}/`;
  const prefix = `${host}${options.id}/resolve/`;
  const fallback = options.fallback ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input.href;
    if (!url.startsWith(prefix)) return fallback(input, init);
    const rest = url.slice(prefix.length).split('?')[0];
    const path = decodeURIComponent(rest.slice(rest.indexOf('/') + 1));
    const body = nli.files[path];
    if (!body) return new Response('not found', { status: 404, statusText: 'Not Found' });
    // A copy, so that the caller may transfer or detach the buffer it receives.
    return new Response(body.slice(), { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.byteLength) } });
  };
}
