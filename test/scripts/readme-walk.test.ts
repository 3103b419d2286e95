import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeCommands } from '../../scripts/readme-walk/commands.ts';
import { missingLines } from '../../scripts/readme-walk/expectations.ts';
import { planWalk } from '../../scripts/readme-walk/plan.ts';

const projectRoot = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(projectRoot, 'README.md'), 'utf8');

describe('reading the README', () => {
  const markdown = [
    '## Quick start',
    '```sh',
    'npm ci',
    'npm test',
    'npm start   # a prose comment, not output',
    '```',
    '## Loop',
    '```sh',
    '# prose at the top of a block',
    'send() { curl -s \\',
    '  http://127.0.0.1:3000; }',
    'send',
    '# {"ok":true} 202',
    '',
    '# prose after a blank line',
    "cat > cases.jsonl <<'EOF'",
    '{"a":1}',
    'EOF',
    'npx webhooks providers list --stack prod',
    '```',
    '```',
    'a plain block is never run',
    '```',
  ].join('\n');

  it('takes each command with its continuations, here-documents and shown output', () => {
    const commands = readmeCommands(markdown);
    expect(commands.map(({ text, expected }) => ({ text, expected }))).toEqual([
      { text: 'npm ci', expected: [] },
      { text: 'npm test', expected: [] },
      { text: 'npm start   # a prose comment, not output', expected: [] },
      { text: 'send() { curl -s \\\n  http://127.0.0.1:3000; }', expected: [] },
      { text: 'send', expected: ['{"ok":true} 202'] },
      { text: 'cat > cases.jsonl <<\'EOF\'\n{"a":1}\nEOF', expected: [] },
      { text: 'npx webhooks providers list --stack prod', expected: [] },
    ]);
    expect(commands[4]).toMatchObject({ line: 12, section: 'Loop' });
  });

  it('runs npm test, starts npm start in the background and skips what needs AWS', () => {
    const plan = planWalk(readmeCommands(markdown));
    expect(plan.map((step) => step.kind)).toEqual([
      'skip',
      'run',
      'background',
      'run',
      'run',
      'run',
      'skip',
    ]);
    expect(plan[6]).toMatchObject({ reason: 'acts on a deployed stack (needs AWS)' });
  });

  it('refuses a Quick start that no longer installs, tests and starts', () => {
    expect(() => planWalk(readmeCommands('## Quick start\n```sh\nnpm install\n```\n'))).toThrow(
      /must begin with `npm ci` and hold `npm test` and `npm start`/,
    );
  });

  it("walks this README: its Quick start and a command in every section with the CLI's output", () => {
    const plan = planWalk(readmeCommands(readme));
    const run = plan.filter((step) => step.kind === 'run').map((step) => step.command);
    expect(run.some((command) => command.text.startsWith('npm test'))).toBe(true);
    expect(run.filter((command) => command.expected.length > 0).length).toBeGreaterThan(10);
  });
});

describe('matching what a command printed', () => {
  it('finds the shown lines in order, with other lines between', () => {
    const output = 'warning: node 20\n{"deliveryId":"evt_1"} 202\nmore\n';
    expect(missingLines(['{"deliveryId":"evt_1"} 202'], output)).toEqual([]);
    expect(missingLines(['{"deliveryId":"evt_1"} 200'], output)).toEqual([
      '{"deliveryId":"evt_1"} 200',
    ]);
    expect(missingLines(['more', 'warning: node 20'], output)).toEqual(['warning: node 20']);
  });

  it('takes … for anything, any time for a time and any UUID for a UUID', () => {
    const output =
      'replayed at 2027-01-02T03:04:05.678Z as message 111dfd08-930f-46e7-a743-80541189249c, marked\n';
    const shown =
      'replayed at 2026-11-29T15:34:30.316Z as message 05069d50-93a1-4b7c-9f3e-2c1d8e7a6b50, …';
    expect(missingLines([shown], output)).toEqual([]);
    expect(missingLines(['replayed at … as message 05069d50-…, marked'], output)).toEqual([
      'replayed at … as message 05069d50-…, marked',
    ]);
  });

  it('counts runs of spaces as one, so table columns may be wider', () => {
    expect(missingLines(['stripe-demo accepted  1'], 'stripe-demo     accepted   1   \n')).toEqual(
      [],
    );
  });

  it('matches whole lines only', () => {
    expect(missingLines(['202'], '{"deliveryId":"evt_1"} 202\n')).toEqual(['202']);
  });
});

describe('the key files the README has you write', () => {
  const written = [
    ...readme.matchAll(/(?:--(?:secret|public-key|test-key)-file|<|>)\s+([\w.-]+\.\w+)/g),
  ].map((match) => match[1] as string);

  it('are named', () => {
    expect(written).toEqual(
      expect.arrayContaining(['stripe.secret', 'discord.pub', 'discord.key', 'wrong.secret']),
    );
  });

  it('are all kept out of git by .gitignore', () => {
    const keys = [...new Set(written)].filter((name) => /\.(secret|key|pub|pem)$/.test(name));
    const ignored = execFileSync('git', ['check-ignore', '--no-index', ...keys, 'private.pem'], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    expect(ignored.trim().split('\n').sort()).toEqual([...keys, 'private.pem'].sort());
  });
});
