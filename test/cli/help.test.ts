/**
 * Every command's help ends with an example, and every example names flags its command has.
 * The commands are found by walking the commander tree createProgram builds, so a command
 * added later is checked without a change here.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../cli/program.ts';
import { cli, memoryIo } from './helpers.ts';

interface CommandAt {
  /** The subcommand names from the root: `[]` for `webhooks` itself. */
  readonly path: readonly string[];
  readonly command: Command;
}

/** Every command under `command`, itself first. */
function commandsUnder(command: Command, path: readonly string[] = []): CommandAt[] {
  return [
    { path, command },
    ...command.commands.flatMap((child) => commandsUnder(child, [...path, child.name()])),
  ];
}

/** The `webhooks …` lines of the `Example:` or `Examples:` block of a help text. */
function examplesIn(help: string): string[] {
  const block = /^Examples?:\n((?: {2}\$ webhooks\b.*(?:\n|$))+)/m.exec(help);
  return (block?.[1] ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().slice('$ '.length));
}

/** Shell words, quotes kept out; stops at a redirection (`< file`). */
function words(example: string): string[] {
  const tokens = example.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  const end = tokens.findIndex((token) => token === '<' || token === '>' || token === '|');
  return (end < 0 ? tokens : tokens.slice(0, end)).map((token) =>
    token.replace(/^(['"])(.*)\1$/, '$2'),
  );
}

/** What is wrong with a command's examples; empty when it has one and each one parses. */
function exampleProblems(root: Command, at: CommandAt, help: string): string[] {
  const name = ['webhooks', ...at.path].join(' ');
  const examples = examplesIn(help);
  if (examples.length === 0) return [`'${name} --help' shows no 'Example:' block`];
  return examples.flatMap((example) => {
    if (example !== name && !example.startsWith(`${name} `)) {
      return [`'${example}' is not an example of '${name}'`];
    }
    // Walk down the subcommands the example names; check each flag against where it is.
    let command = root;
    const problems: string[] = [];
    for (const word of words(example).slice(1)) {
      if (word.startsWith('--')) {
        const flag = word.split('=')[0];
        const known = command.options.some((option) => option.long === flag);
        if (!known && flag !== '--help') {
          problems.push(`'${example}': '${command.name()}' has no option ${flag}`);
        }
      } else {
        command = command.commands.find((child) => child.name() === word) ?? command;
      }
    }
    return problems;
  });
}

const program = createProgram(memoryIo().io, () => undefined);
const everyCommand = commandsUnder(program);

describe('every command shows an example in its help', () => {
  it('finds the whole tree, not only the root', () => {
    const paths = everyCommand.map(({ path }) => path.join(' '));
    expect(paths).toEqual(
      expect.arrayContaining([
        '',
        'schemes',
        'verify',
        'providers',
        'providers add',
        'providers rotate',
        'providers remove',
        'audit',
        'audit list',
        'audit show',
        'audit stats',
        'audit export',
      ]),
    );
  });

  it.each(everyCommand.map((at) => [['webhooks', ...at.path].join(' '), at] as const))(
    '%s --help',
    async (_, at) => {
      const { code, stdout } = await cli([...at.path, '--help']);
      expect(code).toBe(0);
      expect(exampleProblems(program, at, stdout)).toEqual([]);
    },
  );

  it('catches a command without an example, or with a flag its command lacks', () => {
    const root = new Command('webhooks');
    const bare = root.command('bare');
    const typo = root.command('typo').option('--local').addHelpText('after', '');
    expect(
      exampleProblems(root, { path: ['bare'], command: bare }, bare.helpInformation()),
    ).toEqual(["'webhooks bare --help' shows no 'Example:' block"]);
    expect(
      exampleProblems(
        root,
        { path: ['typo'], command: typo },
        'Usage: webhooks typo\n\nExample:\n  $ webhooks typo --lcoal\n',
      ),
    ).toEqual(["'webhooks typo --lcoal': 'typo' has no option --lcoal"]);
    expect(
      exampleProblems(
        root,
        { path: ['typo'], command: typo },
        'Example:\n  $ webhooks bare --local\n',
      ),
    ).toEqual(["'webhooks bare --local' is not an example of 'webhooks typo'"]);
  });
});
