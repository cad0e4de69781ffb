/**
 * The knowledge testbed: a small GPT-2 trained here on a synthetic knowledge base whose facts we control
 * (`testbed/`, see its MODEL_CARD.md), the labelled questions, and the exact labelling rule.
 *
 * `label` and `dataset` are pure (page, worker, Node); `files` and `writeTestbedModel` read and write files
 * (Node only): browser code imports `./label` and `./dataset` directly.
 */
export {
  TESTBED_ATTRIBUTES,
  TESTBED_LABEL_RULE,
  TESTBED_TIERS,
  testbedJudge,
  testbedLabel,
  testbedValues,
  type TestbedAttribute,
  type TestbedItem,
  type TestbedJudgement,
  type TestbedReason,
  type TestbedTier
} from './label';
export { parseTestbedDataset } from './dataset';
export { testbedSemanticEntropy, testbedSemanticIds } from './semantic';
export { TESTBED_DIR, readTestbedFiles, testbedParameterShapes, type TestbedFiles, type TestbedShape, type TestbedSummary, type TestbedTensor } from './files';
export { TESTBED_FORMAT_VERSION, testbedConfigBlock, writeTestbedModel, type TestbedModelOptions, type WrittenTestbed } from './writeTestbedModel';
