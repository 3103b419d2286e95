/**
 * Least privilege on keys (PCI DSS 3.6.1, GDPR 32): no wildcard action in any policy, and every
 * key policy grant to use a key on data bound to an encryption context or to the service that
 * asks, so a grant is for one purpose and not for the key as a whole.
 */
import { keyDataActions } from '../../infra/key-actions.ts';
import {
  actionsOf,
  describeKey,
  describeValue,
  isRecord,
  policyStatements,
  resourcesOfType,
} from '../report/template.ts';
import { type Evidence, type Finding, finding, ruleOutcome, type TemplateRule } from './rule.ts';

const dataActions: ReadonlySet<string> = new Set(keyDataActions);

export const keyUseBoundWithoutWildcards: TemplateRule<'key-use-bound-without-wildcards'> = {
  name: 'key-use-bound-without-wildcards',
  summary:
    'No policy allows a wildcard action, and every key policy grant to use a key on data is bound to an encryption context or to the AWS service that asks.',
  evaluate(context) {
    // Deny statements may be broad: `enforceSSL` denies `sqs:*` without TLS.
    const allows = policyStatements(context.template).filter(
      ({ statement }) => statement.Effect === 'Allow',
    );
    const findings: Finding[] = allows.flatMap(({ owner, statement }) =>
      actionsOf(statement)
        .filter((action) => action.includes('*'))
        .map((action) => finding(`${owner} allows the wildcard action ${action}`, owner)),
    );
    const wildcards = findings.length;
    const evidence: Evidence[] = resourcesOfType(context.template, 'AWS::KMS::Key').map((key) => {
      const grants = allows.filter(
        ({ owner, statement }) =>
          owner === key.id && actionsOf(statement).some((action) => dataActions.has(action)),
      );
      const unbound = grants.filter(({ statement }) => !boundToContextOrService(statement));
      for (const { statement } of unbound) {
        findings.push(
          finding(
            `key ${key.id} grants ${actionsOf(statement).join(', ')} without an encryption context or kms:ViaService condition`,
            key.id,
          ),
        );
      }
      return {
        resource: describeKey(context.template, key.id),
        type: key.resource.Type,
        property: 'KeyPolicy',
        value: `${grants.length} data-use grants, ${grants.length - unbound.length} bound to an encryption context or kms:ViaService; ${custodyOf(
          policyStatements(context.template)
            .filter(({ owner }) => owner === key.id)
            .map(({ statement }) => statement),
        )}`,
      };
    });
    evidence.push({
      resource: '(every policy)',
      type: 'KeyPolicy, PolicyDocument, AssumeRolePolicyDocument',
      property: 'Statement[].Action',
      value: `${allows.length} Allow statements, ${wildcards === 0 ? 'none' : 'some'} with a wildcard action`,
    });
    return ruleOutcome(evidence, findings, 'the template has no policy');
  },
};

/**
 * Who the key policy itself names (`keyCustodians`, `keyGuard`; infra/key-policies.ts), so that
 * the evidence says whether decryption and deletion are the key policy's to decide or IAM's.
 */
function custodyOf(statements: readonly Readonly<Record<string, unknown>>[]): string {
  const principalArns = (statement: Readonly<Record<string, unknown>>, operator: string) => {
    const condition = isRecord(statement.Condition) ? statement.Condition[operator] : undefined;
    const arns = isRecord(condition) ? condition['aws:PrincipalArn'] : undefined;
    return arns === undefined ? [] : (Array.isArray(arns) ? arns : [arns]).map(describeValue);
  };
  const named = statements
    .filter((s) => s.Effect === 'Allow' && actionsOf(s).includes('kms:Decrypt'))
    .flatMap((s) => principalArns(s, 'ArnLike'));
  const guard = statements.find(
    (s) => s.Effect === 'Deny' && actionsOf(s).includes('kms:ScheduleKeyDeletion'),
  );
  const breakGlass = guard === undefined ? [] : principalArns(guard, 'ArnNotLike');
  return [
    named.length === 0
      ? 'decryption: principals of the account as IAM allows'
      : `decryption named in the key policy: ${named.join(', ')}`,
    guard === undefined
      ? 'no key guard: administrators as IAM allows may disable or delete it'
      : `key guard: disabling, deletion and rotation off denied but to ${breakGlass.join(', ')}`,
  ].join('; ');
}

function boundToContextOrService(statement: Readonly<Record<string, unknown>>): boolean {
  const conditions = isRecord(statement.Condition) ? Object.values(statement.Condition) : [];
  return conditions
    .flatMap((operator) => (isRecord(operator) ? Object.keys(operator) : []))
    .some((name) => name === 'kms:ViaService' || name.startsWith('kms:EncryptionContext:'));
}
