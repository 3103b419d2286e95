/**
 * `webhooks compliance report` from start to finish: the profiles, the template (synthesized in
 * this process, or read from a file), the live stack when `--stack` names one, the report, and
 * its output. Progress goes to stderr; the report goes to stdout or to `--out`.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  type ComplianceProfileName,
  complianceProfileNames,
  complianceProfiles,
  isComplianceProfileName,
} from '../compliance/profiles.ts';
import {
  readTemplateWithAssembly,
  type TemplateWithAssembly,
} from '../compliance/report/assembly.ts';
import { reportDocument, reportTitle } from '../compliance/report/document.ts';
import { StackUnreachableError } from '../compliance/report/errors.ts';
import { renderHtml } from '../compliance/report/html.ts';
import {
  describeStackOutputs,
  type LiveClients,
  readLiveStack,
} from '../compliance/report/live.ts';
import {
  type LiveResourceClients,
  readLiveResources,
} from '../compliance/report/live-resources.ts';
import { renderMarkdown } from '../compliance/report/markdown.ts';
import { type CallerIdentity, reproducingCommand } from '../compliance/report/metadata.ts';
import { commitOf, toolVersions } from '../compliance/report/metadata-sources.ts';
import {
  buildReport,
  type ComplianceReport,
  type PeriodicReviewInput,
  type ProfilesSource,
  type ReportInputs,
  type StackState,
  type TemplateSource,
} from '../compliance/report/report.ts';
import { readRuleEvidence } from '../compliance/report/rule-findings-evidence.ts';
import { readSupplyChain } from '../compliance/report/supply-chain.ts';
import { outputText } from '../compliance/report/template.ts';
import { readTestResults } from '../compliance/report/test-results.ts';
import { verdictLine } from '../compliance/report/verdict.ts';
import { defaultStackName, placeholderAlarmEmail } from '../infra/context.ts';
import { packageRoot } from '../infra/lambda-bundle.ts';
import { operatorOutputKeys, stackOutputKeys } from '../infra/output-names.ts';
import { SelfAuditHistory } from '../ops/review/run-store.ts';
import { notRunReason } from '../scheduled/self-audit/call.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from './io.ts';

export interface ComplianceReportFlags {
  /** Repeatable; each may also list several, comma-separated. */
  readonly profile?: readonly string[];
  readonly template?: string;
  readonly stack?: string;
  readonly region?: string;
  readonly out?: string;
  readonly json?: boolean;
  /** Do not ask npm's registry about known vulnerabilities. */
  readonly offline?: boolean;
  /** Write the Lambdas' SBOM (CycloneDX JSON) to this file too. */
  readonly sbom?: string;
  /** vitest's JSON results (`--reporter=json --outputFile`): the tests' outcomes in the report. */
  readonly testResults?: string;
}

/** What the command reaches outside itself; tests replace the clock or the synthesis. */
export interface ReportDependencies {
  readonly now: () => Date;
  readonly version: string;
  readonly synthesize: (request: {
    readonly profiles: readonly ComplianceProfileName[];
    readonly stackName: string;
    readonly alarmEmail?: string;
  }) => Promise<TemplateWithAssembly>;
  readonly liveClients: (region: string | undefined) => LiveClients & { destroy(): void };
  /**
   * The clients of the other resource classes (live-resources.ts). @default - not read: their
   * rows say so and their controls stay `configured`
   */
  readonly resourceClients?: (
    region: string | undefined,
  ) => Omit<LiveResourceClients, 'cloudFormation'> & { destroy(): void };
  /** Who runs the report, with --stack. @default - not asked */
  readonly callerIdentity?: (region: string | undefined) => Promise<CallerIdentity>;
  /** The project root: git commit and tool versions. @default packageRoot() */
  readonly root?: string;
  /** Where `cfn-lint` is, for the rule findings. @default - looked up on PATH */
  readonly findCfnLint?: () => Promise<string | undefined>;
}

