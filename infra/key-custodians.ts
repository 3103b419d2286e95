/**
 * The key custodians (`keyCustodians`): the roles the key policies themselves name for the two
 * uses of the data that read it, decrypting audit fields (payload copies and request headers)
 * and decrypting deliveries. Without them those statements name the account, and who may
 * decrypt is whatever IAM outside the stack allows; with them the policy says who, and each
 * role's IAM policy must allow it as well (infra/key-policies.ts).
 *
 * Role ARNs, not role constructs: the usual custodian is a role of another stack or of IAM
 * Identity Center, and an ARN written out is no reference between stacks, so it can neither
 * make a cycle nor wait for the other stack; KMS does not check that a role named in a
 * condition exists, so the roles may come after the keys.
 */
import { Token } from 'aws-cdk-lib';

export interface KeyCustodians {
  /**
   * The roles that may decrypt audit fields: `webhooks audit show` of a payload copy or its
   * headers, and `webhooks replay`, which reads the payload copy it sends again. Each also
   * needs `grantReadPayloadCopies` (or an IAM policy of its own). No other principal of the
   * account may, whatever IAM allows it. A `*` in the name matches any characters, for IAM
   * Identity Center's `AWSReservedSSO_<set>_<suffix>` roles.
   * @default - every principal of the account whose IAM policy allows it
   * @example ['arn:aws:iam::123456789012:role/webhook-auditors']
   */
  readonly auditorRoleArns?: readonly string[];
  /**
   * The roles that may read deliveries: consumers of another stack (`grantConsumeDeliveries`),
   * and whoever sends to the queue again, `webhooks replay` and a dead-letter redrive, for
   * which SQS decrypts too. The function of `addConsumer` is added on its own. No other
   * principal of the account may decrypt under the queue key, the ingest function excepted.
   * @default - every principal of the account whose IAM policy allows it
   */
  readonly consumerRoleArns?: readonly string[];
}

/** The key guard (`keyGuard`, infra/key-guard.ts), here beside the custodians so that the props need not import the guard. */
export interface KeyGuardOptions {
  /**
   * The one role that may still disable a key, schedule its deletion or turn its rotation
   * off, for an emergency or a planned retirement; its IAM policy must allow those actions too
   * (the key policies delegate administration to the account). Sessions of it are matched by
   * `aws:PrincipalArn`, so give the role's ARN with its path; KMS does not check that it exists.
   * @example 'arn:aws:iam::123456789012:role/break-glass'
   */
  readonly breakGlassRoleArn: string;
}

/** The custodian lists, by the prop that names them. */
export const custodianLists = {
  auditorRoleArns: 'audit fields (payload copies and headers)',
  consumerRoleArns: 'deliveries',
} as const satisfies Record<keyof KeyCustodians, string>;

/** A role's ARN, its path included, with `*` allowed in the name; a token passes. */
const roleArnPattern = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/*-]+$/;

export function isRoleArn(value: string): boolean {
  return Token.isUnresolved(value) || roleArnPattern.test(value);
}

/** What is wrong with the custodians given: an empty list, or an ARN that names no role. */
export function keyCustodianProblems(custodians: KeyCustodians | undefined): string[] {
  if (custodians === undefined) return [];
  return Object.entries(custodianLists).flatMap(([name, what]) => {
    const arns = custodians[name as keyof KeyCustodians];
    if (arns === undefined) return [];
    if (arns.length === 0) {
      return [
        `keyCustodians.${name} is empty, which would let nobody decrypt ${what}: leave it out to let IAM decide, or name the roles`,
      ];
    }
    return arns
      .filter((arn) => !isRoleArn(arn))
      .map(
        (arn) =>
          `keyCustodians.${name}: ${JSON.stringify(arn)} is no IAM role ARN (arn:aws:iam::<account>:role/<path><name>)`,
      );
  });
}

/**
 * Whether `roleArn` is among `custodians`, as `aws:PrincipalArn` with ArnLike would match it: the
 * same text (a token of the same role included), or a written-out pattern whose `*` covers it.
 */
export function isCustodian(roleArn: string, custodians: readonly string[]): boolean {
  return custodians.some(
    (custodian) =>
      custodian === roleArn ||
      (!Token.isUnresolved(custodian) &&
        !Token.isUnresolved(roleArn) &&
        new RegExp(
          `^${custodian
            .split('*')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        ).test(roleArn)),
  );
}
