/**
 * The Try-it page's state: one question, its dialogue streamed turn by turn from the inference worker, the
 * per-turn score trajectory, SpikeScore with its spike turn, and the verdict against a threshold that carries its
 * source (or no verdict, and why). The per-turn score is entropy, NLL, RS, or a stored probe that matches the loaded
 * model (`tryProbes.ts`), applied in the worker to each turn's hidden states (`metrics.probe_pred`).
 */
import type { TestbedAttribute } from '$lib/engine/testbed/label';
import * as Comlink from 'comlink';
import type { TurnRecord } from '$lib/core/itemResult';
import { selectFollowup } from '$lib/core/prompts/selectFollowup';
import { spikeScore } from '$lib/core/trajectory/spikeScore';
import { IdbRunStore } from '$lib/store/idb/runStore';
import type { EngineState } from '$lib/ui/state/engine.svelte';
import { newRequestId } from '$lib/ui/state/engine.svelte';
import { thresholdFor, type ThresholdRecord } from '$lib/ui/thresholds';
import type { DialogueEvent, TurnScoreKey } from '../../workers/protocols/dialogue';
import { offeredProbes, type OfferedProbe } from './tryProbes';

export interface TurnView {
  readonly turn: number;
  /** The user message of this turn: the question at turn 0, the follow-up after. */
  prompt: string;
  response: string;
  record: TurnRecord | null;
}

export const SCORE_KEYS: readonly { key: Exclude<TurnScoreKey, 'probe_pred'>; label: string; help: string }[] = [
  { key: 'entropy_mean', label: 'Mean token entropy', help: 'Average entropy (nats) of the full next-token distribution over the turn’s answer. No training needed.' },
  { key: 'nll_mean', label: 'Mean token NLL', help: 'Average negative log-likelihood (nats) of the generated tokens.' },
  { key: 'rs', label: 'Logit-lens RS', help: 'Mean Jensen–Shannon divergence (bits) between intermediate layers’ next-token distributions and the last layer’s, at the last token.' }
];

export class TryState {
  question = $state('');
  gold = $state<readonly string[]>([]);
  knownLabel = $state<0 | 1 | null>(null);
  /** Set for a knowledge-testbed question: turn 0 is labelled exactly by the testbed's rule against `gold[0]`. */
  testbed = $state<{ readonly attribute: TestbedAttribute } | null>(null);
  maxSteps = $state(10);
  temperature = $state(0.2);
  topP = $state(0.7);
  maxNewTokens = $state(48);
  seed = $state(42);
  scoreKey = $state<TurnScoreKey>('entropy_mean');
  /** The probe scoring the turns when `scoreKey` is `probe_pred`. */
  probeId = $state<string | null>(null);
  /** Stored probes that match the loaded model, and how many others are stored (never offered). */
  probes = $state.raw<OfferedProbe[]>([]);
  otherProbes = $state(0);
  probesError = $state<string | null>(null);

  turns = $state<TurnView[]>([]);
  totalTurns = $state(0);
  status = $state<'idle' | 'running' | 'done' | 'cancelled' | 'error'>('idle');
  error = $state<string | null>(null);
  label = $state<{ label: 0 | 1 | null; source: string | null } | null>(null);
  threshold = $state.raw<ThresholdRecord | null>(null);
  thresholdChecked = $state(false);
  #requestId: string | null = null;

  constructor(private readonly engine: EngineState) {}

  /** The score picker's value: a score key, or `probe:<id>`. */
  get choice(): string {
    return this.scoreKey === 'probe_pred' && this.probeId ? `probe:${this.probeId}` : this.scoreKey;
  }
  set choice(v: string) {
    if (v.startsWith('probe:')) {
      this.scoreKey = 'probe_pred';
      this.probeId = v.slice('probe:'.length);
    } else {
      this.scoreKey = v as TurnScoreKey;
      this.probeId = null;
    }
  }

  /** The chosen probe, when the score is a probe's. */
  get probe(): OfferedProbe | null {
    return this.scoreKey === 'probe_pred' ? (this.probes.find((p) => p.id === this.probeId) ?? null) : null;
  }

