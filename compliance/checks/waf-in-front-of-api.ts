/**
 * An automated attack filter in front of the public endpoint (PCI DSS 6.4.2): a regional web
 * ACL on the API stage, limiting each source's rate, with its blocked and counted requests
 * logged. With `--stack`, the stage's live web ACL is the stack's, and its rules as WAF runs
 * them (wafv2:GetWebACL) are the template's, a rate-based one among them.
 */
import {
  isRecord,
  property,
  referencedId,
  resourcesOfType,
  type Template,
  valueAt,
} from '../report/template.ts';
import {
  type Evidence,
  type Finding,
  finding,
  livePhysicalId,
  liveResource,
  ruleOutcome,
  type TemplateRule,
} from './rule.ts';

export const wafInFrontOfApi: TemplateRule<'waf-in-front-of-api'> = {
  name: 'waf-in-front-of-api',
  summary:
    'A regional WAF web ACL with a rate-based rule is associated with the API stage, and its blocked and counted requests are logged.',
  evaluate(context) {
    const { template } = context;
    const findings: Finding[] = [];
    const evidence: Evidence[] = [];
    const acls = new Map(
      resourcesOfType(template, 'AWS::WAFv2::WebACL').map((acl) => [acl.id, acl]),
    );
    const associations = resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation');
    for (const association of associations) {
      const aclId = referencedId(property(association.resource, 'WebACLArn'));
      const acl = aclId === undefined ? undefined : acls.get(aclId);
      const stage = stageNamedIn(template, property(association.resource, 'ResourceArn'));
      if (acl === undefined || stage === undefined) {
        findings.push(
          finding(
            `${association.id} associates no web ACL of this stack with an API stage`,
            association.id,
          ),
        );
        continue;
      }
      const rules = property(acl.resource, 'Rules');
      const ruleList = Array.isArray(rules) ? rules : [];
      const names = ruleList.map((rule) => String(valueAt(rule, 'Name')));
      const rateBased = ruleList.some(
        (rule) => valueAt(rule, 'Statement.RateBasedStatement') !== undefined,
      );
      if (property(acl.resource, 'Scope') !== 'REGIONAL' || !rateBased) {
        findings.push(finding(`web ACL ${acl.id} is not regional with a rate-based rule`, acl.id));
      }
      const logged = resourcesOfType(template, 'AWS::WAFv2::LoggingConfiguration').some(
        ({ resource }) => referencedId(property(resource, 'ResourceArn')) === acl.id,
      );
      if (!logged) findings.push(finding(`web ACL ${acl.id} is not logged`, acl.id));
      // A web ACL's physical id is `name|id|scope`; its ARN ends `/webacl/name/id`.
      const aclName = livePhysicalId(context, acl.id)?.split('|')[0];
      evidence.push(
        {
          resource: association.id,
          type: association.resource.Type,
          property: 'ResourceArn',
          value: `stage ${stage}, web ACL ${acl.id}`,
          ...liveResource(context, 'stages', stage, ({ webAclArn }) => [
            webAclArn !== undefined &&
              (aclName === undefined || webAclArn.includes(`/webacl/${aclName}/`)),
            webAclArn ?? 'no web ACL',
          ]),
        },
        {
          resource: acl.id,
          type: acl.resource.Type,
          property: 'Rules',
          value: names.join(', '),
          ...liveResource(context, 'webAcls', acl.id, ({ scope, rules: live }) => {
            const liveNames = live.map(({ name }) => name);
            return [
              scope === 'REGIONAL' &&
                live.some(({ rateBased }) => rateBased) &&
                names.every((name) => liveNames.includes(name)),
              `${scope}: ${liveNames.join(', ') || 'no rules'}${live.some(({ rateBased }) => rateBased) ? '' : ' (none rate-based)'}`,
            ];
          }),
        },
      );
    }
    return ruleOutcome(evidence, findings, 'no web ACL is associated with the API stage');
  },
};

/** The API stage a WAF association's ARN names (`…/stages/${Ref stage}`). */
function stageNamedIn(template: Template, resourceArn: unknown): string | undefined {
  const stages = new Set(resourcesOfType(template, 'AWS::ApiGateway::Stage').map(({ id }) => id));
  const refs: string[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isRecord(value)) {
      if (typeof value.Ref === 'string') refs.push(value.Ref);
      Object.values(value).forEach(collect);
    }
  };
  collect(resourceArn);
  return refs.find((id) => stages.has(id));
}
