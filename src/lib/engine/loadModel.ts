/**
 * Loads a decoder model from a hub-like source: config and tokenizer, the ONNX file for the dtype (and any
 * external data it names), a size check against the backend's limits, the hidden-state patch, and the session.
 */
import { InputError } from '../core/issues';
import { checkFits, chooseBackend, probeGpu, type BackendChoice, type GpuFacts } from './backend';
import { OnnxDecoder, describeDecoderIO } from './decoder';
import type { DownloadProgress } from './download';
import { sha256Hex } from './hash';
import { LocalModel } from './localModel';
import { parseModelConfig } from './modelConfig';
import { planCapture } from './onnx/layouts';
import { promoteLayerOutputs, type CaptureMode } from './onnx/promoteLayerOutputs';
import { ONNX_TYPE_BYTES, scanOnnx } from './onnx/scan';
import { getOrt, ortVersion } from './ort';
import type { FileSource } from './sources';
import { loadTokenizer } from './tokenizer';
import type { LoadProgress, ModelDtype } from './types';

export const DTYPE_FILES: Readonly<Record<ModelDtype, string>> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx'
};

export interface LoadOptions {
  /** Names the model in messages and provenance (a hub id or folder name). */
  readonly modelId: string;
  /** Which weights; 'auto' tries the best the backend can run, in order. */
  readonly dtype?: ModelDtype | 'auto';
  readonly backend?: 'auto' | 'webgpu' | 'wasm';
  readonly threads?: number;
  /** Extra capture outputs ('all' adds every position's hidden states, for tests and analysis). */
  readonly captureModes?: readonly CaptureMode[];
  readonly onProgress?: (p: LoadProgress) => void;
  readonly signal?: AbortSignal;
  /** Facts of the WebGPU adapter (default: probed from `navigator.gpu`). */
  readonly gpu?: GpuFacts | null;
}

const inNode = () => typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

let wasmThreadsSet: number | null = null;

async function readRequired(source: FileSource, path: string, options: LoadOptions): Promise<Uint8Array> {
  const bytes = await readOptional(source, path, options);
  if (!bytes) throw new InputError([{ code: 'not_found', path: [], message: `${source.label}: ${path} is missing (a model folder needs config.json, tokenizer.json and onnx/*.onnx)`, where: source.label }]);
  return bytes;
}

async function readOptional(source: FileSource, path: string, options: LoadOptions): Promise<Uint8Array | null> {
  options.onProgress?.({ status: 'initiate', file: path });
  let started = false;
  const bytes = await source.read(path, {
    signal: options.signal,
    onProgress: (p: DownloadProgress) => {
      if (!started && !p.fromCache) {
        started = true;
        options.onProgress?.({ status: 'download', file: path });
      }
      if (p.total) options.onProgress?.({ status: 'progress', file: path, loaded: p.loaded, total: p.total, progress: (100 * p.loaded) / p.total });
    }
  });
  if (bytes) options.onProgress?.({ status: 'done', file: path, fromCache: !started });
  return bytes;
}

function dtypeCandidates(dtype: ModelDtype | 'auto', gpu: GpuFacts | null, backend: LoadOptions['backend']): ModelDtype[] {
  if (dtype !== 'auto') return [dtype];
  if (backend !== 'wasm' && gpu) return gpu.shaderF16 ? ['fp16', 'q4f16', 'fp32', 'q4'] : ['fp32', 'q4', 'fp16'];
  return ['fp32', 'fp16', 'q4', 'q4f16'];
}

