/**
 * A CloudFormation template as the compliance report reads it: resources by type, references
 * between them, outputs, and values rendered as text for a reader. The template may come from
 * a file anyone wrote, so every shape is checked before it is trusted.
 */
import { InvalidTemplateError } from './errors.ts';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface Template {
  readonly Resources: Readonly<Record<string, TemplateResource>>;
  readonly Outputs?: Readonly<Record<string, { readonly Value?: unknown }>>;
}

/** One resource with its logical id. */
export interface Resource {
  readonly id: string;
  readonly resource: TemplateResource;
}

/** One IAM-style policy statement and the resource that holds it. */
export interface PolicyStatement {
  readonly owner: string;
  readonly type: string;
  readonly statement: Readonly<Record<string, unknown>>;
}

/** Checks that `document` has the shape of a template; InvalidTemplateError otherwise. */
export function asTemplate(document: unknown, source: string): Template {
  if (!isRecord(document) || !isRecord(document.Resources)) {
    throw new InvalidTemplateError(`${source} is not a CloudFormation template: no Resources`);
  }
  for (const [id, resource] of Object.entries(document.Resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') {
      throw new InvalidTemplateError(`${source}: resource ${id} has no Type`);
    }
    if (resource.Properties !== undefined && !isRecord(resource.Properties)) {
      throw new InvalidTemplateError(`${source}: resource ${id} has Properties that are no object`);
    }
  }
  if (document.Outputs !== undefined && !isRecord(document.Outputs)) {
    throw new InvalidTemplateError(`${source}: Outputs is no object`);
  }
  return document as unknown as Template;
}

export function resourcesOfType(template: Template, type: string): Resource[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => ({ id, resource }));
}

export function property(resource: TemplateResource, name: string): unknown {
  return resource.Properties?.[name];
}

/** The logical id a `Ref` or `Fn::GetAtt` names, if `value` is one. */
export function referencedId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The logical id an output refers to, if it refers to one. */
export function outputTarget(template: Template, outputKey: string): string | undefined {
  return referencedId(template.Outputs?.[outputKey]?.Value);
}

/** The resource of `type` an output refers to, if it refers to one. */
export function resourceOfOutput(
  template: Template,
  outputKey: string,
  type: string,
): Resource | undefined {
  const id = outputTarget(template, outputKey);
  const resource = id === undefined ? undefined : template.Resources[id];
  return id !== undefined && resource?.Type === type ? { id, resource } : undefined;
}

/** An output's literal text value, if it has one (e.g. `ComplianceProfiles`). */
export function outputText(template: Template, outputKey: string): string | undefined {
  const value = template.Outputs?.[outputKey]?.Value;
  return typeof value === 'string' ? value : undefined;
}

/** A template value as a reader would write it: `Ref X`, `X.Arn`, text, or compact JSON. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRecord(value)) {
    if (typeof value.Ref === 'string') return `Ref ${value.Ref}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.every((part) => typeof part === 'string')) {
      return getAtt.join('.');
    }
  }
  return JSON.stringify(value);
}

/** A KMS key's logical id with its aliases, e.g. `AuditKey (alias/webhook-ingestion/audit)`. */
export function describeKey(template: Template, keyId: string): string {
  const aliases = resourcesOfType(template, 'AWS::KMS::Alias')
    .filter(({ resource }) => referencedId(property(resource, 'TargetKeyId')) === keyId)
    .map(({ resource }) => describeValue(property(resource, 'AliasName')));
  return aliases.length === 0 ? keyId : `${keyId} (${aliases.join(', ')})`;
}

/** The KMS key of this template that `value` refers to, if it refers to one. */
export function templateKeyId(template: Template, value: unknown): string | undefined {
  const id = referencedId(value);
  return id !== undefined && template.Resources[id]?.Type === 'AWS::KMS::Key' ? id : undefined;
}

/**
 * Every statement of every key, role, queue, topic and endpoint policy in the template, roles'
 * trust policies included.
 */
export function policyStatements(template: Template): PolicyStatement[] {
  return Object.entries(template.Resources).flatMap(([owner, resource]) =>
    ['KeyPolicy', 'PolicyDocument', 'AssumeRolePolicyDocument'].flatMap((field) => {
      const document = property(resource, field);
      const statements = isRecord(document) ? document.Statement : undefined;
      return (Array.isArray(statements) ? statements : [])
        .filter(isRecord)
        .map((statement) => ({ owner, type: resource.Type, statement }));
    }),
  );
}

/** A statement's actions as a list. */
export function actionsOf(statement: Readonly<Record<string, unknown>>): string[] {
  const actions = statement.Action ?? [];
  return (Array.isArray(actions) ? actions : [actions]).filter(
    (action): action is string => typeof action === 'string',
  );
}

/** The ingest Lambda: the function whose environment names the audit table variable. */
export function ingestFunction(
  template: Template,
  auditTableVariable: string,
): Resource | undefined {
  return resourcesOfType(template, 'AWS::Lambda::Function').find(
    ({ resource }) => environmentOf(resource)[auditTableVariable] !== undefined,
  );
}

/** A Lambda function's environment variables. */
export function environmentOf(resource: TemplateResource): Readonly<Record<string, unknown>> {
  const environment = property(resource, 'Environment');
  const variables = isRecord(environment) ? environment.Variables : undefined;
  return isRecord(variables) ? variables : {};
}

/** The value at a dotted path of nested objects, e.g. `SSESpecification.SSEEnabled`. */
export function valueAt(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((current, key) => (isRecord(current) ? current[key] : undefined), value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
