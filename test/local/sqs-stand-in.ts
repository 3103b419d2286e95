import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, vi } from 'vitest';
import type { LocalService } from '../../local/ports.ts';
import { startSqsLocal } from '../../local/sqs.ts';

/**
 * Starts fauxqs for the calling test file and points the SDK at it through
 * AWS_ENDPOINT_URL_SQS alone, as the handlers are pointed. Read `sqs` and `client` inside
 * tests, once beforeAll has run.
 */
export function useSqsStandIn(): { readonly sqs: LocalService; readonly client: SQSClient } {
  const state: { sqs?: LocalService; client?: SQSClient } = {};
  beforeAll(async () => {
    state.sqs = await startSqsLocal();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', state.sqs.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    state.client = new SQSClient({});
  });
  afterAll(async () => {
    state.client?.destroy();
    await state.sqs?.stop();
    vi.unstubAllEnvs();
  });
  return {
    get sqs() {
      return state.sqs as LocalService;
    },
    get client() {
      return state.client as SQSClient;
    },
  };
}
