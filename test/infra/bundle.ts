/**
 * Runs the ingest Lambda's synthesized asset in a plain Node.js process, as the Lambda runtime
 * would load it: an ES module whose `handler` export is called with an event and a context.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type Deployment, ingestLambda, propertyOf } from './deployment.ts';

/** The bundled entry file of the ingest Lambda in the deployment's cloud assembly. */
export function ingestBundlePath(d: Deployment): string {
  // The code's S3 key is `<asset hash>.zip`; the assembly stages the asset as `asset.<hash>`.
  const key = propertyOf<{ S3Key?: string }>(ingestLambda(d.cloudFormation), 'Code').S3Key;
  const hash = key?.match(/^([0-9a-f]{64})\.zip$/)?.[1];
  if (hash === undefined) throw new Error(`the ingest Lambda's code is no asset: ${key}`);
  return join(d.assembly.directory, `asset.${hash}`, 'index.mjs');
}

const runner = `
const [bundle, event] = process.argv.slice(1);
const module = await import(bundle);
const context = {
  functionName: 'ingest', functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ingest',
  awsRequestId: 'test-request', logGroupName: 'test', logStreamName: 'test',
  getRemainingTimeInMillis: () => 10000,
};
const exported = { handler: typeof module.handler };
const response = typeof module.handler === 'function' ? await module.handler(JSON.parse(event), context) : null;
process.stdout.write('\\n' + JSON.stringify({ exported, response }) + '\\n');
`;

/** Loads the bundle in a fresh `node` and calls its handler with `event`. */
export async function invokeBundle(
  bundle: string,
  event: unknown,
  env: Readonly<Record<string, string>>,
): Promise<{ exported: { handler: string }; response: unknown }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', runner, pathToFileURL(bundle).href, JSON.stringify(event)],
    { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last);
}
