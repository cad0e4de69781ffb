/** Remote engines (SGLang, vLLM) behind the engine contract, the node pool, and the server route's client. */
export { RemoteError, statusKind, type RemoteErrorKind } from './errors';
export { requestSeed, MAX_REQUEST_SEED } from './seed';
export { topKEntropy } from './entropy';
export { postJson, deadline, DEFAULT_REQUEST_TIMEOUT_MS, type NodeEndpoint } from './http';
export { sglangRequest, parseSglangResponse, type SglangRequest } from './sglang';
export { openaiChatBody, parseOpenAIChat, callOpenAIChat, MAX_TOP_LOGPROBS, type OpenAIChatBody } from './openaiChat';
export { loadRemoteSpec, type RemoteModelSpec } from './spec';
export { SglangModel, OpenAIChatModel, remoteModel, REMOTE_PROTOCOLS, type RemoteProtocol } from './remoteModel';
export { NodePool, isRetryable, AttemptTimeoutError, type ItemFn, type PoolNode, type PoolPolicy, type RunOptions, type RunSummary, type NodeStatus } from './pool';
export { parseRemoteEngines, parseRemotePoolConfig, resolveEndpoints, type RemoteEngineConfig, type RemotePoolConfig } from './config';
export { createRemotePool } from './createPool';
export { encodeWire, decodeWire, readNdjson, TruncatedStreamError } from './wire';
export { RUNS_PATH, type RunRequest, type RunItem, type RunEvent } from './protocol';
export { generateItem, generateConfig, checkGenerateConfig, checkGenerateItem, type GenerateConfig, type GenerateItemResult } from './generateItem';
export { runRemote, RemoteRunRefused, type RemoteRunOptions, type RemoteRunSummary } from './client';
// Node only: `./node/poolFromConfig` (imports the file system), not re-exported here so the page can import this index.
