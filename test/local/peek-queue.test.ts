/**
 * scripts/peek-queue.mjs without a usable stack: one line saying what to run, exit code 2, no
 * stack trace; from a subfolder it finds the stack file as `webhooks --local` does.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/peek-queue.mjs', import.meta.url));

const peekQueue = (cwd: string) => {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  delete environment.WEBHOOKS_STACK_FILE;
  const result = spawnSync(process.execPath, [script], { cwd, env: environment, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('scripts/peek-queue.mjs', () => {
  it('with no stack file, says there is no local stack and to run npm start', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'peek-queue-'));
    expect(peekQueue(folder)).toEqual({
      code: 2,
      stdout: '',
      stderr: `peek-queue: no local stack: ${join(folder, '.local', 'stack.json')} does not exist; run \`npm start\`\n`,
    });
  });

  it("from a subfolder, finds the project's stack file and says its process is not running", async () => {
    const folder = await mkdtemp(join(tmpdir(), 'peek-queue-'));
    await mkdir(join(folder, '.local'));
    await mkdir(join(folder, 'scripts'));
    const pid = spawnSync(process.execPath, ['-e', '']).pid;
    const path = join(folder, '.local', 'stack.json');
    await writeFile(path, JSON.stringify({ pid, startedAt: '2026-01-02T03:04:05.000Z' }));
    expect(peekQueue(join(folder, 'scripts'))).toEqual({
      code: 2,
      stdout: '',
      stderr: `peek-queue: the local stack recorded in ${path} (pid ${pid}, started 2026-01-02T03:04:05.000Z) is not running (it may have crashed); run \`npm start\`\n`,
    });
  });
});
