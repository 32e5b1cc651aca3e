// Runs the CLI in-process, as its bin does, and collects what it prints.
import { main } from '../../lib/cli/main';

export interface CliRun {
  status: number;
  /** Standard output, lines joined. */
  out: string;
  /** Standard error, lines joined. */
  err: string;
  /** Both, in the order printed. */
  text: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const status = await main(
    args,
    (l) => {
      out.push(l);
      all.push(l);
    },
    (l) => {
      err.push(l);
      all.push(l);
    },
  );
  return { status, out: out.join('\n'), err: err.join('\n'), text: all.join('\n') };
}
