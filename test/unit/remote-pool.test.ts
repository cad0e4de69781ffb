import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/core/issues';
import { RemoteError } from '../../src/lib/engine/remote/errors';
import { AttemptTimeoutError, NodePool, type ItemFn, type PoolNode } from '../../src/lib/engine/remote/pool';
import type { LanguageModel } from '../../src/lib/engine/types';
import { ToyModel } from '../remote/toyModel';

/** Nodes whose "model" is a toy; the per-item function decides what each node does. */
function nodes(n: number, maxConcurrency = 2): PoolNode[] {
  return Array.from({ length: n }, (_, i) => ({ name: `n${i + 1}`, maxConcurrency, model: Object.assign(new ToyModel(), { node: `n${i + 1}` }) as LanguageModel }));
}
const nodeOf = (m: LanguageModel) => (m as unknown as { node: string }).node;
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `q${i}` }));

describe('NodePool', () => {
  it('NodePool.run spreads items over every node, never above a node\'s maxConcurrency, and reports each item once', async () => {
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const run: ItemFn<{ id: string }, string> = async (item, model) => {
      const n = nodeOf(model);
      active.set(n, (active.get(n) ?? 0) + 1);
      peak.set(n, Math.max(peak.get(n) ?? 0, active.get(n)!));
      await tick(3);
      active.set(n, active.get(n)! - 1);
      return `${item.id}@${n}`;
    };
    const seen: string[] = [];
    const pool = new NodePool(nodes(3, 2));
    const summary = await pool.run(items(30), { itemId: (i) => i.id, run, onResult: (d) => void seen.push(d.itemId) });
    expect(summary).toEqual({ done: 30, failed: 0, cancelled: 0, attempts: 30 });
    expect(seen.sort()).toEqual(items(30).map((i) => i.id).sort());
    expect([...peak.keys()].sort()).toEqual(['n1', 'n2', 'n3']);
    for (const p of peak.values()) expect(p).toBeLessThanOrEqual(2);
  });

  it('NodePool.run retries a failed item on another node with backoff, and marks a node down after repeated faults', async () => {
    const tried = new Map<string, string[]>();
    const run: ItemFn<{ id: string }, string> = async (item, model) => {
      const n = nodeOf(model);
      tried.set(item.id, [...(tried.get(item.id) ?? []), n]);
      if (n === 'n1') throw new RemoteError('server', n, 'HTTP 500');
      await tick();
      return n;
    };
    const pool = new NodePool(nodes(2, 1), { backoffMs: 1, failuresToMarkDown: 2, downForMs: 60_000 });
    const results = new Map<string, string>();
    const summary = await pool.run(items(6), { itemId: (i) => i.id, run, onResult: (d) => void results.set(d.itemId, d.result) });
    expect(summary.done).toBe(6);
    expect([...results.values()].every((n) => n === 'n2')).toBe(true);
    for (const t of tried.values()) expect(t.at(-1)).toBe('n2');
    // n1 failed twice in a row, then was marked down: it got no third item.
    expect([...tried.values()].flat().filter((n) => n === 'n1').length).toBe(2);
    const s = pool.status().find((x) => x.name === 'n1')!;
    expect(s.up).toBe(false);
    expect(s.downUntil).toBeGreaterThan(Date.now());
  });

  it('NodePool.run gives up after maxAttempts and reports the item failed with the nodes tried', async () => {
    const failures: { id: string; attempts: number; nodes: readonly string[] }[] = [];
    const pool = new NodePool(nodes(3, 1), { maxAttempts: 3, backoffMs: 1, failuresToMarkDown: 100 });
    const summary = await pool.run(items(1), {
      itemId: (i) => i.id,
      run: async (_i, m) => {
        throw new RemoteError('network', nodeOf(m), 'ECONNREFUSED');
      },
      onFailure: (f) => void failures.push({ id: f.itemId, attempts: f.attempts, nodes: f.nodes })
    });
    expect(summary).toEqual({ done: 0, failed: 1, cancelled: 0, attempts: 3 });
    expect(failures).toEqual([{ id: 'q0', attempts: 3, nodes: ['n1', 'n2', 'n3'] }]);
  });

  it('NodePool.run does not retry an item whose error is not retryable (a bad item), nor count it against the node', async () => {
    const pool = new NodePool(nodes(2, 1), { failuresToMarkDown: 1 });
    let calls = 0;
    const summary = await pool.run(items(1), {
      itemId: (i) => i.id,
      run: async () => {
        calls++;
        throw new InputError('items[0].question is empty');
      }
    });
    expect(summary).toMatchObject({ done: 0, failed: 1, attempts: 1 });
    expect(calls).toBe(1);
    expect(pool.status().every((s) => s.up && s.consecutiveFailures === 0)).toBe(true);
  });

  it('NodePool.run abandons an attempt at its deadline, retries elsewhere and ignores the late answer', async () => {
    const reported: string[] = [];
    const errors: Error[] = [];
    const pool = new NodePool(nodes(2, 1), { attemptTimeoutMs: 30, backoffMs: 1 });
    const summary = await pool.run(items(1), {
      itemId: (i) => i.id,
      run: async (_i, m) => {
        if (nodeOf(m) === 'n1') {
          await tick(80); // ignores its signal, answers too late
          return 'late';
        }
        return 'on time';
      },
      onResult: (d) => void reported.push(`${d.result}@${d.node}`),
      onAttemptError: (e) => void errors.push(e.error)
    });
    await tick(100);
    expect(summary.done).toBe(1);
    expect(reported).toEqual(['on time@n2']);
    expect(errors[0]).toBeInstanceOf(AttemptTimeoutError);
    expect(errors[0].message).toBe('n1: the item took longer than 30 ms');
  });

  it('NodePool.run stops on its signal and counts the items left as cancelled', async () => {
    const ctrl = new AbortController();
    const pool = new NodePool(nodes(1, 2));
    let started = 0;
    const summary = await pool.run(items(5), {
      itemId: (i) => i.id,
      signal: ctrl.signal,
      run: async (item, _m, signal) => {
        started++;
        if (item.id === 'q0') return 'quick';
        setTimeout(() => ctrl.abort(), 5);
        // Never answers on its own: only the signal ends it.
        await new Promise((r) => signal.addEventListener('abort', r));
        return 'never reported';
      }
    });
    expect(summary).toEqual({ done: 1, failed: 0, cancelled: 4, attempts: started });
  });

  it('NodePool.run with drain finishes what runs, starts nothing new', async () => {
    const drain = new AbortController();
    const pool = new NodePool(nodes(1, 2));
    const done: string[] = [];
    const summary = await pool.run(items(6), {
      itemId: (i) => i.id,
      drain: drain.signal,
      run: async (item) => {
        if (item.id === 'q1') drain.abort();
        await tick(5);
        return item.id;
      },
      onResult: (d) => void done.push(d.result)
    });
    expect(done).toEqual(['q0', 'q1']);
    expect(summary).toMatchObject({ done: 2, cancelled: 4 });
  });

  it('NodePool refuses bad configuration and bad items with messages naming the problem', async () => {
    expect(() => new NodePool([])).toThrow('a node pool needs at least one node');
    expect(() => new NodePool([...nodes(1), ...nodes(1)])).toThrow('node name "n1" appears twice');
    expect(() => new NodePool(nodes(1, 0))).toThrow('node n1: maxConcurrency must be a positive integer, got 0');
    const pool = new NodePool(nodes(1));
    await expect(pool.run([{ id: 'a' }, { id: 'a' }], { itemId: (i) => i.id, run: async () => 1 })).rejects.toThrow('item id "a" appears twice in the run');
    await expect(pool.run([{ id: '' }], { itemId: (i) => i.id, run: async () => 1 })).rejects.toThrow('every item needs a non-empty string id, got ""');
  });
});
