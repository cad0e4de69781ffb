/**
 * `spikescore bundle export --run-dir D --out run.zip` and `spikescore bundle import run.zip --out D`: a whole run
 * (manifest with config and provenance, item results, hidden states, probes) as one zip file, and back. Import
 * validates the whole bundle before writing anything and refuses a bundle newer than this app.
 */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { InputError } from '../../lib/core/issues';
import { exportRunDir, importBundleToDir } from '../../lib/store/node/bundleDir';
import { atomicWrite, exists } from '../../lib/store/node/files';

export const bundleExportCommand: Command = {
  name: 'bundle export',
  summary: 'pack a run directory into one zip bundle (manifest, items, hidden states, probes)',
  options: [
    { name: 'run-dir', type: 'string', help: 'the run directory (output_dir of `spikescore run`)', required: true, metavar: 'DIR' },
    { name: 'out', type: 'string', help: 'the bundle file to write', required: true, metavar: 'FILE' },
    { name: 'probes', type: 'list', help: 'extra probe files to include, comma-separated', metavar: 'A,B' }
  ],
  async run(args, io) {
    const dir = resolve(io.cwd, String(args.options['run-dir']));
    const out = resolve(io.cwd, String(args.options.out));
    const probes = ((args.options.probes as string[] | undefined) ?? []).map((p) => resolve(io.cwd, p));
    const bytes = await exportRunDir(dir, { probes });
    await atomicWrite(out, bytes);
    io.stdout(`wrote ${out} (${(bytes.byteLength / 1e6).toFixed(2)} MB)\n`);
  }
};

export const bundleImportCommand: Command = {
  name: 'bundle import',
  summary: 'unpack a run bundle into a new run directory (validated first; nothing is written if it is corrupt or newer)',
  positionals: [{ name: 'bundle', help: 'the bundle zip file', required: true }],
  options: [{ name: 'out', type: 'string', help: 'the run directory to create (must not exist or be empty)', required: true, metavar: 'DIR' }],
  async run(args, io) {
    const file = resolve(io.cwd, args.positionals[0]);
    if (!(await exists(file))) throw new InputError([{ code: 'not_found', path: [], where: args.positionals[0], message: `${args.positionals[0]}: no such file` }]);
    const out = resolve(io.cwd, String(args.options.out));
    const bundle = await importBundleToDir(new Uint8Array(await fs.readFile(file)), out, args.positionals[0]);
    io.stdout(`imported run ${bundle.manifest.run_id}: ${bundle.items.length} items, ${bundle.hidden.size} hidden-state files, ${bundle.probes.size} probes → ${out}\n`);
  }
};
