import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { runCli } from '../../src/cli/main';
import type { Command } from '../../src/cli/command';
import { InputError } from '../../src/lib/core/issues';
import { captureIO } from './captureIO';

const opts = [
  { name: 'out', type: 'string', help: 'folder', required: true },
  { name: 'layers', type: 'integer', help: 'n', default: 4 },
  { name: 'arch', type: 'string', help: 'a', choices: ['llama', 'gpt2'], default: 'llama' },
  { name: 'resume', type: 'boolean', help: 'r' },
  { name: 'data-dirs', type: 'list', help: 'd' }
] as const;

describe('parseArgs', () => {
  it('parseArgs(argv) reads --key value, --key=value, flags and lists, and fills defaults', () => {
    const a = parseArgs(['--out', 'x', '--arch=gpt2', '--resume', '--data-dirs', 'a,b'], opts);
    expect(a.options).toEqual({ out: 'x', arch: 'gpt2', resume: true, 'data-dirs': ['a', 'b'], layers: 4 });
  });

  it('parseArgs(argv) names an unknown option and lists the allowed ones', () => {
    expect(() => parseArgs(['--out', 'x', '--layer', '3'], opts, [], 'spikescore tiny-model')).toThrow(
      /unknown option --layer for `spikescore tiny-model`; allowed: --out, --layers/
    );
  });

  it('parseArgs(argv) rejects a value of the wrong type or outside the choices, naming both', () => {
    expect(() => parseArgs(['--out', 'x', '--layers', '2.5'], opts)).toThrow('--layers must be an integer, got "2.5"');
    expect(() => parseArgs(['--out', 'x', '--arch', 'bert'], opts)).toThrow('--arch must be one of llama, gpt2, got "bert"');
  });

  it('parseArgs(argv) reports every problem at once, including a missing required option', () => {
    try {
      parseArgs(['--layers', 'x', '--nope'], opts);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues.map((i) => i.code)).toEqual(['invalid_value', 'unknown_field', 'missing_field']);
    }
  });
});

describe('runCli', () => {
  const seen: unknown[] = [];
  const cmd: Command = {
    name: 'probe train',
    summary: 'train a probe',
    options: [{ name: 'save', type: 'string', help: 'where', required: true }],
    async run(args) {
      seen.push(args.options);
      if (args.options.save === 'bad') throw new InputError('probe.safetensors: hidden size 64 does not match 32', 'x');
      if (args.options.save === 'boom') throw new Error('disk on fire');
    }
  };

  it('runCli(argv) dispatches a two-word command and returns 0', async () => {
    const c = captureIO();
    expect(await runCli(['probe', 'train', '--save', 'p.safetensors'], c.io, [cmd])).toBe(0);
    expect(seen.at(-1)).toEqual({ save: 'p.safetensors' });
  });

  it('runCli(argv) prints --help for every command and exits 0', async () => {
    const c = captureIO();
    expect(await runCli(['probe', 'train', '--help'], c.io, [cmd])).toBe(0);
    expect(c.out).toContain('usage: spikescore probe train [options]');
    expect(c.out).toContain('--save');
  });

  it('runCli(argv) exits 2 with the message on stderr for bad input, and 1 for a failure', async () => {
    const c = captureIO();
    expect(await runCli(['probe', 'train'], c.io, [cmd])).toBe(2);
    expect(c.err).toContain('option --save is required');
    expect(await runCli(['probe', 'train', '--save', 'bad'], c.io, [cmd])).toBe(2);
    expect(c.err).toContain('hidden size 64 does not match 32');
    expect(await runCli(['probe', 'train', '--save', 'boom'], c.io, [cmd])).toBe(1);
    expect(c.err).toContain('error: disk on fire');
    expect(await runCli(['nonsense'], c.io, [cmd])).toBe(2);
  });
});