export type ReportFormat = 'markdown' | 'html' | 'json';

const formatsByExtension: Readonly<Record<string, ReportFormat>> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.json': 'json',
};

/** The output format the flags ask for; UsageError when they disagree. */
export function reportFormat(flags: Pick<ComplianceReportFlags, 'out' | 'json'>): ReportFormat {
  const byExtension =
    flags.out === undefined ? undefined : formatsByExtension[extname(flags.out).toLowerCase()];
  if (flags.out !== undefined && byExtension === undefined) {
    throw new UsageError(`--out must end in .md, .html or .json (with --json), got '${flags.out}'`);
  }
  if (flags.json === true) {
    if (byExtension !== undefined && byExtension !== 'json') {
      throw new UsageError(
        `--json writes JSON, but --out '${flags.out}' names a ${byExtension} file`,
      );
    }
    return 'json';
  }
  if (byExtension === 'json') throw new UsageError('--out with .json needs --json');
  return byExtension ?? 'markdown';
}

/** Every profile the flags name, comma-separated or repeated; UsageError for an unknown one. */
export function parseProfiles(values: readonly string[]): ComplianceProfileName[] {
  const names = values.flatMap((value) => value.split(',')).map((name) => name.trim());
  const unknown = names.filter((name) => !isComplianceProfileName(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown profile '${unknown.join("', '")}' (profiles: ${complianceProfileNames.join(', ')})`,
    );
  }
  return [...new Set(names as ComplianceProfileName[])];
}

/** Runs the command; UsageError (exit 2) for bad flags or an unreadable template. */
export async function generateComplianceReport(
  flags: ComplianceReportFlags,
  io: Io,
  dependencies: ReportDependencies,
): Promise<ExitCode> {
  const format = reportFormat(flags);
  const flagged = flags.profile === undefined ? undefined : parseProfiles(flags.profile);
  if (flags.region !== undefined && flags.stack === undefined) {
    throw new UsageError('--region goes with --stack only');
  }
  const clients = flags.stack === undefined ? undefined : liveClientsOf(flags.region, dependencies);
  try {
    const stack = await describeStack(flags.stack, clients, io);
    const notices: string[] = [];
    const given =
      flags.template === undefined ? undefined : await readGivenTemplate(flags.template, io);
    const { profiles, source } = chooseProfiles(flagged, stack, given, notices);
    const synthesisStarted = performance.now();
    const evidence = given ?? (await synthesize(profiles, flags.stack, dependencies, io, notices));
    const templateSource: TemplateSource =
      flags.template === undefined
        ? { kind: 'synthesized', durationMs: Math.round(performance.now() - synthesisStarted) }
        : { kind: 'file', path: flags.template };
    const stackState = await liveState(stack, evidence, clients, io);
    const periodicReview = await readPeriodicReview(stack, clients, dependencies.now, io);
    const supplyChain = await readSupplyChain(evidence.template, {
      packageRoot: packageRoot(),
      product: { name: 'webhook-ingestion', version: dependencies.version },
      now: dependencies.now,
      ...(flags.offline === true ? { offline: 'not asked (--offline)' } : {}),
    });
    if (flags.sbom !== undefined) {
      if (supplyChain.sbom.status !== 'made') {
        throw new UsageError(`cannot write ${flags.sbom}: ${supplyChain.sbom.reason}`);
      }
      await writeOut(flags.sbom, `${JSON.stringify(supplyChain.sbom.bom, null, 2)}\n`, io);
    }
    const testResults =
      flags.testResults === undefined
        ? undefined
        : await readTestResults(flags.testResults, dependencies.root ?? packageRoot());
    const provenance = await provenanceOf(flags, evidence, stackState, dependencies);
    const ruleEvidence = await readRuleEvidence({
      template: evidence.template,
      ...(flags.template === undefined ? {} : { templatePath: flags.template }),
      now: dependencies.now,
      ...(dependencies.findCfnLint === undefined ? {} : { findCfnLint: dependencies.findCfnLint }),
    });
    const report = buildReport({
      generatedAt: dependencies.now(),
      version: dependencies.version,
      profiles,
      profilesSource: source,
      template: evidence.template,
      templateSource,
      nag: evidence.nag,
      ...(evidence.acknowledged === undefined ? {} : { acknowledged: evidence.acknowledged }),
      stack: stackState,
      notices,
      ...(periodicReview === undefined ? {} : { periodicReview }),
      supplyChain,
      ...(testResults === undefined ? {} : { testResults }),
      provenance,
      ruleEvidence,
    });
    await emit(report, format, flags.out, io);
    return verdict(report, io);
  } finally {
    clients?.destroy();
  }
}

type DescribedStack =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'described';
      readonly name: string;
      readonly outputs: ReadonlyMap<string, string>;
    }
  | { readonly kind: 'unreachable'; readonly name: string; readonly reason: string };

async function describeStack(
  stackName: string | undefined,
  clients: LiveClients | undefined,
  io: Io,
): Promise<DescribedStack> {
  if (stackName === undefined || clients === undefined) return { kind: 'none' };
  io.stderr(`reading stack ${stackName}…\n`);
  try {
    const outputs = await describeStackOutputs(clients.cloudFormation, stackName);
    return { kind: 'described', name: stackName, outputs };
  } catch (error) {
    if (!(error instanceof StackUnreachableError)) throw error;
    io.stderr(`error: ${error.message}; the report is made from the template only\n`);
    return { kind: 'unreachable', name: stackName, reason: error.message };
  }
}

async function readGivenTemplate(path: string, io: Io): Promise<TemplateWithAssembly> {
  io.stderr(`reading ${path}…\n`);
  return readTemplateWithAssembly(path);
}

/** `--profile`, else the stack's or the template's ComplianceProfiles output, else every profile. */
function chooseProfiles(
  flagged: ComplianceProfileName[] | undefined,
  stack: DescribedStack,
  given: TemplateWithAssembly | undefined,
  notices: string[],
): { profiles: ComplianceProfileName[]; source: ProfilesSource } {
  const key = operatorOutputKeys.complianceProfiles;
  const fromStack = stack.kind === 'described' ? namedProfiles(stack.outputs.get(key)) : undefined;
  const fromTemplate =
    given === undefined ? undefined : namedProfiles(outputText(given.template, key));
  const deployed = fromStack ?? fromTemplate;
  if (flagged !== undefined) {
    if (deployed !== undefined && !sameProfiles(deployed, flagged)) {
      notices.push(
        `The ${fromStack === undefined ? 'template' : 'stack'} says it was deployed for ${deployed.join(', ')}; this report checks it against ${flagged.join(', ')}.`,
      );
    }
    return { profiles: flagged, source: 'flag' };
  }
  if (fromStack !== undefined) return { profiles: fromStack, source: 'stack' };
  if (fromTemplate !== undefined) return { profiles: fromTemplate, source: 'template' };
  return { profiles: [...complianceProfileNames], source: 'default' };
}

function namedProfiles(value: string | undefined): ComplianceProfileName[] | undefined {
  const names = value
    ?.split(',')
    .map((name) => name.trim())
    .filter(isComplianceProfileName);
  return names === undefined || names.length === 0 ? undefined : names;
}

const sameProfiles = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((name) => b.includes(name));

/**
 * The app synthesized for `profiles`. Every profile but baseline refuses to synthesize without
 * an alarm destination, and a deployment's own is not the report's to know: the synthesis
 * subscribes the placeholder address, which changes nothing the controls check, and a notice
 * says so, pointing to the deployment's own template for its destination.
 */
async function synthesize(
  profiles: readonly ComplianceProfileName[],
  stackName: string | undefined,
  dependencies: ReportDependencies,
  io: Io,
  notices: string[],
): Promise<TemplateWithAssembly> {
  io.stderr(
    `synthesizing the CDK app for ${profiles.join(', ')} with the cdk-nag packs (this takes a few seconds)…\n`,
  );
  const requiring = profiles.filter((name) => complianceProfiles[name].alarmDestinationRequired);
  if (requiring.length > 0) {
    notices.push(
      `The template was synthesized with the placeholder alarm address ${placeholderAlarmEmail}, since ${requiring.join(', ')} require${requiring.length === 1 ? 's' : ''} an alarm destination and a deployment's own is not known here: a deployment's alarms reach the alarmEmail or alarmTopic it was deployed with, shown in its own template (--template cdk.out/…).`,
    );
  }
  const started = performance.now();
  const synthesized = await dependencies.synthesize({
    profiles,
    stackName: stackName ?? defaultStackName,
    ...(requiring.length === 0 ? {} : { alarmEmail: placeholderAlarmEmail }),
  });
  io.stderr(`synthesized in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return synthesized;
}

/** The report's clients: live.ts's, and live-resources.ts's when the dependencies give them. */
type ReportClients = LiveClients & {
  readonly resources?: Omit<LiveResourceClients, 'cloudFormation'>;
  destroy(): void;
};

function liveClientsOf(
  region: string | undefined,
  dependencies: ReportDependencies,
): ReportClients {
  const clients = dependencies.liveClients(region);
  const resources = dependencies.resourceClients?.(region);
  return {
    ...clients,
    ...(resources === undefined ? {} : { resources }),
    destroy() {
      clients.destroy();
      resources?.destroy();
    },
  };
}

/**
 * Where the report's evidence came from (compliance/report/metadata.ts): the command that makes
 * it again, the commit, each template's SHA-256, the tools' versions and, with --stack, the
 * caller.
 */
async function provenanceOf(
  flags: ComplianceReportFlags,
  evidence: TemplateWithAssembly,
  stack: StackState,
  dependencies: ReportDependencies,
): Promise<NonNullable<ReportInputs['provenance']>> {
  const root = dependencies.root ?? packageRoot();
  const [commit, versions, caller] = await Promise.all([
    commitOf(root),
    toolVersions(root, dependencies.version),
    stack.kind === 'template-only' || dependencies.callerIdentity === undefined
      ? null
      : dependencies.callerIdentity(flags.region),
  ]);
  return {
    command: reproducingCommand(reportArguments(flags)),
    commit,
    templates:
      evidence.templateSha256 === undefined
        ? []
        : [
            {
              source:
                flags.template === undefined ? 'synthesized in-process, not kept' : flags.template,
              sha256: evidence.templateSha256,
            },
          ],
    versions,
    caller,
  };
}

/** The command's arguments as the flags give them, in the help's order. */
function reportArguments(flags: ComplianceReportFlags): string[] {
  const pairs: Array<[string, string | undefined]> = [
    ...(flags.profile ?? []).map((name): [string, string] => ['--profile', name]),
    ['--template', flags.template],
    ['--stack', flags.stack],
    ['--region', flags.region],
    ['--test-results', flags.testResults],
    ['--out', flags.out],
    ['--sbom', flags.sbom],
  ];
  return [
    'compliance',
    'report',
    ...pairs.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value])),
    ...(flags.json === true ? ['--json'] : []),
    ...(flags.offline === true ? ['--offline'] : []),
  ];
}

