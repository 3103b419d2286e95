/**
 * What the walk does with each command of the walked documents: run it in the walk's shell,
 * start it in the background (`npm start`), or skip it for a stated reason (it needs an AWS
 * account, or it is the install that .ci/run has already made, or it repeats the test suite
 * or the stack that the README's Quick start already ran and started).
 */
import { type ReadmeCommand, readmeFile } from './commands.ts';

export type Step =
  | { readonly kind: 'run'; readonly command: ReadmeCommand; readonly timeoutMs: number }
  | { readonly kind: 'background'; readonly command: ReadmeCommand }
  | { readonly kind: 'skip'; readonly command: ReadmeCommand; readonly reason: string };

/** Long enough for the whole test suite; every other command takes seconds. */
const testSuiteTimeoutMs = 30 * 60_000;
const commandTimeoutMs = 5 * 60_000;

const needsAws: readonly [RegExp, string][] = [
  [/--stack\b/, 'acts on a deployed stack'],
  [/^npx cdk\b/, 'deploys to AWS'],
  [/^aws\b/, 'calls AWS'],
];

/** The command without a trailing prose comment, for matching. */
const bare = (command: ReadmeCommand) => command.text.replace(/\s+#\s.*$/s, '').trim();

const at = (command: ReadmeCommand) => `${command.file}:${command.line}`;

/**
 * One step per command, in the order given: the README's, then each further document's, all
 * in one shell. Throws when the README's Quick start no longer starts with the three commands
 * the walk is built around: then the walk would prove nothing. The test suite runs once and
 * the stack starts once, where the README first names them; later mentions are skipped.
 */
export function planWalk(
  commands: readonly ReadmeCommand[],
  options: { readonly skipTests?: boolean } = {},
): Step[] {
  const quickStart = commands
    .filter((command) => command.file === readmeFile && command.section === 'Quick start')
    .map(bare);
  if (
    quickStart[0] !== 'npm ci' ||
    !quickStart.includes('npm test') ||
    !quickStart.includes('npm start')
  ) {
    throw new Error(
      `the README's Quick start must begin with \`npm ci\` and hold \`npm test\` and \`npm start\`; it holds: ${quickStart.join(' | ')}`,
    );
  }
  let installed = false;
  let tested: ReadmeCommand | undefined;
  let started: ReadmeCommand | undefined;
  return commands.map((command): Step => {
    const text = bare(command);
    if (text === 'npm ci') {
      const reason = installed ? 'installed once already' : 'run by .ci/run before the walk';
      installed = true;
      return { kind: 'skip', command, reason };
    }
    if (text === 'npm start') {
      if (started !== undefined) {
        return { kind: 'skip', command, reason: `running since ${at(started)}` };
      }
      started = command;
      return { kind: 'background', command };
    }
    const aws = needsAws.find(([pattern]) => pattern.test(text));
    if (aws !== undefined) return { kind: 'skip', command, reason: `${aws[1]} (needs AWS)` };
    if (text === 'npm test') {
      if (tested !== undefined) {
        return { kind: 'skip', command, reason: `the test suite runs once, at ${at(tested)}` };
      }
      tested = command;
      if (options.skipTests === true) {
        return { kind: 'skip', command, reason: 'asked to with --no-test' };
      }
      return { kind: 'run', command, timeoutMs: testSuiteTimeoutMs };
    }
    return { kind: 'run', command, timeoutMs: commandTimeoutMs };
  });
}
