/**
 * The README walk (`node dist/readme-walk.mjs [--no-test]`, run by .ci/run after `npm ci` in
 * a fresh clone): every command of the README's `sh` blocks that works without AWS, as written and in
 * the README's order (`npm test`, `npm start` in the background, then each section), each
 * checked against the output the README shows for it. A command fails when it exits 2 or
 * more, exits 1 where the README shows no output (1 is a CLI's "no", which the README shows),
 * or lacks a line the README shows. When a README command changes, the walk runs the new one.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPrerequisites } from '../../local/prerequisites.ts';
import { startInBackground } from './background.ts';
import { type ReadmeCommand, readmeCommands } from './commands.ts';
import { missingLines } from './expectations.ts';
import { planWalk } from './plan.ts';
import { WalkShell } from './shell.ts';

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const where = (command: ReadmeCommand) =>
  `README.md:${command.line} (${command.section}): ${command.text.split('\n')[0]}`;

async function main(): Promise<number> {
  const cwd = process.cwd();
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    say(
      `readme-walk: this machine lacks what the README's Quick start names:\n  ${missing.join('\n  ')}`,
    );
    return 2;
  }
  // `--no-test`: to walk the README again after editing it, without the whole suite.
  const skipTests = process.argv.includes('--no-test');
  const readme = await readFile(join(cwd, 'README.md'), 'utf8');
  const steps = planWalk(readmeCommands(readme), { skipTests });
  const outputDirectory = await mkdtemp(join(tmpdir(), 'readme-walk-'));
  const shell = new WalkShell(cwd, outputDirectory);
  const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  let stack: Awaited<ReturnType<typeof startInBackground>> | undefined;
  try {
    for (const step of steps) {
      if (step.kind === 'skip') {
        tally.skipped++;
        say(`\n── skip ${where(step.command)}\n   ${step.reason}`);
      } else if (step.kind === 'background') {
        say(`\n── start in the background ${where(step.command)}`);
        stack = await startInBackground(
          step.command.text,
          cwd,
          join(outputDirectory, 'npm-start.log'),
        );
        say(stack.banner);
        tally.passed++;
      } else {
        say(`\n── run ${where(step.command)}`);
        const result = await shell.run(step.command.text, step.timeoutMs);
        process.stdout.write(result.output.replace(/^/gm, '   '));
        const problem = judge(step.command, result.exitCode, result.output);
        if (problem === undefined) tally.passed++;
        else {
          tally.failed++;
          say(`   ✗ ${problem}`);
        }
      }
    }
  } catch (error) {
    tally.failed++;
    say(`   ✗ the walk stopped: ${(error as Error).message}`);
  } finally {
    shell.close();
  }
  if (stack !== undefined) {
    const problem = await stack.stop();
    if (problem === undefined) say('\n── npm start stopped on SIGINT and removed its stack file');
    else {
      tally.failed++;
      say(`\n✗ npm start: ${problem}`);
    }
  }
  say(`\nreadme-walk: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
  return tally.failed === 0 ? 0 : 1;
}

/** Why the command's run differs from what the README shows, or undefined when it does not. */
function judge(command: ReadmeCommand, exitCode: number, output: string): string | undefined {
  if (exitCode >= 2 || (exitCode === 1 && command.expected.length === 0)) {
    return `exited ${exitCode}`;
  }
  const missing = missingLines(command.expected, output);
  if (missing.length === 0) return undefined;
  return `the README shows lines this run did not print (in order):\n${missing.map((line) => `     # ${line}`).join('\n')}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
