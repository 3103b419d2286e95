/**
 * One line typed at a terminal without echo, as `sudo` and `ssh-keygen` read a passphrase: a
 * secret typed after `--secret-stdin` must not stay on screen or in the scrollback. The
 * terminal is put in raw mode (no echo, no line editing, Ctrl-C arrives as a byte rather than
 * a signal), so the few keys a line needs are handled here.
 */
import { StringDecoder } from 'node:string_decoder';

/** A terminal's input, as `process.stdin` is when it is one. */
export interface TerminalInput extends NodeJS.ReadableStream {
  readonly isRaw?: boolean;
  setRawMode(raw: boolean): unknown;
}

/** Where the prompt goes: stderr, so that stdout stays the command's output. */
export interface PromptOutput {
  write(text: string): unknown;
}

/** Enter (or Ctrl-D, or the input's end) gives what was typed; Ctrl-C gives up. */
export type HiddenLine =
  | { readonly kind: 'entered'; readonly value: string }
  | { readonly kind: 'cancelled' };

const ctrlC = '\u0003';
const ctrlD = '\u0004';
const ctrlU = '\u0015';
const backspaces = new Set(['\u007f', '\b']);
const lineEnds = new Set(['\r', '\n', ctrlD]);

/**
 * An escape sequence (an arrow or function key: `ESC [ … final`, `ESC O x`, `ESC x`) or one
 * character. Sequences are matched whole so that no part of a key press ends up in the secret.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what starts a key's sequence
const keyPattern = /\u001b(?:\[[0-9;?]*[@-~]|O.|.)?|[\s\S]/gu;

/**
 * Writes `prompt`, reads one line with echo off, then restores the terminal's mode (even when
 * reading fails) and ends the prompt's line.
 */
export async function readHiddenLine(
  input: TerminalInput,
  output: PromptOutput,
  prompt: string,
): Promise<HiddenLine> {
  output.write(prompt);
  const wasRaw = input.isRaw === true;
  input.setRawMode(true);
  try {
    return await nextLine(input);
  } finally {
    input.setRawMode(wasRaw);
    // A resumed stdin would keep the process alive after the command is done.
    input.pause();
    output.write('\n');
  }
}

function nextLine(input: TerminalInput): Promise<HiddenLine> {
  const decoder = new StringDecoder('utf8');
  let typed = '';
  return new Promise((resolve, reject) => {
    const settle = (result: HiddenLine | Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const [key] of text.matchAll(keyPattern)) {
        if (key === ctrlC) return settle({ kind: 'cancelled' });
        if (lineEnds.has(key)) return settle({ kind: 'entered', value: typed });
        if (backspaces.has(key)) typed = Array.from(typed).slice(0, -1).join('');
        else if (key === ctrlU) typed = '';
        // Other control keys and escape sequences (which start with ESC) are dropped.
        else if (key >= ' ') typed += key;
      }
    };
    const onEnd = () => settle({ kind: 'entered', value: typed });
    const onError = (error: Error) => settle(error);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
