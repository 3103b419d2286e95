/**
 * The README walk (`npm run walk [-- --no-test]`, run by .ci/run after `npm ci` in
 * a fresh clone): every command of the `sh` blocks of the README, then of docs/cli.md
 * (`walkedDocuments`), that works without AWS, as written and in order (`npm test`, `npm start`
 * in the background, then each section of the README, then each of the CLI manual's, in one
 * shell and against that one stack), each checked against the output the document shows for
 * it. A command fails when it exits 2 or more, exits 1 where the document shows no output (1
 * is a CLI's "no", which the document shows), lacks a line the document shows, or prints the AWS
 * SDK's warning about an old Node.js (the project runs on the Node npm installs). When a
 * documented command changes, the walk runs the new one.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPrerequisites } from '../../local/prerequisites.ts';
import { startInBackground } from './background.ts';
import { type ReadmeCommand, readmeCommands, walkedDocuments } from './commands.ts';
import { missingLines, unwantedWarning } from './expectations.ts';
import { planWalk, type Step } from './plan.ts';
import { WalkShell } from './shell.ts';

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const where = (command: ReadmeCommand) =>
  `${command.file}:${command.line} (${command.section}): ${command.text.split('\n')[0]}`;
const summary = (tallies: ReadonlyMap<string, Tally>) =>
  [...tallies]
    .map(
      ([file, { passed, failed, skipped }]) =>
        `${file}: ${passed} passed, ${failed} failed, ${skipped} skipped`,
    )
    .join('; ');

async function main(): Promise<number> {
  const cwd = process.cwd();
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    say(
      `readme-walk: this machine lacks what the README's Quick start names:\n  ${missing.join('\n  ')}`,
    );
    return 2;
  }
  // `--no-test`: to walk the documents again after editing them, without the whole suite.
  const skipTests = process.argv.includes('--no-test');
  const commands: ReadmeCommand[] = [];
  const tallies = new Map<string, Tally>();
  for (const file of walkedDocuments) {
    commands.push(...readmeCommands(await readFile(join(cwd, file), 'utf8'), file));
    tallies.set(file, { passed: 0, failed: 0, skipped: 0 });
  }
  const steps = planWalk(commands, { skipTests });
  const tallyOf = (step: Step) => tallies.get(step.command.file) as Tally;
  const outputDirectory = await mkdtemp(join(tmpdir(), 'readme-walk-'));
  const shell = new WalkShell(cwd, outputDirectory);
  let stack: Awaited<ReturnType<typeof startInBackground>> | undefined;
  let stackStep: Step | undefined;
  let current: Step | undefined;
  let stopped = false;
  try {
    for (const step of steps) {
      current = step;
      const tally = tallyOf(step);
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
        stackStep = step;
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
    stopped = true;
    if (current !== undefined) tallyOf(current).failed++;
    say(`   ✗ the walk stopped: ${(error as Error).message}`);
  } finally {
    shell.close();
  }
  if (stack !== undefined && stackStep !== undefined) {
    const problem = await stack.stop();
    if (problem === undefined) say('\n── npm start stopped on SIGINT and removed its stack file');
    else {
      tallyOf(stackStep).failed++;
      say(`\n✗ npm start: ${problem}`);
    }
  }
  say(`\nreadme-walk: ${summary(tallies)}`);
  return !stopped && [...tallies.values()].every((tally) => tally.failed === 0) ? 0 : 1;
}

/** Why the command's run differs from what its document shows, or undefined when it does not. */
function judge(command: ReadmeCommand, exitCode: number, output: string): string | undefined {
  if (exitCode >= 2 || (exitCode === 1 && command.expected.length === 0)) {
    return `exited ${exitCode}`;
  }
  const warning = unwantedWarning(output);
  if (warning !== undefined) return `printed ${warning}`;
  const missing = missingLines(command.expected, output);
  if (missing.length === 0) return undefined;
  return `${command.file} shows lines this run did not print (in order):\n${missing.map((line) => `     # ${line}`).join('\n')}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
