/**
 * No TLS older than 1.2 at the API (PCI DSS 4.2.1: early TLS is not strong cryptography; HIPAA
 * §164.312(e)(1) with NIST SP 800-52). A REST API must set a security policy; API Gateway
 * enforces TLS_1_2 on every HTTP API endpoint ("Security policy for HTTP APIs in API Gateway").
 * A Lambda function URL has no security policy to set, so the rule cannot judge one. With
 * `--stack`, a REST API's policy is the one GetRestApi gives (`securityPolicy`; none given
 * means the default endpoint's TLS_1_0), and a custom domain's the one GetDomainName gives.
 */
import { describeValue, property, resourcesOfType } from '../report/template.ts';
import { httpApis, restApis } from './fronts.ts';
import { type Finding, finding, liveResource, ruleOutcome, type TemplateRule } from './rule.ts';

/**
 * Security policies that refuse TLS 1.0 and 1.1: the legacy `TLS_1_2` and the enhanced
 * `SecurityPolicy_TLS12_…` / `SecurityPolicy_TLS13_…` (API Gateway Developer Guide, "Security
 * policies for REST APIs"). Without one, a regional API's default endpoint uses `TLS_1_0`.
 */
const modernTlsPolicy = /^(TLS_1_2|SecurityPolicy_TLS1[23]_.+)$/;

const isModern = (policy: unknown) => typeof policy === 'string' && modernTlsPolicy.test(policy);

export const apiMinimumTls12: TemplateRule<'api-minimum-tls-1-2'> = {
  name: 'api-minimum-tls-1-2',
  summary:
    "The API's endpoints refuse TLS 1.0 and 1.1: every REST API and custom domain sets a security policy of TLS 1.2 or newer, and HTTP APIs have API Gateway's TLS_1_2 policy.",
  evaluate(context) {
    const findings: Finding[] = [];
    const apis = restApis(context.template).map((api) => {
      const policy = property(api.resource, 'SecurityPolicy');
      const defaultEndpointOff = property(api.resource, 'DisableExecuteApiEndpoint') === true;
      if (!defaultEndpointOff && !isModern(policy)) {
        findings.push(
          finding(
            policy === undefined
              ? `REST API ${api.id} sets no SecurityPolicy, so its default endpoint uses TLS_1_0, which accepts TLS 1.0 and 1.1`
              : `REST API ${api.id} has SecurityPolicy ${describeValue(policy)}, which accepts TLS older than 1.2`,
            api.id,
          ),
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
        ...(defaultEndpointOff
          ? liveResource(context, 'apis', api.id, ({ disableExecuteApiEndpoint: off }) => [
              off === true,
              off === true ? 'true (default endpoint off)' : 'default endpoint on',
            ])
          : liveResource(context, 'apis', api.id, ({ securityPolicy }) => [
              isModern(securityPolicy),
              securityPolicy ?? '(none given: TLS_1_0)',
            ])),
      };
    });
    // A REST custom domain sets its policy at the top; an HTTP API's, per endpoint configuration.
    const domains = [
      ...resourcesOfType(context.template, 'AWS::ApiGateway::DomainName').map((domain) => ({
        domain,
        property: 'SecurityPolicy',
        policies: [property(domain.resource, 'SecurityPolicy')],
      })),
      ...resourcesOfType(context.template, 'AWS::ApiGatewayV2::DomainName').map((domain) => {
        const configurations = property(domain.resource, 'DomainNameConfigurations');
        return {
          domain,
          property: 'DomainNameConfigurations[].SecurityPolicy',
          policies: Array.isArray(configurations)
            ? configurations.map((configuration: unknown) =>
                typeof configuration === 'object' && configuration !== null
                  ? (configuration as Record<string, unknown>).SecurityPolicy
                  : undefined,
              )
            : [undefined],
        };
      }),
    ].map(({ domain, property: name, policies }) => {
      const weak = policies.filter((policy) => !isModern(policy));
      if (weak.length > 0 || policies.length === 0) {
        findings.push(
          finding(
            `custom domain ${domain.id} has ${name} ${policies.map(describeValue).join(', ') || '(none)'}`,
            domain.id,
          ),
        );
      }
      return {
        resource: domain.id,
        type: domain.resource.Type,
        property: name,
        value: policies.map(describeValue).join(', '),
        ...liveResource(context, 'domains', domain.id, ({ securityPolicies: live }) => [
          live.length > 0 && live.every(isModern),
          live.join(', ') || '(no security policy)',
        ]),
      };
    });
    const http = httpApis(context.template).map((api) => ({
      resource: api.id,
      type: api.resource.Type,
      property: 'ProtocolType',
      value: 'HTTP (API Gateway enforces TLS_1_2 on HTTP API endpoints)',
      // An HTTP API has no policy to read: that it is one is what fixes its TLS_1_2.
      ...liveResource(context, 'apis', api.id, ({ protocolType }) => [
        protocolType === 'HTTP',
        protocolType ?? '(no protocol)',
      ]),
    }));
    return ruleOutcome(
      [...apis, ...http, ...domains],
      findings,
      'the template has no REST or HTTP API',
    );
  },
};
