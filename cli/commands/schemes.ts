/** `webhooks schemes`: what the registry holds, read at run time so new schemes just appear. */
import type { Command } from 'commander';
import type { Scheme } from '../../functions/verify/scheme.ts';
import { schemes } from '../../functions/verify/schemes/index.ts';
import { type ExitCode, exitCodes, type Io } from '../io.ts';
import { alignedTable } from '../table.ts';

export interface SchemeRow {
  /** The registry key: what `--scheme` takes. */
  readonly name: string;
  readonly summary: string;
  readonly docs: string;
  readonly headers: readonly string[];
  readonly keyKind: Scheme<unknown>['keyKind'];
  /** `null` when the scheme signs no timestamp. */
  readonly defaultToleranceSeconds: number | null;
}

export function schemeRows(registry: Readonly<Record<string, Scheme<unknown>>>): SchemeRow[] {
  return Object.entries(registry).map(([name, scheme]) => ({
    name,
    summary: scheme.summary,
    docs: scheme.docs,
    headers: scheme.headers,
    keyKind: scheme.keyKind,
    defaultToleranceSeconds: scheme.defaultToleranceSeconds ?? null,
  }));
}

/** An aligned plain-text table; the headers column comes last as it is the widest. */
export function formatSchemeTable(rows: readonly SchemeRow[]): string {
  return alignedTable([
    ['SCHEME', 'KEYS', 'TOLERANCE', 'HEADERS'],
    ...rows.map((row) => [
      row.name,
      row.keyKind,
      row.defaultToleranceSeconds === null ? '-' : `${row.defaultToleranceSeconds}s`,
      row.headers.length === 0 ? '-' : row.headers.join(', '),
    ]),
  ]);
}

export function listSchemes(flags: { readonly json?: boolean }, io: Io): ExitCode {
  const rows = schemeRows(schemes as unknown as Record<string, Scheme<unknown>>);
  io.stdout(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : formatSchemeTable(rows));
  return exitCodes.ok;
}

export function addSchemesCommand(
  program: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  program
    .command('schemes')
    .description('list every supported scheme: its headers, key kind and default tolerance')
    .option('--json', 'print a JSON array (adds summary and docs link)')
    .addHelpText('after', '\nExample:\n  $ webhooks schemes --json')
    .action((flags: { json?: boolean }) => finish(listSchemes(flags, io)));
}
