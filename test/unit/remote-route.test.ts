/**
 * The remote path end to end over real HTTP on 127.0.0.1: test nodes that speak SGLang and the OpenAI-compatible
 * chat API backed by the project's engine on a fixture model, the node pool, the route's service (mounted
 * in-process, see test/remote/routeServer.ts) and the client. Each scenario checks that every item is stored
 * exactly once and that the results equal a single-node run with the same seeds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemote, RemoteRunRefused } from '../../src/lib/engine/remote/client';
import { generateConfig, generateItem } from '../../src/lib/engine/remote/generateItem';
import type { RemoteProtocol } from '../../src/lib/engine/remote/remoteModel';
import { requestSeed } from '../../src/lib/engine/remote/seed';
import type { RunItem } from '../../src/lib/engine/remote/protocol';
import { decodeWire, encodeWire } from '../../src/lib/engine/remote/wire';
import type { EngineNode } from '../remote/engineNode';
import { expectSameResults } from '../remote/compare';
import { fixtureBackend } from '../remote/fixture';
import { poolFor, startNodes, tempDir, toyBackend, type Backend } from '../remote/harness';
import { startRouteServer, type RouteServer } from '../remote/routeServer';

const API_TOKEN = 'api-token-for-tests-0f3a';
const NODE_TOKEN = 'node-token-for-tests-77c1';
const ITEMS: RunItem[] = Array.from({ length: 10 }, (_, i) => ({ id: `trivia:${i}`, question: `Question ${i}: which city is the capital of country ${i}?` }));
const SGLANG_CONFIG = { seed: 11, temperature: 0.9, top_p: 0.95, max_new_tokens: 4, top_logprobs: 3, capture_positions: ['last_tok_bef_gen_embedding', 'sec_last_token_embedding', 'last_token_embedding'] };
const OPENAI_CONFIG = { seed: 11, temperature: 0.9, top_p: 0.95, max_new_tokens: 4, top_logprobs: 3 };

let backend: Backend;
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

beforeAll(async () => {
  backend = await fixtureBackend();
});

async function nodesOf(behaviours: Parameters<typeof startNodes>[1], tokenLatencyMs = 0, on: Backend = backend): Promise<EngineNode[]> {
  const nodes = await startNodes(on, behaviours, { token: NODE_TOKEN, tokenLatencyMs });
  cleanup.push(async () => void (await Promise.all(nodes.map((n) => n.close()))));
  return nodes;
}

/** The reference: every item on ONE node, straight through the pool (no route). */
const references = new Map<RemoteProtocol, Promise<Map<string, unknown>>>();
function reference(protocol: RemoteProtocol): Promise<Map<string, unknown>> {
  let r = references.get(protocol);
  if (!r) {
    r = (async () => {
      const [node] = await nodesOf(['ok']);
      const pool = poolFor([node], backend, protocol, {}, { token: NODE_TOKEN });
      const config = generateConfig(protocol === 'sglang' ? SGLANG_CONFIG : OPENAI_CONFIG);
      // Through the same wire encoding as the route, so both sides hold decoded values.
      const direct = new Map<string, unknown>();
      const s = await pool.run(ITEMS, { itemId: (i) => i.id, run: generateItem(config), onResult: (d) => void direct.set(d.itemId, decodeWire(JSON.parse(JSON.stringify(encodeWire(d.result))))) });
      expect(s.done).toBe(ITEMS.length);
      return direct;
    })();
    references.set(protocol, r);
  }
  return r;
}

async function route(nodes: EngineNode[], protocol: RemoteProtocol, extra: { journalDir?: string; port?: number; requestTimeoutMs?: number } = {}, logs: string[] = []): Promise<RouteServer> {
  const pool = poolFor(nodes, backend, protocol, { downForMs: 60_000, failuresToMarkDown: 2 }, { token: NODE_TOKEN, requestTimeoutMs: extra.requestTimeoutMs ?? 5000 });
  const srv = await startRouteServer({ token: API_TOKEN, pool, journalDir: extra.journalDir ?? tempDir('journal-'), log: (l) => void logs.push(l) }, extra.port ?? 0);
  cleanup.push(() => srv.stop());
  return srv;
}

/** Runs the client; returns results and how often each item reached the store. */
async function client(srv: { url: string } | string, protocol: RemoteProtocol, hooks: { onStored?: (n: number) => void | Promise<void> } = {}, runId = `run-${protocol}-${Math.random().toString(36).slice(2)}`) {
  const stored = new Map<string, unknown>();
  const times = new Map<string, number>();
  const summary = await runRemote({
    endpoint: `${typeof srv === 'string' ? srv : srv.url}/api/remote/runs`,
    token: API_TOKEN,
    runId,
    config: protocol === 'sglang' ? SGLANG_CONFIG : OPENAI_CONFIG,
    items: ITEMS,
    has: (id) => stored.has(id),
    onResult: async (id, result) => {
      times.set(id, (times.get(id) ?? 0) + 1);
      stored.set(id, result);
      await hooks.onStored?.(stored.size);
    },
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 400
  });
  return { stored, times, summary, runId };
}

