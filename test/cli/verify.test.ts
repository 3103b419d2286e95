import { describe, expect, it } from 'vitest';
import { describeVerdict, verifyCommand } from '../../cli/commands/verify.ts';
import {
  cli,
  githubDocs,
  githubSignature,
  memoryIo,
  stripeSignature,
  tempFiles,
} from './helpers.ts';

const stripeSecret = 'whsec_cli_test_secret';
const stripeBody = '{"id":"evt_cli","type":"invoice.paid","object":"event"}';
const t = 1_700_000_000;

const files = tempFiles({
  'github.secret': `${githubDocs.secret}\n`,
  'old.secret': 'an-old-github-secret\n',
  'crlf.secret': `${githubDocs.secret}\r\n`,
  'empty.secret': '\n',
  'body.txt': githubDocs.payload,
  'stripe.secret': stripeSecret,
  'stripe.json': stripeBody,
});
const path = (name: string) => files[name] as string;

/** `webhooks verify` for the GitHub docs vector, plus any extra arguments. */
const githubArgs = (...extra: string[]) => [
  'verify',
  '--scheme',
  'github',
  '--secret-file',
  path('github.secret'),
  '--body-file',
  path('body.txt'),
  '--header',
  `X-Hub-Signature-256: ${githubDocs.signature}`,
  ...extra,
];

const stripeArgs = (...extra: string[]) => [
  'verify',
  '--scheme',
  'stripe',
  '--secret-file',
  path('stripe.secret'),
  '--body-file',
  path('stripe.json'),
  '--header',
  `Stripe-Signature: ${stripeSignature(stripeSecret, t, stripeBody)}`,
  ...extra,
];

