/**
 * The live policy documents the controls cite: each KMS key's policy (kms:GetKeyPolicy), each
 * IAM managed policy's default version (iam:GetPolicy, iam:GetPolicyVersion), each inline role
 * policy (iam:GetRolePolicy) and each role's trust policy (iam:GetRole). Only `webhooks
 * compliance report` reads them (live-resources.ts); the documents hold no secret, only who
 * may do what.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type Observed, observe } from './observed.ts';

/** A policy document's statements, as the service holds them. */
export interface LivePolicy {
  readonly statements: readonly Readonly<Record<string, unknown>>[];
}

export function readKeyPolicy(kms: KMSClient, keyId: string): Promise<Observed<LivePolicy>> {
  return observe('kms:GetKeyPolicy', async () => {
    const { Policy } = await kms.send(
      new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }),
    );
    return parsePolicy(Policy);
  });
}

/** A managed policy's default version: the one IAM applies. */
export async function readManagedPolicy(
  iam: IAMClient,
  arn: string,
): Promise<Observed<LivePolicy>> {
  const version = await observe('iam:GetPolicy', async () => {
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    if (Policy?.DefaultVersionId === undefined)
      throw new PolicyNotFoundError(`${arn} has no default version`);
    return Policy.DefaultVersionId;
  });
  if (!('value' in version)) return version;
  return observe('iam:GetPolicyVersion', async () => {
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version.value }),
    );
    return parsePolicy(PolicyVersion?.Document);
  });
}

/** An inline policy as one of the roles it is put on holds it (CloudFormation puts the same on each). */
export function readInlinePolicy(
  iam: IAMClient,
  roleName: string | undefined,
  policyName: string,
): Promise<Observed<LivePolicy>> {
  return observe('iam:GetRolePolicy', async () => {
    if (roleName === undefined)
      throw new PolicyNotFoundError('the policy names no role of the stack');
    const { PolicyDocument } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    return parsePolicy(PolicyDocument);
  });
}

/** A role's trust policy (who may assume it). */
export function readTrustPolicy(iam: IAMClient, roleName: string): Promise<Observed<LivePolicy>> {
  return observe('iam:GetRole', async () => {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    return parsePolicy(Role?.AssumeRolePolicyDocument);
  });
}

/** IAM returns documents URL-encoded (RFC 3986); KMS returns plain JSON. */
function parsePolicy(text: string | undefined): LivePolicy {
  if (text === undefined) throw new PolicyNotFoundError('no policy document was returned');
  const json = text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  const document: unknown = JSON.parse(json);
  const statement =
    typeof document === 'object' && document !== null
      ? (document as { Statement?: unknown }).Statement
      : undefined;
  const statements = (
    Array.isArray(statement) ? statement : statement === undefined ? [] : [statement]
  ).filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  return { statements };
}

class PolicyNotFoundError extends Error {
  override readonly name = 'NotFound';
}
