import { describe, expect, it } from 'vitest';
import {
  BUILTIN_MODEL_ID,
  DEFAULT_SYSTEM_PROMPT,
  configDifferences,
  parseRunConfig,
  parseRunConfigText,
  resolveModelRef,
  turnsPerItem,
  type RunConfig
} from '../../src/lib/core/config/index';
import { unwrap, type Issue } from '../../src/lib/core/issues';

/** The released config.json of the SpikeScore repository, verbatim in content. */
const PAPER_CONFIG = {
  model_path: './models/xxx',
  dataset_path: './datasets/xxx.json',
  output_dir: './outputs/xxx',
  sampling: { strategy: 'random', n: 1000, seed: 42 },
  enable_thinking: false,
  strategy: 'progressive',
  max_steps: 20,
  temperature: 0.2,
  top_p: 0.7,
  enable_ppl_detection: true,
  generation_timeout: 180,
  model_max_tokens: 128000,
  max_new_tokens: 1024
};

function issuesOf(raw: unknown): Issue[] {
  const r = parseRunConfig(raw);
  expect(r.ok).toBe(false);
  return r.ok ? [] : [...r.issues];
}

function messagesOf(raw: unknown): string[] {
  return issuesOf(raw).map((i) => i.message);
}

describe('parseRunConfig', () => {
  it('parseRunConfig accepts the paper config.json as is, with no warning, and applies its values', () => {
    const r = parseRunConfig(PAPER_CONFIG);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    const c = r.value;
    expect(c.mode).toBe('dialogue');
    expect(c.sampling).toEqual({ strategy: 'random', n: 1000, seed: 42 });
    expect(c.seed).toBe(42);
    expect(c.max_steps).toBe(20);
    expect(turnsPerItem(c)).toBe(21);
    expect(c.temperature).toBe(0.2);
    expect(c.top_p).toBe(0.7);
    expect(c.max_new_tokens).toBe(1024);
    expect(c.generation_timeout).toBe(180);
    expect(c.model_max_tokens).toBe(128000);
    expect(c.enable_thinking).toBe(false);
    expect(c.model_path).toBe('./models/xxx');
  });

  it('parseRunConfig fills documented defaults for an empty config', () => {
    const c = unwrap(parseRunConfig({}));
    expect(c).toMatchObject({
      mode: 'dialogue',
      model_path: null,
      output_dir: 'outputs',
      sampling: { strategy: 'all', n: null, seed: 42 },
      seed: 42,
      strategy: 'progressive',
      max_steps: 20,
      temperature: 0.2,
      top_p: 0.7,
      max_new_tokens: 512,
      enable_thinking: false,
      generation_timeout: 180,
      system_prompt: DEFAULT_SYSTEM_PROMPT,
      label_method: 'match',
      f1_threshold: 0.5,
      num_samples: 10,
      capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'], layers: null }
    });
    expect(unwrap(parseRunConfig({ mode: 'probe_data' })).max_new_tokens).toBe(100);
  });

  it('parseRunConfig reads the seed alias max_generation_tokens and refuses a disagreeing pair', () => {
    expect(unwrap(parseRunConfig({ max_generation_tokens: 300 })).max_new_tokens).toBe(300);
    expect(messagesOf({ max_new_tokens: 100, max_generation_tokens: 300 })).toEqual([
      'config.json: max_new_tokens 100 and max_generation_tokens 300 (its alias in the seed\'s scripts) disagree; give one of them'
    ]);
  });

  it('parseRunConfig takes the run seed from seed, else random_seed, else sampling.seed', () => {
    expect(unwrap(parseRunConfig({ sampling: { strategy: 'random', n: 5, seed: 7 } })).seed).toBe(7);
    expect(unwrap(parseRunConfig({ seed: 3, sampling: { strategy: 'random', n: 5 } })).sampling.seed).toBe(3);
    expect(unwrap(parseRunConfig({ random_seed: 9 })).seed).toBe(9);
    expect(messagesOf({ seed: 1, random_seed: 2 })).toEqual(['config.json: random_seed 2 and seed 1 disagree; give one of them']);
  });

  it('parseRunConfig reports every bad field at once, each naming the field, the value and what is allowed', () => {
    const msgs = messagesOf({
      sampling: { strategy: 'shuffle', n: 2.5, seed: -1 },
      strategy: 'clever',
      max_steps: -3,
      temperature: 'hot',
      top_p: 0,
      max_new_tokens: 0,
      enable_thinking: 'no',
      generation_timeout: 0,
      mode: 'chat',
      label_method: 'vibes',
      system_prompt: 5,
      dtype: 'int8'
    });
    expect(msgs).toEqual([
      'config.json: mode must be one of "dialogue", "probe_data", got "chat"',
      'config.json: dtype must be one of "auto", "fp32", "fp16", "q4", "q4f16", got "int8"',
      'config.json: sampling.strategy must be one of "random", "sequential", "all", got "shuffle"',
      'config.json: sampling.n must be an integer, got 2.5',
      'config.json: sampling.seed must be an integer ≥ 0, got -1',
      'config.json: strategy must be one of "progressive", "mixed", "random", "adaptive", "deep_analysis", "creative_thinking", "fixed", got "clever"',
      'config.json: max_steps must be an integer ≥ 0, got -3',
      'config.json: temperature must be a number ≥ 0, got "hot"',
      'config.json: top_p must be a number in (0, 1], got 0',
      'config.json: max_new_tokens must be an integer ≥ 1, got 0',
      'config.json: enable_thinking must be true or false, got "no"',
      'config.json: generation_timeout must be a number > 0, got 0',
      'config.json: system_prompt must be a string, got 5',
      'config.json: label_method must be one of "match", "f1", "judge", "nli", "dataset", got "vibes"'
    ]);
  });

  it('parseRunConfig refuses a config that is not an object, and bad JSON with the parser position', () => {
    expect(messagesOf([1, 2])).toEqual(['config.json: a config must be a JSON object, got [1,2]']);
    const r = parseRunConfigText('{"max_steps": 20,', { where: 'cfg/paper.json' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].message).toMatch(/^cfg\/paper\.json: not valid JSON \(/);
  });

  it('parseRunConfig warns about unknown fields with a did-you-mean hint, and still succeeds', () => {
    const r = parseRunConfig({ max_step: 3, temprature: 0.5, colour: 'blue', sampling: { strategy: 'all', size: 4 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => w.message)).toEqual([
      'config.json: unknown field max_step is ignored (did you mean "max_steps"?)',
      'config.json: unknown field temprature is ignored (did you mean "temperature"?)',
      'config.json: unknown field colour is ignored',
      'config.json: unknown field sampling.size is ignored'
    ]);
    expect(r.warnings.every((w) => w.severity === 'warning')).toBe(true);
  });

  it('parseRunConfig warns when sampling has no n and when max_steps leaves fewer than 3 turns', () => {
    const r = parseRunConfig({ sampling: { strategy: 'random' }, max_steps: 1 });
    expect(r.ok && r.warnings.map((w) => w.message)).toEqual([
      'config.json: sampling.n is missing, so sampling.strategy "random" keeps every item',
      'config.json: max_steps 1 gives 2 turn(s): SpikeScore needs at least 3 turns (max_steps ≥ 2) and will be null'
    ]);
  });

  it('parseRunConfig validates capture positions and half-open layer ranges', () => {
    const c = unwrap(parseRunConfig({ capture: { positions: ['last_tok_bef_gen_embedding'], layers: [13, 21] } }));
    expect(c.capture).toEqual({ positions: ['last_tok_bef_gen_embedding'], layers: [13, 21] });
    expect(messagesOf({ capture: { positions: ['first_token'], layers: [5, 5] } })).toEqual([
      'config.json: capture.positions[0] must be one of "last_token_embedding", "sec_last_token_embedding", "last_tok_bef_gen_embedding", got "first_token"',
      'config.json: capture.layers [5, 5] is empty: a half-open range [a, b) needs a < b'
    ]);
    expect(messagesOf({ capture: { positions: [], layers: [1, 2, 3] } })).toEqual([
      'config.json: capture.positions must be a non-empty array of last_token_embedding, sec_last_token_embedding, last_tok_bef_gen_embedding, got []',
      'config.json: capture.layers must be [a, b], two non-negative integers (a half-open range of hidden-state indices, 0 = embedding output), got [1,2,3]'
    ]);
    expect(messagesOf({ capture: { positions: ['last_token_embedding', 'last_token_embedding'] } })).toEqual([
      'config.json: capture.positions lists "last_token_embedding" twice'
    ]);
  });

  it('parseRunConfig refuses a judge key in the config and points to api_key_env', () => {
    const msgs = messagesOf({ judge: { base_url: 'https://api.example.com/v1', model: 'gpt-4o-mini', api_key: 'sk-secret' } });
    expect(msgs).toEqual([
      'config.json: judge.api_key: a key never goes in a config file (it would be stored with the run and its exports); put it in an environment variable and name that variable in judge.api_key_env'
    ]);
    const c = unwrap(parseRunConfig({ judge: { base_url: 'https://api.example.com/v1', model: 'gpt-4o-mini', api_key_env: 'OPENAI_API_KEY' } }));
    expect(c.label_method).toBe('judge');
    expect(c.judge).toEqual({ base_url: 'https://api.example.com/v1', model: 'gpt-4o-mini', api_key_env: 'OPENAI_API_KEY', timeout_ms: null });
  });

  it('parseRunConfig checks the judge block and that label_method "judge" has one', () => {
    expect(messagesOf({ label_method: 'judge' })).toEqual(['config.json: label_method "judge" needs a judge block {base_url, model, api_key_env}']);
    expect(messagesOf({ judge: { base_url: 'ftp://x', model: '', api_key_env: 'MY KEY' } })).toEqual([
      'config.json: judge.base_url must be an http(s) URL, got "ftp://x"',
      'config.json: judge.model must be a model name (e.g. "gpt-4o-mini"), got ""',
      'config.json: judge.api_key_env must be the name of an environment variable (letters, digits, _), got "MY KEY"'
    ]);
  });

  it('parseRunConfig reads the judges fields: judge.timeout_ms, the nli block, entailment_model and strict_entailment', () => {
    const c = unwrap(parseRunConfig({ mode: 'probe_data', label_method: 'nli', nli: { model: 'Xenova/nli-deberta-v3-xsmall', dtype: 'q8', device: 'wasm', batch_size: 16 }, entailment_model: 'match', strict_entailment: false }));
    expect(c).toMatchObject({ label_method: 'nli', nli: { model: 'Xenova/nli-deberta-v3-xsmall', dtype: 'q8', device: 'wasm', batch_size: 16 }, entailment_model: 'match', strict_entailment: false });
    expect(unwrap(parseRunConfig({})).entailment_model).toBe('nli');
    expect(messagesOf({ mode: 'probe_data', nli: { dtype: 'int3', batch_size: 0 }, entailment_model: 'gpt', judge: { base_url: 'http://j', model: 'm', timeout_ms: -5 } })).toEqual([
      'config.json: judge.timeout_ms must be a number > 0, got -5',
      'config.json: nli.dtype must be one of "fp32", "fp16", "q8", "int8", "uint8", "q4", "bnb4", "q4f16", got "int3"',
      'config.json: nli.batch_size must be an integer ≥ 1, got 0',
      'config.json: entailment_model must be one of "nli", "llm", "match", got "gpt"'
    ]);
    expect(messagesOf({ mode: 'probe_data', entailment_model: 'llm' })).toEqual(['config.json: entailment_model "llm" needs a judge block {base_url, model, api_key_env}']);
  });

  it('parseRunConfig reads remote_engines in the CLI and ignores them with a warning in the page', () => {
    const raw = { remote_engines: [{ url: 'http://gpu1:30000', protocol: 'sglang', token_env: 'GPU_TOKEN' }] };
    expect(unwrap(parseRunConfig(raw)).remote_engines).toEqual([{ url: 'http://gpu1:30000', protocol: 'sglang', token_env: 'GPU_TOKEN' }]);
    const page = parseRunConfig(raw, { context: 'page' });
    expect(page.ok && page.value.remote_engines).toEqual([]);
    expect(page.ok && page.warnings[0].message).toBe('config.json: remote_engines is for the CLI only and is ignored in the page');
    expect(messagesOf({ remote_engines: [{ url: 'gpu1', protocol: 'grpc', token: 'abc' }] })).toEqual([
      'config.json: remote_engines[0].token: a token never goes in a config file; name an environment variable in remote_engines[0].token_env',
      'config.json: remote_engines[0].url must be an http(s) URL, got "gpu1"',
      'config.json: remote_engines[0].protocol must be one of "sglang", "openai", got "grpc"'
    ]);
  });

  it('parseRunConfig reads probe_data fields, with num_generations as the alias of num_samples', () => {
    const c = unwrap(parseRunConfig({ mode: 'probe_data', num_generations: 5, use_context: true, brief_prompt: 'default' }));
    expect(c).toMatchObject({ mode: 'probe_data', num_samples: 5, use_context: true, brief_prompt: 'default', sample_temperature: 1, most_likely_temperature: 0.1 });
    const r = parseRunConfig({ num_samples: 2000 });
    expect(r.ok && r.warnings.map((w) => w.message)).toEqual([
      "config.json: num_samples 2000 is the number of high-temperature samples PER QUESTION (the seed's num_generations, usually 10); the number of questions is sampling.n",
      'config.json: num_samples only applies to mode "probe_data" and is ignored in mode "dialogue"'
    ]);
  });

  it('parseRunConfig refuses model_max_tokens that leaves no room for a prompt', () => {
    expect(messagesOf({ model_max_tokens: 512 })).toEqual(['config.json: model_max_tokens 512 leaves no room for a prompt: it must exceed max_new_tokens (512)']);
  });

  it('configDifferences lists the result-deciding fields that changed, and ignores the others', () => {
    const a = unwrap(parseRunConfig(PAPER_CONFIG));
    const b = unwrap(parseRunConfig({ ...PAPER_CONFIG, temperature: 0.5, output_dir: 'elsewhere', generation_timeout: 60 }));
    expect(configDifferences(a as unknown as Record<string, unknown>, b)).toEqual(['temperature: 0.2 → 0.5']);
    expect(configDifferences(a as unknown as Record<string, unknown>, a as RunConfig)).toEqual([]);
  });
});

describe('resolveModelRef', () => {
  it('resolveModelRef maps PyTorch hub ids to their ONNX exports and keeps ONNX repositories', () => {
    expect(resolveModelRef('Qwen/Qwen2.5-0.5B-Instruct')).toEqual({ ref: { kind: 'hub', id: 'onnx-community/Qwen2.5-0.5B-Instruct', requested: 'Qwen/Qwen2.5-0.5B-Instruct' } });
    expect(resolveModelRef('meta-llama/Llama-3.2-1B-Instruct')).toEqual({ ref: { kind: 'hub', id: 'onnx-community/Llama-3.2-1B-Instruct', requested: 'meta-llama/Llama-3.2-1B-Instruct' } });
    expect(resolveModelRef('HuggingFaceTB/SmolLM2-135M-Instruct')).toMatchObject({ ref: { kind: 'hub', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' } });
    expect(resolveModelRef('EleutherAI/pythia-160m')).toMatchObject({ ref: { kind: 'hub', id: 'Xenova/pythia-160m' } });
    expect(resolveModelRef('onnx-community/Qwen3-0.6B-ONNX')).toMatchObject({ ref: { kind: 'hub', id: 'onnx-community/Qwen3-0.6B-ONNX' } });
  });

  it('resolveModelRef takes local folders as is and no model_path as the built-in testbed model', () => {
    expect(resolveModelRef('./models/xxx')).toEqual({ ref: { kind: 'local', path: './models/xxx', id: 'xxx' } });
    expect(resolveModelRef('/data/models/SmolLM2/')).toEqual({ ref: { kind: 'local', path: '/data/models/SmolLM2/', id: 'SmolLM2' } });
    expect(resolveModelRef('models/mine', { localExists: (p) => p === 'models/mine' })).toMatchObject({ ref: { kind: 'local', id: 'mine' } });
    expect(resolveModelRef(undefined)).toEqual({ ref: { kind: 'builtin', id: BUILTIN_MODEL_ID } });
  });

  it('resolveModelRef refuses an unknown hub model, naming model_path and the known ones', () => {
    const r = resolveModelRef('mistralai/Mistral-7B-Instruct-v0.3', { where: 'config.json' });
    expect('issue' in r && r.issue.path).toEqual(['model_path']);
    expect('issue' in r && r.issue.message).toMatch(
      /^config\.json: model_path "mistralai\/Mistral-7B-Instruct-v0\.3" is neither a folder on disk nor a hub model with a known ONNX export; known: HuggingFaceTB\/SmolLM2-135M-Instruct, /
    );
  });
});
