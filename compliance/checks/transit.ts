/** Data in transit and the way in: HTTPS, the API's TLS floor, TLS-only queues and topics. */
import { auditTable } from '../../functions/config/tables.ts';
import {
  describeValue,
  ingestFunction,
  isRecord,
  property,
  referencedId,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import {
  type CheckContext,
  type Evidence,
  notReadable,
  observation,
  outcome,
  type TemplateCheck,
  withLive,
} from './check.ts';

/**
 * Security policies that refuse TLS 1.0 and 1.1: the legacy `TLS_1_2` and the enhanced
 * `SecurityPolicy_TLS12_…` / `SecurityPolicy_TLS13_…` (API Gateway Developer Guide, "Security
 * policies for REST APIs"). Without one, a regional API's default endpoint uses `TLS_1_0`.
 */
const modernTlsPolicy = /^(TLS_1_2|SecurityPolicy_TLS1[23]_.+)$/;

/** Ways in that are not API Gateway (which answers HTTPS only). */
const otherEntryTypes = ['AWS::Lambda::Url', 'AWS::ElasticLoadBalancingV2::Listener'];

export const apiServedOverHttpsOnly: TemplateCheck = {
  summary:
    'Deliveries arrive only through API Gateway, which answers HTTPS only: no function URL and no load balancer listener.',
  evaluate(context) {
    const evidence: Evidence[] = resourcesOfType(context.template, 'AWS::ApiGateway::RestApi').map(
      (api) => ({
        resource: api.id,
        type: api.resource.Type,
        property: 'EndpointConfiguration.Types',
        value: `${describeValue(valueAt(api.resource.Properties, 'EndpointConfiguration.Types'))} (HTTPS only)`,
      }),
    );
    const problems = otherEntryTypes.flatMap((type) =>
      resourcesOfType(context.template, type).map(
        ({ id }) => `${id} (${type}) is a way in besides API Gateway`,
      ),
    );
    return outcome(evidence, problems, 'the template has no REST API');
  },
};

export const apiMinimumTls12: TemplateCheck = {
  summary:
    "The API's endpoints refuse TLS 1.0 and 1.1: every REST API and custom domain sets a security policy of TLS 1.2 or newer.",
  evaluate(context) {
    const problems: string[] = [];
    const apis = resourcesOfType(context.template, 'AWS::ApiGateway::RestApi').map((api) => {
      const policy = property(api.resource, 'SecurityPolicy');
      const defaultEndpointOff = property(api.resource, 'DisableExecuteApiEndpoint') === true;
      if (!defaultEndpointOff && !(typeof policy === 'string' && modernTlsPolicy.test(policy))) {
        problems.push(
          policy === undefined
            ? `REST API ${api.id} sets no SecurityPolicy, so its default endpoint uses TLS_1_0, which accepts TLS 1.0 and 1.1`
            : `REST API ${api.id} has SecurityPolicy ${describeValue(policy)}, which accepts TLS older than 1.2`,
        );
      }
      return {
        resource: api.id,
        type: api.resource.Type,
        property: defaultEndpointOff ? 'DisableExecuteApiEndpoint' : 'SecurityPolicy',
        value: defaultEndpointOff
          ? 'true (default endpoint off)'
          : policy === undefined
            ? '(not set: TLS_1_0)'
            : describeValue(policy),
        ...notReadable(context, '@aws-sdk/client-api-gateway'),
      };
    });
    const domains = resourcesOfType(context.template, 'AWS::ApiGateway::DomainName').map(
      (domain) => {
        const policy = property(domain.resource, 'SecurityPolicy');
        if (!(typeof policy === 'string' && modernTlsPolicy.test(policy))) {
          problems.push(`custom domain ${domain.id} has SecurityPolicy ${describeValue(policy)}`);
        }
        return {
          resource: domain.id,
          type: domain.resource.Type,
          property: 'SecurityPolicy',
          value: describeValue(policy),
          ...notReadable(context, '@aws-sdk/client-api-gateway'),
        };
      },
    );
    return outcome([...apis, ...domains], problems, 'the template has no REST API');
  },
};

export const queuesAndTopicsRequireTls: TemplateCheck = {
  summary:
    'Every queue and topic policy denies any request made without TLS (aws:SecureTransport false).',
  evaluate(context) {
    const problems: string[] = [];
    const evidence = [
      ...tlsOnlyRows(context, 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'Queues'),
      ...tlsOnlyRows(context, 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'Topics'),
    ].map(({ row, denied }) => {
      if (!denied) problems.push(`${row.resource} has no policy that denies requests without TLS`);
      return row;
    });
    return outcome(evidence, problems, 'the template has no queue or topic');
  },
};

function tlsOnlyRows(
  context: CheckContext,
  type: string,
  policyType: string,
  targetsProperty: string,
): Array<{ readonly row: Evidence; readonly denied: boolean }> {
  const policies = resourcesOfType(context.template, policyType);
  return resourcesOfType(context.template, type).map(({ id }) => {
    const policy = policies.find(({ resource }) => {
      const targets = property(resource, targetsProperty);
      return Array.isArray(targets) && targets.some((target) => referencedId(target) === id);
    });
    const denied =
      policy !== undefined && deniesPlainHttp(property(policy.resource, 'PolicyDocument'));
    const live =
      type === 'AWS::SQS::Queue'
        ? withLive(context, (stack) =>
            observation(stack.queues.get(id)?.attributes, ({ policy: text }) => {
              const agrees = text !== undefined && deniesPlainHttp(parseJson(text));
              return [agrees, agrees ? 'denies requests without TLS' : 'no TLS-only statement'];
            }),
          )
        : notReadable(context, '@aws-sdk/client-sns');
    return {
      denied,
      row: {
        resource: id,
        type,
        property: policy === undefined ? '(no policy)' : `${policy.id}.PolicyDocument`,
        value: denied ? 'Deny when aws:SecureTransport is false' : 'no TLS-only statement',
        ...live,
      },
    };
  });
}

function deniesPlainHttp(document: unknown): boolean {
  const statements = valueAt(document, 'Statement');
  return (
    Array.isArray(statements) &&
    statements.some(
      (statement) =>
        isRecord(statement) &&
        statement.Effect === 'Deny' &&
        String(valueAt(statement, 'Condition.Bool.aws:SecureTransport')) === 'false',
    )
  );
}

export const exactBodyReachesVerifier: TemplateCheck = {
  summary:
    'API Gateway passes every body to the ingest Lambda as the exact bytes received (all media types binary, Lambda proxy), so the signature is checked on what was signed.',
  evaluate(context) {
    const { template } = context;
    const problems: string[] = [];
    const ingest = ingestFunction(template, auditTable.nameVariable);
    const evidence: Evidence[] = resourcesOfType(template, 'AWS::ApiGateway::RestApi').map(
      (api) => {
        const types = property(api.resource, 'BinaryMediaTypes');
        if (!(Array.isArray(types) && types.includes('*/*'))) {
          problems.push(`REST API ${api.id} does not treat every media type as binary`);
        }
        return {
          resource: api.id,
          type: api.resource.Type,
          property: 'BinaryMediaTypes',
          value: describeValue(types),
        };
      },
    );
    const proxies = resourcesOfType(template, 'AWS::ApiGateway::Method').filter(
      ({ resource }) =>
        property(resource, 'HttpMethod') === 'POST' &&
        valueAt(resource.Properties, 'Integration.Type') === 'AWS_PROXY' &&
        ingest !== undefined &&
        invokes(valueAt(resource.Properties, 'Integration.Uri'), ingest.id),
    );
    if (proxies.length === 0) problems.push('no POST method proxies to the ingest Lambda');
    for (const method of proxies) {
      evidence.push({
        resource: method.id,
        type: method.resource.Type,
        property: 'Integration',
        value: `AWS_PROXY to ${ingest?.id ?? '?'}`,
      });
    }
    return outcome(evidence, problems, 'the template has no REST API');
  },
};

/** Whether an integration URI (usually an `Fn::Join`) names the function's ARN. */
function invokes(uri: unknown, functionId: string): boolean {
  return JSON.stringify(uri ?? null).includes(`"${functionId}"`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
