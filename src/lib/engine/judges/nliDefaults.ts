/**
 * The NLI model users get by default: the ONNX export of cross-encoder/nli-deberta-v3-xsmall on the hub
 * (model_type deberta-v2, id2label 0 contradiction, 1 entailment, 2 neutral), quantised: `onnx/model_quantized.onnx`,
 * 87 MB (`onnx/model.onnx` in fp32 is 284 MB).
 */
export const DEFAULT_NLI_MODEL = 'Xenova/nli-deberta-v3-xsmall';
export const DEFAULT_NLI_DTYPE = 'q8';
