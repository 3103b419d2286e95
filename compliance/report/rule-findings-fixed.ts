/**
 * The findings of AWS's rules that this product had and fixed in the template, each with the
 * change and the test that keeps it fixed. Only what the history shows: a rule is listed here
 * when it reported a finding on the product and the product was changed so that it no longer
 * does. The report calls a listed rule fixed only where this template's run confirms it
 * (rule-findings.ts); a rule that merely ran and found nothing is "no finding", not "fixed".
 */

/** One fixed finding of a Control Tower proactive control (compliance/guard.ts). */
export interface FixedRule {
  /** The cfn-guard rule's name, as the validator reports it. */
  readonly rule: string;
  /** The Control Tower control id. */
  readonly control: string;
  /** What was changed, and where. */
  readonly change: string;
  /** The test that fails if the finding comes back. */
  readonly provedBy: { readonly file: string; readonly test: string };
}

/** Found when Control Tower's controls were first run at synth, and fixed in the same change. */
export const fixedGuardRules: readonly FixedRule[] = [
  {
    rule: 'kms_create_grant_aws_service_check',
    control: 'CT.KMS.PR.3',
    change:
      'Every key policy denies kms:CreateGrant unless an AWS service asks for a resource of its own (kms:GrantIsForAWSResource, aws:PrincipalIsAWSService), in grantsOnlyForAwsServices (infra/key-policies.ts).',
    provedBy: {
      file: 'test/compliance/guard.test.ts',
      test: 'every key policy limits kms:CreateGrant to AWS services (CT.KMS.PR.3)',
    },
  },
  {
    rule: 'sqs_dlq_check',
    control: 'CT.SQS.PR.1',
    change:
      'The dead-letter queue declares itself one with a redrive allow policy (infra/queues.ts), as the control asks of a queue without a dead-letter queue of its own.',
    provedBy: {
      file: 'test/compliance/guard.test.ts',
      test: 'the dead-letter queue declares itself one (CT.SQS.PR.1)',
    },
  },
];
