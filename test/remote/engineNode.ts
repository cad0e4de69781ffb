/**
 * A test node: a real HTTP server on 127.0.0.1 (node:http) that speaks SGLang's native `/generate` and the
 * OpenAI-compatible `/v1/chat/completions`, backed by the project's own engine (`LanguageModel.generate` on a
 * fixture model): real generation, not canned replies.
 *
 * Mapping: `sampling_seed` / `seed` (an integer) becomes the engine's draw key `[seed]`; `top_logprobs_num` /
 * `top_logprobs` its topK; `return_hidden_states` asks for the last layer at the three positions, answered in
 * SGLang's shape (first element `[prompt rows, d]`, then one `[d]` per decode step). Our engine captures three
 * positions, not every one, so the rows it does not capture are zeros: the client reads only the rows at those
 * positions (the last prompt row, decode rows N−3 and N−2), and the tests compare exactly those.
 *
 * Faults for the tests: `behaviour` 'error' answers HTTP 500, 'hang' accepts the request and never answers,
 * 'die' kills the node when the next request arrives (that request and every one in flight lose their
 * connection); `kill()` drops every open connection and stops listening (a node that dies mid-run); `tokenLatencyMs` adds a
 * fixed delay per generated token (the benchmark's stand-in for a GPU).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GenerateOptions, GenerationResult, LanguageModel, PositionName } from '../../src/lib/engine/types';

export type Behaviour = 'ok' | 'error' | 'hang' | 'die';

export interface EngineNodeOptions {
  readonly model: LanguageModel;
  /** The bearer token the node requires (none: any). */
  readonly token?: string;
  readonly behaviour?: Behaviour;
  readonly tokenLatencyMs?: number;
  /** Served model name for the chat API. */
  readonly servedModel?: string;
  readonly port?: number;
}

export interface RequestRecord {
  readonly path: string;
  readonly seed: number | null;
  readonly status: number;
  readonly authorized: boolean;
}

export interface EngineNode {
  readonly url: string;
  readonly port: number;
  readonly requests: RequestRecord[];
  behaviour: Behaviour;
  /** Switch to 'die' once this many answers were served (null: never). */
  dieAfterServed: number | null;
  /** Answers completed with 200. */
  readonly served: () => number;
  kill(): Promise<void>;
  close(): Promise<void>;
}

const POSITIONS: readonly PositionName[] = ['last_tok_bef_gen_embedding', 'sec_last_token_embedding', 'last_token_embedding'];

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

/** SGLang's hidden-state layout rebuilt from the three captured positions (zeros elsewhere). */
function sglangHidden(r: GenerationResult, promptLen: number, d: number): unknown[] {
  const n = r.tokenIds.length;
  const vec = (p: PositionName) => Array.from(r.hidden[p] ?? new Float32Array(d));
  const zero = () => new Array<number>(d).fill(0);
  const prompt = Array.from({ length: promptLen }, (_, i) => (i === promptLen - 1 ? vec('last_tok_bef_gen_embedding') : zero()));
  const decode = Array.from({ length: Math.max(0, n - 1) }, (_, j) => (j === n - 2 ? vec('last_token_embedding') : j === n - 3 ? vec('sec_last_token_embedding') : zero()));
  return [prompt, ...decode];
}

