/** The CLI's only contact with the process: output streams and stdin, injectable for tests. */

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The whole of standard input, for `--body-file -` and `--cases -`. */
  readStdin(): Promise<Uint8Array>;
}

/** 0 accepted (or cases read), 1 rejected, 2 bad usage: scripts branch on these. */
export const exitCodes = { ok: 0, rejected: 1, usage: 2 } as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A mistake in how the CLI was called; reported on stderr with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  },
};
