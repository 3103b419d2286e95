/**
 * Synthesized deployments for the infra tests, one synthesis per configuration and test file:
 * the app the CLI runs (infra/ingestion-app.ts), with its cdk-nag packs, bundled Lambda and
 * cloud assembly, and the template read back from that assembly. As `npm run synth` does, a
 * profile that requires an alarm destination gets the placeholder address unless the context
 * names one (or names `alarmEmail: ''`, to see the refusal).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { nagPacks } from '../../compliance/nag.ts';
import {
  asTemplate,
  type Template as CloudFormationTemplate,
  ingestFunction,
  outputTarget,
  property,
  type Resource,
} from '../../compliance/report/template.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { readAppContext, withPlaceholderAlarmEmail } from '../../infra/context.ts';
import { buildIngestionApp, type IngestionApp } from '../../infra/ingestion-app.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';

export interface Deployment {
  readonly app: App;
  readonly stack: Stack;
  readonly ingestion: WebhookIngestion;
  readonly assembly: CloudAssembly;
  readonly template: Template;
  /** The same template as the compliance rules read it (compliance/checks/). */
  readonly cloudFormation: CloudFormationTemplate;
}

const deployments = new Map<string, Deployment>();

export interface DeploymentOptions {
  /**
   * A user's consumer function wired with `addConsumer`, in an app of its own with no cdk-nag
   * packs registered: the user's function is theirs to make compliant, so tests run the packs
   * with `nagFindings` and read what falls under the construct. @default false
   */
  readonly consumer?: boolean;
}

/** The app synthesized with `context` (CDK context, as `-c` gives it), once per test file. */
export function deployment(
  context: Readonly<Record<string, unknown>>,
  options: DeploymentOptions = {},
): Deployment {
  const full = withPlaceholderAlarmEmail({ stackName: 'webhook-ingestion-test', ...context });
  // Sorted, so that the same context in another order is the same synthesis.
  const key = JSON.stringify([Object.entries(full).sort(), options]);
  const cached = deployments.get(key);
  if (cached !== undefined) return cached;
  const appProps = {
    outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-cdk-')),
    context: full,
  };
  const { app, stack, ingestion } = options.consumer
    ? appWithConsumer(appProps)
    : buildIngestionApp(appProps);
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template;
  const template = Template.fromJSON(json);
  const cloudFormation = asTemplate(json, stack.stackName);
  const synthesized = { app, stack, ingestion, assembly, template, cloudFormation };
  deployments.set(key, synthesized);
  return synthesized;
}

/** The user's side of `addConsumer`: a function whose handler would be `createConsumer(...)`. */
export function userConsumerFunction(
  stack: Stack,
  id = 'OnDelivery',
  placement: Partial<lambda.FunctionProps> = {},
): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({ batchItemFailures: [] });'),
    timeout: Duration.seconds(30),
    ...placement,
  });
}

/** The stock app's stack and construct, without its nag packs, with a consumer added. */
function appWithConsumer(props: ConstructorParameters<typeof App>[0]): IngestionApp {
  const app = new App(props);
  const { stackName, props: ingestionProps } = readAppContext((key) => app.node.tryGetContext(key));
  const stack = new Stack(app, stackName, { stackName });
  const ingestion = new WebhookIngestion(stack, 'WebhookIngestion', ingestionProps);
  ingestion.addConsumer(userConsumerFunction(stack, 'OnDelivery', ingestion.consumerPlacement()));
  return { app, stack, ingestion };
}

/** Every finding of every pack, as `rule at construct path`. */
export function nagFindings(app: App): string[] {
  return nagPacks().flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) => `${violation.ruleName} at ${resource.constructPath ?? '?'}`,
        ),
      ),
  );
}

/** The logical id an output refers to, which must be there. */
export function outputRef(template: CloudFormationTemplate, outputKey: string): string {
  const target = outputTarget(template, outputKey);
  if (target === undefined) throw new Error(`output ${outputKey} refers to no resource`);
  return target;
}

/** A property of a resource, which must be there. */
export function propertyOf<T>(resource: Resource | undefined, name: string): T {
  const value = resource === undefined ? undefined : property(resource.resource, name);
  if (value === undefined) throw new Error(`the resource has no ${name}`);
  return value as T;
}

/** The ingest Lambda, found as the compliance rules find it: the function naming the audit table. */
export function ingestLambda(template: CloudFormationTemplate): Resource {
  const ingest = ingestFunction(template, auditTable.nameVariable);
  if (ingest === undefined) throw new Error('the template has no ingest Lambda');
  return ingest;
}
