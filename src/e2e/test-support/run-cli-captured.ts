import { Readable, Writable } from 'node:stream';
import type { ConfigEnvironment } from '../../config/load-config.js';
import { runCli } from '../../cli/run-cli.js';

function collector(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      into.push(chunk.toString('utf8'));
      done();
    },
  });
}

/** `palisade <args>` in this process, with `env` as its whole environment; what it printed and its exit code. */
export async function runCliCaptured(args: readonly string[], env: ConfigEnvironment): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { stdin: Readable.from([]), stdout: collector(stdout), stderr: collector(stderr), env });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}