export async function startEngineNode(options: EngineNodeOptions): Promise<EngineNode> {
  const { model } = options;
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  let served = 0;
  const node = { behaviour: options.behaviour ?? 'ok', dieAfterServed: null } as { behaviour: Behaviour; dieAfterServed: number | null };
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const generate = async (promptIds: number[], o: GenerateOptions, extraLatencyTokens: number): Promise<GenerationResult> => {
    const r = await model.generate(promptIds, o);
    if (options.tokenLatencyMs) await delay(options.tokenLatencyMs * Math.max(1, r.tokenIds.length + extraLatencyTokens));
    return r;
  };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const authorized = !options.token || req.headers.authorization === `Bearer ${options.token}`;
    const send = (status: number, body: unknown, seed: number | null) => {
      requests.push({ path, seed, status, authorized });
      if (status === 200) served++;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch {
      send(400, { error: 'bad json' }, null);
      return;
    }
    if (!authorized) return send(401, { error: 'unauthorized' }, null);
    if (node.dieAfterServed !== null && served >= node.dieAfterServed) node.behaviour = 'die';
    if (node.behaviour === 'die') {
      requests.push({ path, seed: null, status: 0, authorized });
      void close();
      return;
    }
    if (node.behaviour === 'hang') {
      requests.push({ path, seed: null, status: 0, authorized });
      return; // never answers; the socket stays open until the client gives up or the node is killed
    }
    if (node.behaviour === 'error') return send(500, { error: 'internal error (test node)' }, null);
    try {
      if (req.method === 'POST' && path === '/generate') {
        const sp = (body.sampling_params ?? {}) as Record<string, unknown>;
        const seed = Number(sp.sampling_seed ?? 0);
        const ids = body.input_ids as number[];
        const k = Number(body.top_logprobs_num ?? 0);
        const wantHidden = body.return_hidden_states === true;
        const r = await generate(
          ids,
          {
            maxNewTokens: Number(sp.max_new_tokens),
            temperature: Number(sp.temperature ?? 1),
            topP: Number(sp.top_p ?? 1),
            topK: Math.max(1, k),
            seed: [seed],
            ...(Array.isArray(sp.stop_token_ids) ? { stopTokenIds: sp.stop_token_ids as number[] } : {}),
            ...(Array.isArray(sp.stop) ? { stopStrings: sp.stop as string[] } : {}),
            ...(sp.ignore_eos ? { ignoreEos: true } : {}),
            ...(wantHidden ? { capture: { positions: POSITIONS, layers: [model.info.numLayers] } } : {})
          },
          0
        );
        const triples = r.tokenIds.map((id, i) => [r.logprobs[i], id, null]);
        const top = r.topIds.map((t, i) => Array.from(t.subarray(0, k), (id, j) => [r.topLogprobs[i][j], id, null]));
        const finish = r.stopReason === 'eos' ? { type: 'stop', matched: r.tokenIds.at(-1) } : r.stopReason === 'stop' ? { type: 'stop', matched: (sp.stop as string[])[0] } : { type: 'length', length: r.tokenIds.length };
        return send(
          200,
          {
            text: r.text,
            output_ids: r.tokenIds,
            meta_info: {
              id: `req-${requests.length}`,
              finish_reason: finish,
              prompt_tokens: ids.length,
              completion_tokens: r.tokenIds.length,
              cached_tokens: r.reusedTokens,
              output_token_logprobs: triples,
              output_top_logprobs: top,
              ...(wantHidden ? { hidden_states: sglangHidden(r, ids.length, model.info.hiddenSize) } : {})
            }
          },
          seed
        );
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        const seed = Number(body.seed ?? 0);
        const messages = body.messages as { role: 'system' | 'user' | 'assistant'; content: string }[];
        const kwargs = (body.chat_template_kwargs ?? {}) as { enable_thinking?: boolean };
        const prompt = model.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...(kwargs.enable_thinking === undefined ? {} : { enableThinking: kwargs.enable_thinking }) });
        const ids = model.tokenizer.encode(prompt, { addSpecialTokens: !model.info.hasChatTemplate });
        const k = Number(body.top_logprobs ?? 0);
        const asIds = body.return_tokens_as_token_ids === true;
        const r = await generate(
          ids,
          {
            maxNewTokens: Number(body.max_tokens),
            temperature: Number(body.temperature ?? 1),
            topP: Number(body.top_p ?? 1),
            topK: Math.max(1, k),
            seed: [seed],
            ...(Array.isArray(body.stop_token_ids) ? { stopTokenIds: body.stop_token_ids as number[] } : {}),
            ...(Array.isArray(body.stop) ? { stopStrings: body.stop as string[] } : {})
          },
          0
        );
        const tokenText = (id: number) => (asIds ? `token_id:${id}` : model.tokenizer.decode([id], { skipSpecialTokens: false }));
        return send(
          200,
          {
            id: `chatcmpl-${requests.length}`,
            object: 'chat.completion',
            created: 0,
            model: body.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: r.text },
                finish_reason: r.stopReason === 'length' || r.stopReason === 'context' ? 'length' : 'stop',
                logprobs: {
                  content: r.tokenIds.map((id, i) => ({
                    token: tokenText(id),
                    logprob: r.logprobs[i],
                    bytes: null,
                    top_logprobs: Array.from(r.topIds[i].subarray(0, k), (t, j) => ({ token: tokenText(t), logprob: r.topLogprobs[i][j], bytes: null }))
                  }))
                }
              }
            ],
            usage: { prompt_tokens: ids.length, completion_tokens: r.tokenIds.length, total_tokens: ids.length + r.tokenIds.length }
          },
          seed
        );
      }
      send(404, { error: `no route ${req.method} ${path}` }, null);
    } catch (e) {
      send(500, { error: (e as Error).message }, null);
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  return Object.assign(node, {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    served: () => served,
    kill: close,
    close
  });
}
