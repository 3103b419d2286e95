/**
 * TLS for every queue and topic request (PCI DSS 4.2.1, HIPAA §164.312(e)(1), GDPR 32): their
 * policies deny any request made without it, whoever asks.
 */
import { isRecord, property, referencedId, resourcesOfType, valueAt } from '../report/template.ts';
import {
  type Evidence,
  finding,
  liveResource,
  observation,
  type RuleContext,
  ruleOutcome,
  type TemplateRule,
  withLive,
} from './rule.ts';

export const queuesAndTopicsRequireTls: TemplateRule<'queues-and-topics-require-tls'> = {
  name: 'queues-and-topics-require-tls',
  summary:
    'Every queue and topic policy denies any request made without TLS (aws:SecureTransport false).',
  evaluate(context) {
    const rows = [
      ...tlsOnlyRows(context, 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'Queues'),
      ...tlsOnlyRows(context, 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'Topics'),
    ];
    const findings = rows
      .filter(({ denied }) => !denied)
      .map(({ row }) =>
        finding(`${row.resource} has no policy that denies requests without TLS`, row.resource),
      );
    return ruleOutcome(
      rows.map(({ row }) => row),
      findings,
      'the template has no queue or topic',
    );
  },
};

/** One row per resource of `type`: the policy that names it, and whether that denies HTTP. */
function tlsOnlyRows(
  context: RuleContext,
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
    const judge = ({ policy: text }: { readonly policy: string | undefined }) => {
      const agrees = text !== undefined && deniesPlainHttp(parseJson(text));
      return [agrees, agrees ? 'denies requests without TLS' : 'no TLS-only statement'] as const;
    };
    const live =
      type === 'AWS::SQS::Queue'
        ? withLive(context, (stack) => observation(stack.queues.get(id)?.attributes, judge))
        : liveResource(context, 'topics', id, judge);
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

/** The live queue policy, which SQS returns as JSON text; unreadable text denies nothing. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
