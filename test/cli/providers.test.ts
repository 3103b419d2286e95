import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDuration } from '../../cli/parse.ts';
import type { ProviderView } from '../../cli/provider-view.ts';
import { stackFileVariable, stackOutputKeys } from '../../cli/target.ts';
import { configCacheSeconds } from '../../functions/config/limits.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { decryptProviderKey } from '../../functions/registry/secrets.ts';
import { metaVerifyToken } from '../../functions/verify/challenges.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import { bindingOf } from '../support/providers.ts';
import { type AdminStack, startAdminStack, startBudgetMs } from '../support/stack.ts';
import { cli, tempFiles } from './helpers.ts';
import { mockedStackClients } from './stack-clients.ts';

const oldSecret = 'whsec_old_0123456789abcdef';
const newSecret = 'whsec_new_fedcba9876543210';

let admin: AdminStack;

beforeAll(async () => {
  admin = await startAdminStack();
}, startBudgetMs);

afterAll(() => admin?.close());

const registry = () =>
  new ProviderRegistryStore({
    dynamodb: new DynamoDBClient({}),
    tableName: admin.stack.resources.tables.registry,
  });

describe('webhooks providers --local', () => {
  it('adds, shows, lists, rotates with a grace, disables, enables and removes a provider', async () => {
    const files = tempFiles({ 'stripe.secret': `${oldSecret}\n` });
    const added = await cli([
      'providers',
      'add',
      'stripe-live',
      '--scheme',
      'stripe',
      '--secret-file',
      files['stripe.secret'] as string,
      '--tolerance-seconds',
      '600',
      '--retention',
      'minimal',
      '--local',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(
      /^added provider 'stripe-live' \(scheme stripe, key v1\); its deliveries may still be refused as unknown until \S+Z \(running ingest functions re-read provider settings every 60 s; --wait returns only then\)\n$/,
    );

    const shown = await cli(['providers', 'show', 'stripe-live', '--local']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^scheme\s+stripe$/m);
    expect(shown.stdout).toMatch(/^tolerance\s+600s$/m);
    expect(shown.stdout).toMatch(/^retention\s+minimal$/m);
    expect(shown.stdout).toMatch(/^ {2}v1 {2}secret {2}created \d{4}-\d\d-\d\dT/m);
    expect(shown.stdout).not.toContain(oldSecret);

    const listed = await cli(['providers', 'list', '--local']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^PROVIDER\s+SCHEME\s+ENABLED\s+KEYS\s+RETENTION\s+SOURCES\s+KEY AGE\s+LAST DELIVERY$/m,
    );
    expect(listed.stdout).toMatch(
      /^stripe-live\s+stripe\s+yes\s+v1\s+minimal\s+any\s+0d\s+never$/m,
    );

    const before = Date.now();
    const rotated = await cli(
      ['providers', 'rotate', 'stripe-live', '--secret-stdin', '--grace', '24h', '--local'],
      `${newSecret}\n`,
    );
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    expect(rotated.stdout).toMatch(
      /^rotated provider 'stripe-live' to key v2; v1 accepted until \S+; v2 may still be refused until \S+Z \(running ingest functions re-read provider settings every 60 s; --wait returns only then\)\n$/,
    );
    expect(rotated.stdout).not.toContain(newSecret);

    const config = await registry().get('stripe-live');
    expect(config?.keys.map((key) => [key.version, key.kind])).toEqual([
      [1, 'secret'],
      [2, 'secret'],
    ]);
    const [v1, v2] = config?.keys ?? [];
    expect(v1?.notAfterMs).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(v1?.notAfterMs).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(v2?.notAfterMs).toBeUndefined();
    const kms = new KMSClient({});
    const decrypt = (ciphertext: Uint8Array | undefined) =>
      decryptProviderKey({
        kms,
        // Bound to the settings it was added with: a 600 s tolerance and the minimal class.
        ...bindingOf('stripe-live', 'stripe', { toleranceSeconds: 600, retentionClass: 'minimal' }),
        keyKind: 'secret',
        ciphertext: ciphertext as Uint8Array,
      });
    expect(await decrypt(v1?.ciphertext)).toBe(oldSecret);
    expect(await decrypt(v2?.ciphertext)).toBe(newSecret);

    const json = await cli(['providers', 'show', 'stripe-live', '--json', '--local']);
    const view = JSON.parse(json.stdout) as ProviderView;
    expect(view.keys).toEqual([
      expect.objectContaining({
        version: 1,
        notAfter: new Date(v1?.notAfterMs ?? 0).toISOString(),
      }),
      expect.objectContaining({ version: 2, kind: 'secret', notAfter: null }),
    ]);
    expect(json.stdout).not.toMatch(/ciphertext|whsec_/);

    expect(await cli(['providers', 'disable', 'stripe-live', '--local'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^disabled provider 'stripe-live'; its deliveries may still be accepted until /,
      ),
    });
    expect((await registry().get('stripe-live'))?.enabled).toBe(false);
    expect((await cli(['providers', 'list', '--local'])).stdout).toMatch(
      /^stripe-live\s+stripe\s+no\s/m,
    );
    expect((await cli(['providers', 'enable', 'stripe-live', '--local'])).code).toBe(0);
    expect((await registry().get('stripe-live'))?.enabled).toBe(true);

    expect(await cli(['providers', 'remove', 'stripe-live', '--local'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^removed provider 'stripe-live'; its deliveries may still be accepted until /,
      ),
    });
    expect(await registry().get('stripe-live')).toBeUndefined();
  });

  it('rotates without --grace by dropping the old key, which running functions may accept for the cache time', async () => {
    await cli(
      ['providers', 'add', 'gh-now', '--scheme', 'github', '--secret-stdin', '--local'],
      'one',
    );
    const rotated = await cli(
      ['providers', 'rotate', 'gh-now', '--secret-stdin', '--local'],
      'two',
    );
    expect(rotated.stdout).toMatch(
      /^rotated provider 'gh-now' to key v2; v1 may still be accepted, and v2 refused, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(running ingest functions re-read provider settings every 60 s; --wait returns only then\)\n$/,
    );
    expect(rotated.stdout).not.toContain('retired now');
    expect((await registry().get('gh-now'))?.keys.map((key) => key.version)).toEqual([2]);
  });

  it('stores scheme options and a public key', async () => {
    const files = tempFiles({ 'discord.pub': 'a'.repeat(64) });
    const added = await cli([
      'providers',
      'add',
      'discord-app',
      '--scheme',
      'discord',
      '--public-key-file',
      files['discord.pub'] as string,
      '--local',
    ]);
    expect(added.code).toBe(0);
    expect((await registry().get('discord-app'))?.keys[0]?.kind).toBe('public-key');
  });

  it("prints Meta's verify token for an hmac provider with challenge=meta, derived from its secret, never the secret", async () => {
    const appSecret = 'meta-app-secret-cli-test';
    const options = ['header=X-Hub-Signature-256', 'prefix=sha256=', 'challenge=meta'];
    const added = await cli(
      [
        'providers',
        'add',
        'wa-cli',
        '--scheme',
        'hmac',
        ...options.flatMap((option) => ['--option', option]),
        '--secret-stdin',
        '--local',
      ],
      appSecret,
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const [done, token, ...rest] = added.stdout.split('\n');
    expect(done).toMatch(/^added provider 'wa-cli' \(scheme hmac, key v1\); /);
    expect(token).toBe(
      `Meta verify token (type it into Verify Token in the app's webhook settings): ${metaVerifyToken(appSecret)}`,
    );
    expect(rest).toEqual(['']);
    expect(added.stdout).not.toContain(appSecret);
    expect((await registry().get('wa-cli'))?.options).toMatchObject({ challenge: 'meta' });

    // A rotated secret has a token of its own, printed the same way.
    const newSecret = 'meta-app-secret-cli-test-2';
    const rotated = await cli(
      ['providers', 'rotate', 'wa-cli', '--secret-stdin', '--grace', '1h', '--local'],
      newSecret,
    );
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    expect(rotated.stdout.split('\n').at(-2)).toBe(
      `Meta verify token (type it into Verify Token in the app's webhook settings): ${metaVerifyToken(newSecret)}`,
    );
    expect(rotated.stdout).not.toContain(newSecret);

    const nylas = await cli(
      [
        'providers',
        'add',
        'nylas-cli',
        '--scheme',
        'hmac',
        '--option',
        'header=X-Nylas-Signature',
        '--option',
        'challenge=nylas',
        '--secret-stdin',
        '--local',
      ],
      'nylas-secret-cli-test',
    );
    expect(nylas.code).toBe(0);
    expect(nylas.stdout).not.toContain('verify token');
  });

  it('refuses a challenge the hmac scheme does not answer, registering nothing', async () => {
    const added = await cli(
      [
        'providers',
        'add',
        'odd-challenge',
        '--scheme',
        'hmac',
        '--option',
        'header=X-Sig',
        '--option',
        'challenge=slack',
        '--secret-stdin',
        '--local',
      ],
      'some-secret',
    );
    expect(added.code).toBe(2);
    expect(added.stderr).toContain("option 'challenge' must be one of meta, nylas, dropbox");
    expect(await registry().get('odd-challenge')).toBeUndefined();
  });

  it('sets redaction rules with --redact, mask unless drop is said, and shows them', async () => {
    const added = await cli(
      [
        'providers',
        'add',
        'redacting',
        '--scheme',
        'stripe',
        '--secret-stdin',
        '--redact',
        'data.object.customer_email',
        '--redact',
        'data.object.charges.*.card=drop',
        '--redact',
        'data.object.phone=mask',
        '--local',
      ],
      'whsec_r',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const rules = [
      { path: 'data.object.customer_email', action: 'mask' },
      { path: 'data.object.charges.*.card', action: 'drop' },
      { path: 'data.object.phone', action: 'mask' },
    ];
    expect((await registry().get('redacting'))?.redaction).toEqual(rules);
    expect((await cli(['providers', 'show', 'redacting', '--local'])).stdout).toMatch(
      /^redaction {4}data\.object\.customer_email=mask, data\.object\.charges\.\*\.card=drop, data\.object\.phone=mask$/m,
    );
    const json = await cli(['providers', 'show', 'redacting', '--json', '--local']);
    expect((JSON.parse(json.stdout) as ProviderView).redaction).toEqual(rules);
  });

  describe('refuses with exit code 1', () => {
    it('a provider id already registered', async () => {
      await cli(
        ['providers', 'add', 'taken', '--scheme', 'github', '--secret-stdin', '--local'],
        's',
      );
      const again = await cli(
        ['providers', 'add', 'taken', '--scheme', 'github', '--secret-stdin', '--local'],
        's',
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toBe("error: provider 'taken' is already registered\n");
    });

    it.each([
      [['show', 'nobody']],
      [['rotate', 'nobody', '--secret-stdin']],
      [['disable', 'nobody']],
      [['enable', 'nobody']],
      [['remove', 'nobody']],
    ])('%j of a provider not registered', async (args) => {
      const { code, stderr } = await cli(['providers', ...args, '--local'], 'secret');
      expect(code).toBe(1);
      expect(stderr).toBe('error: provider "nobody" is not registered\n');
    });
  });

  describe('exits 2 on bad usage', () => {
    const add = (...args: string[]) => ['providers', 'add', 'p1', '--local', ...args];
    it.each([
      ['no key source', add('--scheme', 'github'), /exactly one of --secret-stdin/],
      [
        'two key sources',
        add('--scheme', 'github', '--secret-stdin', '--secret-file', 'x'),
        /exactly one of/,
      ],
      [
        'a public key for a secret scheme',
        add('--scheme', 'github', '--public-key-file', 'x'),
        /shared secret/,
      ],
      [
        'a secret for a public-key scheme',
        add('--scheme', 'discord', '--secret-stdin'),
        /public key/,
      ],
      ['no scheme', add('--secret-stdin'), /--scheme or --provider is required/],
      ['an unknown scheme', add('--scheme', 'gihub', '--secret-stdin'), /unknown scheme 'gihub'/],
      [
        'an unknown retention class',
        add('--scheme', 'github', '--secret-stdin', '--retention', 'forever'),
        /--retention must be one of/,
      ],
      [
        'a bad tolerance',
        add('--scheme', 'github', '--secret-stdin', '--tolerance-seconds', '5m'),
        /--tolerance-seconds/,
      ],
      [
        'a bad option',
        add('--scheme', 'github', '--secret-stdin', '--option', 'novalue'),
        /--option/,
      ],
      ['an empty secret', add('--scheme', 'github', '--secret-stdin'), /is empty/],
      [
        'a missing key file',
        add('--scheme', 'github', '--secret-file', '/nonexistent/key'),
        /ENOENT/,
      ],
      [
        'an invalid provider id',
        ['providers', 'add', 'Bad.Id', '--scheme', 'github', '--secret-stdin', '--local'],
        /provider id must be/,
      ],
      [
        'a bad grace',
        ['providers', 'rotate', 'p1', '--secret-stdin', '--grace', '1w', '--local'],
        /--grace must be a duration/,
      ],
      ['no target', ['providers', 'list'], /--local .* or --stack NAME/],
      [
        'both targets',
        ['providers', 'list', '--local', '--stack', 's'],
        /either --local or --stack/,
      ],
      [
        '--region without --stack',
        ['providers', 'list', '--local', '--region', 'eu-west-1'],
        /--region goes with --stack/,
      ],
      ['a missing id', ['providers', 'show', '--local'], /missing required argument 'id'/],
      [
        'a redaction action other than drop or mask',
        add('--scheme', 'github', '--secret-stdin', '--redact', 'data.email=hide'),
        /--redact 'data\.email=hide': the action after '=' must be drop or mask/,
      ],
      [
        'a redaction path that is not dot-separated field names',
        add('--scheme', 'github', '--secret-stdin', '--redact', 'data..email'),
        /redaction\[0\]\.path must be/,
      ],
      [
        'a redaction path given twice',
        add('--scheme', 'github', '--secret-stdin', '--redact', 'a.b', '--redact', 'a.b=drop'),
        /--redact 'a\.b' is given twice/,
      ],
    ])('%s', async (name, argv, message) => {
      const { code, stdout, stderr } = await cli(argv, name === 'an empty secret' ? '' : 's');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    });

    it('a grace longer than the registry allows', async () => {
      await cli(
        ['providers', 'add', 'long', '--scheme', 'github', '--secret-stdin', '--local'],
        's',
      );
      const { code, stderr } = await cli(
        ['providers', 'rotate', 'long', '--secret-stdin', '--grace', '31d', '--local'],
        't',
      );
      expect(code).toBe(2);
      expect(stderr).toMatch(/graceSeconds must be/);
    });

    describe('a weak public key, registering nothing', () => {
      // The Ed25519 identity point (y = 1), with which one fixed signature verifies every body.
      const identity = `01${'00'.repeat(31)}`;
      // y = p + 2 (p = 2^255 - 19): a y not reduced mod p, the key's second spelling.
      const nonCanonical = `ef${'ff'.repeat(30)}7f`;
      // A P-256 SubjectPublicKeyInfo holding the point at infinity.
      const infinitySpki = Buffer.from(
        '3019301306072a8648ce3d020106082a8648ce3d03010703020000',
        'hex',
      );
      const files = tempFiles({
        'identity.pub': identity,
        'non-canonical.pub': `${nonCanonical}\n`,
        'infinity.pub': infinitySpki.toString('base64'),
      });
      const identityWhpk = `whpk_${Buffer.from(identity, 'hex').toString('base64')}`;

      it.each([
        [
          'discord, the identity point',
          'weak-discord',
          ['--scheme', 'discord', '--public-key-file', files['identity.pub'] as string],
          /^error: the key from --public-key-file is a small-order Ed25519 point, which verifies signatures no one made: scheme 'discord' would refuse it, so it is not registered\n$/,
        ],
        [
          'discord, a y not below p',
          'weak-discord-y',
          ['--scheme', 'discord', '--public-key-file', files['non-canonical.pub'] as string],
          /--public-key-file is not a canonical Ed25519 encoding/,
        ],
        [
          'standard-webhooks, a whpk_ identity point',
          'weak-standard',
          ['--scheme', 'standard-webhooks', '--secret-stdin'],
          /--secret-stdin is a small-order Ed25519 point.*scheme 'standard-webhooks' would refuse it/,
        ],
        [
          'sendgrid, the P-256 point at infinity',
          'weak-sendgrid',
          ['--scheme', 'sendgrid', '--public-key-file', files['infinity.pub'] as string],
          /--public-key-file is the P-256 point at infinity/,
        ],
      ])('providers add: %s', async (_, id, args, message) => {
        const { code, stdout, stderr } = await cli(
          ['providers', 'add', id, ...args, '--local'],
          identityWhpk,
        );
        expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
        expect(stderr).toMatch(message);
        expect(await registry().get(id)).toBeUndefined();
      });

      it('providers rotate: discord, the identity point, leaving the keys as they were', async () => {
        const genuine = tempFiles({
          'app.pub': 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        });
        const added = await cli([
          'providers',
          'add',
          'rotating-discord',
          '--scheme',
          'discord',
          '--public-key-file',
          genuine['app.pub'] as string,
          '--local',
        ]);
        expect(added.code).toBe(0);
        const rotated = await cli([
          'providers',
          'rotate',
          'rotating-discord',
          '--public-key-file',
          files['identity.pub'] as string,
          '--local',
        ]);
        expect(rotated.code).toBe(2);
        expect(rotated.stderr).toMatch(/is a small-order Ed25519 point/);
        const keys = (await registry().get('rotating-discord'))?.keys;
        expect(keys?.map((key) => key.version)).toEqual([1]);
      });
    });

    it('--local when no local stack is running', async () => {
      vi.stubEnv(stackFileVariable, '/nonexistent/.local/stack.json');
      try {
        const { code, stderr } = await cli(['providers', 'list', '--local']);
        expect(code).toBe(2);
        expect(stderr).toBe(
          'error: no local stack: /nonexistent/.local/stack.json does not exist; run `npm start` first\n',
        );
      } finally {
        vi.stubEnv(stackFileVariable, admin.stack.stackFile);
      }
    });
  });
});

describe('webhooks providers --stack', () => {
  const { cloudFormation } = mockedStackClients('arn:aws:iam::123456789012:user/ops');

  const outputs = () => {
    const { resources } = admin.stack;
    const values = {
      registryTableName: resources.tables.registry,
      auditTableName: resources.tables.audit,
      queueUrl: resources.queueUrl,
      secretsKeyId: resources.keys.secrets.keyId,
      auditKeyId: resources.keys.audit.keyId,
    };
    return Object.entries(stackOutputKeys).map(([name, key]) => ({
      OutputKey: key,
      OutputValue: values[name as keyof typeof values],
    }));
  };

  it("finds the tables and keys in the stack's outputs", async () => {
    cloudFormation.on(DescribeStacksCommand, { StackName: 'webhooks-prod' }).resolves({
      Stacks: [
        {
          StackName: 'webhooks-prod',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: outputs(),
        },
      ],
    });
    const added = await cli(
      [
        'providers',
        'add',
        'via-stack',
        '--scheme',
        'github',
        '--secret-stdin',
        '--stack',
        'webhooks-prod',
        '--region',
        'us-east-1',
      ],
      'secret',
    );
    expect(added.code).toBe(0);
    // A deployed stack's functions run with the default cache time: the construct sets none.
    expect(added.stdout).toContain(
      `(running ingest functions re-read provider settings every ${configCacheSeconds} s;`,
    );
    const listed = await cli(['providers', 'list', '--stack', 'webhooks-prod']);
    expect(listed.stdout).toMatch(/^via-stack\s+github\s+yes\s+v1\s+standard\s+any\s+0d\s+never$/m);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(2);
  });

  it("shows a provider's webhook URL from the stack's WebhookUrlTemplate, its custom domain's", async () => {
    cloudFormation.on(DescribeStacksCommand, { StackName: 'webhooks-domain' }).resolves({
      Stacks: [
        {
          StackName: 'webhooks-domain',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            ...outputs(),
            {
              OutputKey: operatorOutputKeys.webhookUrlTemplate,
              OutputValue: 'https://hooks.example.com/v1/webhooks/{providerId}',
            },
          ],
        },
      ],
    });
    const target = ['--stack', 'webhooks-domain', '--region', 'us-east-1'];
    const added = await cli(
      ['providers', 'add', 'domain-hooks', '--scheme', 'github', '--secret-stdin', ...target],
      'secret',
    );
    expect(added.code).toBe(0);
    const shown = await cli(['providers', 'show', 'domain-hooks', ...target]);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(
      /^provider {5}domain-hooks\nurl {10}https:\/\/hooks\.example\.com\/v1\/webhooks\/domain-hooks\nscheme /,
    );
    const json = await cli(['providers', 'show', 'domain-hooks', '--json', ...target]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      providerId: 'domain-hooks',
      url: 'https://hooks.example.com/v1/webhooks/domain-hooks',
    });

    // A stack without the output (one from before it), and a local stack without a gateway
    // (the test stack has none): no url at all.
    cloudFormation.on(DescribeStacksCommand, { StackName: 'webhooks-plain' }).resolves({
      Stacks: [
        {
          StackName: 'webhooks-plain',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: outputs(),
        },
      ],
    });
    const plain = await cli(['providers', 'show', 'domain-hooks', '--stack', 'webhooks-plain']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/^url/m);
    const local = await cli(['providers', 'show', 'domain-hooks', '--json', '--local']);
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout)).not.toHaveProperty('url');
  });

  it('exits 2 naming the outputs a stack lacks', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'other',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: outputs().slice(1),
        },
      ],
    });
    const { code, stderr } = await cli(['providers', 'list', '--stack', 'other']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "error: stack 'other' lacks the outputs RegistryTableName: is it a webhook-ingestion stack?\n",
    );
  });

  it('exits 2 when the stack cannot be described', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id nope does not exist'), { name: 'ValidationError' }),
      );
    const { code, stderr } = await cli(['providers', 'list', '--stack', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^error: stack 'nope' does not exist in [a-z0-9-]+: check the name \(aws cloudformation list-stacks\) and --region\n$/,
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1_800],
    ['24h', 86_400],
    ['7d', 604_800],
    ['0h', 0],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text, '--grace')).toBe(seconds);
  });

  it.each(['', '24', 'h', '1.5h', '-1h', '1w', '24 h'])('refuses %j', (text) => {
    expect(() => parseDuration(text, '--grace')).toThrow(/--grace must be a duration/);
  });
});
