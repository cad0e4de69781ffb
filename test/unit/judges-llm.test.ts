import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { semanticEntropy } from '../../src/lib/core/semantic';
import {
  createEntailmentJudge,
  createJudge,
  DialogueJudge,
  dialogueJudgeMessages,
  entailmentPrompt,
  correctnessPrompt,
  llmJudge,
  LlmEntailment,
  pythonListRepr,
  SeCorrectnessJudge
} from '../../src/lib/engine/judges';

interface PromptGolden {
  question: string;
  golds: string[];
  answer: string;
  entailment: string;
  correctness: string;
  dialogue: { role: string; content: string }[];
}
const prompts: PromptGolden[] = JSON.parse(readFileSync(new URL('../fixtures/semantic-golden.json', import.meta.url), 'utf8')).prompts;

// ---- A local OpenAI-compatible server: records requests, answers with whatever the test sets. --------------------
interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; temperature: number; max_tokens: number };
}
type Reply = (seen: Seen, res: ServerResponse) => void;
const SECRET = 'sk-test-SECRET-4242-do-not-leak';
let server: Server;
let base = '';
let seen: Seen[] = [];
let reply: Reply = () => undefined;

function completion(content: string | null, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
}
const says = (content: string | null): Reply => (_s, res) => completion(content, res);
/** Replies in turn, one per request. */
const sequence = (...contents: string[]): Reply => {
  let i = 0;
  return (_s, res) => completion(contents[Math.min(i++, contents.length - 1)], res);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const s: Seen = { url: req.url ?? '', headers: req.headers, body: data ? JSON.parse(data) : null };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});
beforeEach(() => {
  seen = [];
  reply = says('1');
});

/** Everything a judge lets out, as text, must never hold the key. */
function expectNoSecret(...things: unknown[]): void {
  for (const t of things) {
    expect(JSON.stringify(t) ?? '').not.toContain(SECRET);
    expect(inspect(t, { depth: 10, showHidden: true })).not.toContain(SECRET);
  }
}

