/** Server-only code of the remote route (SvelteKit refuses to bundle `$lib/server` into the client). */
export { authorize, jsonResponse } from './auth';
export { readBodyLimited } from './body';
export { findAddressKeys, validateRunRequest } from './validate';
export { Journal, journalFileName, type RunJournal } from './journal';
export { BUILTIN_MODES, generateMode, type RunnerMode } from './modes';
export { RemoteService, type RemoteServiceOptions } from './service';
export { readRemoteEnv, readPoolConfig, type Env, type RemoteEnv } from './env';
export { createServiceFromEnv, remoteService, registerRemoteMode } from './instance';
