/**
 * Test helpers: a model backend (what the test nodes run), N engine nodes on 127.0.0.1, a node pool speaking to
 * them, and a fresh journal folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodePool, type PoolPolicy } from '../../src/lib/engine/remote/pool';
import { remoteModel, type RemoteProtocol } from '../../src/lib/engine/remote/remoteModel';
import type { RemoteModelSpec } from '../../src/lib/engine/remote/spec';
import type { LanguageModel } from '../../src/lib/engine/types';
import { startEngineNode, type Behaviour, type EngineNode } from './engineNode';
import { ToyModel, toyCodec, toyInfo } from './toyModel';

export interface Backend {
  /** A fresh model per node (each node has its own session and cache, as separate GPUs would). */
  makeModel(): Promise<LanguageModel>;
  readonly spec: RemoteModelSpec;
}

export function toyBackend(): Backend {
  return {
    makeModel: async () => new ToyModel(),
    spec: {
      id: 'toy',
      numLayers: toyInfo.numLayers,
      hiddenSize: toyInfo.hiddenSize,
      vocabSize: toyInfo.vocabSize,
      maxContext: toyInfo.maxContext,
      torchDtype: null,
      eosTokenIds: toyInfo.eosTokenIds,
      bosTokenId: null,
      codec: toyCodec,
      hasChatTemplate: false,
      tokenizerHash: 'toy',
      chatTemplateHash: null
    }
  };
}

export async function startNodes(backend: Backend, behaviours: readonly Behaviour[], options: { token?: string; tokenLatencyMs?: number } = {}): Promise<EngineNode[]> {
  return Promise.all(behaviours.map(async (behaviour) => startEngineNode({ model: await backend.makeModel(), behaviour, ...options })));
}

export function poolFor(nodes: readonly EngineNode[], backend: Backend, protocol: RemoteProtocol, policy: PoolPolicy = {}, extra: { token?: string; requestTimeoutMs?: number; maxConcurrency?: number } = {}): NodePool {
  return new NodePool(
    nodes.map((n, i) => ({
      name: `node-${i + 1}`,
      maxConcurrency: extra.maxConcurrency ?? 2,
      model: remoteModel(protocol, { name: `node-${i + 1}`, url: n.url, ...(extra.token ? { token: extra.token } : {}), requestTimeoutMs: extra.requestTimeoutMs ?? 5000 }, backend.spec)
    })),
    { backoffMs: 20, maxBackoffMs: 200, downForMs: 60_000, ...policy }
  );
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
