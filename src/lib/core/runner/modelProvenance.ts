/**
 * The provenance a run stamps into every item (`ItemResult.provenance`) from the model that ran it: its id, the
 * hashes of its weights, tokenizer and chat template, the runtime (ORT version, backend, threads, dtype; null
 * when unknown), the app version, and the seeds the caller names.
 */
import type { Provenance } from '../itemResult';
import { APP_VERSION } from '../version';
import type { RunnerModelInfo } from './types';

export function modelProvenance(info: RunnerModelInfo, seeds: Provenance['seeds']): Provenance {
  return {
    model_id: info.id,
    model_sha256: info.modelSha256,
    tokenizer_hash: info.tokenizerHash,
    chat_template_hash: info.chatTemplateHash,
    ort_version: info.ortVersion,
    backend: info.backend,
    threads: info.threads,
    dtype: info.dtype ?? null,
    app_version: APP_VERSION,
    seeds
  };
}
