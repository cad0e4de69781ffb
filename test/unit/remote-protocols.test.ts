import { describe, expect, it } from 'vitest';
import { keyedRandom } from '../../src/lib/core/random';
import { parseRemoteEngines, parseRemotePoolConfig, resolveEndpoints } from '../../src/lib/engine/remote/config';
import { topKEntropy } from '../../src/lib/engine/remote/entropy';
import { RemoteError } from '../../src/lib/engine/remote/errors';
import { openaiChatBody, parseOpenAIChat } from '../../src/lib/engine/remote/openaiChat';
import { MAX_REQUEST_SEED, requestSeed } from '../../src/lib/engine/remote/seed';
import { parseSglangResponse, sglangRequest } from '../../src/lib/engine/remote/sglang';
import { decodeWire, encodeWire, readNdjson } from '../../src/lib/engine/remote/wire';
import type { GenerateOptions } from '../../src/lib/engine/types';
import { toyCodec } from '../remote/toyModel';

const base: GenerateOptions = { maxNewTokens: 4, temperature: 0.7, topP: 0.9, seed: [1, 'q', 0, 0], topK: 2 };

describe('requestSeed', () => {
  it('requestSeed(key) is the first draw of keyedRandom(...key) scaled to [0, 2^31 − 1), the same for the same key', () => {
    const key = [42, 'trivia:17', 3, 0];
    expect(requestSeed(key)).toBe(Math.floor(keyedRandom(42, 'trivia:17', 3, 0)() * MAX_REQUEST_SEED));
    expect(requestSeed(key)).toBe(requestSeed([42, 'trivia:17', 3, 0]));
    expect(requestSeed([42, 'trivia:17', 3, 1])).not.toBe(requestSeed(key));
    expect(requestSeed([42, 'trivia:17', 4, 0])).not.toBe(requestSeed(key));
    const seeds = Array.from({ length: 200 }, (_, i) => requestSeed([1, `q${i}`, 0, 0]));
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31 - 1)).toBe(true);
    expect(new Set(seeds).size).toBe(200);
  });

  it('requestSeed([]) throws a TypeError naming the expected key', () => {
    expect(() => requestSeed([])).toThrow('requestSeed(key) needs a non-empty key such as [runSeed, itemId, turn, sample], got []');
  });
});

describe('topKEntropy', () => {
  it('topKEntropy(logprobs) is the entropy of the renormalised top-k (hand-worked values)', () => {
    expect(topKEntropy([Math.log(0.25), Math.log(0.25)])).toBeCloseTo(Math.log(2), 12); // renormalised to ½, ½
    expect(topKEntropy([Math.log(0.6), Math.log(0.2), Math.log(0.2)])).toBeCloseTo(-(0.6 * Math.log(0.6) + 2 * 0.2 * Math.log(0.2)), 12);
    expect(topKEntropy([-3])).toBe(0);
    expect(topKEntropy([-1, -Infinity])).toBe(0);
  });

  it('topKEntropy returns NaN for an empty list or a NaN entry', () => {
    expect(topKEntropy([])).toBeNaN();
    expect(topKEntropy([-1, NaN])).toBeNaN();
  });
});

