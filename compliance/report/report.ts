/**
 * The compliance report as data: every control of the chosen regulations with its evidence and
 * tests, the cdk-nag results, the acknowledged findings with their reasons, and the retention
 * of each record class. Pure: everything it reads is handed in. The Markdown, HTML and JSON
 * outputs all render this one value.
 */

import { type RetentionClassName, retentionClasses } from '../../functions/config/retention.ts';
import { acknowledgements } from '../acknowledgements.ts';
import { controlsFor, isRegulatedProfile, regulations } from '../controls.ts';
import type { ComplianceProfileName } from '../profiles.ts';
import type { AcknowledgementResult } from './acknowledgement-result.ts';
import type { NagResults, RecordedAcknowledgement } from './assembly.ts';
import { type ControlResult, evaluateControl } from './control-result.ts';
import {
  type ControlEvidence,
  controlEvidence,
  type EvidenceLevel,
  type EvidenceSources,
  levelCounts,
  weakestLevel,
} from './evidence-levels.ts';
import type { LiveSourceAllowlist, LiveStack } from './live.ts';
import { assessmentStatement, type ReportMetadata } from './metadata.ts';
import { type RetentionRow, retentionRows } from './record-classes.ts';
import { type RuleEvidence, type RuleFindings, ruleFindingsOf } from './rule-findings.ts';
import type { SupplyChain } from './supply-chain.ts';
import { property, resourcesOfType, type Template, valueAt } from './template.ts';
import type { TestResults } from './test-results.ts';

/** Where the profiles came from, for the header. */
export type ProfilesSource = 'flag' | 'stack' | 'template' | 'default';

export type TemplateSource =
  | { readonly kind: 'synthesized'; readonly durationMs: number }
  | { readonly kind: 'file'; readonly path: string };

export type StackState =
  | { readonly kind: 'template-only' }
  | { readonly kind: 'checked'; readonly live: LiveStack }
  | { readonly kind: 'unreachable'; readonly stackName: string; readonly reason: string };

export interface ReportInputs {
  readonly generatedAt: Date;
  readonly version: string;
  readonly profiles: readonly ComplianceProfileName[];
  readonly profilesSource: ProfilesSource;
  readonly template: Template;
  readonly templateSource: TemplateSource;
  readonly nag: NagResults;
  /** @default - the assembly's metadata was not available */
  readonly acknowledged?: readonly RecordedAcknowledgement[];
  readonly stack: StackState;
  /** Things the reader should know, e.g. that the stack names other profiles. */
  readonly notices: readonly string[];
  /** The scheduled self-audit's runs. @default - not read: the report was made without --stack */
  readonly periodicReview?: PeriodicReviewInput;
  /** @default - not read: the section says so */
  readonly supplyChain?: SupplyChain;
  /** vitest's results (`--test-results`). @default - none: the tests were not run with the report */
  readonly testResults?: TestResults;
  /** Where the evidence came from (metadata.ts): what the caller read outside the report. */
  readonly provenance?: Pick<
    ReportMetadata,
    'command' | 'commit' | 'templates' | 'versions' | 'caller'
  >;
  /** The rules' own runs (rule-findings-evidence.ts). @default - the report's inputs only */
  readonly ruleEvidence?: RuleEvidence;
}

/** A control as the report states it: its result, and how strongly it is shown. */
export interface ReportControl extends ControlResult {
  readonly evidence: ControlEvidence;
}

/** Evaluated once, for the report and the scheduled self-audit alike (control-result.ts). */
export { type ControlResult, evaluateControl };

/** One scheduled self-audit run, as the report cites it. */
export interface ReviewRun {
  /** ISO 8601. */
  readonly startedAt: string;
  /** The checks that passed, failed, and could not run. @default - not said (none passed) */
  readonly passedChecks?: readonly string[];
  readonly failedChecks: readonly string[];
  readonly notRunChecks: readonly string[];
}

/**
 * The scheduled self-audit's runs (scheduled/self-audit/), read from the deployment's audit
 * table by the caller (`webhooks compliance report --stack`), or why they were not read.
 */
export type PeriodicReviewInput =
  | { readonly kind: 'read'; readonly runs: readonly ReviewRun[] }
  | { readonly kind: 'not-read'; readonly reason: string };

/** The periodic review as the report states it. */
export type PeriodicReview =
  | { readonly status: 'not-read'; readonly reason: string }
  | { readonly status: 'none' }
  | {
      readonly status: 'read';
      readonly runs: number;
      readonly firstRunAt: string;
      /** Average days between runs, one decimal; null with one run. */
      readonly everyDays: number | null;
      readonly lastRun: ReviewRun;
      /** The newest run with a failed check. @default - none failed */
      readonly lastFailure?: ReviewRun;
    };

