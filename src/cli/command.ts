import type { OptionSpec, ParsedArgs, PositionalSpec } from './args';
import type { CliIO } from './io';

/** One `spikescore` command. `name` may have several words (`probe train`). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  readonly positionals?: readonly PositionalSpec[];
  /** Extra text under the options in `--help`: examples, file formats. */
  readonly details?: string;
  /** Returns the exit status (0 when omitted). Bad input throws `InputError` (exit 2). */
  run(args: ParsedArgs, io: CliIO): Promise<number | void>;
}