describe('webhooks verify: verdicts', () => {
  it("accepts GitHub's published example and names the key by its file", async () => {
    expect(await cli(githubArgs())).toEqual({
      code: 0,
      stdout: 'accepted (key: github.secret)\n',
      stderr: '',
    });
  });

  it('reads one trailing CRLF off a key file', async () => {
    const args = githubArgs('--secret-file', path('crlf.secret'));
    args[4] = path('old.secret'); // the first --secret-file no longer matches
    expect((await cli(args)).stdout).toBe('accepted (key: crlf.secret)\n');
  });

  it('reports delivery id and event type from the headers, values trimmed', async () => {
    const { code, stdout } = await cli(
      githubArgs('--header', 'X-GitHub-Delivery: d-1', '--header', 'X-GitHub-Event:   push  '),
    );
    expect(code).toBe(0);
    expect(stdout).toBe('accepted (key: github.secret, delivery: d-1, event: push)\n');
  });

  it('accepts with whichever of several secret files matches, as during a rotation', async () => {
    const args = githubArgs('--secret-file', path('github.secret'));
    args[4] = path('old.secret');
    const { code, stdout } = await cli([...args, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ keyIndex: 1, keyId: 'github.secret' });
  });

  it('rejects a tampered body with exit code 1 and the reason', async () => {
    const body = tempFiles({ 'tampered.txt': 'Hello, World?' });
    const args = githubArgs('--body-file', body['tampered.txt'] as string);
    const { code, stdout, stderr } = await cli(args);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^rejected: signature_mismatch \(.+\)\n$/);
    expect(stderr).toBe('');
  });

  it('reads the body from stdin with --body-file -', async () => {
    const args = githubArgs('--body-file', '-');
    expect((await cli(args, githubDocs.payload)).code).toBe(0);
    expect((await cli(args, 'something else')).code).toBe(1);
  });

  it('checks an empty body when no --body-file is given', async () => {
    const { code } = await cli([
      'verify',
      '--scheme',
      'github',
      '--secret-file',
      path('github.secret'),
      '--header',
      `X-Hub-Signature-256: ${githubSignature(githubDocs.secret, '')}`,
    ]);
    expect(code).toBe(0);
  });

  it('rejects with no_keys when no key file is given', async () => {
    const { code, stdout } = await cli([
      'verify',
      '--scheme',
      'github',
      '--header',
      `X-Hub-Signature-256: ${githubDocs.signature}`,
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^rejected: no_keys /);
  });

  it('passes --option to the scheme: GitHub sha1 only when allowSha1=true', async () => {
    const sha1 = `X-Hub-Signature: ${githubSignature(githubDocs.secret, githubDocs.payload, 'sha1')}`;
    const base = githubArgs().slice(0, -2);
    expect((await cli([...base, '--header', sha1])).stdout).toMatch(/unsupported_version/);
    const { code } = await cli([...base, '--header', sha1, '--option', 'allowSha1=true']);
    expect(code).toBe(0);
  });

  it('accepts any --url and --method for a scheme that signs only the body', async () => {
    const args = githubArgs('--url', 'https://hooks.example.com/github?x=1', '--method', 'put');
    expect((await cli(args)).code).toBe(0);
  });

  it('accepts Stripe at --now, reporting the timestamp and the event read from the body', async () => {
    const { code, stdout } = await cli(stripeArgs('--now', String(t + 10)));
    expect(code).toBe(0);
    expect(stdout).toBe(
      `accepted (key: stripe.secret, delivery: evt_cli, event: invoice.paid, timestamp: ${t})\n`,
    );
  });

  // A signature header in two lines is ambiguous: the receiver refuses it, and so does verify,
  // which must answer as the receiver would (issue 11, point 9).
  it('refuses Stripe-Signature given in two lines, as the receiver does', async () => {
    const [timestamp, v1] = stripeSignature(stripeSecret, t, stripeBody).split(',');
    const args = stripeArgs().slice(0, -2); // without the one-line Stripe-Signature
    args.push('--header', `Stripe-Signature: ${timestamp}`, '--header', `stripe-signature: ${v1}`);
    const { code, stdout } = await cli([...args, '--now', String(t)]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^rejected: malformed_header \(stripe-signature came more than once\)$/m,
    );
  });

  it("rejects a Stripe timestamp past the scheme's 300 s tolerance, and --tolerance widens it", async () => {
    const late = String(t + 301);
    const { code, stdout } = await cli(stripeArgs('--now', late));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^rejected: timestamp_too_old /);
    expect((await cli(stripeArgs('--now', late, '--tolerance', '301'))).code).toBe(0);
    expect((await cli(stripeArgs('--now', String(t + 2), '--tolerance', '1'))).code).toBe(1);
  });

  it('checks against the real clock when --now is not given', async () => {
    expect((await cli(stripeArgs())).stdout).toMatch(/^rejected: timestamp_too_old /);
  });

  it('prints an accepted verdict as one JSON line with --json', async () => {
    const { code, stdout } = await cli(stripeArgs('--now', String(t), '--json'));
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trimEnd()).not.toContain('\n');
    expect(JSON.parse(stdout)).toEqual({
      accepted: true,
      reason: null,
      scheme: 'stripe',
      keyIndex: 0,
      keyId: 'stripe.secret',
      timestamp: t,
      deliveryId: 'evt_cli',
      eventType: 'invoice.paid',
    });
  });

  it('prints a rejected verdict as one JSON line with --json', async () => {
    const { code, stdout } = await cli(stripeArgs('--now', String(t + 1000), '--json'));
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      accepted: false,
      scheme: 'stripe',
      reason: 'timestamp_too_old',
      detail: expect.any(String),
    });
  });

  it('never prints the secret, whatever the outcome', async () => {
    const runs = await Promise.all([
      cli(githubArgs()),
      cli(githubArgs('--json')),
      cli(githubArgs('--body-file', '-'), 'forged'),
      cli(githubArgs('--body-file', '-', '--json'), 'forged'),
      cli(githubArgs('--option', `secret=${'x'}`)),
    ]);
    for (const { stdout, stderr } of runs) {
      expect(stdout + stderr).not.toContain(githubDocs.secret);
    }
  });
});

