#!/usr/bin/env node
// `npm run build` (adapter-node, into build/) and `npm run build:static` (adapter-static, into build-static/).
// First writes the assets the app serves but the repository does not hold (they are built in code): see
// scripts/assets.mjs.
import { spawnSync } from 'node:child_process';
import { prepareAssets } from './assets.mjs';

const isStatic = process.argv.includes('--static');
await prepareAssets();
const env = { ...process.env, ...(isStatic ? { SPIKESCORE_STATIC: '1' } : {}) };
const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { stdio: 'inherit', env });
if (r.status !== 0) process.exit(r.status ?? 1);
if (!isStatic) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync('build/.stamp', new Date().toISOString() + '\n');
}
