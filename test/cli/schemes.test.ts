import { describe, expect, it } from 'vitest';
import { formatSchemeTable, type SchemeRow, schemeRows } from '../../cli/commands/schemes.ts';
import type { Scheme } from '../../functions/verify/scheme.ts';
import { schemes } from '../../functions/verify/schemes/index.ts';
import { cli } from './helpers.ts';

const registry = schemes as unknown as Record<string, Scheme<unknown>>;

describe('webhooks schemes', () => {
  it('lists every registered scheme, one row each, under a header row', async () => {
    const { code, stdout, stderr } = await cli(['schemes']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SCHEME\s+KEYS\s+TOLERANCE\s+HEADERS$/);
    expect(lines.slice(1).map((row) => row.split(/\s+/)[0])).toEqual(Object.keys(registry));
  });

  it("shows a scheme's key kind, default tolerance and headers", async () => {
    const { stdout } = await cli(['schemes']);
    const row = (name: string) => stdout.split('\n').find((line) => line.startsWith(`${name} `));
    expect(row('stripe')).toMatch(/^stripe\s+secret\s+300s\s+Stripe-Signature$/);
    expect(row('github')).toMatch(
      /^github\s+secret\s+-\s+X-Hub-Signature-256, X-Hub-Signature, X-GitHub-Delivery, X-GitHub-Event$/,
    );
  });

  it('prints the registry as JSON with --json', async () => {
    const { code, stdout } = await cli(['schemes', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as SchemeRow[];
    expect(rows.map((row) => row.name)).toEqual(Object.keys(registry));
    expect(rows.find((row) => row.name === 'stripe')).toEqual({
      name: 'stripe',
      summary: registry.stripe?.summary,
      docs: 'https://docs.stripe.com/webhooks#verify-manually',
      headers: ['Stripe-Signature'],
      keyKind: 'secret',
      defaultToleranceSeconds: 300,
    });
    expect(rows.find((row) => row.name === 'github')?.defaultToleranceSeconds).toBeNull();
  });

  it('reads whatever the registry holds', () => {
    const fake = {
      ...registry,
      newcomer: { ...registry.github, headers: ['X-New'] } as Scheme<unknown>,
    };
    expect(schemeRows(fake).at(-1)).toMatchObject({ name: 'newcomer', headers: ['X-New'] });
  });

  it('refuses an unexpected argument with exit code 2', async () => {
    const { code, stderr } = await cli(['schemes', 'stripe']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/too many arguments/);
  });
});

describe('formatSchemeTable', () => {
  it('aligns columns and marks missing values with -', () => {
    const rows: SchemeRow[] = [
      {
        name: 'a',
        summary: '',
        docs: '',
        headers: ['X-A', 'X-B'],
        keyKind: 'secret',
        defaultToleranceSeconds: 5,
      },
      {
        name: 'longer-name',
        summary: '',
        docs: '',
        headers: [],
        keyKind: 'public-key',
        defaultToleranceSeconds: null,
      },
    ];
    expect(formatSchemeTable(rows)).toBe(
      [
        'SCHEME       KEYS        TOLERANCE  HEADERS',
        'a            secret      5s         X-A, X-B',
        'longer-name  public-key  -          -',
        '',
      ].join('\n'),
    );
  });
});
