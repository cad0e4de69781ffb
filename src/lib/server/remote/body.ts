/** Reads a request body as text, refusing more than `maxBytes` (413) before and while reading it. */
import { jsonResponse } from './auth';

export async function readBodyLimited(request: Request, maxBytes: number): Promise<{ ok: true; text: string } | { ok: false; response: Response }> {
  const tooLarge = (n: string) => ({ ok: false as const, response: jsonResponse(413, { error: `the request body is ${n} bytes, more than the limit of ${maxBytes} (SPIKESCORE_REMOTE_MAX_BODY_BYTES): send the items in several runs` }) });
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(String(declared));
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(`over ${size}`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(all) };
}
