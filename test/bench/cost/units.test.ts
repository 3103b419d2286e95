/** How each service's calls turn into billed units, from what the SDK meter records. */
import { describe, expect, it } from 'vitest';
import { accessLogBytes } from '../../../bench/cost/access-log-size.ts';
import { s3RequestClass, sqsRequests } from '../../../bench/cost/billable-requests.ts';
import {
  askForConsumedCapacity,
  consumedUnits,
  itemBytes,
} from '../../../bench/cost/dynamodb-units.ts';
import { readLines } from '../../../bench/cost/log-capture.ts';
import type { SdkCall } from '../../../bench/cost/sdk-meter.ts';

const call = (service: string, command: string, fields: Partial<SdkCall> = {}): SdkCall => ({
  service,
  command,
  input: {},
  startMs: 0,
  endMs: 1,
  wire: [[0, 1]],
  wireCpuMs: 0,
  attempts: 1,
  requestBytes: 0,
  responseBytes: 0,
  ...fields,
});

describe('DynamoDB units', () => {
  it('asks reads and writes for their capacity, table and indexes, and nothing else', () => {
    expect(askForConsumedCapacity('DynamoDB', 'PutItem', { TableName: 't' })).toEqual({
      TableName: 't',
      ReturnConsumedCapacity: 'INDEXES',
    });
    expect(askForConsumedCapacity('DynamoDB', 'DescribeTable', {})).toEqual({});
    expect(askForConsumedCapacity('SQS', 'SendMessage', {})).toEqual({});
  });

  it('reads a transaction’s capacity, table and each index', () => {
    const transaction = call('DynamoDB', 'TransactWriteItems', {
      output: {
        ConsumedCapacity: [
          {
            TableName: 'audit',
            CapacityUnits: 18,
            Table: { CapacityUnits: 14 },
            GlobalSecondaryIndexes: {
              bySubject: { CapacityUnits: 2 },
              byDeliveryId: { CapacityUnits: 2 },
            },
          },
        ],
      },
    });
    expect(consumedUnits(transaction)).toEqual({
      kind: 'write',
      table: 14,
      indexes: { bySubject: 2, byDeliveryId: 2 },
      source: 'reported',
    });
  });

  it('counts a failed conditional put from the size of the item it carried', () => {
    const refused = call('DynamoDB', 'PutItem', {
      errorName: 'ConditionalCheckFailedException',
      input: { Item: { pk: { S: 'x'.repeat(2000) } } },
    });
    expect(consumedUnits(refused)).toEqual({
      kind: 'write',
      table: 2,
      indexes: {},
      source: 'computed',
    });
  });

  it('refuses a read or write that reported no capacity otherwise', () => {
    expect(() => consumedUnits(call('DynamoDB', 'GetItem', { output: {} }))).toThrow(
      /returned no ConsumedCapacity/,
    );
    expect(consumedUnits(call('DynamoDB', 'DescribeTable'))).toBeUndefined();
  });

  it('sizes an item as DynamoDB does: names and values, numbers by their digits', () => {
    expect(itemBytes({ pk: { S: 'abc' }, n: { N: '1234567' }, ok: { BOOL: true } })).toBe(
      2 + 3 + 1 + 5 + 2 + 1,
    );
  });
});

describe('SQS, S3 and the logs', () => {
  it('bills an SQS send per 64 KB chunk of body and attributes', () => {
    const send = (body: number, attribute = '') =>
      call('SQS', 'SendMessage', {
        input: {
          MessageBody: 'x'.repeat(body),
          MessageAttributes:
            attribute === '' ? {} : { a: { DataType: 'String', StringValue: attribute } },
        },
      });
    expect(sqsRequests(send(65_536))).toBe(1);
    expect(sqsRequests(send(65_530, 'abcdefgh'))).toBe(2);
    expect(sqsRequests(send(153_600))).toBe(3);
    expect(sqsRequests(call('DynamoDB', 'PutItem'))).toBe(0);
  });

  it('sorts S3 calls into their request classes; a delete is free', () => {
    expect(s3RequestClass(call('S3', 'PutObject'))).toBe('put');
    expect(s3RequestClass(call('S3', 'GetObject'))).toBe('get');
    expect(s3RequestClass(call('S3', 'DeleteObject'))).toBeUndefined();
  });

  it('tells metric lines from log lines, and reads their level', () => {
    const lines = readLines(
      '{"level":"INFO","message":"x"}\n{"_aws":{},"accepted":1}\nplain text\n',
    );
    expect(lines).toEqual([
      { kind: 'application', level: 'INFO', bytes: 30 },
      { kind: 'emf', bytes: 24 },
      { kind: 'application', bytes: 10 },
    ]);
  });

  it('fills an access log format with the answer and the assumed values, `-` for the rest', () => {
    const format =
      '{"id":"$context.requestId","status":"$context.status","ip":"$context.identity.sourceIp"}';
    const bytes = accessLogBytes(
      format,
      { requestId: 'r-1' },
      { statusCode: 202, responseBodyBytes: 45 },
    );
    expect(bytes).toBe(Buffer.byteLength('{"id":"r-1","status":"202","ip":"-"}'));
  });
});
