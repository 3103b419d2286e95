/**
 * One bash process for the whole walk, so that what a command sets (`demo=$(mktemp -d)`, the
 * loop's `send` function) is there for the next, as in a reader's terminal. Each command's
 * stdout and stderr go, interleaved as printed, to a file of their own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface CommandResult {
  readonly exitCode: number;
  readonly output: string;
}

const statusMarker = '__readme_walk_status__';

export class WalkShell {
  readonly #bash: ChildProcess;
  readonly #statuses: string[] = [];
  #waiting: (() => void) | undefined;
  #count = 0;

  constructor(
    readonly cwd: string,
    readonly outputDirectory: string,
  ) {
    // Its own process group, so that a command that hangs can be stopped with all it started.
    this.#bash = spawn('bash', ['--noprofile', '--norc'], {
      cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: this.#bash.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (!line.startsWith(statusMarker)) return;
      this.#statuses.push(line.slice(statusMarker.length).trim());
      this.#waiting?.();
    });
    this.#bash.on('exit', () => this.#waiting?.());
  }

  /** Runs the command as typed; rejects when it outlives `timeoutMs` or the shell dies. */
  async run(text: string, timeoutMs: number): Promise<CommandResult> {
    const outputFile = join(this.outputDirectory, `command-${++this.#count}.out`);
    // A group, not a subshell: assignments and functions stay for later commands. Standard
    // input is closed, as in CI, so that nothing waits for a keyboard.
    this.#bash.stdin?.write(
      `{\n${text}\n} > '${outputFile}' 2>&1 < /dev/null\nprintf '\\n${statusMarker} %s\\n' "$?"\n`,
    );
    const status = await this.#nextStatus(timeoutMs);
    const output = await readFile(outputFile, 'utf8').catch(() => '');
    return { exitCode: Number(status), output };
  }

  #nextStatus(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`still running after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const check = () => {
        const status = this.#statuses.shift();
        if (status !== undefined || this.#bash.exitCode !== null) {
          clearTimeout(timer);
          this.#waiting = undefined;
          if (status === undefined) reject(new Error('the shell exited'));
          else resolve(status);
        }
      };
      this.#waiting = check;
      check();
    });
  }

  /** Ends the shell and whatever it still runs. */
  close(): void {
    this.#bash.stdin?.end();
    killGroup(this.#bash, 'SIGKILL');
  }
}

/** Signals a process started with `detached: true` and everything in its group. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
