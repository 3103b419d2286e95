/**
 * One way in, over HTTPS only (PCI DSS 4.2.1, HIPAA §164.312(e)(1), GDPR 32). The front is an
 * API Gateway REST or HTTP API, which answer HTTPS only, or a Lambda function URL on the ingest
 * function, a built-in HTTPS endpoint; a second front, a function URL on another function or a
 * load balancer listener is a finding.
 */
import { auditTable } from '../../functions/config/tables.ts';
import {
  describeValue,
  ingestFunction,
  property,
  referencedId,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import { functionUrls, httpApis, restApis } from './fronts.ts';
import {
  type Evidence,
  type Finding,
  finding,
  liveResource,
  ruleOutcome,
  type TemplateRule,
} from './rule.ts';

export const apiServedOverHttpsOnly: TemplateRule<'api-served-over-https-only'> = {
  name: 'api-served-over-https-only',
  summary:
    'Deliveries arrive through one front only, over HTTPS: an API Gateway REST or HTTP API, or a function URL on the ingest Lambda; no second front, no load balancer listener.',
  evaluate(context) {
    const { template } = context;
    const ingest = ingestFunction(template, auditTable.nameVariable);
    const urls = functionUrls(template);
    const ingestUrls = urls.filter(
      ({ resource }) =>
        ingest !== undefined && referencedId(property(resource, 'TargetFunctionArn')) === ingest.id,
    );
    const evidence: Evidence[] = [
      ...restApis(template).map((api) => ({
        resource: api.id,
        type: api.resource.Type,
        property: 'EndpointConfiguration.Types',
        value: `${describeValue(valueAt(api.resource.Properties, 'EndpointConfiguration.Types'))} (HTTPS only)`,
        ...liveResource(context, 'apis', api.id, ({ endpointTypes }) => [
          describeValue(endpointTypes) ===
            describeValue(valueAt(api.resource.Properties, 'EndpointConfiguration.Types')),
          describeValue(endpointTypes),
        ]),
      })),
      ...httpApis(template).map((api) => ({
        resource: api.id,
        type: api.resource.Type,
        property: 'ProtocolType',
        value: 'HTTP API (HTTPS only)',
        ...liveResource(context, 'apis', api.id, ({ protocolType }) => [
          protocolType === 'HTTP',
          `${protocolType ?? 'no'} API`,
        ]),
      })),
      ...ingestUrls.map((url) => ({
        resource: url.id,
        type: url.resource.Type,
        property: 'AuthType',
        value: `${describeValue(property(url.resource, 'AuthType'))} on the ingest Lambda (HTTPS only)`,
      })),
    ];
    const findings: Finding[] = [
      ...urls
        .filter((url) => !ingestUrls.includes(url))
        .map(({ id }) => finding(`${id} (AWS::Lambda::Url) is a way in besides the front`, id)),
      ...resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener').map(({ id }) =>
        finding(`${id} (AWS::ElasticLoadBalancingV2::Listener) is a way in besides the front`, id),
      ),
    ];
    if (evidence.length > 1) {
      findings.push(
        finding(
          `the template has ${evidence.length} fronts where one is the way in`,
          ...evidence.map(({ resource }) => resource),
        ),
      );
    }
    return ruleOutcome(
      evidence,
      findings,
      'the template has no front (REST API, HTTP API or function URL on the ingest Lambda)',
    );
  },
};
