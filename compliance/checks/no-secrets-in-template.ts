/**
 * No secret in the template (PCI DSS 3.6.1: secret keys never stored in the clear): a template
 * is stored by CloudFormation and readable by anyone who may describe the stack, so provider
 * secrets live as KMS ciphertexts in the registry and the Lambda's environment holds names.
 * With `--stack`, each function's environment as it runs holds the template's variables and no
 * value shaped like a credential (a variable set outside the template would show).
 */
import { credentialPatterns } from '../report/secret-patterns.ts';
import { environmentOf, resourcesOfType } from '../report/template.ts';
import { finding, liveResource, ruleOutcome, type TemplateRule } from './rule.ts';

/** What a leaked credential looks like in a template. */
const secretPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  ...credentialPatterns,
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
    const evidence = resourcesOfType(context.template, 'AWS::Lambda::Function').map((fn) => {
      const names = Object.keys(environmentOf(fn.resource)).sort();
      return {
        resource: fn.id,
        type: fn.resource.Type,
        property: 'Environment.Variables',
        value: names.join(', ') || '(none)',
        ...liveResource(context, 'functions', fn.id, ({ variableNames, credentialLike }) => {
          const added = variableNames.filter((name) => !names.includes(name));
          return [
            added.length === 0 && credentialLike.length === 0,
            credentialLike.length > 0
              ? `${credentialLike.join(', ')} hold a value shaped like a credential`
              : added.length > 0
                ? `variables not in the template: ${added.join(', ')}`
                : variableNames.join(', ') || '(none)',
          ];
        }),
      };
    });
    return ruleOutcome(evidence, findings, 'the template has no Lambda function');
  },
};
