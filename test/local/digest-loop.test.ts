/**
 * `npm start`'s digest loop: the digest function's own handler, run against the local stack,
 * writes the first digest at once (the last settled period) and `audit verify --local` checks
 * the chain it starts, without a finding.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { type LocalDigests, startLocalDigests } from '../../local/digest-loop.ts';
import { cli } from '../cli/helpers.ts';
import { startBudgetMs, startTestStack, type TestStack } from '../support/stack.ts';

let test: TestStack;
let loop: LocalDigests | undefined;

beforeAll(async () => {
  test = await startTestStack();
}, startBudgetMs);

afterAll(async () => {
  await loop?.stop();
  await test?.close();
});

describe('npm start writes audit digests', () => {
  it('writes the last settled period at once, signed and verifiable with --local', async () => {
    const lines: string[] = [];
    loop = await startLocalDigests({ log: (line) => lines.push(line), everyMs: 60_000 });
    await loop.stop();
    expect(lines).toEqual([]); // an empty period is written, but not announced

    const s3 = new S3Client({});
    const { Contents = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: auditDigests.localBucketName }),
    );
    s3.destroy();
    const keys = Contents.map(({ Key }) => String(Key));
    expect(keys).toHaveLength(2);
    expect(keys.filter((key) => key.endsWith('.json.sig'))).toHaveLength(1);

    const { code, stdout } = await cli(['audit', 'verify', '--local', '--since', '10m']);
    expect(stdout).toMatch(/digests {4}1 checked, 1 signatures valid, chain intact/);
    expect(stdout).toMatch(/findings {3}0/);
    expect(code).toBe(0);
  });
});
