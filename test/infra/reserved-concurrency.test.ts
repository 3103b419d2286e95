/**
 * The ingest Lambda's reserved concurrency (issue 16, point 7a): none by default, so that the
 * stack deploys in an account whose concurrency quota is still reduced (Lambda refuses a
 * reservation that leaves less than the account's minimum unreserved); 25 on a function URL,
 * which nothing else caps; what the operator asks for otherwise. The cdk-nag rules that want a
 * reservation are acknowledged for the default, with the reason.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { asTemplate, property } from '../../compliance/report/template.ts';
import { resolveSettings } from '../../infra/settings.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';
import { ingestLambda, nagFindings } from './deployment.ts';

const synthTimeoutMs = 180_000;

function synthesized(props: WebhookIngestionProps) {
  const app = new App();
  const stack = new Stack(app, 'webhook-ingestion-concurrency');
  new WebhookIngestion(stack, 'WebhookIngestion', props);
  const json = Template.fromStack(stack).toJSON();
  const reservation = property(
    ingestLambda(asTemplate(json, stack.stackName)).resource,
    'ReservedConcurrentExecutions',
  );
  return { app, reservation };
}

describe('the settings reserve concurrency for the ingest Lambda', () => {
  it('nowhere by default, on the HTTP and REST fronts', () => {
    expect(resolveSettings({}).reservedConcurrency).toBeUndefined();
    expect(resolveSettings({ front: 'rest' }).reservedConcurrency).toBeUndefined();
  });

  it('25 on a function URL, which no stage throttles', () => {
    expect(resolveSettings({ front: 'url' }).reservedConcurrency).toBe(25);
  });

  it('what the operator asks for, on any front', () => {
    expect(resolveSettings({ reservedConcurrency: 600 }).reservedConcurrency).toBe(600);
    expect(resolveSettings({ front: 'url', reservedConcurrency: 5 }).reservedConcurrency).toBe(5);
  });
});

describe('a synthesized deployment', () => {
  it(
    'asks for no reservation by default, with the cdk-nag rules that want one acknowledged',
    () => {
      const { app, reservation } = synthesized({});
      expect(reservation).toBeUndefined();
      expect(nagFindings(app).filter((finding) => finding.includes('LambdaConcurrency'))).toEqual(
        [],
      );
    },
    synthTimeoutMs,
  );

  it(
    'reserves what is asked for, and needs no acknowledgement then',
    () => {
      const { app, reservation } = synthesized({ reservedConcurrency: 40 });
      expect(reservation).toBe(40);
      expect(nagFindings(app).filter((finding) => finding.includes('LambdaConcurrency'))).toEqual(
        [],
      );
    },
    synthTimeoutMs,
  );
});