  /** Lists the stored probes that match the loaded model; a chosen probe that no longer matches is dropped. */
  async refreshProbes() {
    const info = this.engine.info;
    if (!info) {
      this.probes = [];
      this.otherProbes = 0;
    } else {
      let store: IdbRunStore | null = null;
      try {
        store = await IdbRunStore.open();
        const { offered, others } = offeredProbes(await store.listProbes(), info);
        if (this.engine.info?.id !== info.id) return; // another model loaded meanwhile
        this.probes = offered;
        this.otherProbes = others;
        this.probesError = null;
      } catch (e) {
        this.probes = [];
        this.probesError = `The stored probes could not be read: ${(e as Error).message}`;
      } finally {
        store?.close();
      }
    }
    if (this.scoreKey === 'probe_pred' && !this.probe) this.choice = 'entropy_mean';
  }

  /** Per-turn scores under the chosen key, turn 0 first (null while a turn is running or has no score). */
  readonly scores = $derived(this.turns.map((t) => {
    const v = t.record?.metrics?.[this.scoreKey];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }));

  /** SpikeScore over the finished turns with a score (turns without one are skipped, as the evaluation does). */
  readonly spike = $derived.by(() => {
    const pairs = this.scores.map((s, k) => [k, s] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    const r = spikeScore(pairs.map((p) => p[1]));
    return r ? { value: r.value, turn: pairs[r.turn][0] } : null;
  });

  readonly verdict = $derived.by(() => {
    if (!this.spike || this.status === 'running') return null;
    if (!this.threshold) return null;
    return this.spike.value >= this.threshold.value ? 'hallucinated' : 'not flagged';
  });

  async refreshThreshold() {
    const id = this.engine.info?.id;
    this.threshold = id ? await thresholdFor(id, this.scoreKey).catch(() => null) : null;
    this.thresholdChecked = true;
  }

  async ask() {
    const q = this.question.trim();
    if (!q || !this.engine.info) return;
    this.turns = [{ turn: 0, prompt: q, response: '', record: null }];
    this.totalTurns = this.maxSteps + 1;
    this.status = 'running';
    this.error = null;
    this.label = null;
    void this.refreshThreshold();
    const requestId = newRequestId('dialogue');
    this.#requestId = requestId;
    const onEvent = (e: DialogueEvent) => {
      if (this.#requestId !== requestId) return; // a newer dialogue started
      if (e.type === 'turn-start') {
        this.totalTurns = e.turns;
        if (!this.turns[e.turn]) {
          const prompt = e.turn === 0 ? q : selectFollowup('progressive', e.turn).text;
          this.turns = [...this.turns, { turn: e.turn, prompt, response: '', record: null }];
        }
      } else if (e.type === 'token') {
        const t = this.turns[e.turn];
        if (t) t.response += e.text;
      } else if (e.type === 'turn-end') {
        const t = this.turns[e.turn];
        if (t) {
          t.record = e.record;
          t.response = e.record.response;
          if (e.turn > 0) t.prompt = e.record.followup_prompt;
        }
      } else if (e.type === 'label') {
        this.label = { label: e.label, source: e.source };
      }
    };
    try {
      const item = await this.engine.api.dialogue(
        {
          requestId,
          question: q,
          gold: [...this.gold], // a plain array: $state proxies cannot be cloned to the worker
          label: this.knownLabel,
          testbed: this.testbed ? { attribute: this.testbed.attribute } : null,
          maxSteps: this.maxSteps,
          strategy: 'progressive',
          temperature: this.temperature,
          topP: this.topP,
          maxNewTokens: this.maxNewTokens,
          seed: this.seed,
          withRs: this.scoreKey === 'rs',
          probeId: this.scoreKey === 'probe_pred' ? this.probeId : null
        },
        Comlink.proxy(onEvent)
      );
      if (this.#requestId !== requestId) return;
      // The resolved item is authoritative: callback messages travel on their own port and may arrive later.
      this.turns = item.reasoning_chain.map((r, k) => ({ turn: k, prompt: k === 0 ? q : r.followup_prompt, response: r.response, record: r }));
      this.label = { label: item.nli_label, source: item.label_source ?? null };
      this.status = 'done';
    } catch (e) {
      if (this.#requestId !== requestId) return;
      const err = e as Error;
      if (err.name === 'AbortError' || /cancelled/.test(err.message)) this.status = 'cancelled';
      else {
        this.status = 'error';
        this.error = err.message;
      }
    }
  }

  cancel() {
    if (this.#requestId) this.engine.cancel(this.#requestId);
  }
}
