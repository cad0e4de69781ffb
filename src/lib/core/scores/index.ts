export { nllMean } from './nllMean';
export { entropyMean } from './entropyMean';
export { jsDivergenceBits, jsdNormalised } from './jensenShannon';
export { reasoningScore, logitLens, softmaxInPlace, layerRows, inclusiveLayers, type Unembedding } from './reasoningScore';
