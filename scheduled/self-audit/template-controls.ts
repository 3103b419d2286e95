/**
 * `template-controls`: what `webhooks compliance report --stack` checks, run on the template
 * the stack was deployed with (CloudFormation GetTemplate, the processed stage) and the
 * stack's live settings, through the report's own reader and rules (compliance/report/live.ts,
 * control-result.ts): one implementation, two callers. No cdk-nag here: that needs the CDK app.
 *
 * Failed when a control fails; not run when the template cannot be read, or when it passes but
 * some live setting could not be read (a denied or throttled call): then it has not shown the
 * stack holds what the template says.
 */
import { createHash } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { controlsFor } from '../../compliance/controls.ts';
import type { ComplianceProfileName } from '../../compliance/profiles.ts';
import { evaluateControl } from '../../compliance/report/control-result.ts';
import { InvalidTemplateError } from '../../compliance/report/errors.ts';
import {
  describeStackOutputs,
  type LiveStack,
  type Observed,
  readLiveStack,
} from '../../compliance/report/live.ts';
import { asTemplate } from '../../compliance/report/template.ts';
import { call } from './call.ts';

/** The deployed stack a run checks, and the clients only this check needs. */
export interface SelfAuditStack {
  readonly name: string;
  readonly cloudFormation: CloudFormationClient;
  readonly sqs: SQSClient;
}

/** A check's outcome before it is named. */
export interface CheckOutcome {
  readonly status: 'passed' | 'failed' | 'not_run';
  readonly reason?: string;
  readonly summary?: string;
  readonly findings: readonly string[];
}

/**
 * Reads the deployed template and the live stack and evaluates every control of `profiles`;
 * `onTemplate` is given the template's SHA-256 (hex) as soon as it is read.
 */
export async function checkTemplateControls(
  stack: SelfAuditStack,
  clients: { readonly dynamodb: DynamoDBClient; readonly kms: KMSClient },
  profiles: readonly ComplianceProfileName[],
  onTemplate: (sha256: string) => void,
): Promise<CheckOutcome> {
  const outputs = await describeStackOutputs(stack.cloudFormation, stack.name);
  const { TemplateBody: body } = await call('cloudformation:GetTemplate', () =>
    stack.cloudFormation.send(
      new GetTemplateCommand({ StackName: stack.name, TemplateStage: 'Processed' }),
    ),
  );
  if (body === undefined)
    throw new InvalidTemplateError(`stack ${stack.name} returned no template`);
  const sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
  onTemplate(sha256);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new InvalidTemplateError(`the template of stack ${stack.name} is not JSON`);
  }
  const template = asTemplate(document, `the template of stack ${stack.name}`);
  const live = await readLiveStack(
    template,
    { stackName: stack.name, outputs },
    { cloudFormation: stack.cloudFormation, sqs: stack.sqs, ...clients },
  );
  const controls = controlsFor(profiles).map((control) => evaluateControl(control, template, live));
  const failed = controls.filter((control) => !control.passed);
  const unread = unreadValues(live);
  const summary = `${controls.length} controls of ${profiles.join(', ')} against template ${sha256.slice(0, 12)}… and the live stack ${stack.name}: ${controls.length - failed.length} pass`;
  if (failed.length > 0) {
    return {
      status: 'failed',
      summary,
      findings: [
        ...failed.map(
          (control) =>
            `${control.regulation} ${control.clause} (${control.title}): ${control.checks
              .flatMap((check) => check.problems)
              .join('; ')}`,
        ),
        ...unread.map((reason) => `live setting not read: ${reason}`),
      ],
    };
  }
  if (unread.length > 0) {
    return {
      status: 'not_run',
      reason: `live settings not read: ${unread.join('; ')}`,
      summary,
      findings: [],
    };
  }
  return { status: 'passed', summary, findings: [] };
}

/**
 * Every distinct reason a call for a live value failed. A value the stack gives no output for
 * (the registry of a stack whose instances are all named) was not asked for: not a failure.
 */
function unreadValues(live: LiveStack): string[] {
  const observed: Observed<unknown>[] = [
    ...[...live.tables.values()].flatMap((table) => [
      table.description,
      table.pointInTimeRecovery,
      table.timeToLive,
    ]),
    ...[...live.keys.values()].map((key) => key.rotation),
    ...[...live.queues.values()].map((queue) => queue.attributes),
    live.sourceAllowlists,
  ];
  const reasons = observed.flatMap((value) => ('unavailable' in value ? [value.unavailable] : []));
  return [...new Set(reasons.filter((reason) => !reason.startsWith('the stack has no ')))];
}
