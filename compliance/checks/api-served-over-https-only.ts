/**
 * One way in, over HTTPS only (PCI DSS 4.2.1, HIPAA §164.312(e)(1), GDPR 32): API Gateway
 * answers HTTPS only, so any other entry (a function URL, a load balancer) is a finding.
 */
import { describeValue, resourcesOfType, valueAt } from '../report/template.ts';
import { type Evidence, finding, ruleOutcome, type TemplateRule } from './rule.ts';

/** Ways in that are not API Gateway. */
const otherEntryTypes = ['AWS::Lambda::Url', 'AWS::ElasticLoadBalancingV2::Listener'];

export const apiServedOverHttpsOnly: TemplateRule<'api-served-over-https-only'> = {
  name: 'api-served-over-https-only',
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
    const findings = otherEntryTypes.flatMap((type) =>
      resourcesOfType(context.template, type).map(({ id }) =>
        finding(`${id} (${type}) is a way in besides API Gateway`, id),
      ),
    );
    return ruleOutcome(evidence, findings, 'the template has no REST API');
  },
};
