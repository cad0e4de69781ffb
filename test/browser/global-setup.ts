/**
 * Browser tests: builds fixture models (code, never committed) into a folder laid out like the hub and serves it
 * on 127.0.0.1. Tests read its address from HUB_URL / HUB_TEMPLATE (inherited by Playwright's workers).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeModelFolder } from '../../src/lib/engine/fixtures/node/writeModelFolder';
import { startHubServer } from '../helpers/hubServer';

export const HUB_ROOT = resolve('test-results', 'hub');

export default async function globalSetup() {
  rmSync(HUB_ROOT, { recursive: true, force: true });
  await writeModelFolder(join(HUB_ROOT, 'fixture-llama'), { arch: 'llama', seed: 7 }, { dtypes: ['fp32', 'fp16'] });
  for (const arch of ['gpt2', 'neox', 'genai'] as const) {
    await writeModelFolder(join(HUB_ROOT, `fixture-${arch}`), { arch, seed: 7 }, { dtypes: ['fp32'] });
  }
  const hub = await startHubServer(HUB_ROOT);
  process.env.HUB_URL = hub.url;
  process.env.HUB_TEMPLATE = hub.template;
  process.env.HUB_ROOT = HUB_ROOT;
  return async () => {
    await hub.close();
  };
}
