/** `npm run build:static` builds a static site (adapter-static, SPA fallback) with the worker and the built-in model. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('static build', () => {
  it('npm run build:static writes build-static/ with an SPA fallback page, the inference worker and the built-in model', () => {
    const r = spawnSync(process.execPath, ['scripts/build.mjs', '--static'], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(readFileSync('build-static/index.html', 'utf8')).toContain('<div style="display: contents">');
    const workers = readdirSync(join('build-static', '_app', 'immutable', 'workers'));
    expect(workers.some((f) => f.startsWith('inference.worker'))).toBe(true);
    expect(existsSync('build-static/models/random-demo/onnx/model.onnx')).toBe(true);
    expect(existsSync('build-static/data/fallbacks/LICENSE.fallbacks-MIT.txt')).toBe(true);
  }, 600_000);
});
