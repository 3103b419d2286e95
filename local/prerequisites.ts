/**
 * What a fresh machine needs for the README's local loop, beyond Node.js and npm: Java for
 * DynamoDB Local, curl and openssl for the hand-signed requests. `npm start` warns about a
 * missing one, and the README walk refuses to start without it; both say how to get it.
 */
import { spawnSync } from 'node:child_process';
import { javaCommand } from './dynamodb.ts';

export interface Prerequisite {
  readonly name: string;
  /** What the README uses it for. */
  readonly neededFor: string;
  /** The oldest major version that works. @default - any */
  readonly minimumMajor?: number;
  /** Where to get it, on the systems users have. */
  readonly install: string;
  /** The major version installed, or undefined when it is missing or says none. */
  installedMajor(): number | undefined;
}

/** The first number a command prints of its version, from stdout or stderr (`java -version`). */
function versionOf(command: string, args: readonly string[]): number | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (run.error !== undefined) return undefined;
  const match = /(\d+)(?:\.\d+)*/.exec(`${run.stdout}\n${run.stderr}`.replace(/^[^\d]*/, ''));
  return match === null ? undefined : Number(match[1]);
}

export const prerequisites: readonly Prerequisite[] = [
  {
    name: 'Node.js',
    neededFor: 'everything',
    minimumMajor: 20,
    install: 'https://nodejs.org, or nvm install 22',
    installedMajor: () => Number(process.versions.node.split('.')[0]),
  },
  {
    name: 'Java',
    neededFor: 'DynamoDB Local, which `npm start` runs',
    minimumMajor: 17,
    install:
      'apt-get install openjdk-17-jre-headless (Debian, Ubuntu), brew install openjdk@17 (macOS), or set JAVA_HOME',
    installedMajor: () => versionOf(javaCommand(), ['-version']),
  },
  {
    name: 'curl',
    neededFor: "the README's hand-signed requests",
    install: 'apt-get install curl (Debian, Ubuntu); macOS has it',
    installedMajor: () => versionOf('curl', ['--version']),
  },
  {
    name: 'openssl',
    neededFor: "the README's hand-made signatures",
    install: 'apt-get install openssl (Debian, Ubuntu); macOS has it (LibreSSL works)',
    installedMajor: () => versionOf('openssl', ['version']),
  },
];

/** One line per prerequisite that is missing or too old, naming where to get it. */
export function missingPrerequisites(wanted = prerequisites): string[] {
  return wanted.flatMap((tool) => {
    const major = tool.installedMajor();
    const minimum = tool.minimumMajor ?? 0;
    if (major !== undefined && major >= minimum) return [];
    const found = major === undefined ? 'not found' : `version ${major} found`;
    const version = tool.minimumMajor === undefined ? '' : ` ${tool.minimumMajor} or newer`;
    return [`${tool.name}${version} (${found}), for ${tool.neededFor}: ${tool.install}`];
  });
}