describe('DialogueJudge (SpikeScore judge_answer, B7 fixed)', () => {
  it('judge(question, reference, modelAnswer) sends the seed prompt verbatim, gold in the reference slot', async () => {
    const judge = new DialogueJudge({ baseURL: base, model: 'gpt-4o-mini', apiKey: SECRET });
    for (const p of prompts) {
      seen = [];
      expect(await judge.judge(p.question, p.golds[0], p.answer)).toEqual({ label: 1, reply: '1', reason: null, status: null, message: null });
      expect(seen).toHaveLength(1);
      expect(seen[0].url).toBe('/v1/chat/completions');
      expect(seen[0].body.messages).toEqual(p.dialogue);
      expect(seen[0].body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0, max_tokens: 1 });
      expect(seen[0].headers.authorization).toBe(`Bearer ${SECRET}`);
    }
    const last = dialogueJudgeMessages('Q?', 'GOLD', 'ANSWER').at(-1)!.content;
    expect(last).toBe('Question: Q?\nReference answer: GOLD\nModel answer: ANSWER\nYour reply:');
  });

  it('judge maps a stripped "1"/"0" to 1/0 and anything else to null, counted as unparseable', async () => {
    const judge = new DialogueJudge({ baseURL: base, model: 'm' });
    reply = sequence(' 0\n', '1', 'Yes', '10');
    expect((await judge.judge('q', 'r', 'a')).label).toBe(0);
    expect((await judge.judge('q', 'r', 'a')).label).toBe(1);
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reply: 'Yes', reason: 'unparseable' });
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reply: '10', reason: 'unparseable' });
    expect(judge.stats()).toMatchObject({ calls: 4, requests: 4, ok: 2, failures: { unparseable: 2, timeout: 0 } });
    // Without a key no Authorization header goes out.
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('judge reports HTTP errors, bad bodies and empty replies as null with their reason, never a guess', async () => {
    const judge = new DialogueJudge({ baseURL: base, model: 'm', apiKey: SECRET });
    reply = (_s, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reason: 'http_error', status: 500, message: '500 boom' });
    reply = (_s, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reason: 'bad_response' });
    reply = (_s, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reason: 'bad_response' });
    reply = says(null);
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reason: 'empty_reply' });
    expect(judge.stats().failures).toMatchObject({ http_error: 1, bad_response: 2, empty_reply: 1 });
    expect(seen).toHaveLength(4); // no retries
  });

  it('judge gives up on a hanging server after its timeout, with reason timeout', async () => {
    const judge = new DialogueJudge({ baseURL: base, model: 'm', timeoutMs: 150 });
    reply = () => undefined; // never answers
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reason: 'timeout' });
    expect(judge.stats()).toMatchObject({ calls: 1, requests: 1, failures: { timeout: 1 } });
  });

  it('judge reports a refused connection as reason connection', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as { port: number }).port;
    await new Promise((ok) => closed.close(ok));
    const judge = new DialogueJudge({ baseURL: `http://127.0.0.1:${port}/v1`, model: 'm' });
    expect(await judge.judge('q', 'r', 'a')).toMatchObject({ label: null, reason: 'connection' });
  });

  it('the API key never leaves the judge: not in toJSON, inspect, provenance, stats, details or errors', async () => {
    const judge = new DialogueJudge({ baseURL: base, model: 'm', apiKey: SECRET });
    // A server that echoes the key back in its error message.
    reply = (s, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${s.headers.authorization}` } }));
    const v = await judge.judge('q', 'r', 'a');
    expect(v).toMatchObject({ label: null, reason: 'http_error', status: 401 });
    expect(v.message).toContain('[redacted]');
    reply = says(`I refuse, ${SECRET}`);
    const w = await judge.judge('q', 'r', 'a');
    expect(w.reply).toContain('[redacted]');
    expectNoSecret(judge, judge.provenance(), judge.stats(), v, w);
    expect(judge.provenance()).toEqual({
      kind: 'llm-dialogue-judge',
      prompt: 'SpikeScore utils.judge_answer, 4-shot, reference = gold answer (B7 fixed)',
      baseURL: base,
      model: 'm',
      timeoutMs: 10000,
      hasKey: true,
      temperature: 0,
      maxTokens: 1
    });
    let thrown: unknown;
    try {
      new DialogueJudge({ baseURL: 'ftp://x', model: 'm', apiKey: SECRET });
    } catch (e) {
      thrown = e;
    }
    expect(String((thrown as Error).message)).toBe('✖ judge.base_url must be an http(s) URL, got "ftp://x"');
    expectNoSecret(thrown, (thrown as Error).message, (thrown as Error).stack);
  });

  it('DialogueJudge refuses bad options and arguments, naming them', async () => {
    expect(() => new DialogueJudge({ baseURL: base, model: ' ' })).toThrow('judge.model must be a model name, got " "');
    expect(() => new DialogueJudge({ baseURL: base, model: 'm', timeoutMs: 0 })).toThrow('judge.timeout_ms must be a positive number of milliseconds, got 0');
    const judge = new DialogueJudge({ baseURL: base, model: 'm' });
    await expect(judge.judge('q', null as never, 'a')).rejects.toThrow('reference must be a string, got null');
  });
});

describe('LlmEntailment (semantic_uncertainty EntailmentGPT4 prompt)', () => {
  it('check(question, a, b) sends the reference prompt as one user message at temperature 0.02', async () => {
    const ent = new LlmEntailment({ baseURL: base, model: 'gpt-4o-mini' });
    reply = says('Entailment');
    for (const p of prompts) {
      seen = [];
      expect(entailmentPrompt(p.question, p.golds[0], p.answer)).toBe(p.entailment);
      expect(await ent.check(p.question, p.golds[0], p.answer)).toBe(2);
      expect(seen[0].body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: p.entailment }], temperature: 0.02, max_tokens: 200 });
    }
  });

  it('check parses the first 30 lower-cased characters; anything else is neutral by default, and counted', async () => {
    const ent = new LlmEntailment({ baseURL: base, model: 'm' });
    const cases: [string, 0 | 1 | 2][] = [
      ['ENTAILMENT.', 2],
      ['The answer is: neutral', 1],
      ['contradiction', 0],
      ['Neutral, not entailment', 2], // "entailment" is looked for first
      ['After careful thought I say: entailment', 1], // past character 30: not seen, defaults to neutral
      ['I cannot tell', 1]
    ];
    for (const [i, [text, want]] of cases.entries()) {
      reply = says(text);
      expect(await ent.check('q', `a${i}`, 'b')).toBe(want);
    }
    expect(ent.stats()).toMatchObject({ calls: 6, requests: 6, ok: 4, defaultedNeutral: 2 });
    const strict = new LlmEntailment({ baseURL: base, model: 'm', unparseable: 'null' });
    reply = says('I cannot tell');
    expect(await strict.check('q', 'a', 'b')).toBeNull();
    expect(strict.stats().failures.unparseable).toBe(1);
  });

  it('check caches replies by prompt hash: one request per question and ordered pair; failures are not cached', async () => {
    const ent = new LlmEntailment({ baseURL: base, model: 'm' });
    reply = says('neutral');
    await ent.check('q', 'a', 'b');
    await ent.check('q', 'a', 'b');
    await ent.check('q', 'b', 'a');
    expect(seen).toHaveLength(2);
    expect(ent.stats()).toMatchObject({ calls: 3, requests: 2, cacheHits: 1 });
    expect(ent.cacheEntries()).toHaveLength(2);
    expect(ent.cacheEntries()[0][0]).toMatch(/^[0-9a-f]{64}$/);
    reply = (_s, res) => res.writeHead(503).end();
    expect(await ent.check('q', 'c', 'd')).toBeNull();
    reply = says('contradiction');
    expect(await ent.check('q', 'c', 'd')).toBe(0);
    expect(ent.stats().failures.http_error).toBe(1);
    await expect(ent.check('q', 'a', 7 as never)).rejects.toThrow('text2 must be a string, got number');
  });

  it('entailsFor(question) drives semanticEntropy; a failed call makes the SE null, not a guess', async () => {
    const ent = new LlmEntailment({ baseURL: base, model: 'm' });
    // The server says entailment when both answers mention the same city.
    reply = (s, res) => {
      const m = /Possible Answer 1: (.*)\nPossible Answer 2: (.*)\n/.exec(s.body.messages[0].content)!;
      const city = (t: string) => (/paris/i.test(t) ? 'paris' : /lyon/i.test(t) ? 'lyon' : t);
      completion(city(m[1]) === city(m[2]) ? 'entailment' : 'neutral', res);
    };
    const r = await semanticEntropy(['Paris', 'It is Paris.', 'Lyon', 'lyon'], ent.entailsFor('Capital of France?'));
    expect(r.ids).toEqual([0, 0, 1, 1]);
    expect(r.se).toBeCloseTo(Math.LN2, 15);
    reply = (_s, res) => res.writeHead(500).end();
    expect(await semanticEntropy(['Nice', 'Marseille'], ent.entailsFor('Capital of France?'))).toMatchObject({ se: null, reason: 'entailment_failed' });
  });
});

describe('SeCorrectnessJudge (semantic_uncertainty model_based_metric)', () => {
  it('correctnessPrompt matches the reference prompt, with Python list formatting for several answers', () => {
    for (const p of prompts) expect(correctnessPrompt(p.question, p.golds, p.answer)).toBe(p.correctness);
    expect(pythonListRepr(["it's", 'say "hi"', 'both \' and "', 'a\\b'])).toBe(`["it's", 'say "hi"', 'both \\' and "', 'a\\\\b']`);
  });

  it('judge(question, golds, answer) asks at temperature 0.01 and reads yes/no as substrings', async () => {
    const judge = new SeCorrectnessJudge({ baseURL: base, model: 'gpt-4o-mini' });
    reply = sequence('Yes.', 'no', 'Not sure');
    expect(await judge.judge('q', ['Paris'], 'Paris')).toMatchObject({ label: 1, retried: false });
    expect(seen[0].body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: correctnessPrompt('q', ['Paris'], 'Paris') }], temperature: 0.01, max_tokens: 200 });
    expect((await judge.judge('q', ['Paris'], 'Lyon')).label).toBe(0);
    expect((await judge.judge('q', ['Paris'], 'Lyon')).label).toBe(0); // "Not sure" contains "no", as in the reference
  });

  it('judge retries once at temperature 1, then gives null (the reference defaulted to 0)', async () => {
    const judge = new SeCorrectnessJudge({ baseURL: base, model: 'm' });
    reply = sequence('Hmm.', 'YES');
    expect(await judge.judge('q', ['a', 'b'], 'a')).toMatchObject({ label: 1, retried: true, reply: 'YES' });
    expect(seen.map((s) => s.body.temperature)).toEqual([0.01, 1]);
    reply = says('Hmm.');
    expect(await judge.judge('q', ['a'], 'a')).toMatchObject({ label: null, retried: true, reason: 'unparseable' });
    reply = (_s, res) => res.writeHead(429).end();
    expect(await judge.judge('q', ['a'], 'a')).toMatchObject({ label: null, reason: 'http_error', status: 429 });
    expect(judge.stats()).toMatchObject({ calls: 3, requests: 5, ok: 1, retries: 2, failures: { unparseable: 1, http_error: 1 } });
    await expect(judge.judge('q', [], 'a')).rejects.toThrow('goldAnswers must be a non-empty array of strings, got []');
  });
});

