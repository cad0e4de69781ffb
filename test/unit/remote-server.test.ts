import { appendFileSync, existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPoolConfig, readRemoteEnv } from '../../src/lib/server/remote/env';
import { createServiceFromEnv } from '../../src/lib/server/remote/instance';
import { Journal } from '../../src/lib/server/remote/journal';
import { findAddressKeys } from '../../src/lib/server/remote/validate';
import { fixtureFolder } from '../remote/fixture';
import { tempDir } from '../remote/harness';

const node = { url: 'http://127.0.0.1:1', protocol: 'sglang', token_env: 'T_A' };

describe('remote server configuration', () => {
  it('readPoolConfig reads the pool from inline JSON, a file, or a list with SPIKESCORE_REMOTE_MODEL/TOKENIZER', async () => {
    const inline = await readPoolConfig({ SPIKESCORE_REMOTE_NODES: JSON.stringify({ model: 'm', tokenizer: '/t', nodes: [node], max_attempts: 5 }) });
    expect(inline?.ok && inline.value).toEqual({ model: 'm', tokenizer: '/t', nodes: [{ ...node, name: 'node-1' }], policy: { maxAttempts: 5 } });
    const file = join(tempDir('pool-'), 'nodes.json');
    writeFileSync(file, JSON.stringify([node]));
    const list = await readPoolConfig({ SPIKESCORE_REMOTE_NODES: file, SPIKESCORE_REMOTE_MODEL: 'm', SPIKESCORE_REMOTE_TOKENIZER: '/t' });
    expect(list?.ok && list.value.nodes.length).toBe(1);
    expect(await readPoolConfig({})).toBeNull();
    const bad = await readPoolConfig({ SPIKESCORE_REMOTE_NODES: '{"model":' });
    expect(!bad?.ok && bad?.issues[0].message).toMatch(/^the node pool is not valid JSON/);
    const missing = await readPoolConfig({ SPIKESCORE_REMOTE_NODES: '/no/such/nodes.json' });
    expect(!missing?.ok && missing?.issues[0].message).toBe('SPIKESCORE_REMOTE_NODES names a file that cannot be read (ENOENT)');
  });

  it('readRemoteEnv takes limits from the environment and ignores values that are not positive integers', () => {
    const e = readRemoteEnv({ SPIKESCORE_API_TOKEN: 'x', SPIKESCORE_DATA_DIR: '/var/lib/s', SPIKESCORE_REMOTE_MAX_ITEMS: '12', SPIKESCORE_REMOTE_MAX_BODY_BYTES: '-4' });
    expect(e).toEqual({ token: 'x', journalDir: '/var/lib/s/remote-journal', journalMaxAgeDays: 30, journalDaysProblem: null, maxBodyBytes: 524288, maxItems: 12 });
    expect(readRemoteEnv({}).token).toBeNull();
    expect(readRemoteEnv({ SPIKESCORE_JOURNAL_DAYS: '7' }).journalMaxAgeDays).toBe(7);
    expect(readRemoteEnv({ SPIKESCORE_JOURNAL_DAYS: '0' })).toMatchObject({ journalMaxAgeDays: null, journalDaysProblem: null });
    // A value meant to keep them that is not understood keeps them too, and says so.
    for (const v of ['never', '-1', '0.5', 'off']) {
      expect(readRemoteEnv({ SPIKESCORE_JOURNAL_DAYS: v })).toMatchObject({
        journalMaxAgeDays: null,
        journalDaysProblem: `SPIKESCORE_JOURNAL_DAYS must be a whole number of days (0 keeps the journals forever); got ${JSON.stringify(v)}, so no journal is pruned`
      });
    }
  });

  it('createServiceFromEnv answers 503 with what is wrong when the pool cannot be built, naming no secret', async () => {
    const dir = await fixtureFolder();
    const service = await createServiceFromEnv({
      SPIKESCORE_API_TOKEN: 'api',
      SPIKESCORE_DATA_DIR: tempDir('data-'),
      SPIKESCORE_REMOTE_NODES: JSON.stringify({ model: 'tiny-llama', tokenizer: dir, nodes: [node] })
    });
    const res = await service.handleStatus(new Request('http://x/api/remote', { headers: { authorization: 'Bearer api' } }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('no remote node pool is configured: ✖ node node-1: the environment variable T_A (its token_env) is not set\n  → at nodes[0].token_env');
    const ok = await createServiceFromEnv({ SPIKESCORE_API_TOKEN: 'api', SPIKESCORE_DATA_DIR: tempDir('data-'), T_A: 'the-node-secret', SPIKESCORE_REMOTE_NODES: JSON.stringify({ model: 'tiny-llama', tokenizer: dir, nodes: [node] }) });
    const status = await ok.handleStatus(new Request('http://x/api/remote', { headers: { authorization: 'Bearer api' } }));
    const text = await status.text();
    expect(status.status).toBe(200);
    expect(text).not.toContain('the-node-secret');
    expect(text).not.toContain('127.0.0.1');
  });
});

describe('Journal', () => {
  it('Journal pins a run id to its config, records digests, survives a restart and ignores a torn last line', async () => {
    const dir = tempDir('journal-unit-');
    const j = new Journal(dir);
    expect(await j.begin('run:1', 'cfg-a')).toBe('new');
    expect(await j.done('run:1', 'q1', 'd1')).toBeNull();
    expect(await j.done('run:1', 'q1', 'd1')).toBe('d1');
    await j.failed('run:1', 'q2', 'boom');
    await j.flush();
    const file = join(dir, readdirSync(dir)[0]);
    appendFileSync(file, '{"t":"done","item":"q3","dig'); // a crash mid-append
    const again = new Journal(dir);
    expect(await again.begin('run:1', 'cfg-b')).toBe('conflict');
    expect(await again.begin('run:1', 'cfg-a')).toBe('same');
    const r = await again.read('run:1');
    expect([...r!.done]).toEqual([['q1', 'd1']]);
    expect([...r!.failed]).toEqual([['q2', 'boom']]);
    expect(await again.read('other')).toBeNull();
  });

  it('prune deletes journals untouched for longer than the age, keeps recent ones, open runs and other files', async () => {
    const dir = tempDir('journal-prune-');
    const now = Date.parse('2026-11-24T12:00:00Z');
    const day = 86_400_000;
    const writer = new Journal(dir);
    for (const id of ['old', 'recent', 'open']) await writer.begin(id, 'cfg');
    await writer.flush();
    writeFileSync(join(dir, 'notes.txt'), 'not a journal');
    const file = (id: string) => join(dir, readdirSync(dir).find((n) => n.startsWith(`${id}-`))!);
    const age = (path: string, days: number) => utimesSync(path, (now - days * day) / 1000, (now - days * day) / 1000);
    age(file('old'), 40);
    age(file('recent'), 3);
    age(file('open'), 40);
    age(join(dir, 'notes.txt'), 400);
    const openPath = file('open');
    const j = new Journal(dir);
    await j.read('open'); // this process holds it
    const oldName = file('old').split('/').pop();
    const kept = [openPath.split('/').pop(), 'notes.txt', file('recent').split('/').pop()].sort();
    expect(await j.prune(30 * day, now)).toEqual([oldName]);
    expect(readdirSync(dir).sort()).toEqual(kept);
    expect(existsSync(openPath)).toBe(true);
    // A pruned run id is new again.
    expect(await j.begin('old', 'cfg-other')).toBe('new');
    expect(await new Journal(join(dir, 'missing')).prune(day, now)).toEqual([]);
    await expect(j.prune(0, now)).rejects.toThrow('maxAgeMs must be a positive number of milliseconds; got 0');
  });
});

describe('findAddressKeys', () => {
  it('findAddressKeys finds node-naming keys at any depth, whatever their case or separators, and not in values', () => {
    expect(findAddressKeys({ a: { BaseURL: 'x' }, items: [{ id: 'q', question: 'see http://example.org' }, { 'api-base': 1 }], remote_engines: [] })).toEqual([
      ['a', 'BaseURL'],
      ['items', 1, 'api-base'],
      ['remote_engines']
    ]);
    expect(findAddressKeys({ run_id: 'r', items: [{ id: 'q', question: 'http://x' }] })).toEqual([]);
  });
});
