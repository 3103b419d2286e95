/** The cdk-nag acknowledgements (compliance/acknowledgements.ts), as a suite over deployments. */
import { readFileSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acknowledgements } from '../../compliance/acknowledgements.ts';
import { verdictText } from '../../compliance/compliance-doc.ts';
import { guardPluginName } from '../../compliance/guard-rules.ts';
import { buildIngestionApp } from '../../infra/ingestion-app.ts';
import { type Deployment, deployment, nagFindings } from '../infra/deployment.ts';

/** Every finding the packs report when acknowledgements are ignored. */
function unacknowledgedFindings(d: Deployment): string[] {
  const ignore = vi
    .spyOn(NagPack.prototype as unknown as { isAcknowledged(): boolean }, 'isAcknowledged')
    .mockReturnValue(false);
  try {
    return nagFindings(d.app);
  } finally {
    ignore.mockRestore();
  }
}

/**
 * The acknowledgement list checked against deployments that, between them, meet every
 * condition an acknowledgement has (VPC or not, WAF or not, alarm e-mail, account role).
 */
export function describeAcknowledgements(
  contexts: ReadonlyArray<Readonly<Record<string, unknown>>>,
  /** Deployments with a consumer added (`addConsumer`), for its wiring's acknowledgements. */
  consumerContexts: ReadonlyArray<Readonly<Record<string, unknown>>> = [],
): void {
  describe('cdk-nag acknowledgements', () => {
    let deployments: Deployment[];
    beforeAll(() => {
      deployments = [
        ...contexts.map((context) => deployment(context)),
        ...consumerContexts.map((context) => deployment(context, { consumer: true })),
      ];
    }, 240_000);
    afterEach(() => vi.restoreAllMocks());

    it('each answer a finding the packs really report on that resource', () => {
      const stale: string[] = [];
      // Each deployment's findings once: reading them is a walk over its whole tree.
      const findingsOf = new Map(deployments.map((d) => [d, unacknowledgedFindings(d)]));
      for (const entry of acknowledgements) {
        let applied = 0;
        for (const d of deployments) {
          const findings = findingsOf.get(d) ?? [];
          for (const target of entry.targets(d.ingestion)) {
            applied += 1;
            for (const rule of entry.rules) {
              // Control Tower's (compliance/guard.ts): test/compliance/guard.test.ts checks them
              // against the validator's own report, a cfn-guard run costing seconds a template.
              if (rule.startsWith(`${guardPluginName}::`)) continue;
              const found = findings.some((finding) => {
                const [name, path] = finding.split(' at ') as [string, string];
                return (
                  name === rule &&
                  (path === target.node.path || path.startsWith(`${target.node.path}/`))
                );
              });
              if (!found) stale.push(`${rule} on ${target.node.path}`);
            }
          }
        }
        if (applied === 0)
          stale.push(`${entry.rules.join(', ')} (${entry.resource}) applies nowhere`);
      }
      expect(stale).toEqual([]);
    });

    it('are the only cdk-nag acknowledgements recorded anywhere in the construct tree', () => {
      const nagRule = /^(AwsSolutions|HIPAA\.Security|PCI\.DSS\.321|NIST\.800\.53\.R5|Serverless)-/;
      const listed = new Set(
        acknowledgements.flatMap((a) => a.rules.map((rule) => `${rule}|${a.reason}`)),
      );
      const recorded = deployments.flatMap((d) =>
        d.app.node
          .findAll()
          .flatMap((construct: IConstruct) =>
            construct.node.metadata
              .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
              .flatMap((entry) =>
                Object.entries(entry.data as Record<string, string>).map(
                  ([id, reason]) => `${id.replace(/^annotation::/i, '')}|${reason}`,
                ),
              ),
          ),
      );
      const nagAcknowledgements = recorded.filter((ack) => nagRule.test(ack));
      expect(nagAcknowledgements.length).toBeGreaterThan(0);
      expect(nagAcknowledgements.filter((ack) => !listed.has(ack))).toEqual([]);
    });

    it('are each listed in docs/compliance.md with their verdict and reason', () => {
      const doc = readFileSync('docs/compliance.md', 'utf8');
      for (const entry of acknowledgements) {
        expect(doc).toContain(`${verdictText[entry.verdict].label}: ${entry.reason}`);
        for (const rule of entry.rules) expect(doc).toContain(`\`${rule}\``);
      }
    });

    it('leave any other finding to fail the synthesis', () => {
      const { app, stack } = buildIngestionApp({
        context: { stackName: 'webhook-ingestion-test' },
      });
      // An unencrypted queue without a dead-letter queue: several packs object.
      new sqs.Queue(stack, 'Unchecked', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      expect(() => app.synth()).toThrow(/SQS/);
    }, 120_000);
  });
}
