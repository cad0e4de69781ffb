#!/usr/bin/env node
// `npm test`: every test. First checks for Debian's Chromium (installing it when this is root on Debian, else
// saying exactly what to run), then the Node tests (vitest), then builds the app and runs the browser tests
// (Playwright in that Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './chromium.mjs';

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

let chromium = findChromium();
if (!chromium) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('Chromium is missing: installing Debian\'s package (apt-get install -y chromium)');
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
    chromium = findChromium();
  }
  if (!chromium) {
    console.error('\n✖ The browser tests need Chromium and it is not installed.');
    console.error('  Run:  sudo apt-get install -y chromium     (or set CHROMIUM_PATH to a Chromium binary)');
    process.exit(1);
  }
}
console.log(`browser: ${chromium}`);

// Some tests read what we write with an independent Python reader (standard library), and one builds a seed-style
// pickle with numpy: make sure python3 and numpy are there (Debian's packages when we can install them).
function pythonReady() {
  return spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}
if (!pythonReady()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log("python3 with numpy is missing: installing Debian's packages (apt-get install -y python3 python3-numpy)");
    run('apt-get', ['install', '-y', '--no-install-recommends', 'python3', 'python3-numpy']);
  }
  if (!pythonReady()) {
    console.error('\n✖ Some tests need python3 with numpy (an independent reader of the files we write).');
    console.error('  Run:  sudo apt-get install -y python3 python3-numpy');
    process.exit(1);
  }
}

const node = process.execPath;
let status = run(node, ['node_modules/vitest/vitest.mjs', 'run']);
if (status !== 0) process.exit(status);
status = run(node, ['scripts/build.mjs']);
if (status !== 0) process.exit(status);
status = run(node, ['node_modules/@playwright/test/cli.js', 'test'], { env: { ...process.env, CHROMIUM_PATH: chromium } });
process.exit(status);