function expectEachOnce(times: ReadonlyMap<string, number>): void {
  expect([...times.keys()].sort()).toEqual(ITEMS.map((i) => i.id).sort());
  expect([...times.values()].every((n) => n === 1)).toBe(true);
}

describe('remote route over three nodes', () => {
  it('POST /api/remote/runs spreads many items over three SGLang nodes; results equal a single-node run', async () => {
    const ref = await reference('sglang');
    const nodes = await nodesOf(['ok', 'ok', 'ok']);
    const srv = await route(nodes, 'sglang');
    const { stored, times, summary } = await client(srv, 'sglang');
    expectEachOnce(times);
    expect(summary).toMatchObject({ stored: ITEMS.length, failed: [], duplicates: 0, reconnects: 0 });
    for (const n of nodes) expect(n.served()).toBeGreaterThan(0);
    const worst = expectSameResults(stored, ref);
    expect(worst.diff).toBeLessThanOrEqual(1e-5);
    const first = stored.get('trivia:0') as { hidden: Record<string, Float32Array>; layers: number[]; unavailable: Record<string, string>; entropy_mean: null };
    expect(Object.keys(first.hidden).sort()).toEqual(['last_tok_bef_gen_embedding', 'last_token_embedding', 'sec_last_token_embedding']);
    expect(first.hidden.last_token_embedding.length).toBe(backend.spec.hiddenSize);
    expect(first.layers).toEqual([backend.spec.numLayers]);
    expect(first.entropy_mean).toBeNull();
    expect(first.unavailable.entropy).toMatch(/top-k log-probabilities/);
  });

  it('POST /api/remote/runs over three OpenAI-compatible chat nodes gives the single-node results', async () => {
    const ref = await reference('openai');
    const nodes = await nodesOf(['ok', 'ok', 'ok']);
    const srv = await route(nodes, 'openai');
    const { stored, times } = await client(srv, 'openai');
    expectEachOnce(times);
    for (const n of nodes) expect(n.served()).toBeGreaterThan(0);
    expectSameResults(stored, ref);
    const first = stored.get('trivia:0') as { token_ids: number[]; unavailable: Record<string, string> };
    expect(first.token_ids.every((t) => t >= 0)).toBe(true);
    expect(first.unavailable.hidden_states).toMatch(/OpenAI-compatible chat API returns no hidden states/);
  });

  it('a node killed mid-run: its items are retried on the others, each stored once, results unchanged', async () => {
    const ref = await reference('sglang');
    const nodes = await nodesOf(['ok', 'ok', 'ok'], 4);
    const logs: string[] = [];
    const srv = await route(nodes, 'sglang', {}, logs);
    // Node 2 dies as the request after its first answer arrives, taking that request and any in flight with it.
    nodes[1].dieAfterServed = 1;
    const { stored, times } = await client(srv, 'sglang');
    expect(nodes[1].served()).toBe(1);
    expect(nodes[1].requests.some((r) => r.status === 0)).toBe(true);
    expectEachOnce(times);
    expectSameResults(stored, ref);
    expect(nodes[0].served() + nodes[2].served()).toBeGreaterThan(nodes[1].served());
    expect(logs.some((l) => /attempt 1 on node-2 failed/.test(l))).toBe(true);
  });

  it('one node answering errors and one hanging: timeouts and retries finish every item once, results unchanged', async () => {
    const ref = await reference('sglang');
    const nodes = await nodesOf(['ok', 'error', 'hang']);
    const logs: string[] = [];
    const srv = await route(nodes, 'sglang', { requestTimeoutMs: 300 }, logs);
    const { stored, times } = await client(srv, 'sglang');
    expectEachOnce(times);
    expectSameResults(stored, ref);
    expect(nodes[1].requests.some((r) => r.status === 500)).toBe(true);
    expect(nodes[2].requests.length).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes('node-3: POST /generate got no answer within 300 ms'))).toBe(true);
    const status = srv.service.options.pool!.status();
    expect(status.find((s) => s.name === 'node-2')!.up).toBe(false);
    expect(status.find((s) => s.name === 'node-3')!.up).toBe(false);
  });

  it('the route restarted mid-run: the client reconnects, resubmits what it lacks, and stores each item once', async () => {
    const ref = await reference('sglang');
    const nodes = await nodesOf(['ok', 'ok', 'ok'], 4);
    const journalDir = tempDir('journal-restart-');
    let srv = await route(nodes, 'sglang', { journalDir });
    const port = srv.port;
    let restarted = false;
    const { stored, times, summary, runId } = await client(srv, 'sglang', {
      onStored: (n) => {
        if (n === 5 && !restarted) {
          restarted = true;
          const old = srv;
          // Crash and come back on the same port with the same journal folder, a little later.
          void old.stop().then(async () => {
            await new Promise((r) => setTimeout(r, 100));
            srv = await route(nodes, 'sglang', { journalDir, port });
          });
        }
      }
    });
    expect(restarted).toBe(true);
    expect(summary.reconnects).toBeGreaterThanOrEqual(1);
    expectEachOnce(times);
    expectSameResults(stored, ref);
    // The journal on disk names the run once and holds every item as done.
    const files = readdirSync(journalDir);
    expect(files.length).toBe(1);
    const lines = readFileSync(join(journalDir, files[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string; item?: string });
    expect(lines.filter((l) => l.t === 'run').length).toBe(1);
    expect(new Set(lines.filter((l) => l.t === 'done').map((l) => l.item))).toEqual(new Set(ITEMS.map((i) => i.id)));
    expect(runId).toMatch(/^run-sglang-/);
  });

  it('NodePool keeps every turn of a dialogue on one node (its prefix cache), whichever node that is', async () => {
    const nodes = await nodesOf(['ok', 'ok', 'ok']);
    const pool = poolFor(nodes, backend, 'sglang', {}, { token: NODE_TOKEN });
    const turns = 3;
    await pool.run(ITEMS.slice(0, 6), {
      itemId: (i) => i.id,
      run: async (item, model, signal) => {
        const messages: { role: 'user' | 'assistant'; content: string }[] = [{ role: 'user', content: String(item.question) }];
        for (let t = 0; t < turns; t++) {
          const r = await model.generateChat!(messages, {}, { maxNewTokens: 3, temperature: 0.8, seed: [5, item.id, t, 0], signal });
          messages.push({ role: 'assistant', content: r.text }, { role: 'user', content: 'Are you sure?' });
        }
        return null;
      }
    });
    const servedBy = (seed: number) => nodes.findIndex((n) => n.requests.some((r) => r.seed === seed && r.status === 200));
    for (const item of ITEMS.slice(0, 6)) {
      const at = Array.from({ length: turns }, (_, t) => servedBy(requestSeed([5, item.id, t, 0])));
      expect(at[0]).toBeGreaterThanOrEqual(0);
      expect(new Set(at).size).toBe(1);
    }
  });
});

