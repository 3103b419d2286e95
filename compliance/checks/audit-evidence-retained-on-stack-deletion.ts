/**
 * Audit evidence outlives the stack (PCI DSS 10.3.2): deleting or replacing the stack must not
 * delete the tables, logs and keys that hold (or decrypt) the audit trail. With `--stack`, each
 * DeletionPolicy is read from the template CloudFormation deployed (cloudformation:GetTemplate):
 * it is what deleting the stack applies, and no service setting shows it.
 */
import { resourcesOfType } from '../report/template.ts';
import { type Finding, finding, liveResource, ruleOutcome, type TemplateRule } from './rule.ts';

/** Resource types that hold audit evidence, or the key without which it cannot be read. */
const evidenceTypes = ['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'];

export const auditEvidenceRetainedOnStackDeletion: TemplateRule<'audit-evidence-retained-on-stack-deletion'> =
  {
    name: 'audit-evidence-retained-on-stack-deletion',
    summary:
      'Tables, log groups and keys are kept when the stack is deleted or replaced (DeletionPolicy Retain), so deleting the stack never destroys audit evidence.',
    evaluate(context) {
      const findings: Finding[] = [];
      const evidence = evidenceTypes.flatMap((type) =>
        resourcesOfType(context.template, type).map(({ id, resource }) => {
          if (resource.DeletionPolicy !== 'Retain') {
            findings.push(finding(`${id} (${type}) is deleted with the stack`, id));
          }
          return {
            resource: id,
            type,
            property: 'DeletionPolicy',
            value: resource.DeletionPolicy ?? '(not set: Delete)',
            ...liveResource(context, 'deletionPolicies', id, ({ deletionPolicy }) => [
              deletionPolicy === 'Retain',
              deletionPolicy ?? '(not set: Delete)',
            ]),
          };
        }),
      );
      return ruleOutcome(evidence, findings, 'the template has no table, log group or key');
    },
  };
