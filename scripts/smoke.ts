/**
 * `npm run smoke -- --model DIR [--prompt TEXT] [--tokens N] [--dtype auto|fp32|fp16|q4|q4f16] [--threads N]`
 *
 * A manual check on a real ONNX model a person has on disk (a folder laid out like a hub repository, e.g. a
 * `git clone` of https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct). Loads it with the app's engine on
 * onnxruntime-web WASM, generates greedily, and prints the backend, tokens/s and the captured layers. CI never runs it.
 */
import { parseArgs } from '../src/cli/args';
import { InputError } from '../src/lib/core/issues';
import { loadModelFromDir } from '../src/lib/engine/node/engine';
import type { ModelDtype } from '../src/lib/engine/types';

async function main(): Promise<number> {
  const args = parseArgs(
    process.argv.slice(2),
    [
      { name: 'model', type: 'string', help: 'model folder', required: true, metavar: 'DIR' },
      { name: 'prompt', type: 'string', help: 'the question', default: 'What is the capital of France?' },
      { name: 'tokens', type: 'integer', help: 'new tokens', default: 48 },
      { name: 'dtype', type: 'string', help: 'weights', default: 'auto', choices: ['auto', 'fp32', 'fp16', 'q4', 'q4f16'] },
      { name: 'threads', type: 'integer', help: 'WASM threads', default: 1 }
    ],
    [],
    'npm run smoke --'
  );
  const dir = String(args.options.model);
  const t0 = performance.now();
  const model = await loadModelFromDir(dir, {
    dtype: args.options.dtype as ModelDtype | 'auto',
    threads: Number(args.options.threads),
    onProgress: (p) => {
      if (p.status === 'done') process.stderr.write(`  read ${p.file}\n`);
    }
  });
  const info = model.info;
  console.log(`model     ${info.id} (${info.layout}, ${info.numLayers} layers, hidden ${info.hiddenSize}, vocab ${info.vocabSize}, ${info.dtype})`);
  console.log(`backend   ${info.backend}: ${info.backendReason}`);
  console.log(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; sha256 ${info.modelSha256?.slice(0, 16)}…`);
  const text = model.tokenizer.applyChatTemplate([{ role: 'user', content: String(args.options.prompt) }], { addGenerationPrompt: true });
  const ids = model.tokenizer.encode(text, { addSpecialTokens: !info.hasChatTemplate });
  if (!info.hasChatTemplate) console.log('template  none: plain "User: … Assistant:" format');
  const r = await model.generate(ids, {
    maxNewTokens: Number(args.options.tokens),
    temperature: 0,
    seed: [0],
    capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] }
  });
  const n = r.tokenIds.length;
  console.log(`prompt    ${ids.length} tokens (prefill ${r.timings.prefillMs} ms)`);
  console.log(`answer    ${JSON.stringify(r.text)}`);
  console.log(`speed     ${n} tokens in ${r.timings.decodeMs} ms: ${((1000 * Math.max(0, n - 1)) / Math.max(1, r.timings.decodeMs)).toFixed(1)} tokens/s (${r.stopReason})`);
  const meanH = r.entropies.reduce((a, b) => a + b, 0) / Math.max(1, n);
  console.log(`entropy   mean ${meanH.toFixed(3)} nats over the answer`);
  console.log(`captured  hidden-state indices ${r.layers[0]}..${r.layers.at(-1)} (${r.layers.length} × ${info.hiddenSize}) at ${Object.keys(r.hidden).join(', ')}`);
  await model.dispose();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${e instanceof InputError ? e.message : `error: ${(e as Error).message}`}\n`);
    process.exit(e instanceof InputError ? 2 : 1);
  }
);
