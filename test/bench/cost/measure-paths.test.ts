/**
 * The units each path of the ingest handler costs, measured live against the local stand-ins as
 * `npm run cost` measures them. Literal counts, so that a change to the ingest path shows here;
 * and the counts recorded in bench/cost/measured.json, which the docs are rendered from, must be
 * the ones the code makes now (`npm run cost -- --write` records them again).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { measurePaths } from '../../../bench/cost/measure-paths.ts';
import { readMeasurement } from '../../../bench/cost/measurement.ts';
import type { Aggregate } from '../../../bench/cost/path-measurement.ts';
import { type PathName, pathNames, sampleSizesOf } from '../../../bench/cost/paths.ts';
import { loadPriceList } from '../../../bench/cost/prices.ts';

let measured: Record<PathName, Aggregate>;

beforeAll(async () => {
  const { assumptions } = await loadPriceList();
  measured = await measurePaths({ samples: 2, sizes: sampleSizesOf(assumptions) });
}, 180_000);

const units = (path: PathName) => measured[path].units;

describe('units per path, measured on the handler', () => {
  it('an accepted delivery with a compressed payload copy: the claim (a conditional PutItem), then the send beside the copy; 5 WRU, one SQS request, no KMS', () => {
    expect(units('accepted-standard')).toMatchObject({
      statusCode: 202,
      calls: ['DynamoDB PutItem', 'SQS SendMessage', 'DynamoDB PutItem'],
      sequentialCalls: 2,
      // The claimed item, with its headers and seals, is over 1 KB: 2 WRU, the copy 2, byTime 1.
      dynamodbWriteUnits: 5,
      dynamodbReadUnits: 0,
      sqsRequests: 1,
      s3PutRequests: 0,
      kmsRequests: 0,
    });
  });

  it('DynamoDB Local reports the index entries: the byTime entry is counted apart, no byDeliveryId', () => {
    expect(units('accepted-standard').dynamodbUnitsByTarget).toEqual({
      table: 4,
      'index byTime': 1,
    });
  });

  it('without a payload copy or headers (`minimal`), the claim PutItem and the send: 2 WRU', () => {
    expect(units('accepted-minimal')).toMatchObject({
      calls: ['DynamoDB PutItem', 'SQS SendMessage'],
      sequentialCalls: 2,
      dynamodbWriteUnits: 2,
      dynamodbUnitsByTarget: { table: 1, 'index byTime': 1 },
    });
  });

  it('a duplicate: the claim PutItem fails its condition and answers with the item, one UpdateItem appends the repeat to it; nothing sent', () => {
    expect(units('duplicate')).toMatchObject({
      statusCode: 200,
      calls: ['DynamoDB PutItem', 'DynamoDB UpdateItem'],
      sequentialCalls: 2,
      // The failed claim is charged for the item it carried (2 WRU, computed: DynamoDB reports
      // nothing), the append for the item it grows (2 WRU); neither touches the byTime index.
      dynamodbWriteUnits: 4,
      dynamodbUnitsByTarget: { table: 4 },
      sqsRequests: 0,
    });
  });

  it('a bad signature: one audit record; an unknown provider: a registry read and one record', () => {
    expect(units('rejected-signature')).toMatchObject({
      statusCode: 401,
      calls: ['DynamoDB PutItem'],
      dynamodbWriteUnits: 3,
    });
    expect(units('unknown-provider')).toMatchObject({
      statusCode: 401,
      calls: ['DynamoDB GetItem', 'DynamoDB PutItem'],
      dynamodbReadUnits: 1,
      dynamodbWriteUnits: 3,
    });
  });

  it('a 150 KiB body travels in three 64 KB SQS chunks, and its compressed payload copy costs about 50 WRU more', () => {
    expect(units('medium-body')).toMatchObject({
      sqsRequests: 3,
      dynamodbWriteUnits: 52,
      s3PutRequests: 0,
    });
  });

  it('a 1 MiB body takes the claim check: one S3 PUT before one small SQS message, the compressed copy beside them', () => {
    expect(units('large-body')).toMatchObject({
      statusCode: 202,
      calls: ['DynamoDB PutItem', 'S3 PutObject', 'DynamoDB PutItem', 'SQS SendMessage'],
      s3PutRequests: 1,
      sqsRequests: 1,
      dynamodbWriteUnits: 331,
    });
  });

  it('writes one log line and one metric line per delivery', () => {
    for (const path of pathNames) {
      expect(units(path).logLines.map((line) => line.kind)).toEqual(['application', 'emf']);
    }
  });

  it('costs what bench/cost/measured.json records, path by path (else: npm run cost -- --write)', async () => {
    const recorded = await readMeasurement();
    for (const path of pathNames) {
      const { wireBytes, ...measured } = units(path);
      const { wireBytes: recordedWireBytes, ...expected } = recorded.paths[path].units;
      expect({ path, ...measured }).toEqual({ path, ...expected });
      // Each delivery id compresses a little differently in the payload copy: a few bytes apart.
      for (const [service, bytes] of Object.entries(recordedWireBytes)) {
        expect(Math.abs((wireBytes[service] ?? 0) - bytes), `${path} ${service}`).toBeLessThan(
          Math.max(64, bytes * 0.01),
        );
      }
    }
  });
});
