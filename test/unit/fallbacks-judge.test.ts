import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factScorePrompt, scoreBio, topPassages } from '../../src/lib/core/fallbacks/index';
import { createOpenAIFactJudge, type FactCheckTrace } from '../../src/lib/engine/judges/factCheck';

// A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol: it answers "True" when the fact
// contains "actor", "False" when it contains "1999", "" for "EMPTY", a 500 for "FAIL", and otherwise a sentence
// without true/false.
interface Seen {
  url: string;
  auth: string | undefined;
  body: { model: string; messages: { role: string; content: string }[]; temperature: number; max_tokens: number; seed?: number };
}
const seen: Seen[] = [];
let server: Server;
let baseURL = '';

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Seen['body'];
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      const prompt = body.messages[0].content;
      const fact = prompt.slice(prompt.lastIndexOf('Input: '));
      if (fact.includes('FAIL')) return reply(res, 500, { error: { message: 'boom' } });
      const content = fact.includes('EMPTY') ? '' : fact.includes('actor') ? 'True' : fact.includes('1999') ? 'False.' : 'It is not known.';
      reply(res, 200, {
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }]
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const passages = [
  { title: 'Lanny Flaherty', text: 'Lanny Flaherty is an American actor born in Pontotoc, Mississippi.' },
  { title: 'Lanny Flaherty', text: 'He appeared in Natural Born Killers and Men in Black.' },
  { title: 'Lanny Flaherty', text: 'Flaherty studied at the University of Southern Mississippi.' }
];

describe('createOpenAIFactJudge against a local OpenAI-compatible server', () => {
  it('judge sends the FActScore prompt with the BM25 passages and reads True/False', async () => {
    const traces: FactCheckTrace[] = [];
    const judge = createOpenAIFactJudge({ baseURL, model: 'tiny-judge', apiKey: 'sk-test', knowledge: () => passages, k: 2, seed: 3 }, (t) => traces.push(t));
    seen.length = 0;
    const sentence = 'Lanny Flaherty is an American actor.';
    expect(await judge.judge({ topic: 'Lanny Flaherty', sentence, index: 0 })).toEqual([{ atom: sentence, supported: true }]);
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe('/v1/chat/completions');
    expect(seen[0].auth).toBe('Bearer sk-test');
    expect(seen[0].body).toMatchObject({ model: 'tiny-judge', temperature: 0, max_tokens: 256, seed: 3 });
    expect(seen[0].body.messages).toEqual([{ role: 'user', content: factScorePrompt('Lanny Flaherty', sentence, topPassages(passages, 'Lanny Flaherty', sentence, 2)) }]);
    expect(traces[0]).toMatchObject({ answer: 'True', supported: true });
    expect(await judge.judge({ topic: 'Lanny Flaherty', sentence: 'He won an Oscar in 1999.', index: 1 })).toEqual([{ atom: 'He won an Oscar in 1999.', supported: false }]);
    expect((await judge.judge({ topic: 'Lanny Flaherty', sentence: 'He likes tea.', index: 2 }))[0].supported).toBe(false); // "not known"
  });

  it('scoreBio with the HTTP judge labels each non-repeated sentence C or H', async () => {
    const judge = createOpenAIFactJudge({ baseURL, model: 'tiny-judge', knowledge: () => passages });
    const r = await scoreBio('Lanny Flaherty', ' is an American actor. He won an Oscar in 1999. He won an Oscar in 2001.', { judge });
    expect(r.order).toEqual([1, 2, 3, 6]);
    expect(r.judge).toBe('factscore-verify:tiny-judge (one fact per sentence)');
  });

  it('judge throws (never guesses) on an empty answer, a server error, or a topic without passages', async () => {
    const judge = createOpenAIFactJudge({ baseURL, model: 'm', knowledge: (t) => (t === 'Nobody' ? [] : passages), maxRetries: 0 });
    await expect(judge.judge({ topic: 'Lanny Flaherty', sentence: 'EMPTY sentence.', index: 0 })).rejects.toThrow('returned an empty answer for "EMPTY sentence."');
    await expect(judge.judge({ topic: 'Lanny Flaherty', sentence: 'FAIL here.', index: 0 })).rejects.toThrow(/500/);
    await expect(judge.judge({ topic: 'Nobody', sentence: 'x.', index: 0 })).rejects.toThrow('no reference passages for topic "Nobody"');
  });

  it('createOpenAIFactJudge names a bad base URL or model', () => {
    expect(() => createOpenAIFactJudge({ baseURL: '127.0.0.1:8000', model: 'm', knowledge: () => [] })).toThrow('baseURL must be an http(s) URL, got "127.0.0.1:8000"');
    expect(() => createOpenAIFactJudge({ baseURL, model: '', knowledge: () => [] })).toThrow('model must be a non-empty string');
  });
});
