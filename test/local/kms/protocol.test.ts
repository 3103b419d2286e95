import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsStandIn, startKmsStandIn } from '../../../local/kms/server.ts';

let standIn: KmsStandIn;

beforeAll(async () => {
  standIn = await startKmsStandIn();
});

afterAll(() => standIn.close());

function post(target: string, body: string, contentType = 'application/x-amz-json-1.1') {
  return fetch(`${standIn.url}/`, {
    method: 'POST',
    headers: { 'x-amz-target': target, 'content-type': contentType },
    body,
  });
}

describe('AWS JSON 1.1 on the wire', () => {
  it('answers an operation with a JSON 1.1 body', async () => {
    const response = await post('TrentService.CreateKey', '{}');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toMatchObject({ KeyMetadata: { KeyState: 'Enabled' } });
  });

  it('answers errors as HTTP 400 with __type and message', async () => {
    const response = await post('TrentService.DescribeKey', '{"KeyId":"alias/missing"}');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'NotFoundException',
      message: "Alias 'arn:aws:kms:us-east-1:000000000000:alias/missing' is not found.",
    });
  });

  it.each([
    [
      'an operation it does not implement',
      'TrentService.GenerateMac',
      '{}',
      'UnknownOperationException',
    ],
    ['another service', 'DynamoDB_20120810.GetItem', '{}', 'UnknownOperationException'],
    ['a name from Object.prototype', 'TrentService.toString', '{}', 'UnknownOperationException'],
    ['a body that is not JSON', 'TrentService.CreateKey', '{', 'SerializationException'],
    ['a JSON array', 'TrentService.CreateKey', '[]', 'SerializationException'],
  ])('rejects %s', async (_case, target, body, type) => {
    const response = await post(target, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: type });
  });

  it('rejects another content type', async () => {
    const response = await post('TrentService.CreateKey', '{}', 'application/json');
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('rejects a GET', async () => {
    const response = await fetch(`${standIn.url}/`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('does not quote the body back when it is not JSON', async () => {
    const response = await post('TrentService.Encrypt', '{"Plaintext":"c2VjcmV0LXNlY3JldA=="');
    expect(await response.text()).not.toContain('c2VjcmV0LXNlY3JldA');
  });
});
