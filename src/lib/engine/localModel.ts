/**
 * A model running on onnxruntime-web in this thread (a worker, or Node): implements `LanguageModel`.
 * Calls are queued, since one session runs one sequence of steps at a time.
 */
import type { OnnxDecoder } from './decoder';
import { disposeKv } from './decoder';
import { runGeneration, type CacheSlot, type LoopContext } from './generate';
import type { OnnxGraphInfo } from './onnx/scan';
import type { ExternalData } from './onnx/weights';
import { findUnembedding } from './onnx/weights';
import type { GenerateOptions, GenerationResult, LanguageModel, ModelInfo, TextCodec } from './types';

export class LocalModel implements LanguageModel {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache: CacheSlot = { ids: [], kv: null };
  private unembeddingCache: Promise<{ matrix: Float32Array; vocab: number; hidden: number }> | null = null;
  private weightSource: { model: Uint8Array; graph: OnnxGraphInfo; external: ExternalData } | null;
  private disposed = false;

  constructor(
    readonly info: ModelInfo,
    readonly tokenizer: TextCodec,
    readonly decoder: OnnxDecoder,
    weightSource: { model: Uint8Array; graph: OnnxGraphInfo; external: ExternalData }
  ) {
    this.weightSource = weightSource;
  }

  private context(): LoopContext {
    return { decoder: this.decoder, codec: this.tokenizer, eosTokenIds: this.info.eosTokenIds, maxContext: this.info.maxContext, cache: this.cache };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error(`model ${this.info.id} was unloaded`));
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    return this.serial(async () => (await runGeneration(this.context(), promptIds, options, 1))[0]);
  }

  async generateBatch(promptIds: readonly number[], n: number, options: GenerateOptions): Promise<GenerationResult[]> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`generateBatch needs n ≥ 1 samples, got ${n}`);
    return this.serial(() => runGeneration(this.context(), promptIds, options, n));
  }

  /** Prompt tokens encoded so far (tests count them to check prefix reuse). */
  get encodedTokens(): number {
    return this.decoder.encodedTokens;
  }

  /** Forgets the KV cache (the next prompt is encoded in full). */
  resetCache(): Promise<void> {
    return this.serial(async () => {
      disposeKv(this.cache.kv);
      this.cache.kv = null;
      this.cache.ids = [];
    });
  }

  unembedding() {
    this.unembeddingCache ??= Promise.resolve().then(() => {
      const src = this.weightSource;
      if (!src) throw new Error('the model bytes were released before the unembedding was read');
      const u = findUnembedding(src.model, src.graph, src.external);
      this.weightSource = null; // the bytes are no longer needed
      return u;
    });
    return this.unembeddingCache;
  }

  async dispose(): Promise<void> {
    await this.queue;
    if (this.disposed) return;
    this.disposed = true;
    disposeKv(this.cache.kv);
    this.cache.kv = null;
    this.weightSource = null;
    await this.decoder.session.release();
  }
}
