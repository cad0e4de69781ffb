import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyedRandom } from '../../src/lib/core/random';
import { semanticEntropy } from '../../src/lib/core/semantic';
import {
  buildFixtureNli,
  createEntailmentJudge,
  fixtureFetch,
  createJudge,
  fixtureVocabulary,
  fixtureWords,
  loadNliModel,
  nliEntailment,
  nliJudge,
  nliLabelCodes,
  type NliModel
} from '../../src/lib/engine/judges';

const root = mkdtempSync(join(tmpdir(), 'nli-fixture-'));

function writeRepo(name: string, files: Readonly<Record<string, Uint8Array>>): void {
  for (const [path, bytes] of Object.entries(files)) {
    const file = join(root, name, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
}

const fixture = buildFixtureNli();
// The cross-encoder/nli-* order (0 contradiction, 1 entailment, 2 neutral), in upper case.
const crossEncoderOrder = buildFixtureNli({ labels: ['CONTRADICTION', 'ENTAILMENT', 'NEUTRAL'] });
writeRepo('fixture-nli', fixture.files);
writeRepo('fixture-nli-ce', crossEncoderOrder.files);

let model: NliModel;
beforeAll(async () => {
  model = await loadNliModel({ model: 'fixture-nli', localModelPath: root, dtype: 'fp32', cache: false, batchSize: 4 });
});
afterAll(async () => {
  await model?.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** Pairs whose verdicts are worked out by hand from the fixture's rule. */
const HAND: [string, string, 0 | 1 | 2][] = [
  ['Paris is the capital of France.', 'The capital of France is Paris', 2], // same words, other order
  ['Paris', 'paris!', 2], // case and punctuation are ignored
  ['The Paris', 'a paris', 2], // so are articles
  ['Paris is the capital', 'Lyon is the capital', 1], // a content word differs
  ['Paris is the capital', 'Paris is not the capital', 0], // one side negates
  ['Paris is not the capital', 'Lyon is not the capital', 1], // same negation, other content
  ['It is never Paris', 'It is not Paris', 0], // different negation words
  ['Zorg is big', 'Zorg is big', 1], // out-of-vocabulary words: never entailment
  ['Jupiter', 'Jupiter Saturn', 1],
  ['', '', 2]
];

describe('loadNliModel on the fixture (transformers.js, onnxruntime)', () => {
  it('loadNliModel reads id2label from config.json and maps it to verdict codes', () => {
    expect(model.labelCodes).toEqual([0, 1, 2]);
    expect(model.labelNames).toEqual(['contradiction', 'neutral', 'entailment']);
    expect(model.provenance()).toEqual({ kind: 'nli-model', model: 'fixture-nli', revision: 'main', dtype: 'fp32', labels: ['contradiction', 'neutral', 'entailment'] });
  });

  it('classify(pairs) gives the hand-worked verdicts of the fixture rule, in batches', async () => {
    const before = model.stats();
    const verdicts = await model.classify(HAND.map(([a, b]) => [a, b] as const));
    expect(verdicts).toEqual(HAND.map((h) => h[2]));
    expect(HAND.map(([a, b]) => fixture.verdict(a, b))).toEqual(HAND.map((h) => h[2]));
    const after = model.stats();
    expect(after.pairs - before.pairs).toBe(HAND.length);
    expect(after.batches - before.batches).toBe(Math.ceil(HAND.length / 4));
  });

  it('classify agrees with the rule on 200 seeded random pairs over the vocabulary and some unknown words', async () => {
    const words = ['paris', 'lyon', 'capital', 'is', 'the', 'not', 'never', 'of', 'france', 'zorg', 'blorp', 'no', 'a', '.', 'Paris', 'JUPITER'];
    const r = keyedRandom(7, 'nli-pairs');
    const sentence = () => Array.from({ length: 1 + r.int(5) }, () => words[r.int(words.length)]);
    // A third of the hypotheses reorder the premise's words, so that entailments occur too.
    const pairs = Array.from({ length: 200 }, () => {
      const a = sentence();
      const b = r.int(3) === 0 ? [...a].reverse() : sentence();
      return [a.join(' '), b.join(' ')] as const;
    });
    const verdicts = await model.classify(pairs);
    expect(verdicts).toEqual(pairs.map(([a, b]) => fixture.verdict(a, b)));
    expect(new Set(verdicts)).toEqual(new Set([0, 1, 2]));
  });

  it('loadNliModel follows id2label in any order and case (cross-encoder order, upper case)', async () => {
    const ce = await loadNliModel({ model: 'fixture-nli-ce', localModelPath: root, dtype: 'fp32', cache: false });
    expect(ce.labelCodes).toEqual([0, 2, 1]);
    expect(await ce.classify(HAND.map(([a, b]) => [a, b] as const))).toEqual(HAND.map((h) => h[2]));
    await ce.dispose();
  });

  it('loadNliModel loads the same repository from a hub base URL (a local mirror on 127.0.0.1)', async () => {
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const m = /^\/org\/fixture-nli\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const body = m ? fixture.files[decodeURIComponent(m[1])] : undefined;
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength }).end(Buffer.from(body));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    try {
      // In Node, transformers.js hands onnxruntime-node a file path, so a remote model goes through the file cache.
      const cacheDir = join(root, 'hub-cache');
      const hub = await loadNliModel({ model: 'org/fixture-nli', remoteHost: `http://127.0.0.1:${port}`, dtype: 'fp32', cache: true, cacheDir });
      expect(await hub.classify(HAND.map(([a, b]) => [a, b] as const))).toEqual(HAND.map((h) => h[2]));
      await hub.dispose();
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
        expect(seen).toContain(`/org/fixture-nli/resolve/main/${f}`);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });

  it('loadNliModel loads the fixture from memory through fixtureFetch, as the offline demo does', async () => {
    const { env } = await import('@huggingface/transformers');
    const saved = env.fetch;
    const host = 'https://fixture.invalid/';
    const demo = buildFixtureNli({ words: fixtureVocabulary(['Zürich is the largest city of Switzerland']) });
    const fetch = fixtureFetch(demo, { host, id: 'demo/fixture-nli', fallback: async () => new Response('offline', { status: 599 }) });
    try {
      const m = await loadNliModel({ model: 'demo/fixture-nli', remoteHost: host, fetch, dtype: 'fp32', cache: true, cacheDir: join(root, 'demo-cache') });
      expect(await m.classify([['Zurich is the largest city', 'the largest city is Zürich']])).toEqual([2]);
      await m.dispose();
      expect((await fetch(`${host}demo/fixture-nli/resolve/main/missing.json`)).status).toBe(404);
      expect((await fetch('https://elsewhere.invalid/x')).status).toBe(599);
    } finally {
      env.fetch = saved;
    }
  });

  it('loadNliModel refuses a config whose id2label is not an NLI head, naming the file', async () => {
    const bad = buildFixtureNli();
    const config = JSON.parse(new TextDecoder().decode(bad.files['config.json']));
    config.id2label = { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' };
    writeRepo('fixture-nli-bad', { ...bad.files, 'config.json': new TextEncoder().encode(JSON.stringify(config)) });
    await expect(loadNliModel({ model: 'fixture-nli-bad', localModelPath: root, dtype: 'fp32', cache: false })).rejects.toThrow(
      'id2label must name contradiction, neutral and entailment (any case) for classes 0, 1, 2, got {"0":"LABEL_0","1":"LABEL_1","2":"LABEL_2"}'
    );
  });

  it('loadNliModel and classify refuse bad arguments', async () => {
    await expect(loadNliModel({ model: '' })).rejects.toThrow('nli.model must be a hub id or a folder name, got ""');
    await expect(loadNliModel({ model: 'x', batchSize: 0 })).rejects.toThrow('nli.batch_size must be a positive integer, got 0');
    await expect(model.classify([['a', 3]] as never)).rejects.toThrow('pairs[0] must be [premise, hypothesis] strings, got ["a",3]');
  });
});

describe('the fixture graph on onnxruntime-web (the runtime of the browser worker)', () => {
  it('InferenceSession on the fixture bytes gives the rule\'s verdicts for hand-encoded pairs, padded in one batch', async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(fixture.files['onnx/model.onnx'], { executionProviders: ['wasm'] });
    const id = (w: string) => fixture.vocab.get(w) ?? fixture.vocab.get('[UNK]')!;
    const rows = HAND.map(([a, b]) => {
      const A = fixtureWords(a).map(id);
      const B = fixtureWords(b).map(id);
      return { ids: [id('[CLS]'), ...A, id('[SEP]'), ...B, id('[SEP]')], types: [0, ...A.map(() => 0), 0, ...B.map(() => 1), 1] };
    });
    const S = Math.max(...rows.map((r) => r.ids.length));
    const flat = (f: (r: (typeof rows)[number], k: number) => number) =>
      BigInt64Array.from(rows.flatMap((r) => Array.from({ length: S }, (_, k) => BigInt(k < r.ids.length ? f(r, k) : 0))));
    const feeds = {
      input_ids: new ort.Tensor('int64', flat((r, k) => r.ids[k]), [rows.length, S]),
      attention_mask: new ort.Tensor('int64', flat(() => 1), [rows.length, S]),
      token_type_ids: new ort.Tensor('int64', flat((r, k) => r.types[k]), [rows.length, S])
    };
    const { logits } = await session.run(feeds);
    expect(logits.dims).toEqual([HAND.length, 3]);
    const data = logits.data as Float32Array;
    const verdicts = HAND.map((_, r) => [0, 1, 2].reduce((best, c) => (data[r * 3 + c] > data[r * 3 + best] ? c : best), 0));
    expect(verdicts).toEqual(HAND.map((h) => h[2]));
    await session.release();
  });
});

describe('nliLabelCodes', () => {
  it('nliLabelCodes(id2label) maps class indices to 0/1/2 whatever the order or case', () => {
    expect(nliLabelCodes({ 0: 'CONTRADICTION', 1: 'NEUTRAL', 2: 'ENTAILMENT' })).toEqual([0, 1, 2]);
    expect(nliLabelCodes({ 0: 'contradiction', 1: 'entailment', 2: 'neutral' })).toEqual([0, 2, 1]);
    expect(nliLabelCodes({ 2: ' Contradiction ', 0: 'Entailment', 1: 'Neutral' })).toEqual([2, 1, 0]);
  });

  it('nliLabelCodes refuses two-way heads, duplicates and missing labels', () => {
    const msg = 'id2label must name contradiction, neutral and entailment (any case) for classes 0, 1, 2, got';
    expect(() => nliLabelCodes({ 0: 'entailment', 1: 'not_entailment' })).toThrow(msg);
    expect(() => nliLabelCodes({ 0: 'entailment', 1: 'entailment', 2: 'neutral' })).toThrow(msg);
    expect(() => nliLabelCodes({ 0: 'entailment', 1: 'neutral', 3: 'contradiction' })).toThrow(msg);
    expect(() => nliLabelCodes(undefined)).toThrow(`${msg} undefined`);
  });
});

describe('nliJudge and nliEntailment on the fixture', () => {
  it('nliJudge labels 1 when the answer, with the question, entails some gold alias', async () => {
    const judge = nliJudge(model);
    const q = 'What is the capital of France?';
    expect(await judge.label(q, ['Paris'], 'Paris is the capital of France.')).toEqual({
      label: 1,
      source: 'nli',
      detail: { kind: 'nli', model: 'fixture-nli', verdicts: [{ alias: 'Paris', verdict: 2 }], reason: null, message: null }
    });
    expect((await judge.label(q, ['Lyon', 'Paris'], 'Paris')).detail).toMatchObject({ verdicts: [{ alias: 'Lyon', verdict: 1 }, { alias: 'Paris', verdict: 2 }] });
    expect(await judge.label(q, ['Paris'], 'Lyon')).toMatchObject({ label: 0 });
    expect(await judge.label(q, ['Paris'], 'Not Paris')).toMatchObject({ label: 0, detail: { verdicts: [{ alias: 'Paris', verdict: 0 }] } });
    expect(await judge.label(q, ['', ' '], 'Paris')).toMatchObject({ label: null, detail: { reason: 'no_gold' } });
    expect(judge.stats()).toEqual({ calls: 5, correct: 2, hallucinated: 2, unknown: 1, failures: { no_gold: 1 } });
  });

  it('nliJudge gives null with reason nli_error, counted, when the model fails', async () => {
    const broken: NliModel = { ...model, classify: async () => Promise.reject(new Error('session lost')) };
    const judge = nliJudge(broken);
    expect(await judge.label('q', ['Paris'], 'Paris')).toMatchObject({ label: null, detail: { reason: 'nli_error', message: 'session lost' } });
    expect(judge.stats().failures).toEqual({ nli_error: 1 });
    const ent = nliEntailment(broken, 'q');
    expect(await ent.entails('a', 'b')).toBeNull();
    expect(ent.failures()).toBe(1);
  });

  it('semanticEntropy clusters answers with the fixture model, the question prefixed as the reference does', async () => {
    const q = 'What is the capital of France?';
    const { entails, entailsMany } = nliEntailment(model, q);
    const answers = ['Paris.', 'paris', 'Lyon', 'It is Paris', 'not Paris', 'Lyon!'];
    const greedy = await semanticEntropy(answers, entails);
    const batched = await semanticEntropy(answers, entails, { entailsMany });
    // {Paris., paris}, {Lyon, Lyon!}, {It is Paris}, {not Paris}: p = (2, 2, 1, 1)/6.
    expect(greedy.ids).toEqual([0, 0, 1, 2, 3, 1]);
    expect(batched.ids).toEqual(greedy.ids);
    const p = [2, 2, 1, 1].map((c) => c / 6);
    expect(greedy.se).toBeCloseTo(-p.reduce((s, x) => s + x * Math.log(x), 0), 14);
  });

  it('createJudge({label_method: "nli"}) uses a given model or loads the one config.nli names', async () => {
    const given = await createJudge({ label_method: 'nli' }, { nliModel: model });
    expect(given.method).toBe('nli');
    const loaded = await createJudge({ label_method: 'nli', nli: { model: 'fixture-nli-ce', dtype: 'fp32', local_model_path: root } });
    expect((await loaded.label('Capital?', ['Paris'], 'Paris')).label).toBe(1);
    expect(loaded.provenance()).toMatchObject({ kind: 'nli-model', model: 'fixture-nli-ce', dtype: 'fp32' });
  });
});

describe('createEntailmentJudge with entailment_model nli', () => {
  it('forQuestion prefixes the question, batches pairs through entailsMany and counts model failures', async () => {
    const ej = await createEntailmentJudge({ entailment_model: 'nli', nli: { model: 'fixture-nli', dtype: 'fp32', local_model_path: root } });
    const { entails, entailsMany } = ej.forQuestion('What is the capital of France?');
    const r = await semanticEntropy(['Paris', 'paris!', 'Lyon'], entails, { entailsMany });
    expect(r).toMatchObject({ ids: [0, 0, 1], calls: 6 });
    expect(ej.stats()).toMatchObject({ pairs: 6, batches: 1, failures: 0 });
    expect(ej.provenance()).toMatchObject({ kind: 'nli-model', model: 'fixture-nli', use: 'entailment', conditionOnQuestion: true });
    const broken = await createEntailmentJudge({ entailment_model: 'nli' }, { nliModel: { ...model, classify: () => Promise.reject(new Error('x')) } });
    expect(await semanticEntropy(['a', 'b'], broken.forQuestion('q').entails)).toMatchObject({ se: null, reason: 'entailment_failed' });
    expect(broken.stats()).toMatchObject({ failures: 1 });
  });
});

describe('buildFixtureNli', () => {
  it('buildFixtureNli gives the same bytes for the same options and a hub-like file list', () => {
    const again = buildFixtureNli();
    expect(Object.keys(fixture.files).sort()).toEqual(['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    for (const k of Object.keys(fixture.files)) expect(Buffer.from(again.files[k]).equals(Buffer.from(fixture.files[k]))).toBe(true);
    const config = JSON.parse(new TextDecoder().decode(fixture.files['config.json']));
    expect(config).toMatchObject({ model_type: 'bert', id2label: { 0: 'contradiction', 1: 'neutral', 2: 'entailment' } });
  });

  it('fixtureWords splits like BERT and fixtureVocabulary makes unknown words readable', () => {
    expect(fixtureWords("Zürich's  BIG-city")).toEqual(['zurich', "'", 's', 'big', '-', 'city']);
    expect(fixture.verdict('Zurich', 'zurich')).toBe(1);
    const custom = buildFixtureNli({ words: fixtureVocabulary(['Zürich is big']) });
    expect(custom.verdict('Zurich', 'zürich')).toBe(2);
    expect(custom.verdict('Zurich is big', 'Zurich is not big')).toBe(0);
  });

  it('buildFixtureNli refuses labels that are not the three NLI classes', () => {
    expect(() => buildFixtureNli({ labels: ['yes', 'no', 'maybe'] })).toThrow(
      'labels must name contradiction, neutral and entailment once each (any case), got ["yes","no","maybe"]'
    );
  });
});
