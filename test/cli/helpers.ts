import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../cli/io.ts';
import { runCli } from '../../cli/program.ts';
import { officialVector } from '../vectors.ts';

/** An {@link Io} that records output and serves `stdin` as standard input (a pipe, not a terminal). */
export function memoryIo(stdin: string | Uint8Array = '') {
  const output = { stdout: '', stderr: '' };
  const io: Io = {
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
    readStdin: async () => Buffer.from(stdin),
    // As from a pipe: the whole of stdin, no prompt (test/cli/secret-input.test.ts has the terminal).
    readSecret: () => io.readStdin(),
  };
  return { io, output };
}

/** Runs the whole program in-process, as `webhooks <argv>` would. */
export async function cli(argv: readonly string[], stdin?: string | Uint8Array) {
  const { io, output } = memoryIo(stdin);
  const code = await runCli(argv, io);
  return { code, ...output };
}

/** Writes files into a fresh temporary folder and returns their paths by name. */
export function tempFiles(files: Record<string, string | Uint8Array>): Record<string, string> {
  const folder = mkdtempSync(join(tmpdir(), 'webhooks-cli-'));
  const paths: Record<string, string> = { folder };
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(folder, name);
    writeFileSync(paths[name], content);
  }
  return paths;
}

/** GitHub's published example: secret, body and `X-Hub-Signature-256`. */
export const githubDocs: { secret: string; payload: string; signature: string } = (() => {
  const vector = officialVector('github_docs');
  return {
    secret: vector.secret,
    payload: vector.payload,
    signature: vector['X-Hub-Signature-256'],
  };
})();

export const githubSignature = (secret: string, body: string | Uint8Array, algorithm = 'sha256') =>
  `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;

/** `Stripe-Signature` as Stripe documents it: HMAC-SHA256 of `<t>.<body>`, keyed with whsec_…. */
export const stripeSignature = (secret: string, timestamp: number, body: string) =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** One JSON line per output line. */
export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
