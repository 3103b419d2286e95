/**
 * Progress of long work (a large export, statistics over a busy week), on standard error only:
 * standard output stays the command's result, so `--json` output and redirected files stay
 * clean. A terminal sees one line rewritten in place; a log or pipe sees a line now and then,
 * and nothing at all when the work ends before the first is due.
 */
import { type Io, processIo } from './io.ts';

export interface ProgressOptions {
  /**
   * Rewrite one line in place rather than print a line now and then.
   * @default - only when `io` is the process's and its standard error is a terminal
   */
  readonly tty?: boolean;
  /** Print nothing (`--quiet`). @default false */
  readonly quiet?: boolean;
  /**
   * The least time between two lines printed, or two redraws of a terminal's line, in ms.
   * @default progressIntervalMs (5 s), or terminalRedrawMs (100 ms) on a terminal
   */
  readonly intervalMs?: number;
  /** A monotonic clock in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/** How often a log or pipe gets a progress line: often enough to show life, not to flood. */
export const progressIntervalMs = 5_000;
/** A terminal's line is redrawn at most this often, so a fast loop does not spend its time drawing. */
export const terminalRedrawMs = 100;

/** Reports where long work has got to. */
export interface Progress {
  /** The work so far, e.g. `12000 records written, 31 pages read`; shown when one is due. */
  update(text: string): void;
  /** The work is over: a terminal's line is cleared; a log gets the last state if it got any. */
  done(): void;
}

const silent: Progress = { update() {}, done() {} };

/** ANSI: carriage return, then erase to the end of the line. */
const rewriteLine = (text: string) => `\r${text}\u001b[K`;

/**
 * Starts reporting progress on `io.stderr`.
 * @example
 * const progress = startProgress(io, { quiet: flags.quiet === true });
 * for await (const batch of batches) progress.update(`${count} records written`);
 * progress.done();
 */
export function startProgress(io: Io, options: ProgressOptions = {}): Progress {
  if (options.quiet === true) return silent;
  const tty = options.tty ?? (io === processIo && process.stderr.isTTY === true);
  const intervalMs = options.intervalMs ?? (tty ? terminalRedrawMs : progressIntervalMs);
  const now = options.now ?? (() => performance.now());
  let lastShownAt = now();
  let latest: string | undefined;
  let shown: string | undefined;
  const show = (text: string) => {
    io.stderr(tty ? rewriteLine(text) : `${text}\n`);
    shown = text;
    lastShownAt = now();
  };
  return {
    update(text) {
      latest = text;
      if (now() - lastShownAt >= intervalMs) show(text);
    },
    done() {
      if (shown === undefined) return;
      if (tty) io.stderr(rewriteLine(''));
      else if (latest !== shown && latest !== undefined) show(latest);
    },
  };
}
