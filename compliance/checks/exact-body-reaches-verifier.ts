/**
 * Integrity of what is verified (HIPAA §164.312(c)(1)): a signature covers the exact bytes a
 * provider sent, so API Gateway must hand the Lambda those bytes, not a re-encoded text.
 */
import { auditTable } from '../../functions/config/tables.ts';
import {
  describeValue,
  ingestFunction,
  property,
  resourcesOfType,
  valueAt,
} from '../report/template.ts';
import { type Evidence, type Finding, finding, ruleOutcome, type TemplateRule } from './rule.ts';

export const exactBodyReachesVerifier: TemplateRule<'exact-body-reaches-verifier'> = {
  name: 'exact-body-reaches-verifier',
  summary:
    'API Gateway passes every body to the ingest Lambda as the exact bytes received (all media types binary, Lambda proxy), so the signature is checked on what was signed.',
  evaluate(context) {
    const { template } = context;
    const findings: Finding[] = [];
    const ingest = ingestFunction(template, auditTable.nameVariable);
    const evidence: Evidence[] = resourcesOfType(template, 'AWS::ApiGateway::RestApi').map(
      (api) => {
        const types = property(api.resource, 'BinaryMediaTypes');
        if (!(Array.isArray(types) && types.includes('*/*'))) {
          findings.push(
            finding(`REST API ${api.id} does not treat every media type as binary`, api.id),
          );
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
    if (proxies.length === 0) findings.push(finding('no POST method proxies to the ingest Lambda'));
    for (const method of proxies) {
      evidence.push({
        resource: method.id,
        type: method.resource.Type,
        property: 'Integration',
        value: `AWS_PROXY to ${ingest?.id ?? '?'}`,
      });
    }
    return ruleOutcome(evidence, findings, 'the template has no REST API');
  },
};

/** Whether an integration URI (usually an `Fn::Join`) names the function's ARN. */
function invokes(uri: unknown, functionId: string): boolean {
  return JSON.stringify(uri ?? null).includes(`"${functionId}"`);
}
