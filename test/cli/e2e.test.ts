import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { githubDocs, jsonLines, tempFiles } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = 'dist/webhooks.mjs';

/** Runs the bundled bin as a user would, with `node`. */
const webhooks = (args: readonly string[], input = '') => {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

const files = tempFiles({
  'github.secret': `${githubDocs.secret}\n`,
  'body.txt': githubDocs.payload,
});
const verifyGithub = (bodyFile: string) => [
  'verify',
  '--scheme',
  'github',
  '--secret-file',
  files['github.secret'] as string,
  '--body-file',
  bodyFile,
  '--header',
  `X-Hub-Signature-256: ${githubDocs.signature}`,
];

// Each test spawns node, which can take a second or more on a busy machine.
describe('the bundled webhooks bin', { timeout: 30_000 }, () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'webhooks'], { cwd: root });
  }, 120_000);

  it('starts with a shebang so it runs as an npm bin', () => {
    expect(readFileSync(`${root}${bin}`, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('lists the schemes', () => {
    const { code, stdout } = webhooks(['schemes']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^stripe\s+secret\s+300s\s+Stripe-Signature$/m);
  });

  it("exits 0 for GitHub's published example", () => {
    expect(webhooks(verifyGithub(files['body.txt'] as string))).toEqual({
      code: 0,
      stdout: 'accepted (key: github.secret)\n',
      stderr: '',
    });
  });

  it('exits 1 for a body that does not match, read from stdin', () => {
    const { code, stdout } = webhooks(verifyGithub('-'), 'Hello, World?');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^rejected: signature_mismatch /);
  });

  it('exits 2 for bad usage', () => {
    const { code, stdout, stderr } = webhooks(['verify', '--scheme', 'nope']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/unknown scheme 'nope'/);
    expect(webhooks(['verify', '--no-such-flag']).code).toBe(2);
  });

  it('checks --cases from stdin, one JSON line each, and exits 0', () => {
    const body = Buffer.from(githubDocs.payload).toString('base64');
    const line = { scheme: 'github', secrets: [githubDocs.secret], body };
    const input = [
      JSON.stringify({ ...line, headers: { 'X-Hub-Signature-256': githubDocs.signature } }),
      JSON.stringify({ ...line, headers: {} }),
      '{oops',
    ].join('\n');
    const { code, stdout } = webhooks(['verify', '--cases', '-'], input);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map(({ line, reason }) => [line, reason])).toEqual([
      [1, null],
      [2, 'missing_header'],
      [3, 'invalid_case'],
    ]);
  });

  it('exits 2 when the --cases file cannot be read', () => {
    expect(webhooks(['verify', '--cases', '/nonexistent/cases.jsonl']).code).toBe(2);
  });
});
