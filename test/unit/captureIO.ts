/** A `CliIO` for tests that keeps what a command writes: `io` to pass to `runCli`, then `.out` and `.err`. */
import type { CliIO } from '../../src/cli/io';

export function captureIO(cwd: string = process.cwd(), env: CliIO['env'] = {}): { readonly io: CliIO; readonly out: string; readonly err: string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd, env },
    get out() {
      return out;
    },
    get err() {
      return err;
    }
  };
}
