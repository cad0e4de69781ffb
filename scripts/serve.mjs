#!/usr/bin/env node
// Serves the adapter-node build with cross-origin isolation on EVERY response. adapter-node serves the built
// assets (`/_app/immutable/*`, including the worker scripts) before SvelteKit's `handle` hook runs, so the hook
// alone cannot put COEP on a worker script, and a cross-origin-isolated page refuses a worker without it.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const { handler } = await import(pathToFileURL(resolve('build/handler.js')).href);
const port = Number(process.env.PORT || 4173);
const host = process.env.HOST || '127.0.0.1';

const server = createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  handler(req, res, () => {
    res.statusCode = 404;
    res.end('Not found');
  });
});
server.listen(port, host, () => console.log(`listening on http://${host}:${port}/`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