describe('Judge with label_method judge', () => {
  it('createJudge reads the key from the variable judge.api_key_env names, and never shows it', async () => {
    const judge = await createJudge(
      { label_method: 'judge', judge: { base_url: base, model: 'gpt-4o-mini', api_key_env: 'JUDGE_KEY' } },
      { env: { JUDGE_KEY: SECRET } }
    );
    reply = says('0');
    const out = await judge.label('What is the largest planet?', ['Jupiter', 'planet Jupiter'], 'Saturn');
    expect(out).toEqual({
      label: 0,
      source: 'judge',
      detail: { kind: 'judge', reference: 'Jupiter', reply: '0', reason: null, status: null, message: null }
    });
    expect(seen[0].headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen[0].body.messages.at(-1)!.content).toBe(
      'Question: What is the largest planet?\nReference answer: Jupiter\nModel answer: Saturn\nYour reply:'
    );
    expect(judge.provenance()).toMatchObject({ kind: 'llm-dialogue-judge', model: 'gpt-4o-mini', apiKeyEnv: 'JUDGE_KEY', hasKey: true });
    expectNoSecret(judge, judge.provenance(), judge.stats(), out);
  });

  it('llmJudge counts nulls by reason and makes no call without a gold answer', async () => {
    const judge = llmJudge({ baseURL: base, model: 'm', timeoutMs: 150 });
    reply = sequence('1', 'maybe');
    expect((await judge.label('q', ['a'], 'a')).label).toBe(1);
    expect((await judge.label('q', ['a'], 'a')).detail).toMatchObject({ reason: 'unparseable', reply: 'maybe' });
    expect(await judge.label('q', [' '], 'a')).toMatchObject({ label: null, detail: { reason: 'no_gold', reference: null } });
    reply = () => undefined;
    expect((await judge.label('q', ['a'], 'a')).detail).toMatchObject({ reason: 'timeout' });
    expect(seen).toHaveLength(3);
    expect(judge.stats()).toEqual({ calls: 4, correct: 1, hallucinated: 0, unknown: 3, failures: { unparseable: 1, no_gold: 1, timeout: 1 } });
  });

  it('createJudge refuses a judge config without its fields or key variable, naming them', async () => {
    await expect(createJudge({ label_method: 'judge' })).rejects.toThrow('label_method "judge" needs judge: {base_url, model, api_key_env}');
    await expect(createJudge({ label_method: 'judge', judge: { base_url: base, model: 'm', api_key_env: 'NOPE_KEY' } }, { env: {} })).rejects.toThrow(
      'judge.api_key_env names NOPE_KEY, which is not set in the environment'
    );
    await expect(createJudge({ label_method: 'judge', judge: { base_url: base, model: 'm', api_key_env: 'bad name' } })).rejects.toThrow(
      'judge.api_key_env must name an environment variable, got "bad name"'
    );
    await expect(createJudge({ label_method: 'judge', judge: { model: 'm' } })).rejects.toThrow('judge.base_url must be an http(s) URL, got undefined');
  });

  it('createJudge in probe_data mode makes judge the SE correctness metric, every alias in the prompt', async () => {
    const judge = await createJudge({ mode: 'probe_data', label_method: 'judge', judge: { base_url: base, model: 'gpt-4o-mini' } });
    reply = says('Yes');
    expect(await judge.label('Who wrote "Hamlet"?', ['William Shakespeare', '', 'Shakespeare'], 'Shakespeare')).toEqual({
      label: 1,
      source: 'judge',
      detail: { kind: 'se-judge', golds: ['William Shakespeare', 'Shakespeare'], reply: 'Yes', retried: false, reason: null, status: null }
    });
    expect(seen[0].body.messages[0].content).toBe(prompts[1].correctness);
    expect(judge.provenance()).toMatchObject({ kind: 'llm-se-correctness', apiKeyEnv: null, hasKey: false });
    expect(await judge.label('q', [], 'a')).toMatchObject({ label: null, detail: { reason: 'no_gold' } });
    await expect(createJudge({ mode: 'train' as never })).rejects.toThrow('mode must be "dialogue" or "probe_data", got "train"');
  });
});

