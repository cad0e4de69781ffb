import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWriteJson, listFiles, readJsonFile } from '../../src/lib/store/node/files';

describe('node files', () => {
  it('atomicWriteJson(path) replaces the file and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const p = join(dir, 'a.json');
    await atomicWriteJson(p, { v: 1 });
    await atomicWriteJson(p, { v: 2 });
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual({ v: 2 });
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('listFiles(dir) lists json files recursively in path order, skipping hidden and temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    mkdirSync(join(dir, 'sub'));
    for (const f of ['b.json', 'a.json', 'sub/c.json', '.a.json.1.tmp', 'x.txt']) writeFileSync(join(dir, f), '{}');
    expect((await listFiles(dir)).map((p) => p.slice(dir.length + 1))).toEqual(['a.json', 'b.json', 'sub/c.json']);
    await expect(listFiles(join(dir, 'nope'))).rejects.toThrow(/nope: no such folder/);
  });

  it('readJsonFile(path) names the file for bad JSON and for a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    writeFileSync(join(dir, 'bad.json'), '{"a": ');
    await expect(readJsonFile(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(readJsonFile(join(dir, 'none.json'))).rejects.toThrow(/none\.json: no such file/);
  });
});
