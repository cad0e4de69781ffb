/**
 * App settings. The hub address and judge endpoint persist in localStorage; the judge API key and the remote
 * server's token live in memory for this session only and are never stored or exported.
 */
import { getContext, setContext } from 'svelte';
import { DEFAULT_HUB_TEMPLATE } from '$lib/engine/sources';
import { Persisted } from './persisted.svelte';

export type Theme = 'system' | 'light' | 'dark';

export class SettingsState {
  readonly hubTemplate = new Persisted('spikescore.hub', DEFAULT_HUB_TEMPLATE);
  readonly theme = new Persisted<Theme>('spikescore.theme', 'system');
  readonly projector = new Persisted('spikescore.projector', false);
  readonly judgeBaseUrl = new Persisted('spikescore.judge.baseUrl', '');
  readonly judgeModel = new Persisted('spikescore.judge.model', 'gpt-4o-mini');
  /** Memory only. */
  judgeApiKey = $state('');
  /** The app server's API token (`SPIKESCORE_API_TOKEN`) for remote GPU runs. Memory only. */
  remoteToken = $state('');

  apply() {
    const root = document.documentElement;
    if (this.theme.current === 'system') delete root.dataset.theme;
    else root.dataset.theme = this.theme.current;
    root.dataset.projector = String(this.projector.current);
  }
}

const KEY = Symbol('settings');
export const setSettings = (s: SettingsState) => setContext(KEY, s);
export const getSettings = () => getContext<SettingsState>(KEY);
