/**
 * What a command may touch besides the file system: its output streams, working directory and environment.
 * Passing it in lets tests run commands in-process and read what they printed.
 */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C; long commands stop at the next safe point. */
  readonly signal?: AbortSignal;
  /** True when stderr is a terminal: progress bars redraw in place. */
  readonly isTTY?: boolean;
}

export function processIO(signal?: AbortSignal): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    signal,
    isTTY: Boolean(process.stderr.isTTY)
  };
}
