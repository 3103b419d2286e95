/**
 * Integrity of what is verified (HIPAA §164.312(c)(1)): a signature covers the exact bytes a
 * provider sent, so the front must hand the Lambda those bytes, not a re-encoded text. A REST
 * API does when every media type is binary (the body arrives base64 encoded); an HTTP API with
 * payload format 2.0 and a function URL pass the body as received, base64 encoded unless it is
 * text, with `isBase64Encoded` saying which. With `--stack`, the REST API's binary media types
 * (GetRestApi) and each integration (GetIntegration) are read as API Gateway runs them.
 */
import { auditTable } from '../../functions/config/tables.ts';
import type { LiveIntegration } from '../report/live-integrations.ts';
import {
  describeValue,
  ingestFunction,
  property,
  type Resource,
  referencedId,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import { functionUrls, httpApis, restApis } from './fronts.ts';
import {
  type Evidence,
  type Finding,
  finding,
  livePhysicalId,
  liveResource,
  type RuleContext,
  ruleOutcome,
  type TemplateRule,
} from './rule.ts';

export const exactBodyReachesVerifier: TemplateRule<'exact-body-reaches-verifier'> = {
  name: 'exact-body-reaches-verifier',
  summary:
    'The front passes every body to the ingest Lambda as the exact bytes received (a REST API with all media types binary and a Lambda proxy; an HTTP API proxy with payload format 2.0; a function URL on the ingest Lambda), so the signature is checked on what was signed.',
  evaluate(context) {
    const { template } = context;
    const ingest = ingestFunction(template, auditTable.nameVariable);
    const judged = [
      ...restApis(template).map((api) => restApi(context, api, ingest)),
      ...httpApis(template).map((api) => httpApi(context, api, ingest)),
      ...functionUrls(template).flatMap((url) =>
        ingest !== undefined &&
        referencedId(property(url.resource, 'TargetFunctionArn')) === ingest.id
          ? [functionUrl(url)]
          : [],
      ),
    ];
    return ruleOutcome(
      judged.flatMap(({ evidence }) => evidence),
      judged.flatMap(({ findings }) => findings),
      'the template has no front (REST API, HTTP API or function URL on the ingest Lambda)',
    );
  },
};

interface Judged {
  readonly evidence: readonly Evidence[];
  readonly findings: readonly Finding[];
}

function restApi(context: RuleContext, api: Resource, ingest: Resource | undefined): Judged {
  const { template } = context;
  const findings: Finding[] = [];
  const types = property(api.resource, 'BinaryMediaTypes');
  if (!(Array.isArray(types) && types.includes('*/*'))) {
    findings.push(finding(`REST API ${api.id} does not treat every media type as binary`, api.id));
  }
  const evidence: Evidence[] = [
    {
      resource: api.id,
      type: api.resource.Type,
      property: 'BinaryMediaTypes',
      value: describeValue(types),
      ...liveResource(context, 'apis', api.id, ({ binaryMediaTypes }) => [
        binaryMediaTypes?.includes('*/*') === true,
        binaryMediaTypes?.join(', ') || '(none)',
      ]),
    },
  ];
  const proxies = resourcesOfType(template, 'AWS::ApiGateway::Method').filter(
    ({ resource }) =>
      property(resource, 'HttpMethod') === 'POST' &&
      valueAt(resource.Properties, 'Integration.Type') === 'AWS_PROXY' &&
      ingest !== undefined &&
      invokes(valueAt(resource.Properties, 'Integration.Uri'), ingest.id),
  );
  if (proxies.length === 0) findings.push(finding('no POST method proxies to the ingest Lambda'));
  for (const method of proxies) {
    evidence.push({
      resource: method.id,
      type: method.resource.Type,
      property: 'Integration',
      value: `AWS_PROXY to ${ingest?.id ?? '?'}`,
      ...liveResource(context, 'integrations', method.id, proxiesTo(context, ingest)),
    });
  }
  return { evidence, findings };
}

function httpApi(context: RuleContext, api: Resource, ingest: Resource | undefined): Judged {
  const { template } = context;
  const proxies = resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').filter(
    ({ resource }) =>
      referencedId(property(resource, 'ApiId')) === api.id &&
      property(resource, 'IntegrationType') === 'AWS_PROXY' &&
      ingest !== undefined &&
      invokes(property(resource, 'IntegrationUri'), ingest.id),
  );
  const findings: Finding[] = [];
  if (proxies.length === 0) {
    findings.push(
      finding(`no integration of HTTP API ${api.id} proxies to the ingest Lambda`, api.id),
    );
  }
  for (const { id, resource } of proxies) {
    if (property(resource, 'PayloadFormatVersion') !== '2.0') {
      findings.push(
        finding(
          `integration ${id} uses payload format ${describeValue(property(resource, 'PayloadFormatVersion'))}, not 2.0`,
          id,
        ),
      );
    }
  }
  const evidence = proxies.map(({ id, resource }) => ({
    resource: id,
    type: resource.Type,
    property: 'PayloadFormatVersion',
    value: `${describeValue(property(resource, 'PayloadFormatVersion'))}, AWS_PROXY to ${ingest?.id ?? '?'}`,
    ...liveResource(context, 'integrations', id, (live: LiveIntegration) => {
      const [proxies, text] = proxiesTo(context, ingest)(live);
      return [
        proxies && live.payloadFormatVersion === '2.0',
        `${live.payloadFormatVersion ?? '(no payload format)'}, ${text}`,
      ];
    }),
  }));
  return { evidence, findings };
}

function functionUrl(url: Resource): Judged {
  return {
    evidence: [
      {
        resource: url.id,
        type: url.resource.Type,
        property: 'TargetFunctionArn',
        value: 'the ingest Lambda (body as received, base64 unless text)',
      },
    ],
    findings: [],
  };
}

/** Whether a live integration is a Lambda proxy to the ingest function, by its name. */
function proxiesTo(context: RuleContext, ingest: Resource | undefined) {
  const name = livePhysicalId(context, ingest?.id);
  return (live: LiveIntegration): readonly [boolean, string] => [
    live.type === 'AWS_PROXY' &&
      name !== undefined &&
      live.uri?.includes(`:function:${name}`) === true,
    `${live.type ?? '(no type)'} to ${live.uri ?? '(no URI)'}`,
  ];
}

/** Whether an integration URI (a `Fn::Join` or `Fn::GetAtt`) names the function's ARN. */
function invokes(uri: unknown, functionId: string): boolean {
  return JSON.stringify(uri ?? null).includes(`"${functionId}"`);
}
