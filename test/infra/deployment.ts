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
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import type { WebhookIngestion } from '../../infra/webhook-ingestion.ts';

export interface Deployment {
  readonly app: App;
  readonly stack: Stack;
  readonly ingestion: WebhookIngestion;
  readonly assembly: CloudAssembly;
  readonly template: Template;
}

/** A CloudFormation resource as it appears in a template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
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
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  const synthesized = { app, stack, ingestion, assembly, template };
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

/** The template's resources of one type, by logical id. */
export function resourcesOfType(
  template: Template,
  type: string,
): Readonly<Record<string, TemplateResource>> {
  return template.findResources(type) as Record<string, TemplateResource>;
}

/** `{ Ref: id }`, as CloudFormation refers to a resource. */
export function ref(logicalId: string): { Ref: string } {
  return { Ref: logicalId };
}

/** The logical id an output refers to with `Ref`. */
export function outputRef(template: Template, outputKey: string): string {
  const outputs = template.toJSON().Outputs as Record<string, { Value: { Ref?: string } }>;
  const target = outputs[outputKey]?.Value.Ref;
  if (target === undefined) throw new Error(`output ${outputKey} is not a Ref`);
  return target;
}

/** A resource's `Fn::GetAtt` or `Ref` target, whichever it is. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { Ref, 'Fn::GetAtt': getAtt } = value as { Ref?: string; 'Fn::GetAtt'?: [string] };
  return Ref ?? getAtt?.[0];
}

/** Every IAM-style policy statement of the template: key, role, queue, topic and endpoint policies. */
export function policyStatements(template: Template): Array<{
  readonly owner: string;
  readonly type: string;
  readonly statement: Record<string, unknown>;
}> {
  const documents: Array<[string, string, unknown]> = [];
  for (const [id, resource] of Object.entries(
    template.toJSON().Resources as Record<string, TemplateResource>,
  )) {
    const p = resource.Properties ?? {};
    for (const field of ['KeyPolicy', 'PolicyDocument', 'AssumeRolePolicyDocument']) {
      if (p[field] !== undefined) documents.push([id, resource.Type, p[field]]);
    }
  }
  return documents.flatMap(([owner, type, document]) => {
    const statements = (document as { Statement?: unknown[] }).Statement ?? [];
    return statements.map((statement) => ({
      owner,
      type,
      statement: statement as Record<string, unknown>,
    }));
  });
}

/** A statement's actions as a list. */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const actions = statement.Action ?? [];
  return Array.isArray(actions) ? (actions as string[]) : [actions as string];
}

/** A property of a resource, which must be there. */
export function propertyOf<T>(resource: TemplateResource | undefined, name: string): T {
  const value = resource?.Properties?.[name];
  if (value === undefined) throw new Error(`the resource has no ${name}`);
  return value as T;
}

/** The ingest Lambda's resource (the stack's other Lambda is CDK's custom resource). */
export function ingestFunction(template: Template): TemplateResource {
  const [fn, ...others] = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).filter(
    (resource) => resource.Properties?.Handler === 'index.handler',
  );
  if (fn === undefined || others.length > 0) throw new Error('expected one ingest Lambda');
  return fn;
}
