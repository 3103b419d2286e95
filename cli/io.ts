/** The CLI's only contact with the process: output streams and stdin, injectable for tests. */
import { type PromptOutput, readHiddenLine, type TerminalInput } from './hidden-line.ts';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The whole of standard input, for `--body-file -` and `--cases -`. */
  readStdin(): Promise<Uint8Array>;
  /**
   * A secret given on standard input (`--secret-stdin`, `--subject-stdin`): typed after
   * `prompt` with echo off when stdin is a terminal, else the whole of stdin as readStdin.
   */
  readSecret(prompt: string): Promise<Uint8Array>;
}

/** 0 accepted (or cases read), 1 rejected, 2 bad usage: scripts branch on these. */
export const exitCodes = { ok: 0, rejected: 1, usage: 2 } as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A mistake in how the CLI was called; reported on stderr with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Ctrl-C at a secret prompt: nothing was read, so nothing was done. */
export class SecretEntryCancelledError extends UsageError {
  readonly code = 'secret_entry_cancelled';
  constructor() {
    super('cancelled at the prompt (Ctrl-C): nothing was read, nothing was done');
  }
}

/** Standard input or one like it: a pipe or file, or a terminal (`isTTY`). */
export type SecretInput = NodeJS.ReadableStream & {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?: TerminalInput['setRawMode'];
};

/** All of `input`, to its end. */
async function readAll(input: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const isTerminal = (input: SecretInput): input is SecretInput & TerminalInput =>
  input.isTTY === true && typeof input.setRawMode === 'function';

/**
 * {@link Io.readSecret} on `input`: a terminal gets `prompt` on `promptOutput` and is read with
 * echo off up to Enter; anything else is read whole, as before, so pipes and files behave as
 * they always have.
 */
export async function readSecretFrom(
  input: SecretInput,
  promptOutput: PromptOutput,
  prompt: string,
): Promise<Uint8Array> {
  if (!isTerminal(input)) return readAll(input);
  const line = await readHiddenLine(input, promptOutput, prompt);
  if (line.kind === 'cancelled') throw new SecretEntryCancelledError();
  return Buffer.from(line.value);
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: () => readAll(process.stdin),
  readSecret: (prompt) => readSecretFrom(process.stdin, process.stderr, prompt),
};
