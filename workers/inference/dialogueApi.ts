/**
 * One question through the dialogue runner (the same `runDialogue` as `spikescore run`), in memory, streamed to
 * the page: tokens as they come, each finished turn with its metrics, and the turn-0 label. With a probe
 * (`probeId`), each turn also gets `metrics.probe_pred` from its hidden states (`turnProbe.ts`).
 */
import type { ItemResult } from '../../src/lib/core/itemResult';
import { matchLabel } from '../../src/lib/core/labels/matchLabel';
import { TESTBED_LABEL_RULE, labelByRule } from '../../src/lib/engine/testbed/label';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import type { Labeller, RunSink } from '../../src/lib/core/runner/types';
import { APP_VERSION } from '../../src/lib/core/version';
import { createRsFunction } from '../../src/lib/engine/logitLens';
import type { DialogueApi, DialogueEvent, DialogueRequest } from '../protocols/dialogue';
import { dialogueConfig, dialogueItem } from './dialogueConfig';
import { cancellable, requireModel } from './state';
import { loadTurnProbe } from './turnProbe';

export const dialogueApi: DialogueApi = {
  async dialogue(req: DialogueRequest, onEvent: (e: DialogueEvent) => void): Promise<ItemResult> {
    const model = requireModel();
    const probe = req.probeId ? await loadTurnProbe(req.probeId, model.info, req.dbName) : null;
    const config = dialogueConfig(req, probe ? probe.selection.layerRange : null);
    let stored: ItemResult | null = null;
    let emitted = 0; // turns already sent (the runner grows one item object across saves)
    let labelSent = false;
    const sink: RunSink = {
      loadItem: async () => null,
      async save(result, turn) {
        // The probe's score of this turn, from the hidden states the runner is about to store.
        if (probe && turn) result.reasoning_chain[turn.step].metrics.probe_pred = probe.score(turn.hidden);
        stored = result;
        const turns = config.max_steps + 1;
        for (; emitted < result.reasoning_chain.length; emitted++) {
          onEvent({ type: 'turn-end', turn: emitted, turns, record: structuredClone(result.reasoning_chain[emitted]), tokensPerSecond: null });
        }
        if (!labelSent && (result.nli_label !== null || result.label_source)) {
          labelSent = true;
          onEvent({ type: 'label', label: result.nli_label, source: result.label_source ?? null });
        }
      },
      saveError: async () => undefined,
      clearError: async () => undefined,
      saveProgress: async () => undefined
    };
    const labeller: Labeller = {
      async label(_question, goldAnswers, modelAnswer) {
        if (req.label !== undefined && req.label !== null) return { label: req.label, source: 'dataset' };
        if (req.testbed) {
          const j = labelByRule({ label_rule: TESTBED_LABEL_RULE, attribute: req.testbed.attribute }, goldAnswers[0], modelAnswer);
          return { label: j.label, source: 'dataset', reason: j.label === null ? j.message : null };
        }
        if (!goldAnswers.length) return { label: null, source: 'f1', reason: 'no gold answer' };
        const m = matchLabel(modelAnswer, goldAnswers, { method: 'f1' });
        return { label: m.label, source: 'f1', reason: m.label === null ? (m.reason ?? null) : null };
      }
    };
    let currentTurn = -1;
    await cancellable(req.requestId, (signal) =>
      runDialogue({
        model,
        config,
        items: [dialogueItem(req)],
        sink,
        labeller,
        rs: req.withRs ? createRsFunction(model) : null,
        provenance: {
          model_id: model.info.id,
          model_sha256: model.info.modelSha256,
          tokenizer_hash: model.info.tokenizerHash,
          chat_template_hash: model.info.chatTemplateHash,
          ort_version: model.info.ortVersion,
          backend: model.info.backend,
          threads: model.info.threads,
          app_version: APP_VERSION,
          seeds: { run: req.seed }
        },
        signal,
        onToken: (_id, turn, e) => {
          if (turn !== currentTurn) {
            currentTurn = turn;
            onEvent({ type: 'turn-start', turn, turns: config.max_steps + 1 });
          }
          onEvent({ type: 'token', turn, text: e.text, entropy: e.entropy });
        }
      })
    );
    if (!stored) throw new Error('the dialogue produced no turns');
    return stored;
  }
};
