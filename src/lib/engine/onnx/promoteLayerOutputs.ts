/**
 * Makes the residual stream a graph output without re-encoding the model.
 *
 * Why the append works: in protobuf, a message field that occurs twice is merged, and repeated fields of the
 * second occurrence are appended to the first. An ONNX model is a `ModelProto` whose field 7 is the graph, so
 * appending `[tag 7][length][GraphProto{node, initializer, output}]` to the file adds nodes, initializers and
 * outputs to the existing graph. The weights (often hundreds of MB) are never decoded; the cost is one copy of
 * the bytes (stack.md §1.3, tested in ORT web and node).
 *
 * The appended nodes stack the captured tensors into one output, so a step downloads one tensor, not one per
 * layer:
 *   `spikescore_hidden_last` [numLayers + 1, batch, hidden]: every index at the last position of the step
 *   `spikescore_hidden_all`  [numLayers + 1, batch, seq, hidden]: every index at every position (tests, analysis)
 *   `spikescore_logits_last` [batch, vocab]: the logits of the last position, so a long prefill downloads one row
 *                            per sequence instead of seq × vocab values
 */
import onnxProto from 'onnx-proto';
import type { CapturePlan } from './layouts';

const { onnx } = onnxProto;

export const HIDDEN_LAST = 'spikescore_hidden_last';
export const HIDDEN_ALL = 'spikescore_hidden_all';
export const LOGITS_LAST = 'spikescore_logits_last';

export type CaptureMode = 'last' | 'all';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function intAttr(name: string, value: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

function intsAttr(name: string, value: number[]) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value });
}

export interface PromoteOptions {
  /** The model's default-domain opset. */
  readonly opset: number;
  readonly modes?: readonly CaptureMode[];
  /** Also output the last position's logits (`LOGITS_LAST`), given the logits output's element type. */
  readonly logitsElemType?: number;
}

/**
 * Returns new model bytes with the capture output(s) of `plan` appended (Unsqueeze takes its axes as an input from
 * opset 13, as an attribute before).
 */
export function promoteLayerOutputs(model: Uint8Array, plan: CapturePlan, options: PromoteOptions): Uint8Array {
  const { opset, modes = ['last'], logitsElemType } = options;
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const p = 'spikescore';
  const axesInput = opset >= 13;
  if (axesInput) {
    initializers.push(onnx.TensorProto.create({ name: `${p}/axes0`, dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [0] }));
  }
  initializers.push(onnx.TensorProto.create({ name: `${p}/last_index`, dims: [], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1] }));
  const unsqueeze = (input: string, output: string, name: string) =>
    onnx.NodeProto.create({
      opType: 'Unsqueeze',
      name,
      input: axesInput ? [input, `${p}/axes0`] : [input],
      output: [output],
      attribute: axesInput ? [] : [intsAttr('axes', [0])]
    });

  // The tensor of every hidden-state index, appending Add(input, skip) where a fused norm left output 3 empty.
  const tensors = plan.sources.map((s) => {
    if (s.kind === 'tensor') return s.tensor;
    const out = `${p}/residual.${s.index}/Add_output_0`;
    nodes.push(onnx.NodeProto.create({ opType: 'Add', name: `${p}/residual.${s.index}/Add`, input: [s.a, s.b], output: [out] }));
    return out;
  });

  for (const mode of modes) {
    const parts = tensors.map((t, i) => {
      let src = t;
      if (mode === 'last') {
        src = `${p}/last.${i}/Gather_output_0`;
        // [batch, seq, hidden] → [batch, hidden] at position −1
        nodes.push(onnx.NodeProto.create({ opType: 'Gather', name: `${p}/last.${i}/Gather`, input: [t, `${p}/last_index`], output: [src], attribute: [intAttr('axis', 1)] }));
      }
      const u = `${p}/${mode}.${i}/Unsqueeze_output_0`;
      nodes.push(unsqueeze(src, u, `${p}/${mode}.${i}/Unsqueeze`));
      return u;
    });
    const name = mode === 'last' ? HIDDEN_LAST : HIDDEN_ALL;
    nodes.push(onnx.NodeProto.create({ opType: 'Concat', name: `${p}/${mode}/Concat`, input: parts, output: [name], attribute: [intAttr('axis', 0)] }));
    outputs.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: plan.elemType } } }));
  }

  if (logitsElemType !== undefined) {
    nodes.push(onnx.NodeProto.create({ opType: 'Gather', name: `${p}/logits_last/Gather`, input: ['logits', `${p}/last_index`], output: [LOGITS_LAST], attribute: [intAttr('axis', 1)] }));
    outputs.push(onnx.ValueInfoProto.create({ name: LOGITS_LAST, type: { tensorType: { elemType: logitsElemType } } }));
  }

  const graph = onnx.GraphProto.encode(onnx.GraphProto.create({ node: nodes, initializer: initializers, output: outputs })).finish();
  const header = [(7 << 3) | 2, ...varint(graph.length)];
  const out = new Uint8Array(model.length + header.length + graph.length);
  out.set(model, 0);
  out.set(header, model.length);
  out.set(graph, model.length + header.length);
  return out;
}
