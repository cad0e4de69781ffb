/**
 * Where a model's files come from. Every source reads paths relative to a repository root laid out like the
 * Hugging Face hub (`config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model_fp16.onnx`, …).
 */
import { download, type BlobCache, type DownloadProgress } from './download';

export interface FileSource {
  /** Names the source in messages (a URL or a folder). */
  readonly label: string;
  /** The file's bytes, or null when it does not exist. */
  read(path: string, options?: { onProgress?: (p: DownloadProgress) => void; signal?: AbortSignal }): Promise<Uint8Array | null>;
}

/**
 * A hub-like server: `template` is a URL with `{model}`, e.g. `https://huggingface.co/{model}/resolve/main/` (the
 * default) or `http://127.0.0.1:8080/{model}/` (a local folder served as a hub), or the app's own `/models/{model}/`.
 */
export const DEFAULT_HUB_TEMPLATE = 'https://huggingface.co/{model}/resolve/main/';

export function hubFileUrl(template: string, model: string, path: string): string {
  const base = template.includes('{model}') ? template.replace('{model}', model) : `${template.replace(/\/$/, '')}/${model}/`;
  return base.replace(/\/?$/, '/') + path;
}

export class HubSource implements FileSource {
  readonly label: string;
  constructor(
    readonly model: string,
    readonly template: string = DEFAULT_HUB_TEMPLATE,
    private readonly cache?: BlobCache,
    private readonly fetchImpl?: typeof fetch
  ) {
    this.label = hubFileUrl(template, model, '');
  }
  read(path: string, options: { onProgress?: (p: DownloadProgress) => void; signal?: AbortSignal } = {}) {
    return download(hubFileUrl(this.template, this.model, path), { cache: this.cache, fetch: this.fetchImpl, ...options });
  }
}

/** Files the user picked in the page (a folder, or loose files matched by name). */
export class FileListSource implements FileSource {
  readonly label: string;
  constructor(private readonly files: readonly File[]) {
    this.label = `${files.length} file(s) from disk`;
  }
  async read(path: string, options: { onProgress?: (p: DownloadProgress) => void } = {}) {
    const base = path.split('/').pop()!;
    const file =
      this.files.find((f) => (f as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/').slice(1).join('/') === path) ??
      this.files.find((f) => f.name === path) ??
      this.files.find((f) => f.name === base);
    if (!file) return null;
    const bytes = new Uint8Array(await file.arrayBuffer());
    options.onProgress?.({ url: `file:${file.name}`, loaded: bytes.length, total: bytes.length, fromCache: false });
    return bytes;
  }
}

/** Files already in memory (built fixtures, tests). */
export class MemorySource implements FileSource {
  constructor(
    private readonly files: ReadonlyMap<string, Uint8Array>,
    readonly label = 'memory'
  ) {}
  async read(path: string) {
    return this.files.get(path) ?? null;
  }
}