describe('createEntailmentJudge with entailment_model llm', () => {
  it('forQuestion(question) gives the LLM entailment judge, cached across questions, key from the environment', async () => {
    const ej = await createEntailmentJudge(
      { entailment_model: 'llm', judge: { base_url: base, model: 'm', api_key_env: 'JUDGE_KEY' } },
      { env: { JUDGE_KEY: SECRET } }
    );
    reply = says('entailment');
    const r = await semanticEntropy(['Paris', 'paris'], ej.forQuestion('Capital?').entails);
    expect(r).toMatchObject({ ids: [0, 0], se: 0 });
    expect(seen[0].body.messages[0].content).toBe(entailmentPrompt('Capital?', 'Paris', 'paris'));
    await semanticEntropy(['Paris', 'paris'], ej.forQuestion('Capital?').entails);
    expect(seen).toHaveLength(2);
    expect(ej.stats()).toMatchObject({ calls: 4, requests: 2, cacheHits: 2 });
    expect(ej.provenance()).toMatchObject({ kind: 'llm-entailment', apiKeyEnv: 'JUDGE_KEY' });
    expectNoSecret(ej, ej.provenance(), ej.stats());
    await expect(createEntailmentJudge({ entailment_model: 'llm' })).rejects.toThrow('entailment_model "llm" needs judge: {base_url, model, api_key_env}');
  });
});
