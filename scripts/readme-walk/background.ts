/**
 * `npm start` as a reader runs it, in a terminal of its own: started in the background, ready
 * once it prints its banner, and stopped at the end with Ctrl-C (SIGINT), after which it must
 * exit cleanly and leave no stack file behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { killGroup } from './shell.ts';

/** What `npm start` prints last once everything is up (local/start.ts). */
const readyLine = /^ready in [\d.]+ s/m;
const startTimeoutMs = 180_000;
const stopTimeoutMs = 30_000;

export interface BackgroundStack {
  /** What it printed up to being ready. */
  readonly banner: string;
  /** Stops it; says what went wrong, or undefined when it stopped cleanly. */
  stop(): Promise<string | undefined>;
}

export async function startInBackground(
  command: string,
  cwd: string,
  logFile: string,
): Promise<BackgroundStack> {
  const log = openSync(logFile, 'w');
  const child = spawn('bash', ['-c', command], {
    cwd,
    detached: true,
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? String(signal))),
  );
  const printed = () => readFile(logFile, 'utf8');
  const deadline = Date.now() + startTimeoutMs;
  while (!readyLine.test(await printed())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      const why =
        child.exitCode === null
          ? `not ready after ${startTimeoutMs / 1000} s`
          : `exited ${child.exitCode}`;
      throw new Error(`\`${command}\` ${why}:\n${await printed()}`);
    }
    await sleep(250);
  }
  return {
    banner: (await printed()).replace(/^/gm, '   '),
    async stop() {
      killGroup(child, 'SIGINT');
      const status = await Promise.race([exited, sleep(stopTimeoutMs, 'timeout' as const)]);
      if (status === 'timeout') {
        killGroup(child, 'SIGKILL');
        return `still running ${stopTimeoutMs / 1000} s after SIGINT`;
      }
      if (existsSync(join(cwd, '.local', 'stack.json'))) return 'left .local/stack.json behind';
      // Ctrl-C reaches npm and its shell too, which then end by the signal; what matters is
      // that the stack itself said it was stopping and removed its stack file.
      if (!/stopping the gateway and the local stack/.test(await printed())) {
        return `exited ${status} on SIGINT without stopping the stack:\n${await printed()}`;
      }
      return undefined;
    },
  };
}
