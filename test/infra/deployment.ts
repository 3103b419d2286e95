/**
 * Synthesized deployments for the infra tests, one synthesis per configuration and test file:
 * the app the CLI runs (infra/ingestion-app.ts), with its cdk-nag packs, bundled Lambda and
 * cloud assembly, and the template read back from that assembly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
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
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import type { WebhookIngestion } from '../../infra/webhook-ingestion.ts';

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

/** The app synthesized with `context` (CDK context, as `-c` gives it), once per test file. */
export function deployment(context: Readonly<Record<string, unknown>>): Deployment {
  const key = JSON.stringify(context);
  const cached = deployments.get(key);
  if (cached !== undefined) return cached;
  const { app, stack, ingestion } = buildIngestionApp({
    outdir: mkdtempSync(join(tmpdir(), 'webhook-ingestion-cdk-')),
    context: { stackName: 'webhook-ingestion-test', ...context },
  });
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template;
  const template = Template.fromJSON(json);
  const cloudFormation = asTemplate(json, stack.stackName);
  const synthesized = { app, stack, ingestion, assembly, template, cloudFormation };
  deployments.set(key, synthesized);
  return synthesized;
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