describe('webhooks verify: bad usage exits with code 2', () => {
  const github = ['verify', '--scheme', 'github'];

  it.each([
    ['an unknown scheme', ['verify', '--scheme', 'nope'], /unknown scheme 'nope'/],
    ['no --scheme', ['verify', '--secret-file', 'x'], /--scheme is required/],
    ['an unknown scheme option', [...github, '--option', 'nope=1'], /unknown option 'nope'/],
    ['a bad option value', [...github, '--option', 'allowSha1=maybe'], /allowSha1/],
    [
      'an option for a scheme without options',
      ['verify', '--scheme', 'stripe', '--option', 'a=b'],
      /takes no options/,
    ],
    ['an --option without =', [...github, '--option', 'allowSha1'], /key=value/],
    ['an --option given twice', [...github, '--option', 'a=1', '--option', 'a=2'], /given twice/],
    [
      'an unreadable --secret-file',
      [...github, '--secret-file', '/nonexistent/s'],
      /cannot read --secret-file '\/nonexistent\/s' \(ENOENT\)/,
    ],
    [
      'an unreadable --public-key-file',
      [...github, '--public-key-file', '/nonexistent/p'],
      /cannot read --public-key-file/,
    ],
    [
      'an unreadable --body-file',
      [...github, '--body-file', '/nonexistent/b'],
      /cannot read --body-file/,
    ],
    [
      'a folder as --body-file',
      [...github, '--body-file', files.folder as string],
      /cannot read --body-file .*EISDIR/,
    ],
    ['an empty --secret-file', [...github, '--secret-file', path('empty.secret')], /is empty/],
    [
      'a --header without a colon',
      [...github, '--header', 'X-Hub-Signature-256 sha256=00'],
      /no colon/,
    ],
    ['a --header with a bad name', [...github, '--header', 'X Hub: 1'], /not a valid header name/],
    ['a --header with an empty name', [...github, '--header', ': 1'], /not a valid header name/],
    ['a --now that is not whole seconds', [...github, '--now', '1.5'], /--now must be a whole/],
    ['a negative --tolerance', [...github, '--tolerance', '-1'], /--tolerance must be a whole/],
    ['a relative --url', [...github, '--url', '/webhooks'], /absolute URL/],
    ['a --method with a space', [...github, '--method', 'PO ST'], /HTTP method/],
    [
      'a public key for a secret scheme',
      [...github, '--public-key-file', path('github.secret')],
      /verifies with secrets, not public keys/,
    ],
    ['an unknown flag', [...github, '--secret', 'x'], /unknown option '--secret'/],
    ['a flag without its value', [...github, '--secret-file'], /argument missing/],
    ['an extra argument', [...github, 'body.txt'], /too many arguments/],
  ])('%s', async (_, argv, message) => {
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it.each([
    ['--scheme', 'github'],
    ['--secret-file', 'x'],
    ['--public-key-file', 'x'],
    ['--header', 'X-A: 1'],
    ['--body-file', 'x'],
    ['--url', 'https://example.com/'],
    ['--method', 'POST'],
    ['--now', '1'],
    ['--option', 'a=1'],
    ['--tolerance', '1'],
  ])('mixing --cases with %s', async (flag, value) => {
    const { code, stdout, stderr } = await cli(['verify', '--cases', '-', flag, value], '');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error: --cases cannot be combined with ${flag}\n`);
  });

  it('fails on an unknown scheme before reading stdin', async () => {
    const { io } = memoryIo();
    io.readStdin = () => Promise.reject(new Error('stdin was read'));
    const code = await verifyCommand({ scheme: 'nope', bodyFile: '-' }, io);
    expect(code).toBe(2);
  });
});

describe('webhooks: program', () => {
  it.each([
    ['no command', [], 2, 'stderr'],
    ['an unknown command', ['verfy'], 2, 'stderr'],
    ['--help', ['--help'], 0, 'stdout'],
    ['verify --help', ['verify', '--help'], 0, 'stdout'],
    ['--version', ['--version'], 0, 'stdout'],
  ] as const)('%s exits with %i', async (_, argv, code, stream) => {
    const result = await cli(argv);
    expect(result.code).toBe(code);
    expect(result[stream]).not.toBe('');
  });

  it('turns an unexpected error into exit code 2, not a rejection', async () => {
    const { io, output } = memoryIo();
    io.readStdin = () => Promise.reject(new TypeError('stdin broke'));
    const { runCli } = await import('../../cli/program.ts');
    expect(await runCli(githubArgs('--body-file', '-'), io)).toBe(2);
    expect(output.stderr).toBe('error: TypeError: stdin broke\n');
  });
});

describe('describeVerdict', () => {
  it('lists only the facts an acceptance carries', () => {
    const accepted = {
      accepted: true,
      reason: null,
      scheme: 's',
      keyIndex: 0,
      keyId: '#0',
    } as const;
    expect(describeVerdict(accepted)).toBe('accepted (key: #0)');
    expect(describeVerdict({ ...accepted, handshake: 'challenge', timestamp: 5 })).toBe(
      'accepted (key: #0, timestamp: 5, handshake: challenge)',
    );
  });

  it('gives the reason and detail of a rejection', () => {
    const verdict = {
      accepted: false,
      scheme: 's',
      reason: 'missing_header',
      detail: 'x-a header is missing',
    } as const;
    expect(describeVerdict(verdict)).toBe('rejected: missing_header (x-a header is missing)');
  });
});