export type { AcknowledgementResult } from './acknowledgement-result.ts';

export interface ComplianceReport {
  readonly generatedAt: string;
  readonly generatedBy: string;
  readonly profiles: readonly ComplianceProfileName[];
  readonly profilesSource: ProfilesSource;
  readonly regulations: readonly string[];
  readonly template:
    | { readonly source: 'synthesized'; readonly synthesisMs: number }
    | { readonly source: 'file'; readonly path: string };
  readonly stack:
    | { readonly status: 'template-only' }
    | { readonly status: 'checked'; readonly name: string; readonly region: string }
    | { readonly status: 'unreachable'; readonly name: string; readonly reason: string };
  readonly summary: {
    readonly passed: boolean;
    readonly controls: { readonly total: number; readonly passed: number; readonly failed: number };
    readonly failedControls: readonly string[];
    readonly nag: {
      readonly available: boolean;
      readonly unacknowledged: number | null;
      readonly acknowledged: number | null;
    };
    readonly live: {
      readonly agrees: number;
      readonly differs: number;
      readonly notChecked: number;
    } | null;
    /** The weakest evidence level among the controls (null: none), and how many are at each. */
    readonly evidence: {
      readonly weakest: { readonly level: EvidenceLevel; readonly controls: number } | null;
      readonly levels: Readonly<Record<EvidenceLevel, number>>;
    };
  };
  /** Where the evidence came from and what the report is (metadata.ts). */
  readonly metadata: ReportMetadata;
  readonly controls: readonly ReportControl[];
  readonly nag: NagResults;
  /** Acknowledgements recorded in this deployment, or every one when that is not known. */
  readonly acknowledgements: readonly AcknowledgementResult[];
  /** Whether `acknowledgements` is what this deployment records, or the whole list. */
  readonly acknowledgementsKnown: boolean;
  /** Entries of compliance/acknowledgements.ts this deployment does not need. */
  readonly acknowledgementsNotApplying: ReadonlyArray<Omit<AcknowledgementResult, 'recordedOn'>>;
  /** Acknowledgements recorded by something else (AWS CDK itself), with their reasons. */
  readonly otherAcknowledgements: readonly RecordedAcknowledgement[];
  /**
   * Each provider's source allowlist, read from the live registry: runtime settings, which no
   * template holds (functions/registry/source-ranges.ts).
   */
  readonly sourceAllowlists:
    | { readonly status: 'not-read'; readonly reason: string }
    | { readonly status: 'read'; readonly providers: readonly LiveSourceAllowlist[] };
  /** The scheduled self-audit's runs as evidence of periodic review. */
  readonly periodicReview: PeriodicReview;
  /**
   * The AWS Config managed rules the template creates for the stack's own resources
   * (`selfAudit.awsConfigRules`), by identifier; empty when it creates none.
   */
  readonly configRules: ReadonlyArray<{ readonly resource: string; readonly identifier: string }>;
  /** AWS's rules on this template, each finding with its verdict (rule-findings.ts). */
  readonly ruleFindings: RuleFindings;
  /** The Lambdas' runtimes, SBOM and known vulnerabilities (supply-chain.ts), when read. */
  readonly supplyChain: SupplyChain | null;
  readonly retention: readonly RetentionRow[];
  readonly retentionClasses: ReadonlyArray<{
    readonly name: RetentionClassName;
    readonly auditDays: number;
    readonly payloadDays: number;
  }>;
  readonly notices: readonly string[];
}

