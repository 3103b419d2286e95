/**
 * Where the report's evidence came from, so an assessor can tell what was looked at and make
 * it again: the commit of the working tree, a SHA-256 of each template read, the versions of
 * the tools that judged it, the account, region and stack, who ran it, the command that
 * reproduces it, and when. Gathering it (git, package files, STS) is metadata-sources.ts's.
 */

/** What the report is, and is not: said near the top of every rendering. */
export const assessmentStatement =
  'This report supports an assessment; it is not one. It gathers the evidence this deployment produces about itself, with where each piece came from and how strong it is; whether a requirement is met, and whether the evidence is sufficient, is for the assessor (a QSA, an auditor or the organisation’s own compliance officer) to decide, together with the controls this product does not cover.';

export type CommitState =
  | { readonly status: 'git'; readonly sha: string; readonly dirty: boolean }
  | { readonly status: 'not-git'; readonly reason: string };

export interface TemplateHash {
  /** How the template was had: a file's path, or `synthesized in-process`. */
  readonly source: string;
  readonly sha256: string;
}

export interface ToolVersions {
  readonly node: string;
  readonly webhookIngestion: string;
  /** By npm package name; `not installed` when its package.json cannot be read. */
  readonly packages: Readonly<Record<string, string>>;
}

export type CallerIdentity =
  | { readonly status: 'read'; readonly arn: string; readonly account: string }
  | { readonly status: 'not-read'; readonly reason: string };

export interface ReportMetadata {
  readonly generatedAt: string;
  /** The command line that makes this report again, flags as given. */
  readonly command: string;
  readonly commit: CommitState;
  readonly templates: readonly TemplateHash[];
  readonly versions: ToolVersions;
  /** The deployment read live; null for a report from the template only. */
  readonly deployment: {
    readonly stack: string;
    readonly region: string;
    /** @default - not known: the caller could not be named */
    readonly account?: string;
  } | null;
  /** Who ran the report (STS GetCallerIdentity); null without --stack. */
  readonly caller: CallerIdentity | null;
  /** The earliest and latest time a live value was read; null when none was. */
  readonly liveReadings: { readonly first: string; readonly last: string } | null;
  readonly statement: string;
}

/** The packages whose versions the metadata names: the tools that make and judge the template. */
export const reportedPackages = [
  'aws-cdk-lib',
  'cdk-nag',
  '@cdklabs/cdk-validator-cfnguard',
  'constructs',
] as const;

/**
 * The command line that reproduces a report: `webhooks` and the arguments as given, each
 * quoted for a POSIX shell when it needs to be.
 */
export function reproducingCommand(argv: readonly string[]): string {
  const quote = (arg: string) =>
    /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
  return ['webhooks', ...argv.map(quote)].join(' ');
}
