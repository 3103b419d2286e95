/**
 * The profiles that keep the Lambda out of a VPC by default, each synthesized as `cdk synth
 * -c profiles=…` would (an HTTP API, no WAF, no tracing), and held to every security property
 * (deployment-checks.ts).
 */
import { describe, expect, it } from 'vitest';
import { retentionFloorVariable } from '../../compliance/profiles.ts';
import { payloadBucket } from '../../functions/config/buckets.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { deliveryQueue } from '../../functions/config/queues.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { ingestBundlePath, invokeBundle } from '../infra/bundle.ts';
import { deployment } from '../infra/deployment.ts';
import { describeDeployment } from './deployment-checks.ts';

const defaults = { front: 'http', waf: false, tracing: false, vpc: false } as const;

describeDeployment('baseline', { profiles: 'baseline' }, { profiles: ['baseline'], ...defaults });

describeDeployment('gdpr', { profiles: 'gdpr' }, { profiles: ['gdpr'], ...defaults });

describeDeployment('ccpa', { profiles: 'ccpa' }, { profiles: ['ccpa'], ...defaults });

describe('the bundled ingest Lambda', () => {
  const names = {
    [registryTable.nameVariable]: 'registry',
    [auditTable.nameVariable]: 'audit',
    [deliveryQueue.urlVariable]: 'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries',
    [kmsKeys.secrets.idVariable]: 'alias/secrets',
    [kmsKeys.audit.idVariable]: 'alias/audit',
    [retentionFloorVariable]: 'minimal',
    [payloadBucket.nameVariable]: 'payloads',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };

  it('loads as an ES module in plain Node.js and exports handler as a function', async () => {
    const bundle = ingestBundlePath(deployment({ profiles: 'baseline' }));
    const { exported } = await invokeBundle(bundle, {}, names);
    expect(exported.handler).toBe('function');
  }, 60_000);

  it('runs the middy chain: a malformed event is answered 400 without calling AWS', async () => {
    const bundle = ingestBundlePath(deployment({ profiles: 'baseline' }));
    const { response } = await invokeBundle(bundle, { httpMethod: 'POST' }, names);
    expect(response).toEqual({ statusCode: 400, headers: {}, body: '{"error":"bad_request"}' });
  }, 60_000);
});