describe('SGLang /generate', () => {
  it('sglangRequest(promptIds, options) builds the native request: ids, sampling params, seed, logprobs, hidden states only when asked', () => {
    const body = sglangRequest([5, 6, 7], base, 123, [0]);
    expect(body).toEqual({
      input_ids: [5, 6, 7],
      sampling_params: { temperature: 0.7, top_p: 0.9, max_new_tokens: 4, stop_token_ids: [0], sampling_seed: 123, skip_special_tokens: true },
      return_logprob: true,
      top_logprobs_num: 2,
      logprob_start_len: -1,
      stream: false
    });
    expect(sglangRequest([5], { ...base, capture: { positions: ['last_token_embedding'] } }, 1, [0]).return_hidden_states).toBe(true);
    expect(sglangRequest([5], { ...base, ignoreEos: true }, 1, [0]).sampling_params).toMatchObject({ ignore_eos: true });
    expect(sglangRequest([5], { ...base, ignoreEos: true }, 1, [0]).sampling_params.stop_token_ids).toBeUndefined();
  });

  const ctx = { node: 'gpu-a', codec: toyCodec, hiddenSize: 2, lastLayer: 80, eosTokenIds: [0] };
  const answer = (n: number, hidden?: unknown[]) => ({
    text: 'ignored',
    output_ids: Array.from({ length: n }, (_, i) => i + 1),
    meta_info: {
      finish_reason: { type: 'length', length: n },
      cached_tokens: 2,
      output_token_logprobs: Array.from({ length: n }, (_, i) => [-0.5 * (i + 1), i + 1, null]),
      output_top_logprobs: Array.from({ length: n }, (_, i) => [[-0.5 * (i + 1), i + 1, null], [-3, 9, null]]),
      ...(hidden ? { hidden_states: hidden } : {})
    }
  });

  it('parseSglangResponse reads tokens, logprobs and top-k, and reports entropy as NaN (unavailable)', () => {
    const r = parseSglangResponse(answer(3), [7, 8, 9, 10], base, ctx);
    expect(r.tokenIds).toEqual([1, 2, 3]);
    expect(r.text).toBe('abc');
    expect(Array.from(r.logprobs)).toEqual([-0.5, -1, -1.5]);
    expect(Array.from(r.topIds[1])).toEqual([2, 9]);
    expect(Array.from(r.topLogprobs[1])).toEqual([-1, -3]);
    expect(Array.from(r.entropies).every(Number.isNaN)).toBe(true);
    expect(r.stopReason).toBe('length');
    expect(r).toMatchObject({ reusedTokens: 2, encodedTokens: 2, layers: [] });
    const eos = { ...answer(2), meta_info: { ...answer(2).meta_info, finish_reason: { type: 'stop', matched: 0 } } };
    expect(parseSglangResponse(eos, [7], base, ctx).stopReason).toBe('eos');
    const str = { ...answer(2), meta_info: { ...answer(2).meta_info, finish_reason: { type: 'stop', matched: '\n' } } };
    expect(parseSglangResponse(str, [7], base, ctx).stopReason).toBe('stop');
  });

  it('parseSglangResponse takes the three positions from SGLang\'s hidden-state rows (prompt block, then one per decode step)', () => {
    const cap = { ...base, capture: { positions: ['last_tok_bef_gen_embedding', 'sec_last_token_embedding', 'last_token_embedding'] as const } };
    // 4 prompt rows, then decode rows for tokens 1..3 fed (N = 4 generated, the last never fed).
    const hs = [[[0, 0], [0, 1], [0, 2], [0, 3]], [1, 0], [2, 0], [3, 0]];
    const r = parseSglangResponse(answer(4, hs), [7, 8, 9, 10], cap, ctx);
    expect(Array.from(r.hidden.last_tok_bef_gen_embedding!)).toEqual([0, 3]);
    expect(Array.from(r.hidden.last_token_embedding!)).toEqual([3, 0]);
    expect(Array.from(r.hidden.sec_last_token_embedding!)).toEqual([2, 0]);
    expect(r.layers).toEqual([80]);
    // N = 2: the last fed is the first generated token, the one before it the last prompt token.
    const two = parseSglangResponse(answer(2, [[[0, 3]], [1, 0]]), [7], cap, ctx);
    expect(Array.from(two.hidden.last_token_embedding!)).toEqual([1, 0]);
    expect(Array.from(two.hidden.sec_last_token_embedding!)).toEqual([0, 3]);
    // N = 1: all three are the last prompt row; a prefix-cached prompt block of fewer rows reads the same.
    const one = parseSglangResponse(answer(1, [[[0, 3]]]), [7, 8, 9], cap, ctx);
    expect(Array.from(one.hidden.last_token_embedding!)).toEqual([0, 3]);
    expect(Array.from(one.hidden.sec_last_token_embedding!)).toEqual([0, 3]);
    // An engine that also returns a row for the last token (D = N) reads the same rows.
    const extra = parseSglangResponse(answer(4, [...hs, [4, 0]]), [7, 8, 9, 10], cap, ctx);
    expect(Array.from(extra.hidden.last_token_embedding!)).toEqual([3, 0]);
  });

  it('parseSglangResponse refuses answers that break the protocol, naming the node and the field', () => {
    const cap = { ...base, capture: { positions: ['last_token_embedding'] as const } };
    expect(() => parseSglangResponse({}, [1], base, ctx)).toThrow('gpu-a: /generate answered without meta_info');
    expect(() => parseSglangResponse({ meta_info: {} }, [1], base, ctx)).toThrow('gpu-a: /generate answered without meta_info.output_token_logprobs (was return_logprob ignored?)');
    expect(() => parseSglangResponse(answer(2), [1], cap, ctx)).toThrow('gpu-a: hidden states were asked for but /generate returned none: start SGLang with --enable-return-hidden-states');
    expect(() => parseSglangResponse(answer(3, [[[0, 1, 2]], [1, 1, 1], [2, 2, 2]]), [1], cap, ctx)).toThrow('gpu-a: last_token_embedding hidden state has 3 values, the model\'s hidden size is 2');
    expect(() => parseSglangResponse(answer(4, [[[0, 1]]]), [1], cap, ctx)).toThrow('gpu-a: meta_info.hidden_states has 0 decode rows for 4 generated tokens');
    const bad = { meta_info: { output_token_logprobs: [[-1, 'x']] } };
    expect(() => parseSglangResponse(bad, [1], base, ctx)).toThrow('gpu-a: meta_info.output_token_logprobs[0] is not a [logprob, token_id, text] triple');
    try {
      parseSglangResponse(answer(2), [1], cap, ctx);
    } catch (e) {
      expect(e).toBeInstanceOf(RemoteError);
      expect((e as RemoteError).retryable).toBe(false); // a node without the flag will not grow it on retry
    }
  });
});