export async function loadModel(source: FileSource, options: LoadOptions): Promise<LocalModel> {
  const ort = getOrt();
  const where = options.modelId;
  const decoder = (b: Uint8Array) => new TextDecoder().decode(b);
  const config = parseModelConfig(decoder(await readRequired(source, 'config.json', options)), await readOptional(source, 'generation_config.json', options).then((b) => (b ? decoder(b) : null)), where);
  const tokenizerJson = decoder(await readRequired(source, 'tokenizer.json', options));
  const tokenizerConfig = await readOptional(source, 'tokenizer_config.json', options);
  const tok = await loadTokenizer(tokenizerJson, tokenizerConfig ? decoder(tokenizerConfig) : null, where, config.eosTokenIds);

  const gpu = options.gpu !== undefined ? options.gpu : inNode() ? null : await probeGpu();
  let modelBytes: Uint8Array | null = null;
  let dtype: ModelDtype | null = null;
  const tried: string[] = [];
  for (const d of dtypeCandidates(options.dtype ?? 'auto', gpu, options.backend)) {
    tried.push(DTYPE_FILES[d]);
    modelBytes = await readOptional(source, DTYPE_FILES[d], options);
    if (modelBytes) {
      dtype = d;
      break;
    }
  }
  if (!modelBytes || !dtype) throw new InputError([{ code: 'not_found', path: [], message: `${source.label}: no ONNX weights found (tried ${tried.join(', ')})`, where: source.label }]);
  const onnxPath = DTYPE_FILES[dtype];
  const graph = scanOnnx(modelBytes, `${where}/${onnxPath}`);
  const external = new Map<string, Uint8Array>();
  for (const file of graph.externalFiles) {
    const path = onnxPath.replace(/[^/]+$/, '') + file;
    external.set(file, await readRequired(source, path, options));
  }

  const choice: BackendChoice = chooseBackend({
    requested: options.backend ?? 'auto',
    dtype,
    gpu,
    inNode: inNode(),
    crossOriginIsolated: typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated,
    hardwareConcurrency: typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1,
    threads: options.threads ?? (inNode() ? 1 : undefined)
  });
  let largest = { name: '', bytes: 0 };
  for (const init of graph.initializers.values()) {
    const b = init.dims.reduce((a, c) => a * c, 1) * (ONNX_TYPE_BYTES[init.dataType] ?? 1);
    if (b > largest.bytes) largest = { name: init.name, bytes: b };
  }
  const totalBytes = modelBytes.length + [...external.values()].reduce((a, b) => a + b.length, 0);
  const problems = checkFits(choice, { totalBytes, largestTensorBytes: largest.bytes, largestTensorName: largest.name }, gpu);
  if (problems.length) throw new InputError(problems.map((message) => ({ code: 'too_large', path: [], message: `${where} does not fit ${choice.backend}: ${message}`, where })));

  const plan = planCapture(graph, where);
  const opset = graph.opsets.get('') ?? graph.opsets.get('ai.onnx') ?? 17;
  const logitsType = graph.outputs.find((o) => o.name === 'logits')!;
  const io = describeDecoderIO(graph, { numKeyValueHeads: config.numKeyValueHeads, headDim: config.headDim }, where);
  const patched = promoteLayerOutputs(modelBytes, plan, { opset, modes: ['last', ...(options.captureModes ?? [])], logitsElemType: logitsType.elemType });
  options.onProgress?.({ status: 'patch', layers: plan.numLayers });

  if (choice.backend === 'wasm') {
    if (wasmThreadsSet === null) {
      ort.env.wasm.numThreads = choice.threads;
      wasmThreadsSet = choice.threads;
    }
  }
  const sessionOptions: Record<string, unknown> = {
    executionProviders: [choice.backend],
    graphOptimizationLevel: 'all'
  };
  if (external.size) sessionOptions.externalData = [...external.entries()].map(([path, data]) => ({ path, data }));
  if (choice.backend === 'webgpu') {
    sessionOptions.preferredOutputLocation = Object.fromEntries(io.kv.flatMap((kv) => [[kv.presentKey, 'gpu-buffer'], [kv.presentValue, 'gpu-buffer']]));
  }
  let session;
  try {
    session = await ort.InferenceSession.create(patched, sessionOptions);
  } catch (e) {
    throw new Error(`${where}: onnxruntime could not create a ${choice.backend} session (${(e as Error).message})`);
  }
  const threads = choice.backend === 'wasm' ? (wasmThreadsSet ?? choice.threads) : 1;
  const reason = choice.backend === 'wasm' && wasmThreadsSet !== null && wasmThreadsSet !== choice.threads ? `${choice.reason} (this runtime was started with ${wasmThreadsSet} thread(s))` : choice.reason;
  options.onProgress?.({ status: 'ready', backend: choice.backend, reason });
  const numLayers = plan.numLayers;
  return new LocalModel(
    {
      id: options.modelId,
      layout: plan.layout,
      numLayers,
      hiddenSize: config.hiddenSize,
      vocabSize: config.vocabSize,
      maxContext: config.maxContext,
      dtype,
      backend: choice.backend,
      backendReason: reason,
      threads,
      eosTokenIds: tok.eosTokenIds,
      bosTokenId: tok.bosTokenId ?? config.bosTokenId,
      hasChatTemplate: tok.hasChatTemplate,
      capturableLayers: Array.from({ length: numLayers + 1 }, (_, i) => i),
      modelSha256: await sha256Hex(modelBytes),
      tokenizerHash: tok.tokenizerHash,
      chatTemplateHash: tok.chatTemplateHash,
      ortVersion: ortVersion()
    },
    tok.codec,
    new OnnxDecoder(session, io, numLayers, config.hiddenSize, typeof logitsType.shape?.[2] === 'number' ? logitsType.shape[2] : config.vocabSize),
    { model: modelBytes, graph, external }
  );
}
