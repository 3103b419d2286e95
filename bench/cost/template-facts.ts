/**
 * What prices a request, read from a synthesized CloudFormation template: the front, the WAF and
 * whether its logs keep allowed requests, tracing, the ingest Lambda's memory, architecture and
 * log settings, the access log format, the queue type, interface endpoints and log retention.
 * Read from the template rather than the construct's props, so that whatever the CDK app
 * deploys is what is priced.
 */
import { deliveryQueue } from '../../functions/config/queues.ts';
import { auditTable } from '../../functions/config/tables.ts';

/** How requests reach the Lambda. */
export type FrontKind = 'rest' | 'http' | 'url';

export interface LambdaFacts {
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly logFormat: 'Text' | 'JSON';
  /** @default - none set: Lambda filters nothing, Powertools logs at its own level */
  readonly applicationLogLevel?: string;
  /** @default - none set: INFO, so START, END and REPORT are written */
  readonly systemLogLevel?: string;
  readonly activeTracing: boolean;
  readonly inVpc: boolean;
  /** @default - the log group keeps logs forever */
  readonly logRetentionDays?: number;
  /** The variables set to a literal value (names, levels, retention classes). */
  readonly environment: Readonly<Record<string, string>>;
}

export interface TemplateFacts {
  readonly front: FrontKind;
  /** A web ACL is associated with the front. */
  readonly waf: boolean;
  /** WAF logging keeps records of allowed requests (not only blocked or counted ones). */
  readonly wafLogsAllowedRequests: boolean;
  /** API Gateway's own X-Ray tracing on the stage. */
  readonly stageTracing: boolean;
  readonly lambda: LambdaFacts;
  /** The access log line's format, `$context` variables and all. @default - no access log */
  readonly accessLogFormat?: string;
  /** The REST stage's execution logging level. @default - no execution logging */
  readonly executionLogLevel?: string;
  readonly fifoQueue: boolean;
  /** Services reached through interface VPC endpoints, e.g. `sqs`, `kms`. */
  readonly interfaceEndpoints: readonly string[];
  /** Subnets (one per Availability Zone) of the interface endpoints. */
  readonly interfaceEndpointSubnets: number;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

export interface Template {
  readonly Resources: Readonly<Record<string, Resource>>;
}

/** The template does not hold what the tool needs to price a request. */
export class TemplateFactsError extends Error {
  override readonly name = 'TemplateFactsError';
}

/** The facts that price a request. */
export function readTemplateFacts(template: Template): TemplateFacts {
  const resources = Object.entries(template.Resources);
  const ofType = (type: string) =>
    resources
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]) => ({ id, ...resource }));
  const restStage = ofType('AWS::ApiGateway::Stage')[0]?.Properties;
  const httpStage = ofType('AWS::ApiGatewayV2::Stage')[0]?.Properties;
  const fronts: FrontKind[] = [
    ...(ofType('AWS::ApiGateway::RestApi').length > 0 ? (['rest'] as const) : []),
    ...(ofType('AWS::ApiGatewayV2::Api').length > 0 ? (['http'] as const) : []),
    ...(ofType('AWS::Lambda::Url').length > 0 ? (['url'] as const) : []),
  ];
  const [front, ...others] = fronts;
  if (front === undefined || others.length > 0) {
    throw new TemplateFactsError(`expected one front, found ${fronts.join(', ') || 'none'}`);
  }
  const ingest = ingestFunction(ofType('AWS::Lambda::Function'));
  const accessLogFormat =
    front === 'rest'
      ? property(restStage, 'AccessLogSetting', 'Format')
      : front === 'http'
        ? property(httpStage, 'AccessLogSettings', 'Format')
        : undefined;
  const executionLogLevel = ((restStage?.MethodSettings ?? []) as Record<string, unknown>[])
    .map((setting) => setting.LoggingLevel)
    .find((level): level is string => typeof level === 'string');
  const endpoints = ofType('AWS::EC2::VPCEndpoint').filter(
    (endpoint) => endpoint.Properties?.VpcEndpointType === 'Interface',
  );
  const logging = ofType('AWS::WAFv2::LoggingConfiguration')[0]?.Properties;
  return {
    front,
    waf: ofType('AWS::WAFv2::WebACLAssociation').length > 0,
    wafLogsAllowedRequests: logging !== undefined && keepsAllowed(logging),
    stageTracing: restStage?.TracingEnabled === true,
    lambda: lambdaFacts(ingest, template),
    ...(typeof accessLogFormat === 'string' ? { accessLogFormat } : {}),
    ...(executionLogLevel === undefined ? {} : { executionLogLevel }),
    fifoQueue: queueOf(ingest, template)?.FifoQueue === true,
    interfaceEndpoints: endpoints.map((endpoint) => serviceOf(endpoint.Properties?.ServiceName)),
    interfaceEndpointSubnets: Math.max(
      0,
      ...endpoints.map((endpoint) => ((endpoint.Properties?.SubnetIds ?? []) as unknown[]).length),
    ),
  };
}

