/**
 * A small, strict argument parser for the `spikescore` commands: `--key value`, `--key=value`, boolean flags and
 * positionals. Every option is declared; an unknown one is an error that lists the allowed ones (nanoGPT's
 * configurator raises on an unknown key). Values are type-checked here so commands receive what they declared.
 */
import { InputError, type Issue } from '../lib/core/issues';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  readonly help: string;
  readonly default?: string | number | boolean | readonly string[];
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** Shown in help instead of the type, e.g. `DIR`. */
  readonly metavar?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  readonly required?: boolean;
}

export type OptionValue = string | number | boolean | string[] | undefined;

export interface ParsedArgs {
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly positionals: readonly string[];
}

export function parseArgs(
  argv: readonly string[],
  options: readonly OptionSpec[],
  positionals: readonly PositionalSpec[] = [],
  command = 'spikescore'
): ParsedArgs {
  const byName = new Map(options.map((o) => [o.name, o]));
  const values: Record<string, OptionValue> = {};
  const pos: string[] = [];
  const issues: Issue[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      pos.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      pos.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name);
    if (!spec) {
      const allowed = options.map((o) => `--${o.name}`).join(', ') || '(none)';
      issues.push({ code: 'unknown_field', path: [], message: `unknown option --${name} for \`${command}\`; allowed: ${allowed}, --help` });
      continue;
    }
    let raw: string | undefined;
    if (spec.type === 'boolean') {
      raw = eq >= 0 ? arg.slice(eq + 1) : 'true';
    } else if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      raw = argv[++i];
    } else {
      issues.push({ code: 'missing_field', path: [], message: `option --${name} needs a value (${spec.metavar ?? spec.type})` });
      continue;
    }
    const value = convert(spec, raw, issues);
    if (value !== undefined) values[name] = value;
  }
  for (const spec of options) {
    if (values[spec.name] === undefined && spec.default !== undefined) {
      values[spec.name] = Array.isArray(spec.default) ? [...spec.default] : (spec.default as OptionValue);
    }
    if (spec.required && values[spec.name] === undefined) {
      issues.push({ code: 'missing_field', path: [], message: `option --${spec.name} is required for \`${command}\` (${spec.help})` });
    }
  }
  const required = positionals.filter((p) => p.required).length;
  if (pos.length < required) {
    const missing = positionals.slice(pos.length).filter((p) => p.required).map((p) => p.name.toUpperCase());
    issues.push({ code: 'missing_field', path: [], message: `\`${command}\` needs ${missing.join(' ')}` });
  } else if (pos.length > positionals.length) {
    issues.push({ code: 'invalid_value', path: [], message: `\`${command}\` takes ${positionals.length} positional argument(s), got ${pos.length}: ${pos.join(' ')}` });
  }
  if (issues.length) throw new InputError(issues);
  return { options: values, positionals: pos };
}

function convert(spec: OptionSpec, raw: string, issues: Issue[]): OptionValue {
  const bad = (expected: string): undefined => {
    issues.push({ code: 'invalid_value', path: [], message: `--${spec.name} must be ${expected}, got ${JSON.stringify(raw)}` });
    return undefined;
  };
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      return bad('true or false');
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : bad('a number');
    }
    case 'integer': {
      const n = Number(raw);
      return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(n) ? n : bad('an integer');
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) return bad(`one of ${spec.choices.join(', ')}`);
      return raw;
  }
}

export function formatHelp(
  usage: string,
  summary: string,
  options: readonly OptionSpec[],
  positionals: readonly PositionalSpec[] = [],
  details?: string
): string {
  const lines = [`usage: ${usage}`, '', summary];
  if (positionals.length) {
    lines.push('', 'arguments:');
    for (const p of positionals) lines.push(`  ${p.name.toUpperCase().padEnd(26)} ${p.help}`);
  }
  lines.push('', 'options:');
  for (const o of options) {
    const meta = o.type === 'boolean' ? '' : ` ${o.metavar ?? (o.choices ? o.choices.join('|') : o.type.toUpperCase())}`;
    const def = o.default !== undefined && o.type !== 'boolean' ? ` (default: ${Array.isArray(o.default) ? o.default.join(',') : o.default})` : '';
    lines.push(`  ${`--${o.name}${meta}`.padEnd(26)} ${o.help}${def}${o.required ? ' [required]' : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(26)} show this help`);
  if (details) lines.push('', details);
  return lines.join('\n');
}
