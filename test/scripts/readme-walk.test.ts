import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeCommands, walkedDocuments } from '../../scripts/readme-walk/commands.ts';
import { missingLines, unwantedWarning } from '../../scripts/readme-walk/expectations.ts';
import { planWalk } from '../../scripts/readme-walk/plan.ts';

const projectRoot = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(resolve(projectRoot, file), 'utf8');
const documents = walkedDocuments.map((file) => ({ file, markdown: read(file) }));
const walked = () =>
  planWalk(documents.flatMap(({ file, markdown }) => readmeCommands(markdown, file)));

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
    expect(commands[4]).toMatchObject({ file: 'README.md', line: 12, section: 'Loop' });
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

  describe('and a second document after it', () => {
    const manual = [
      '# The CLI',
      '## Setup',
      '```sh',
      'npm ci',
      'npm start',
      'npm test    # again',
      'npx webhooks audit list --local',
      '# RECEIVED  PROVIDER',
      'npx webhooks audit list --stack prod',
      '```',
      '## Quick start',
      '```sh',
      'echo "a second document\'s Quick start is no quick start"',
      '```',
    ].join('\n');
    const commands = [...readmeCommands(markdown), ...readmeCommands(manual, 'docs/cli.md')];

    it('reads its commands with its own file, lines and sections, after the README', () => {
      expect(commands.map(({ file, line }) => `${file}:${line}`)).toEqual([
        'README.md:3',
        'README.md:4',
        'README.md:5',
        'README.md:10',
        'README.md:12',
        'README.md:16',
        'README.md:19',
        'docs/cli.md:4',
        'docs/cli.md:5',
        'docs/cli.md:6',
        'docs/cli.md:7',
        'docs/cli.md:9',
        'docs/cli.md:13',
      ]);
      expect(commands[10]).toMatchObject({ section: 'Setup', expected: ['RECEIVED  PROVIDER'] });
    });

    it('walks it in the same plan: no second install, test suite or stack, AWS still skipped', () => {
      const plan = planWalk(commands).slice(7);
      expect(plan.map((step) => [step.kind, step.kind === 'skip' ? step.reason : ''])).toEqual([
        ['skip', 'installed once already'],
        ['skip', 'running since README.md:5'],
        ['skip', 'the test suite runs once, at README.md:4'],
        ['run', ''],
        ['skip', 'acts on a deployed stack (needs AWS)'],
        ['run', ''],
      ]);
    });

    it('runs the test suite once, from the README (and not at all with --no-test)', () => {
      const tests = (options: { skipTests?: boolean }) =>
        planWalk(commands, options)
          .filter((step) => step.command.text.startsWith('npm test'))
          .map((step) => `${step.kind} ${step.command.file}`);
      expect(tests({})).toEqual(['run README.md', 'skip docs/cli.md']);
      expect(tests({ skipTests: true })).toEqual(['skip README.md', 'skip docs/cli.md']);
    });

    it("takes the Quick start from the README only, never from the second document's", () => {
      const noQuickStart = readmeCommands('## Loop\n```sh\nsend\n```\n');
      const lent = readmeCommands(
        '## Quick start\n```sh\nnpm ci\nnpm test\nnpm start\n```\n',
        'docs/cli.md',
      );
      expect(() => planWalk([...noQuickStart, ...lent])).toThrow(/must begin with `npm ci`/);
    });
  });

  it('walks this README, then docs/cli.md, in one plan around one test run and one stack', () => {
    expect(walkedDocuments).toEqual(['README.md', 'docs/cli.md']);
    const plan = walked();
    const started = plan.filter((step) => step.kind === 'background');
    const tests = plan.filter(
      (step) => step.kind === 'run' && /^npm test\b/.test(step.command.text),
    );
    expect(started.map((step) => step.command.file)).toEqual(['README.md']);
    expect(tests.map((step) => step.command.file)).toEqual(['README.md']);
    const files = plan.map((step) => step.command.file);
    expect(files.indexOf('docs/cli.md')).toBe(files.lastIndexOf('README.md') + 1);
  });

  it("checks the quick start's output, and in every section of docs/cli.md that runs a command", () => {
    const run = walked()
      .filter((step) => step.kind === 'run')
      .map((step) => step.command);
    const checked = (file: string) =>
      run.filter((command) => command.file === file && command.expected.length > 0);
    expect(checked('README.md').length).toBeGreaterThan(5);
    expect(checked('docs/cli.md').length).toBeGreaterThan(10);
    const sections = (commands: typeof run) => new Set(commands.map((command) => command.section));
    expect(sections(checked('docs/cli.md'))).toEqual(
      sections(run.filter((command) => command.file === 'docs/cli.md')),
    );
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

  it("fails a command that prints the AWS SDK's old-Node warning, wherever it is", () => {
    const warned =
      'stripe-demo  accepted\n(node:4242) NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) will\n';
    expect(unwantedWarning(warned)).toBe("the AWS SDK's NodeVersionSupportWarning");
    expect(unwantedWarning('stripe-demo  accepted\n')).toBeUndefined();
  });
});

describe('the key files the README and docs/cli.md have you write', () => {
  const written = documents.flatMap(({ markdown }) =>
    [...markdown.matchAll(/(?:--(?:secret|public-key|test-key)-file|<|>)\s+([\w.-]+\.\w+)/g)].map(
      (match) => match[1] as string,
    ),
  );

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

describe('the links of the README and docs/cli.md', () => {
  /** GitHub's anchor for each heading outside code blocks: `## Foo: \`bar\`` is `#foo-bar`. */
  const anchors = (markdown: string) => {
    const seen = new Map<string, number>();
    let fenced = false;
    return markdown.split('\n').flatMap((line) => {
      if (/^```/.test(line)) fenced = !fenced;
      const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
      if (heading === null) return [];
      const slug = (heading[1] as string)
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      return [count === 0 ? slug : `${slug}-${count}`];
    });
  };
  const links = documents.flatMap(({ file, markdown }) =>
    [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1] as string)
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ file, target })),
  );

  it('are there', () => {
    expect(links.map(({ target }) => target)).toEqual(
      expect.arrayContaining(['docs/cli.md', '../README.md#quick-start', '#exit-codes']),
    );
  });

  it.each(links)('$file: $target resolves to a file and a heading', ({ file, target }) => {
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const linked = path === '' ? file : resolve(dirname(resolve(projectRoot, file)), path);
    expect(existsSync(resolve(projectRoot, linked))).toBe(true);
    if (anchor !== undefined) {
      expect(anchors(readFileSync(resolve(projectRoot, linked), 'utf8'))).toContain(anchor);
    }
  });
});
