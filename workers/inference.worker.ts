/**
 * The inference worker: the only place in the app where a model runs. It owns one loaded model
 * (`inference/state.ts`) and serves the page through comlink; each feature's API lives in its own module and is
 * composed here.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import { useOrt, type Ort } from '../src/lib/engine/ort';
import { dialogueApi } from './inference/dialogueApi';
import { engineApi } from './inference/engineApi';
import { fallbacksApi } from './inference/fallbacksApi';
import { experimentApi } from './inference/experimentApi';
import type { InferenceApi } from './protocol';

useOrt(ort as unknown as Ort); // the /webgpu entry has the same API as the package's main entry

const api: InferenceApi = { ...engineApi, ...dialogueApi, ...fallbacksApi, ...experimentApi };

Comlink.expose(api);
