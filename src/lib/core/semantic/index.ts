export {
  semanticIds,
  entailmentKey,
  type Entailment,
  type EntailsFn,
  type EntailsManyFn,
  type EntailmentCache,
  type SemanticIds,
  type SemanticIdsOptions
} from './semanticIds';
export { clusterAssignmentEntropy } from './clusterAssignmentEntropy';
export { semanticEntropy, type SemanticEntropy } from './semanticEntropy';
export { bestSplit, linspace, BEST_SPLIT_CANDIDATES, BEST_SPLIT_START, type BestSplit } from './bestSplit';
export { binarise } from './binarise';
