/**
 * The inline function that answers the prefix list lookup (infra/network.ts), run here on fakes
 * of the EC2 client and of the PUT to CloudFormation's pre-signed URL: what it asks EC2, what it
 * answers, and that it only ever reads.
 */
import { describe, expect, it } from 'vitest';
import {
  managedPrefixListName,
  prefixListLookup,
  prefixListLookupCode,
} from '../../infra/network.ts';

interface Answer {
  readonly Status: string;
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
  readonly RequestId: string;
}

interface Put {
  readonly url: string;
  readonly options: { method: string; headers: Record<string, unknown> };
  readonly body: string;
}

type Handler = (event: Record<string, unknown>) => Promise<void>;

/** The handler as Lambda would load it, with `@aws-sdk/client-ec2` and `node:https` faked. */
function load(prefixLists: ReadonlyArray<{ PrefixListName: string; PrefixListId: string }>) {
  const commands: Array<{ name: string; input: unknown }> = [];
  const puts: Put[] = [];
  class DescribeManagedPrefixListsCommand {
    readonly input: unknown;
    constructor(input: unknown) {
      this.input = input;
    }
  }
  class EC2Client {
    async send(command: { constructor: { name: string }; input: unknown }) {
      commands.push({ name: command.constructor.name, input: command.input });
      return { PrefixLists: prefixLists };
    }
  }
  const https = {
    request(url: string, options: Put['options'], onResponse: (response: unknown) => void) {
      let body = '';
      const ends: Array<() => void> = [];
      return {
        on: () => undefined,
        end(chunk: string) {
          body = chunk;
          puts.push({ url, options, body });
          onResponse({
            resume: () => undefined,
            on: (_: string, end: () => void) => ends.push(end),
          });
          for (const end of ends) end();
        },
      };
    },
  };
  const modules: Record<string, unknown> = {
    'node:https': https,
    '@aws-sdk/client-ec2': { EC2Client, DescribeManagedPrefixListsCommand },
  };
  const exports: { handler?: Handler } = {};
  const quiet = { log: () => undefined };
  new Function('require', 'exports', 'console', prefixListLookupCode)(
    (name: string) => {
      if (!(name in modules)) throw new Error(`the lookup requires ${name}`);
      return modules[name];
    },
    exports,
    quiet,
  );
  if (exports.handler === undefined) throw new Error('no handler exported');
  const answers = () => puts.map((put) => JSON.parse(put.body) as Answer);
  return { handler: exports.handler, commands, puts, answers };
}

const names = {
  dynamodb: managedPrefixListName('eu-west-1', 'dynamodb'),
  s3: managedPrefixListName('eu-west-1', 's3'),
};

const event = (requestType: string, extra: Record<string, unknown> = {}) => ({
  RequestType: requestType,
  ResponseURL: 'https://cloudformation-custom-resource-response.s3.amazonaws.com/presigned',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/webhooks/1',
  RequestId: 'request-1',
  LogicalResourceId: 'PrefixLists',
  ResourceProperties: { ServiceToken: 'arn', [prefixListLookup.namesProperty]: names },
  ...extra,
});

const lists = [
  { PrefixListName: 'com.amazonaws.eu-west-1.s3', PrefixListId: 'pl-6da54004' },
  { PrefixListName: 'com.amazonaws.eu-west-1.dynamodb', PrefixListId: 'pl-6fa54006' },
];

describe('the prefix list lookup', () => {
  it('fits CloudFormation inline code, at most 4,096 characters', () => {
    expect(prefixListLookupCode.length).toBeLessThanOrEqual(4096);
  });

  it('reads both lists by name in one describe call and answers their ids', async () => {
    const lookup = load(lists);
    await lookup.handler(event('Create'));
    expect(lookup.commands).toEqual([
      {
        name: 'DescribeManagedPrefixListsCommand',
        input: {
          Filters: [
            {
              Name: 'prefix-list-name',
              Values: ['com.amazonaws.eu-west-1.dynamodb', 'com.amazonaws.eu-west-1.s3'],
            },
          ],
        },
      },
    ]);
    expect(lookup.answers()).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        RequestId: 'request-1',
        PhysicalResourceId: 'pl-6fa54006,pl-6da54004',
        Data: { dynamodb: 'pl-6fa54006', s3: 'pl-6da54004' },
      }),
    ]);
  });

  it("answers at the pre-signed URL with an empty Content-Type, which the URL's signature expects", async () => {
    const lookup = load(lists);
    await lookup.handler(event('Update', { PhysicalResourceId: 'pl-6fa54006,pl-6da54004' }));
    const [put] = lookup.puts;
    expect(put?.url).toBe(event('Create').ResponseURL);
    expect(put?.options).toEqual({
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(put?.body ?? '') },
    });
    expect(lookup.answers()[0]?.PhysicalResourceId).toBe('pl-6fa54006,pl-6da54004');
  });

  it('fails the resource, naming the list, when the region has no such list', async () => {
    const lookup = load(lists.slice(0, 1));
    await lookup.handler(event('Create'));
    expect(lookup.answers()).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: 'no AWS-managed prefix list com.amazonaws.eu-west-1.dynamodb',
        PhysicalResourceId: 'PrefixLists',
      }),
    ]);
    expect(lookup.answers()[0]?.Data).toBeUndefined();
  });

  it('has nothing to undo on Delete, and calls nothing', async () => {
    const lookup = load(lists);
    await lookup.handler(event('Delete', { PhysicalResourceId: 'pl-6fa54006,pl-6da54004' }));
    expect(lookup.commands).toEqual([]);
    expect(lookup.answers()).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'pl-6fa54006,pl-6da54004' }),
    ]);
  });

  it('calls no EC2 action but DescribeManagedPrefixLists', () => {
    expect(prefixListLookupCode.match(/\w+Command\b/g)).toEqual([
      'DescribeManagedPrefixListsCommand',
      'DescribeManagedPrefixListsCommand',
    ]);
  });
});