// Refusals are the route's business, not the engine's: these nodes run the toy model, which loads at once.
describe('remote route refusals', () => {
  const toy = toyBackend();
  async function setup(options: { token?: string | null; pool?: boolean; maxBodyBytes?: number; maxItems?: number } = {}) {
    const nodes = await nodesOf(['ok'], 0, toy);
    const logs: string[] = [];
    const journalDir = tempDir('journal-refuse-');
    const pool = options.pool === false ? null : poolFor(nodes, toy, 'sglang', {}, { token: NODE_TOKEN });
    const srv = await startRouteServer({ token: options.token === undefined ? API_TOKEN : options.token, pool, journalDir, log: (l) => void logs.push(l), maxBodyBytes: options.maxBodyBytes ?? 64 * 1024, maxItems: options.maxItems ?? 50 });
    cleanup.push(() => srv.stop());
    const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_TOKEN}` }) =>
      fetch(`${srv.url}/api/remote/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const unchanged = () => {
      expect(nodes[0].requests.length).toBe(0);
      expect(readdirSync(journalDir)).toEqual([]);
    };
    return { srv, nodes, logs, post, unchanged, journalDir };
  }
  const run = (extra: Record<string, unknown> = {}) => ({ run_id: 'r1', config: OPENAI_CONFIG, items: ITEMS.slice(0, 2), ...extra });

  it('a request without the bearer token, or with a wrong one, is refused with 401 and changes nothing', async () => {
    const { post, unchanged } = await setup();
    const none = await post(run(), {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toEqual({ error: 'this API needs an Authorization: Bearer <token> header' });
    const wrong = await post(run(), { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'the bearer token is not valid' });
    unchanged();
  });

  it('the API answers 503 when the server has no token, and when no node pool is configured', async () => {
    const a = await setup({ token: null });
    const r1 = await a.post(run());
    expect(r1.status).toBe(503);
    expect(await r1.json()).toEqual({ error: 'the API is disabled: the server has no SPIKESCORE_API_TOKEN set' });
    a.unchanged();
    const b = await setup({ pool: false });
    const r2 = await b.post(run());
    expect(r2.status).toBe(503);
    expect(await r2.json()).toEqual({ error: 'no remote node pool is configured (set SPIKESCORE_REMOTE_NODES)' });
    b.unchanged();
  });

  it('a body that names a node address is refused with 400 and changes nothing', async () => {
    const { post, unchanged } = await setup();
    for (const body of [
      run({ nodes: [{ url: 'http://169.254.169.254/' }] }),
      { ...run(), config: { ...OPENAI_CONFIG, base_url: 'http://10.0.0.1:30000' } },
      { ...run(), items: [{ id: 'a', question: 'q', Remote_Engines: [] }] }
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: string; issues: { code: string }[] };
      expect(json.error).toMatch(/names a node or an address .*: nodes are server configuration \(SPIKESCORE_REMOTE_NODES\), never taken from a request/);
      expect(json.issues[0].code).toBe('forbidden_field');
    }
    unchanged();
  });

  it('an oversized body is refused with 413 (declared or streamed) and too many items with 400; nothing changes', async () => {
    const { srv, post, unchanged } = await setup({ maxBodyBytes: 2048, maxItems: 3 });
    const big = run({ items: [{ id: 'a', question: 'x'.repeat(4000) }] });
    const r1 = await post(big);
    expect(r1.status).toBe(413);
    expect(((await r1.json()) as { error: string }).error).toMatch(/more than the limit of 2048 \(SPIKESCORE_REMOTE_MAX_BODY_BYTES\)/);
    // No Content-Length: the limit holds while reading.
    const bytes = new TextEncoder().encode(JSON.stringify(big));
    const streamed = await fetch(`${srv.url}/api/remote/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
      body: new ReadableStream({ start(c) { c.enqueue(bytes.subarray(0, 1500)); c.enqueue(bytes.subarray(1500)); c.close(); } }),
      duplex: 'half'
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const many = await post(run({ items: ITEMS.slice(0, 4).map((i) => ({ id: i.id, question: 'q' })) }));
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: string }).error).toContain('items has 4 entries, more than the limit of 3 per request (SPIKESCORE_REMOTE_MAX_ITEMS)');
    const bad = await post({ run_id: 'r 1', config: { seed: 1, temperature: -1, max_new_tokens: 0 }, items: [{ question: 'q' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      [
        '✖ run_id must be 1–128 letters, digits, \'.\', \'_\', \':\' or \'-\', got "r 1"',
        '  → at run_id',
        '✖ config.temperature must be a number in [0, 10], got -1',
        '  → at config.temperature',
        '✖ config.max_new_tokens must be an integer in [1, 32768], got 0',
        '  → at config.max_new_tokens',
        '✖ items[0].id must be a string of 1–256 characters, got undefined',
        '  → at items[0].id'
      ].join('\n')
    );
    unchanged();
  });

  it('a run id resubmitted with another config is refused with 409; the client gives up at once', async () => {
    const { srv, post, journalDir } = await setup();
    const first = await post(run({ items: ITEMS.slice(0, 1) }));
    expect(first.status).toBe(200);
    await first.text();
    const again = await post(run({ config: { ...OPENAI_CONFIG, temperature: 0.1 } }));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe('run r1 was started with another mode or config: a run id names one piece of work (use a new run id)');
    await expect(runRemote({ endpoint: `${srv.url}/api/remote/runs`, token: API_TOKEN, runId: 'r1', config: { ...OPENAI_CONFIG, temperature: 0.2 }, items: ITEMS.slice(0, 1), onResult: () => undefined })).rejects.toBeInstanceOf(RemoteRunRefused);
    expect(readdirSync(journalDir).length).toBe(1);
  });

  it('GET /api/remote names the nodes without their addresses; no token reaches a response or a log line', async () => {
    const { srv, logs } = await setup();
    const status = await fetch(`${srv.url}/api/remote`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const text = await status.text();
    expect(status.status).toBe(200);
    expect(JSON.parse(text).nodes.map((n: { name: string }) => n.name)).toEqual(['node-1']);
    expect(text).not.toContain('127.0.0.1');
    const { stored } = await client(srv, 'sglang');
    expect(stored.size).toBe(ITEMS.length);
    for (const line of [...logs, text, JSON.stringify([...stored.values()].map((v) => (v as { full_input: string }).full_input))]) {
      expect(line).not.toContain(NODE_TOKEN);
      expect(line).not.toContain(API_TOKEN);
    }
  });
});