type Located = Resource & { readonly id: string };

/** The function that writes the audit table and sends to the delivery queue. */
function ingestFunction(functions: readonly Located[]): Located {
  const found = functions.filter((candidate) => {
    const variables = environmentOf(candidate);
    return auditTable.nameVariable in variables && deliveryQueue.urlVariable in variables;
  });
  if (found.length !== 1) {
    throw new TemplateFactsError(`expected one ingest function, found ${found.length}`);
  }
  return found[0] as Located;
}

function lambdaFacts(ingest: Located, template: Template): LambdaFacts {
  const properties = ingest.Properties ?? {};
  const logging = (properties.LoggingConfig ?? {}) as Record<string, unknown>;
  const logGroup = template.Resources[refOf(logging.LogGroup) ?? '']?.Properties;
  const environment = Object.fromEntries(
    Object.entries(environmentOf(ingest)).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  const architectures = (properties.Architectures ?? ['x86_64']) as string[];
  return {
    memoryMb: Number(properties.MemorySize ?? 128),
    architecture: architectures.includes('arm64') ? 'arm64' : 'x86_64',
    logFormat: logging.LogFormat === 'JSON' ? 'JSON' : 'Text',
    ...(typeof logging.ApplicationLogLevel === 'string'
      ? { applicationLogLevel: logging.ApplicationLogLevel }
      : {}),
    ...(typeof logging.SystemLogLevel === 'string'
      ? { systemLogLevel: logging.SystemLogLevel }
      : {}),
    activeTracing: property(properties, 'TracingConfig', 'Mode') === 'Active',
    inVpc: properties.VpcConfig !== undefined,
    ...(typeof logGroup?.RetentionInDays === 'number'
      ? { logRetentionDays: logGroup.RetentionInDays }
      : {}),
    environment,
  };
}

function environmentOf(resource: Resource): Readonly<Record<string, unknown>> {
  return (property(resource.Properties, 'Environment', 'Variables') ?? {}) as Record<
    string,
    unknown
  >;
}

/** The queue the ingest function's queue URL variable names. */
function queueOf(ingest: Located, template: Template) {
  const id = refOf(environmentOf(ingest)[deliveryQueue.urlVariable]);
  return id === undefined ? undefined : template.Resources[id]?.Properties;
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
function refOf(value: unknown): string | undefined {
  const reference = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | undefined;
  if (typeof reference?.Ref === 'string') return reference.Ref;
  const attribute = reference?.['Fn::GetAtt'];
  return Array.isArray(attribute) && typeof attribute[0] === 'string' ? attribute[0] : undefined;
}

function property(object: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    object,
  );
}

/** `com.amazonaws.<region>.sqs`, literal or joined, as `sqs`. */
function serviceOf(name: unknown): string {
  const parts = property(name, 'Fn::Join', '1');
  const text = Array.isArray(parts)
    ? parts.filter((part) => typeof part === 'string').join('')
    : String(name);
  return text.slice(text.lastIndexOf('.') + 1);
}

interface LoggingFilter {
  readonly DefaultBehavior?: string;
  readonly Filters?: readonly {
    readonly Behavior?: string;
    readonly Conditions?: readonly { readonly ActionCondition?: { readonly Action?: string } }[];
  }[];
}

/** Whether a WAF logging configuration writes a record for a request it allowed. */
function keepsAllowed(logging: Readonly<Record<string, unknown>>): boolean {
  const filter = logging.LoggingFilter as LoggingFilter | undefined;
  if (filter === undefined) return true;
  const matching = filter.Filters?.find((candidate) =>
    candidate.Conditions?.some((condition) => condition.ActionCondition?.Action === 'ALLOW'),
  );
  return (matching?.Behavior ?? filter.DefaultBehavior) === 'KEEP';
}
