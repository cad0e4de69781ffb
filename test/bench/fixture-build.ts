/**
 * `npm run bench -- fixture-build`: how long `buildModelFiles` takes per architecture (default spec: 4 layers,
 * hidden 64, vocabulary 50259) for the fp32 + fp16 pair and for fp32 + fp16 + q4, warm (the GPT-2 tokenizer is
 * loaded once per process, first), and how large the files are. Median of `--runs=N` (default 3).
 */
import { buildModelFiles } from '../../src/lib/engine/fixtures/buildModelFiles';
import { FIXTURE_ARCHS } from '../../src/lib/engine/fixtures/spec';
import { machine, median } from './_machine';

export async function bench(args: Record<string, string>) {
  const runs = Number(args.runs ?? 3);
  const figures: Record<string, number> = {};
  let t = performance.now();
  await buildModelFiles({ layers: 1 }, { dtypes: [] });
  figures.tokenizer_cold_ms = Math.round(performance.now() - t);
  for (const arch of FIXTURE_ARCHS) {
    for (const [label, dtypes] of [['fp32_fp16', ['fp32', 'fp16']], ['all', ['fp32', 'fp16', 'q4']]] as const) {
      const times: number[] = [];
      let sizes: Map<string, Uint8Array> = new Map();
      for (let r = 0; r < runs; r++) {
        t = performance.now();
        sizes = (await buildModelFiles({ arch }, { dtypes })).files;
        times.push(performance.now() - t);
      }
      figures[`${arch}_${label}_ms`] = Math.round(median(times));
      if (label === 'all') for (const [path, bytes] of sizes) if (path.endsWith('.onnx')) figures[`${arch}_${path.slice(5, -5)}_mb`] = Math.round(bytes.length / 1e5) / 10;
    }
    process.stderr.write(`${arch} done\n`);
  }
  return { bench: 'fixture-build', figures, model: { layers: 4, hidden: 64, vocab: 50259 }, runs, ...machine() };
}
