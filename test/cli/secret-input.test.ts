/**
 * `--secret-stdin` and `--subject-stdin` at a terminal: a prompt on stderr, the secret read in
 * raw mode with nothing echoed, the terminal's mode restored; from a pipe, stdin as before.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { readSecretFrom, SecretEntryCancelledError } from '../../cli/io.ts';

const prompt = "secret for provider 'stripe-live' (input hidden): ";

/** A stand-in terminal: a stream with isTTY and a setRawMode spy that tracks isRaw. */
function fakeTerminal() {
  const terminal = Object.assign(new PassThrough(), { isTTY: true, isRaw: false });
  const setRawMode = vi.fn((raw: boolean) => {
    terminal.isRaw = raw;
    return terminal;
  });
  const written: string[] = [];
  return {
    input: Object.assign(terminal, { setRawMode }),
    setRawMode,
    output: { write: (text: string) => written.push(text) },
    written,
  };
}

describe('readSecretFrom', () => {
  it('prompts on stderr, echoes nothing, applies Backspace and restores the mode', async () => {
    const { input, output, written, setRawMode } = fakeTerminal();
    const read = readSecretFrom(input, output, prompt);
    // Typed one key at a time, with a mistake taken back and an arrow key pressed.
    for (const key of ['w', 'h', 's', 'x', '\u007f', 'e', '\u001b[D', 'c', '\r']) input.write(key);
    expect(Buffer.from(await read).toString()).toBe('whsec');
    expect(written).toEqual([prompt, '\n']);
    expect(setRawMode.mock.calls).toEqual([[true], [false]]);
    expect(input.isRaw).toBe(false);
  });

  it('takes a pasted secret ending in Enter, and ignores what follows it', async () => {
    const { input, output } = fakeTerminal();
    const read = readSecretFrom(input, output, prompt);
    input.write('whsec_pasted\rmore');
    expect(Buffer.from(await read).toString()).toBe('whsec_pasted');
  });

  it('ends at Ctrl-D, or at the end of input, with what was typed', async () => {
    const first = fakeTerminal();
    const read = readSecretFrom(first.input, first.output, prompt);
    first.input.write('abc\u0004');
    expect(Buffer.from(await read).toString()).toBe('abc');

    const second = fakeTerminal();
    const ended = readSecretFrom(second.input, second.output, prompt);
    second.input.end('xyz');
    expect(Buffer.from(await ended).toString()).toBe('xyz');
  });

  it('gives up at Ctrl-C with a usage error, the mode restored', async () => {
    const { input, output, setRawMode } = fakeTerminal();
    const read = readSecretFrom(input, output, prompt);
    input.write('whs\u0003');
    await expect(read).rejects.toBeInstanceOf(SecretEntryCancelledError);
    expect(setRawMode).toHaveBeenLastCalledWith(false);
  });

  it('restores the mode when reading fails', async () => {
    const { input, output, setRawMode } = fakeTerminal();
    const read = readSecretFrom(input, output, prompt);
    input.destroy(new Error('terminal gone'));
    await expect(read).rejects.toThrow('terminal gone');
    expect(setRawMode).toHaveBeenLastCalledWith(false);
  });

  it('reads a pipe whole, with no prompt, newline and all, as before', async () => {
    const pipe = new PassThrough();
    const written: string[] = [];
    const read = readSecretFrom(pipe, { write: (text) => written.push(text) }, prompt);
    pipe.end('whsec_piped\n');
    expect(Buffer.from(await read).toString()).toBe('whsec_piped\n');
    expect(written).toEqual([]);
  });
});