async function liveState(
  stack: DescribedStack,
  evidence: TemplateWithAssembly,
  clients: ReportClients | undefined,
  io: Io,
): Promise<StackState> {
  if (stack.kind === 'unreachable') {
    return { kind: 'unreachable', stackName: stack.name, reason: stack.reason };
  }
  if (stack.kind === 'none' || clients === undefined) return { kind: 'template-only' };
  io.stderr(`reading the live settings of ${stack.name}…\n`);
  const [live, resources] = await Promise.all([
    readLiveStack(evidence.template, { stackName: stack.name, outputs: stack.outputs }, clients),
    clients.resources === undefined
      ? undefined
      : readLiveResources(evidence.template, stack.name, {
          ...clients.resources,
          cloudFormation: clients.cloudFormation,
        }),
  ]);
  return { kind: 'checked', live: resources === undefined ? live : { ...live, resources } };
}

/**
 * The scheduled self-audit's runs from the stack's audit table, through the reader `webhooks
 * compliance history` uses (ops/review/run-store.ts): undefined without --stack (the report
 * says to run with it), not read with the reason when the stack or the table cannot be read.
 */
async function readPeriodicReview(
  stack: DescribedStack,
  clients: LiveClients | undefined,
  now: () => Date,
  io: Io,
): Promise<PeriodicReviewInput | undefined> {
  if (stack.kind === 'none' || clients === undefined) return undefined;
  if (stack.kind === 'unreachable') {
    return { kind: 'not-read', reason: 'the stack could not be described' };
  }
  const auditTableName =
    stack.outputs.get(stackOutputKeys.auditTableName) ??
    [...stack.outputs].find(([key]) => key.endsWith(stackOutputKeys.auditTableName))?.[1];
  if (auditTableName === undefined) {
    return {
      kind: 'not-read',
      reason: `the stack has no ${stackOutputKeys.auditTableName} output`,
    };
  }
  io.stderr(`reading the self-audit's runs in ${auditTableName}…\n`);
  try {
    const history = new SelfAuditHistory({
      dynamodb: clients.dynamodb,
      tableName: auditTableName,
      now: () => now().getTime(),
    });
    const { summaries } = await history.summaries();
    const statusOf = (statuses: (typeof summaries)[number]['statuses'], wanted: string) =>
      Object.entries(statuses)
        .filter(([, status]) => status === wanted)
        .map(([name]) => name);
    return {
      kind: 'read',
      runs: summaries
        .filter((summary) => summary.trigger === 'schedule')
        .map((summary) => ({
          startedAt: summary.startedAt,
          passedChecks: statusOf(summary.statuses, 'passed'),
          failedChecks: statusOf(summary.statuses, 'failed'),
          notRunChecks: statusOf(summary.statuses, 'not_run'),
        })),
    };
  } catch (error) {
    return { kind: 'not-read', reason: notRunReason(error) };
  }
}

