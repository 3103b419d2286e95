/**
 * Least privilege on keys (PCI DSS 3.6.1, GDPR 32): no wildcard action in any policy, and every
 * key policy grant to use a key on data bound to an encryption context or to the service that
 * asks, so a grant is for one purpose and not for the key as a whole. With `--stack`, each key's
 * live policy (kms:GetKeyPolicy) is judged as the template's is, and every policy the stack holds
 * is read for wildcard actions (key, IAM, queue and topic policies).
 */
import { keyDataActions } from '../../infra/key-actions.ts';
import type { LivePolicy } from '../report/live-policies.ts';
import type { LiveResources } from '../report/live-resources.ts';
import type { Observed } from '../report/observed.ts';
import {
  actionsOf,
  describeKey,
  describeValue,
  isRecord,
  policyStatements,
  referencedId,
  resourcesOfType,
} from '../report/template.ts';
import {
  type Evidence,
  type Finding,
  finding,
  liveOfEach,
  liveResource,
  type RuleContext,
  ruleOutcome,
  type TemplateRule,
} from './rule.ts';

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
      const guarded = policyStatements(context.template).some(
        ({ owner, statement }) => owner === key.id && isGuard(statement),
      );
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
        ...liveResource(context, 'keyPolicies', key.id, ({ statements }: LivePolicy) => {
          const live = keyPolicyOf(statements);
          return [
            live.grants === grants.length &&
              live.bound === grants.length - unbound.length &&
              live.wildcards === 0 &&
              live.guarded === guarded,
            `${live.grants} data-use grants, ${live.bound} bound; ${live.wildcards} wildcard actions; ${live.guarded ? 'key guard' : 'no key guard'}`,
          ];
        }),
      };
    });
    evidence.push({
      resource: '(every policy)',
      type: 'KeyPolicy, PolicyDocument, AssumeRolePolicyDocument',
      property: 'Statement[].Action',
      value: `${allows.length} Allow statements, ${wildcards === 0 ? 'none' : 'some'} with a wildcard action`,
      ...everyPolicyLive(context),
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

/** A key policy's data-use grants, how many are bound, its wildcard actions and its guard. */
function keyPolicyOf(statements: readonly Readonly<Record<string, unknown>>[]) {
  const allows = statements.filter((s) => s.Effect === 'Allow');
  const grants = allows.filter((s) => actionsOf(s).some((action) => dataActions.has(action)));
  return {
    grants: grants.length,
    bound: grants.filter(boundToContextOrService).length,
    wildcards: wildcardsOf(allows),
    guarded: statements.some(isGuard),
  };
}

const isGuard = (statement: Readonly<Record<string, unknown>>) =>
  statement.Effect === 'Deny' && actionsOf(statement).includes('kms:ScheduleKeyDeletion');

const wildcardsOf = (statements: readonly Readonly<Record<string, unknown>>[]) =>
  statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap(actionsOf)
    .filter((action) => action.includes('*')).length;

/**
 * Every policy of the stack as it runs, for wildcard actions: key policies, IAM policies and
 * roles' trust policies (live-policies.ts), queue, topic, bucket and VPC endpoint policies
 * (those resources' readings). A policy of another kind is not read, and says so.
 */
function everyPolicyLive(context: RuleContext) {
  const owners = [...new Set(policyStatements(context.template).map(({ owner }) => owner))];
  const readers = owners.map((owner) => ({ owner, pick: policyReader(context, owner) }));
  const unread = readers.filter(({ pick }) => pick === undefined).map(({ owner }) => owner);
  if (unread.length > 0 && context.live !== undefined) {
    return {
      live: {
        state: 'not-checked' as const,
        reason: `not read by the live mode: the policies of ${unread.join(', ')}`,
      },
    };
  }
  const picks = new Map(readers.map(({ owner, pick }) => [owner, pick]));
  return liveOfEach(
    context,
    owners,
    (resources, owner) => picks.get(owner)?.(resources),
    (policies: readonly LivePolicy[]) => {
      const wildcards = policies.reduce((sum, { statements }) => sum + wildcardsOf(statements), 0);
      return [
        wildcards === 0,
        `${policies.length} policies read, ${wildcards === 0 ? 'none' : wildcards} with a wildcard action`,
      ];
    },
  );
}

type PolicyPick = (resources: LiveResources) => Observed<LivePolicy> | undefined;

/** Where the live mode reads the policy `owner` holds, if it does. */
function policyReader(context: RuleContext, owner: string): PolicyPick | undefined {
  const type = context.template.Resources[owner]?.Type;
  if (type === 'AWS::KMS::Key') return (resources) => resources.keyPolicies.get(owner);
  if (
    type === 'AWS::IAM::ManagedPolicy' ||
    type === 'AWS::IAM::Policy' ||
    type === 'AWS::IAM::Role'
  ) {
    return (resources) => resources.policies.get(owner);
  }
  const attached = (name: string) => {
    const targets = context.template.Resources[owner]?.Properties?.[name];
    return (Array.isArray(targets) ? targets : []).flatMap((target) => referencedId(target) ?? []);
  };
  if (type === 'AWS::SQS::QueuePolicy') {
    const queues = attached('Queues');
    return () => policyOfAll(queues.map((id) => context.live?.queues.get(id)?.attributes));
  }
  if (type === 'AWS::SNS::TopicPolicy') {
    const topics = attached('Topics');
    return (resources) => policyOfAll(topics.map((id) => resources.topics.get(id)));
  }
  if (type === 'AWS::S3::BucketPolicy') {
    const bucket = referencedId(context.template.Resources[owner]?.Properties?.Bucket);
    return (resources) => {
      const policy = bucket === undefined ? undefined : resources.buckets.get(bucket)?.policy;
      return policyOfAll([
        policy === undefined || !('value' in policy)
          ? policy
          : { ...policy, value: { policy: policy.value } },
      ]);
    };
  }
  if (type === 'AWS::EC2::VPCEndpoint') {
    return (resources) => {
      const endpoint = resources.vpcEndpoints.get(owner);
      return policyOfAll([
        endpoint === undefined || !('value' in endpoint)
          ? endpoint
          : { ...endpoint, value: { policy: endpoint.value.policyDocument } },
      ]);
    };
  }
  return undefined;
}

/** The statements of every queue's or topic's live policy, as one reading. */
function policyOfAll(
  readings: readonly (Observed<{ readonly policy: string | undefined }> | undefined)[],
): Observed<LivePolicy> | undefined {
  const statements: Readonly<Record<string, unknown>>[] = [];
  let readAt: string | undefined;
  for (const reading of readings) {
    if (reading === undefined) return undefined;
    if ('unavailable' in reading) return reading;
    readAt = reading.readAt ?? readAt;
    const document: unknown = JSON.parse(reading.value.policy ?? '{}');
    const list = isRecord(document) ? document.Statement : undefined;
    statements.push(...(Array.isArray(list) ? list.filter(isRecord) : []));
  }
  return { value: { statements }, ...(readAt === undefined ? {} : { readAt }) };
}

function boundToContextOrService(statement: Readonly<Record<string, unknown>>): boolean {
  const conditions = isRecord(statement.Condition) ? Object.values(statement.Condition) : [];
  return conditions
    .flatMap((operator) => (isRecord(operator) ? Object.keys(operator) : []))
    .some((name) => name === 'kms:ViaService' || name.startsWith('kms:EncryptionContext:'));
}
