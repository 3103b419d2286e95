/**
 * Starts the KMS stand-in and a real KMSClient that finds it the standard way: through
 * AWS_ENDPOINT_URL_KMS and AWS_REGION, with fake credentials, and no `endpoint` option.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { vi } from 'vitest';
import {
  type KmsStandIn,
  type KmsStandInOptions,
  startKmsStandIn,
} from '../../../local/kms/server.ts';

export interface StandInWithClient {
  readonly standIn: KmsStandIn;
  readonly kms: KMSClient;
  close(): Promise<void>;
}

export async function startWithClient(options: KmsStandInOptions = {}): Promise<StandInWithClient> {
  const standIn = await startKmsStandIn(options);
  vi.stubEnv('AWS_ENDPOINT_URL_KMS', standIn.url);
  vi.stubEnv('AWS_REGION', standIn.region);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  const kms = new KMSClient({});
  return {
    standIn,
    kms,
    async close() {
      kms.destroy();
      await standIn.close();
      vi.unstubAllEnvs();
    },
  };
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);