async function emit(
  report: ComplianceReport,
  format: ReportFormat,
  out: string | undefined,
  io: Io,
): Promise<void> {
  const text =
    format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === 'html'
        ? renderHtml(reportTitle, reportDocument(report))
        : renderMarkdown(reportDocument(report));
  if (out === undefined) {
    io.stdout(text);
    return;
  }
  await writeOut(out, text, io);
}

async function writeOut(path: string, text: string, io: Io): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unwritable';
    throw new UsageError(`cannot write ${path} (${code})`, { cause: error });
  }
  io.stderr(`wrote ${path}\n`);
}

/** Says on stderr how it ended, naming every failing control; the exit code to match. */
function verdict(report: ComplianceReport, io: Io): ExitCode {
  const { summary } = report;
  for (const control of report.controls.filter((c) => !c.passed)) {
    const problems = control.checks.flatMap((check) => check.problems);
    io.stderr(
      `failed: ${control.regulation} ${control.clause} (${control.title}): ${problems.join('; ')}\n`,
    );
  }
  if (summary.nag.unacknowledged !== null && summary.nag.unacknowledged > 0) {
    io.stderr(`failed: cdk-nag reports ${summary.nag.unacknowledged} unacknowledged findings\n`);
  }
  io.stderr(`${verdictLine(report)}\n`);
  if (report.stack.status === 'unreachable') return exitCodes.usage;
  return summary.passed ? exitCodes.ok : exitCodes.rejected;
}
