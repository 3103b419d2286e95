import { describe, expect, it, vi } from 'vitest';
import { schemes } from '../../functions/verify/schemes/index.ts';
import {
  cli,
  githubDocs,
  githubSignature,
  jsonLines,
  stripeSignature,
  tempFiles,
} from './helpers.ts';

const base64 = (text: string) => Buffer.from(text).toString('base64');
const stripeSecret = 'whsec_cases_secret';
const stripeBody = '{"id":"evt_case","type":"charge.refunded"}';
const t = 1_700_000_000;

const githubCase = {
  scheme: 'github',
  secrets: [githubDocs.secret],
  headers: { 'X-Hub-Signature-256': githubDocs.signature, 'X-GitHub-Event': 'ping' },
  body: base64(githubDocs.payload),
};
const stripeCase = {
  scheme: 'stripe',
  secrets: ['whsec_other', stripeSecret],
  headers: [['Stripe-Signature', stripeSignature(stripeSecret, t, stripeBody)]],
  body: base64(stripeBody),
  now: t + 60,
};

const jsonl = (...cases: unknown[]) =>
  cases.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\n');

/** `webhooks verify --cases -` with the lines on stdin. */
const runCases = (text: string) => cli(['verify', '--cases', '-'], text);

describe('webhooks verify --cases', () => {
  it('prints one JSON line per case, in order, with its line number', async () => {
    const { code, stdout, stderr } = await runCases(
      jsonl(githubCase, stripeCase, { ...stripeCase, now: t + 301 }),
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(jsonLines(stdout)).toEqual([
      {
        line: 1,
        accepted: true,
        reason: null,
        scheme: 'github',
        keyIndex: 0,
        keyId: '#0',
        eventType: 'ping',
      },
      {
        line: 2,
        accepted: true,
        reason: null,
        scheme: 'stripe',
        keyIndex: 1,
        keyId: '#1',
        timestamp: t,
        deliveryId: 'evt_case',
        eventType: 'charge.refunded',
      },
      {
        line: 3,
        accepted: false,
        reason: 'timestamp_too_old',
        scheme: 'stripe',
        detail: expect.any(String),
      },
    ]);
  });

  it('reads the cases from a file', async () => {
    const files = tempFiles({ 'cases.jsonl': `${jsonl(githubCase, stripeCase)}\n` });
    const { code, stdout } = await cli(['verify', '--cases', files['cases.jsonl'] as string]);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((verdict) => verdict.accepted)).toEqual([true, true]);
  });

  it('rejects a tampered body and still exits 0, since the file was read', async () => {
    const { code, stdout } = await runCases(jsonl({ ...githubCase, body: base64('Hello!') }));
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([
      expect.objectContaining({ line: 1, accepted: false, reason: 'signature_mismatch' }),
    ]);
  });

  it('applies url, method, options and tolerance from the case', async () => {
    const sha1Header = githubSignature(githubDocs.secret, githubDocs.payload, 'sha1');
    const sha1Case = { ...githubCase, headers: { 'X-Hub-Signature': sha1Header } };
    const { stdout } = await runCases(
      jsonl(
        { ...sha1Case, url: 'https://hooks.example.com/gh', method: 'POST' },
        { ...sha1Case, options: { allowSha1: 'true' } },
        { ...stripeCase, now: t + 400, tolerance: 400 },
      ),
    );
    expect(jsonLines(stdout).map((verdict) => verdict.reason)).toEqual([
      'unsupported_version',
      null,
      null,
    ]);
  });

  it('skips blank lines but counts them, and accepts CRLF line ends', async () => {
    const text = `\n${JSON.stringify(githubCase)}\r\n   \n${JSON.stringify(stripeCase)}\r\n`;
    const { stdout } = await runCases(text);
    expect(jsonLines(stdout).map((verdict) => [verdict.line, verdict.accepted])).toEqual([
      [2, true],
      [4, true],
    ]);
  });

  it('prints nothing and exits 0 for an empty file', async () => {
    expect(await runCases('')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it.each([
    ['text that is not JSON', 'not json', /not valid JSON/],
    ['a case that is not an object', '[1]', /JSON object/],
    ['an unknown scheme', jsonl({ ...githubCase, scheme: 'nope' }), /unknown scheme 'nope'/],
    ['a missing scheme', jsonl({ headers: {}, body: '' }), /'scheme' must be a string/],
    ['a body that is not base64', jsonl({ ...githubCase, body: '%%%' }), /base64/],
    ['an unknown field', jsonl({ ...githubCase, secret: 'x' }), /unknown field 'secret'/],
    [
      'an unknown scheme option',
      jsonl({ ...githubCase, options: { x: '1' } }),
      /unknown option 'x'/,
    ],
    ['a bad scheme option', jsonl({ ...githubCase, options: { allowSha1: 'yes' } }), /allowSha1/],
    [
      'options for a scheme without any',
      jsonl({ ...stripeCase, options: { a: 'b' } }),
      /takes no options/,
    ],
    [
      'public keys for a secret scheme',
      jsonl({ ...githubCase, publicKeys: ['k'] }),
      /not public keys/,
    ],
    ['a relative url', jsonl({ ...githubCase, url: '/hooks' }), /absolute URL/],
    ['a bad method', jsonl({ ...githubCase, method: 'GET /' }), /HTTP method/],
    ['a bad now', jsonl({ ...githubCase, now: 'soon' }), /'now' must be/],
  ])('reports %s as invalid_case and goes on', async (_, bad, detail) => {
    const { code, stdout, stderr } = await runCases(jsonl(bad, githubCase));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const [first, second] = jsonLines(stdout);
    expect(first).toEqual({
      line: 1,
      accepted: false,
      reason: 'invalid_case',
      detail: expect.any(String),
    });
    expect(first?.detail).toMatch(detail);
    expect(second).toMatchObject({ line: 2, accepted: true, reason: null });
  });

  it("reports a scheme that throws as reason 'error' on its line and goes on", async () => {
    const spy = vi.spyOn(schemes.github, 'verify').mockImplementationOnce(() => {
      throw new RangeError('scheme bug');
    });
    try {
      const { code, stdout } = await runCases(jsonl(githubCase, githubCase));
      expect(code).toBe(0);
      expect(jsonLines(stdout)).toEqual([
        { line: 1, accepted: false, reason: 'error', detail: 'RangeError: scheme bug' },
        expect.objectContaining({ line: 2, accepted: true }),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('never prints a secret, not even from a line that is not JSON', async () => {
    const broken = JSON.stringify(githubCase).slice(0, -1);
    const forged = { ...githubCase, body: base64('forged') };
    const { stdout } = await runCases(jsonl(broken, githubCase, forged));
    expect(stdout).not.toContain(githubDocs.secret);
    expect(stdout).not.toContain(githubDocs.signature.slice(7));
  });

  it('exits 2 when the file cannot be read', async () => {
    const { code, stdout, stderr } = await cli(['verify', '--cases', '/nonexistent/cases.jsonl']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/cannot read --cases '\/nonexistent\/cases.jsonl' \(ENOENT\)/);
  });

  it('allows --json alongside --cases, whose output is JSON anyway', async () => {
    const { code, stdout } = await cli(['verify', '--cases', '-', '--json'], jsonl(githubCase));
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toHaveLength(1);
  });
});
