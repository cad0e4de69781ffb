/**
 * `src/lib/core/runner/types.ts` restates the part of the engine's types the runner uses (core may not import
 * engine). These assertions are checked by the compiler (`npx tsc --noEmit -p tsconfig.json` covers test/): when
 * the engine's `LanguageModel` or `NodePool` drifts from what the runner expects, this file stops compiling.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { ItemPool, RunnerGeneration, RunnerModel, RunnerModelInfo } from '../../src/lib/core/runner/types';
import type { LocalModel } from '../../src/lib/engine/localModel';
import type { NodePool } from '../../src/lib/engine/remote/pool';
import type { OpenAIChatModel, SglangModel } from '../../src/lib/engine/remote/remoteModel';
import type { GenerationResult, LanguageModel, ModelInfo } from '../../src/lib/engine/types';

describe('the runner types restate the engine types', () => {
  it('LanguageModel satisfies RunnerModel, and so do the local and remote models', () => {
    expectTypeOf<LanguageModel>().toExtend<RunnerModel>();
    expectTypeOf<LocalModel>().toExtend<RunnerModel>();
    expectTypeOf<SglangModel>().toExtend<RunnerModel>();
    expectTypeOf<OpenAIChatModel>().toExtend<RunnerModel>();
  });

  it('ModelInfo satisfies RunnerModelInfo and GenerationResult satisfies RunnerGeneration', () => {
    expectTypeOf<ModelInfo>().toExtend<RunnerModelInfo>();
    expectTypeOf<GenerationResult>().toExtend<RunnerGeneration>();
  });

  it('NodePool satisfies ItemPool (its items run on a RunnerModel)', () => {
    expectTypeOf<NodePool>().toExtend<ItemPool>();
  });

  it('a model without generate does not satisfy RunnerModel (the check can fail)', () => {
    expectTypeOf<Omit<LanguageModel, 'generate'>>().not.toExtend<RunnerModel>();
  });
});
