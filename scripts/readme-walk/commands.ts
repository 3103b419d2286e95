/**
 * The walked documents' shell commands as a reader copies them: every ```sh block, in order,
 * each command with the output the document shows for it. A `#` line directly under a command
 * (no blank line between) is that command's output; a `#` line after a blank line, or at the
 * top of a block, is prose; a comment at the end of a command line is prose too.
 */

/** The README: its Quick start installs, tests and starts the local stack. */
export const readmeFile = 'README.md';

/**
 * The documents the walk runs, in this order and in one shell: the README first, then the CLI
 * manual, whose commands act on the stack the README's `npm start` runs and on the provider
 * and delivery its quick start creates.
 */
export const walkedDocuments: readonly string[] = [readmeFile, 'docs/cli.md'];

export interface ReadmeCommand {
  /** The command as written: continuation lines and here-documents included. */
  readonly text: string;
  /** The document it is in, as a path from the project root (`README.md`, `docs/cli.md`). */
  readonly file: string;
  /** The document's line it starts on, 1-based. */
  readonly line: number;
  /** The heading of the section it is under. */
  readonly section: string;
  /** The output lines the document shows for it, without their `# `; empty when it shows none. */
  readonly expected: readonly string[];
}

const fence = /^```(\w*)\s*$/;
const heading = /^#{1,6}\s+(.*)$/;
const hereDocument = /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/;

/** Every command of a document's `sh` blocks (the README's by default), in its order. */
export function readmeCommands(markdown: string, file: string = readmeFile): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  let section = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const open = fence.exec(line);
    if (open === null) {
      section = heading.exec(line)?.[1] ?? section;
      continue;
    }
    const end = closingFence(lines, index + 1, file);
    if (open[1] === 'sh') commands.push(...blockCommands(lines, index + 1, end, file, section));
    index = end;
  }
  return commands;
}

function closingFence(lines: readonly string[], from: number, file: string): number {
  for (let index = from; index < lines.length; index++) {
    if (/^```\s*$/.test(lines[index] as string)) return index;
  }
  throw new Error(`${file} line ${from}: a code block is never closed`);
}

function blockCommands(
  lines: readonly string[],
  start: number,
  end: number,
  file: string,
  section: string,
): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  // The command whose output the `#` lines under it show; none after a blank line.
  let outputOf: string[] | undefined;
  for (let index = start; index < end; index++) {
    const line = lines[index] as string;
    if (line.trim() === '') {
      outputOf = undefined;
    } else if (line.trimStart().startsWith('#')) {
      outputOf?.push(line.trimStart().replace(/^# ?/, ''));
    } else {
      const first = index;
      index = lastLineOf(lines, index, end);
      outputOf = [];
      const text = lines.slice(first, index + 1).join('\n');
      commands.push({ text, file, line: first + 1, section, expected: outputOf });
    }
  }
  return commands;
}

/** Where a command that starts at `index` ends: past its `\` continuations and here-documents. */
function lastLineOf(lines: readonly string[], index: number, end: number): number {
  let last = index;
  for (;;) {
    const line = lines[last] as string;
    const document = hereDocument.exec(line);
    if (document !== null) {
      const terminator = document[2];
      while (last + 1 < end && (lines[last + 1] as string).trim() !== terminator) last++;
      last++;
    }
    if (!line.endsWith('\\') || last + 1 >= end) return last;
    last++;
  }
}