describe('OpenAI-compatible chat', () => {
  it('openaiChatBody maps the options, caps top_logprobs at 20 and passes engine extensions', () => {
    const b = openaiChatBody('llama', [{ role: 'user', content: 'hi' }], { enableThinking: false }, { ...base, topK: 50, stopStrings: ['\n\n'] }, 99);
    expect(b).toEqual({
      model: 'llama',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.7,
      top_p: 0.9,
      max_tokens: 4,
      seed: 99,
      logprobs: true,
      top_logprobs: 20,
      stop: ['\n\n'],
      chat_template_kwargs: { enable_thinking: false },
      return_tokens_as_token_ids: true,
      skip_special_tokens: true
    });
  });

  it('parseOpenAIChat reads token_id:<id> tokens as ids and gives −1 for tokens named by text only', () => {
    const json = {
      choices: [
        {
          message: { content: ' Paris ' },
          finish_reason: 'length',
          logprobs: {
            content: [
              { token: 'token_id:12', logprob: -0.1, top_logprobs: [{ token: 'token_id:12', logprob: -0.1 }, { token: 'token_id:7', logprob: -2.5 }] },
              { token: 'is', logprob: -1.25, top_logprobs: [{ token: 'is', logprob: -1.25 }] }
            ]
          }
        }
      ],
      usage: { prompt_tokens: 9 }
    };
    const r = parseOpenAIChat(json, 'vllm-1');
    expect(r).toMatchObject({ text: 'Paris', tokenIds: [12, -1], tokens: ['token_id:12', 'is'], stopReason: 'length', promptTokens: 9, idsKnown: false });
    expect(Array.from(r.logprobs)).toEqual([Math.fround(-0.1), -1.25]);
    expect(Array.from(r.topIds[0])).toEqual([12, 7]);
    expect(() => parseOpenAIChat({ choices: [{ message: { content: 'x' } }] }, 'vllm-1')).toThrow('vllm-1: chat completion answered without choices[0].logprobs.content (does this engine support logprobs on chat?)');
  });
});

