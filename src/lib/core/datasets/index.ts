export { parseDataset, goldAnswers, type Dataset, type DatasetItem, type DatasetKind, type ParseDatasetOptions } from './parseDataset';
export { sampleItems, type SamplingSpec } from './sampleItems';
export { md5Hex } from './md5';
export { carriesExactLabel, labelsItself, LABEL_RULES, TESTBED_LABEL_RULE } from './exactLabels';