/** Evaluates every control of `inputs.profiles` and gathers the rest of the report. */
export function buildReport(inputs: ReportInputs): ComplianceReport {
  const live = inputs.stack.kind === 'checked' ? inputs.stack.live : undefined;
  const sources = evidenceSources(inputs);
  const controls = controlsFor(inputs.profiles).map((control): ReportControl => {
    const result = evaluateControl(control, inputs.template, live);
    return { ...result, evidence: controlEvidence(result, sources) };
  });
  const levels = controls.map((control) => control.evidence.level);
  const failedControls = controls
    .filter((c) => !c.passed)
    .map((c) => `${c.regulation} ${c.clause}`);
  const { recorded, notApplying, others } = joinAcknowledgements(inputs.acknowledged);
  const unacknowledged = inputs.nag.available ? inputs.nag.findings.length : null;
  const configRules = resourcesOfType(inputs.template, 'AWS::Config::ConfigRule').map(
    ({ id, resource }) => ({
      resource: id,
      identifier: String(valueAt(property(resource, 'Source'), 'SourceIdentifier') ?? 'custom'),
    }),
  );
  const ruleFindings = ruleFindingsOf({
    acknowledgements: recorded,
    acknowledgementsKnown: inputs.acknowledged !== undefined,
    nag: inputs.nag,
    configRules,
    ...(inputs.ruleEvidence === undefined ? {} : { evidence: inputs.ruleEvidence }),
  });
  return {
    generatedAt: inputs.generatedAt.toISOString(),
    generatedBy: `webhooks compliance report (webhook-ingestion ${inputs.version})`,
    profiles: inputs.profiles,
    profilesSource: inputs.profilesSource,
    regulations: inputs.profiles.filter(isRegulatedProfile).map((profile) => regulations[profile]),
    template:
      inputs.templateSource.kind === 'synthesized'
        ? { source: 'synthesized', synthesisMs: inputs.templateSource.durationMs }
        : { source: 'file', path: inputs.templateSource.path },
    stack: stackSummary(inputs.stack),
    summary: {
      passed: failedControls.length === 0 && (unacknowledged ?? 0) === 0,
      controls: {
        total: controls.length,
        passed: controls.length - failedControls.length,
        failed: failedControls.length,
      },
      failedControls,
      nag: {
        available: inputs.nag.available,
        unacknowledged,
        acknowledged:
          inputs.acknowledged === undefined ? null : inputs.acknowledged.length - others.length,
      },
      live: live === undefined ? null : liveCounts(controls),
      evidence: { weakest: weakestLevel(levels), levels: levelCounts(levels) },
    },
    metadata: metadataOf(inputs, controls),
    controls,
    nag: inputs.nag,
    acknowledgements: recorded,
    acknowledgementsKnown: inputs.acknowledged !== undefined,
    acknowledgementsNotApplying: notApplying,
    otherAcknowledgements: others,
    sourceAllowlists: sourceAllowlistsOf(live),
    periodicReview: periodicReviewOf(inputs.periodicReview),
    supplyChain: inputs.supplyChain ?? null,
    configRules,
    ruleFindings,
    retention: retentionRows(inputs.template, inputs.profiles),
    retentionClasses: Object.entries(retentionClasses).map(([name, days]) => ({
      name: name as RetentionClassName,
      ...days,
    })),
    notices: inputs.notices,
  };
}

/** The live reading, the scheduled runs and the test results, as evidence-levels.ts takes them. */
function evidenceSources(inputs: ReportInputs): EvidenceSources {
  const { stack, periodicReview: review } = inputs;
  const notLive =
    stack.kind === 'template-only'
      ? 'template only: run the report with --stack to read the deployed settings'
      : stack.kind === 'unreachable'
        ? `the stack ${stack.stackName} could not be read (${stack.reason})`
        : undefined;
  const scheduledRuns =
    review === undefined
      ? { reason: 'run with --stack' }
      : review.kind === 'not-read'
        ? { reason: review.reason }
        : {
            runs: review.runs.map((run) => ({
              startedAt: run.startedAt,
              passedChecks: run.passedChecks ?? [],
              failedChecks: run.failedChecks,
              notRunChecks: run.notRunChecks,
            })),
          };
  return {
    ...(notLive === undefined ? {} : { notLive }),
    scheduledRuns,
    ...(inputs.testResults === undefined ? {} : { testResults: inputs.testResults }),
  };
}

/** The report's metadata: the caller's provenance, with the deployment and reading times. */
function metadataOf(inputs: ReportInputs, controls: readonly ControlResult[]): ReportMetadata {
  const { provenance, stack } = inputs;
  const caller = provenance?.caller ?? null;
  const times = controls
    .flatMap((control) => control.checks.flatMap((check) => check.evidence))
    .flatMap((row) => (row.live?.readAt === undefined ? [] : [row.live.readAt]))
    .sort();
  const first = times[0];
  const last = times.at(-1);
  return {
    generatedAt: inputs.generatedAt.toISOString(),
    command: provenance?.command ?? 'not known: the report was built without its command line',
    commit: provenance?.commit ?? { status: 'not-git', reason: 'not asked' },
    templates: provenance?.templates ?? [],
    versions: provenance?.versions ?? {
      node: process.version,
      webhookIngestion: inputs.version,
      packages: {},
    },
    deployment:
      stack.kind === 'checked'
        ? {
            stack: stack.live.stackName,
            region: stack.live.region,
            ...(caller?.status === 'read' ? { account: caller.account } : {}),
          }
        : null,
    caller,
    liveReadings: first === undefined || last === undefined ? null : { first, last },
    statement: assessmentStatement,
  };
}