describe('wire', () => {
  it('encodeWire/decodeWire round-trip typed arrays bit for bit, NaN included, through JSON', () => {
    const value = { a: Float32Array.from([1.5, NaN, -0, 3.4e38]), b: [Int32Array.from([-1, 2 ** 31 - 1])], c: { d: 'x', e: null, f: 2 } };
    const back = decodeWire(JSON.parse(JSON.stringify(encodeWire(value)))) as typeof value;
    expect(back.a).toBeInstanceOf(Float32Array);
    expect(Array.from(back.a)).toEqual(Array.from(value.a));
    expect(Object.is(back.a[2], -0)).toBe(true);
    expect(Array.from(back.b[0])).toEqual([-1, 2 ** 31 - 1]);
    expect(back.c).toEqual({ d: 'x', e: null, f: 2 });
    expect(() => decodeWire({ $f32: 'AAA=' })).toThrow('a $f32 value has 2 bytes, not a multiple of 4');
  });

  it('readNdjson yields one value per line across chunk boundaries and throws on a line cut short', async () => {
    const stream = (parts: string[]) => new ReadableStream<Uint8Array>({ start(c) { for (const p of parts) c.enqueue(new TextEncoder().encode(p)); c.close(); } });
    const got: unknown[] = [];
    for await (const v of readNdjson(stream(['{"a":', '1}\n\n{"b"', ':2}\n']))) got.push(v);
    expect(got).toEqual([{ a: 1 }, { b: 2 }]);
    const cut = async () => {
      for await (const _ of readNdjson(stream(['{"a":1}\n{"b":']))) void _;
    };
    await expect(cut()).rejects.toThrow('the stream ended inside a line (the connection dropped)');
  });
});

describe('remote engine configuration', () => {
  it('parseRemoteEngines accepts {url, protocol, token_env} entries and names every bad field', () => {
    const okay = parseRemoteEngines([{ url: 'http://10.0.0.5:30000', protocol: 'sglang', token_env: 'GPU_A' }, { url: 'https://b:8000', protocol: 'sglang', name: 'gpu-b', max_concurrency: 8 }], 'config.json');
    expect(okay.ok && okay.value).toEqual([
      { url: 'http://10.0.0.5:30000', protocol: 'sglang', name: 'node-1', token_env: 'GPU_A' },
      { url: 'https://b:8000', protocol: 'sglang', name: 'gpu-b', max_concurrency: 8 }
    ]);
    const mixed = parseRemoteEngines([{ url: 'http://a:1', protocol: 'sglang' }, { url: 'http://b:1', protocol: 'openai' }], 'config.json');
    expect(!mixed.ok && mixed.issues[0].message).toBe('remote_engines mixes protocols (sglang and openai): every engine of a pool must speak the same protocol, or results would depend on the node an item ran on');
    const bad = parseRemoteEngines([{ url: 'ftp://x', protocol: 'tgi', token_env: 'not a var', extra: 1 }, { url: 'http://u:p@h', protocol: 'sglang', max_concurrency: 0 }], 'config.json');
    // (the unknown protocol "tgi" does not count as a second protocol)
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.map((i) => i.message)).toEqual([
      'remote_engines[0].extra is not a field of a remote engine (allowed: url, protocol, token_env, name, max_concurrency, hidden_states, served_model, request_timeout_ms)',
      'remote_engines[0].url must be an http(s) URL, got "ftp://x"',
      'remote_engines[0].protocol must be one of "sglang", "openai", got "tgi"',
      'remote_engines[0].token_env must name an environment variable, got "not a var"',
      'remote_engines[1].url carries credentials: put the token in the variable named by token_env instead',
      'remote_engines[1].max_concurrency must be a positive integer, got 0'
    ]);
    const notList = parseRemoteEngines({ url: 'http://x' }, 'config.json');
    expect(!notList.ok && notList.issues[0].message).toBe('remote_engines must be a non-empty list of {url, protocol, token_env}, got object');
  });

  it('parseRemotePoolConfig needs model, tokenizer and nodes; resolveEndpoints names a missing token variable, never a value', () => {
    const r = parseRemotePoolConfig({ nodes: [{ url: 'http://a:1', protocol: 'sglang', token_env: 'TOK_A' }], max_attempts: 0 }, 'nodes.json');
    expect(!r.ok && r.issues.map((i) => i.message)).toEqual([
      'model must name the model the engines serve, e.g. "meta-llama/Llama-3.1-70B-Instruct"',
      "tokenizer must be a folder or hub-like URL with the model's config.json and tokenizer.json",
      'max_attempts must be a positive integer, got 0'
    ]);
    const engines = [{ url: 'http://a:1', protocol: 'sglang' as const, token_env: 'TOK_A', name: 'a' }];
    const missing = resolveEndpoints(engines, {});
    expect(!missing.ok && missing.issues[0].message).toBe('node a: the environment variable TOK_A (its token_env) is not set');
    const found = resolveEndpoints(engines, { TOK_A: 's3cret' });
    expect(found.ok && found.value[0]).toEqual({ name: 'a', url: 'http://a:1', token: 's3cret' });
  });
});
