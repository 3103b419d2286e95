/**
 * No secret in the template (PCI DSS 3.6.1: secret keys never stored in the clear): a template
 * is stored by CloudFormation and readable by anyone who may describe the stack, so provider
 * secrets live as KMS ciphertexts in the registry and the Lambda's environment holds names.
 */
import { environmentOf, resourcesOfType } from '../report/template.ts';
import { finding, ruleOutcome, type TemplateRule } from './rule.ts';

/** What a leaked credential looks like in a template. */
const secretPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/whsec_/, 'a Stripe-style webhook secret (whsec_…)'],
  [/sk_(live|test)_/, 'a Stripe API key'],
  [/-----BEGIN/, 'a PEM key or certificate'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/xox[abp]-/, 'a Slack token'],
  [/"(Secret|Password|Token)"\s*:/i, 'a Secret, Password or Token property'],
];

export const noSecretsInTemplate: TemplateRule<'no-secrets-in-template'> = {
  name: 'no-secrets-in-template',
  summary:
    'The template, the ingest Lambda environment included, holds no secret, key material or credential.',
  evaluate(context) {
    const resources = Object.entries(context.template.Resources);
    const findings = secretPatterns.flatMap(([pattern, what]) => {
      if (!pattern.test(JSON.stringify(context.template))) return [];
      const holders = resources
        .filter(([, resource]) => pattern.test(JSON.stringify(resource)))
        .map(([id]) => id);
      return [finding(`the template contains ${what}`, ...holders)];
    });
    const evidence = resourcesOfType(context.template, 'AWS::Lambda::Function').map((fn) => ({
      resource: fn.id,
      type: fn.resource.Type,
      property: 'Environment.Variables',
      value: Object.keys(environmentOf(fn.resource)).join(', ') || '(none)',
    }));
    return ruleOutcome(evidence, findings, 'the template has no Lambda function');
  },
};