/**
 * What the scheduled runs show: since when, how many, how often, the last one and the last
 * failure. Operator runs (`webhooks compliance audit`) are not periodic review and are not
 * handed in.
 */
export function periodicReviewOf(input: PeriodicReviewInput | undefined): PeriodicReview {
  if (input === undefined) return { status: 'not-read', reason: 'run with --stack' };
  if (input.kind === 'not-read') return { status: 'not-read', reason: input.reason };
  const runs = [...input.runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const first = runs[0];
  const last = runs.at(-1);
  if (first === undefined || last === undefined) return { status: 'none' };
  const spanDays = (Date.parse(last.startedAt) - Date.parse(first.startedAt)) / 86_400_000;
  const lastFailure = runs.findLast((run) => run.failedChecks.length > 0);
  return {
    status: 'read',
    runs: runs.length,
    firstRunAt: first.startedAt,
    everyDays: runs.length < 2 ? null : Math.round((spanDays / (runs.length - 1)) * 10) / 10,
    lastRun: last,
    ...(lastFailure === undefined ? {} : { lastFailure }),
  };
}

function sourceAllowlistsOf(live: LiveStack | undefined): ComplianceReport['sourceAllowlists'] {
  if (live === undefined) {
    return {
      status: 'not-read',
      reason: 'allowlists are settings of the running deployment: run the report with --stack',
    };
  }
  const read = live.sourceAllowlists;
  return 'value' in read
    ? { status: 'read', providers: read.value }
    : { status: 'not-read', reason: read.unavailable };
}

function stackSummary(stack: StackState): ComplianceReport['stack'] {
  switch (stack.kind) {
    case 'template-only':
      return { status: 'template-only' };
    case 'checked':
      return { status: 'checked', name: stack.live.stackName, region: stack.live.region };
    case 'unreachable':
      return { status: 'unreachable', name: stack.stackName, reason: stack.reason };
  }
}

/** Each live value counted once, however many controls show it. */
function liveCounts(controls: readonly ControlResult[]) {
  const seen = new Map<string, string>();
  for (const { evidence } of controls.flatMap((control) => control.checks)) {
    for (const { resource, type, property, live } of evidence) {
      // A deployed setting the live mode does not read is not checked too; code is no resource.
      const state = live?.state ?? (type === 'code' ? undefined : 'not-checked');
      if (state !== undefined) seen.set(`${resource}|${property}`, state);
    }
  }
  const states = [...seen.values()];
  const count = (state: string) => states.filter((s) => s === state).length;
  return { agrees: count('agrees'), differs: count('differs'), notChecked: count('not-checked') };
}

/**
 * Joins what the deployment recorded with compliance/acknowledgements.ts, by rule and reason.
 * Without the record, every entry is listed, since any of them may apply.
 */
function joinAcknowledgements(recorded: readonly RecordedAcknowledgement[] | undefined) {
  const describe = (entry: (typeof acknowledgements)[number]) => ({
    rules: entry.rules,
    resource: entry.resource,
    ...(entry.condition === undefined ? {} : { condition: entry.condition }),
    reason: entry.reason,
  });
  if (recorded === undefined) {
    return {
      recorded: acknowledgements.map((entry) => ({ ...describe(entry), recordedOn: [] })),
      notApplying: [],
      others: [],
    };
  }
  const matches = (entry: (typeof acknowledgements)[number], ack: RecordedAcknowledgement) =>
    entry.rules.includes(ack.rule) && entry.reason === ack.reason;
  const joined = acknowledgements.map((entry) => {
    const where = new Map<string, { constructPath: string; logicalId?: string }>();
    for (const ack of recorded.filter((a) => matches(entry, a))) {
      where.set(ack.constructPath, {
        constructPath: ack.constructPath,
        ...(ack.logicalId === undefined ? {} : { logicalId: ack.logicalId }),
      });
    }
    return { ...describe(entry), recordedOn: [...where.values()] };
  });
  return {
    recorded: joined.filter((entry) => entry.recordedOn.length > 0),
    notApplying: joined
      .filter((entry) => entry.recordedOn.length === 0)
      .map(({ recordedOn: _, ...entry }) => entry),
    others: recorded.filter((ack) => !acknowledgements.some((entry) => matches(entry, ack))),
  };
}
