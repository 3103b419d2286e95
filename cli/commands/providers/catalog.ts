/**
 * `webhooks providers catalog`: every named provider `providers add --provider NAME` knows,
 * with its scheme, the headers it reads, where the delivery id and event type come from (and
 * whether the signature covers them), its documentation, the proof behind it and its published
 * source lists (ops/source-lists, for `--allow-published`). Offline: it
 * reads the catalog (ops/catalog/), no deployment.
 */
import type { Command } from 'commander';
import { type CatalogRow, catalogRows, type ValueSource } from '../../../ops/catalog/catalog.ts';
import { type ExitCode, exitCodes, type Io } from '../../io.ts';
import { alignedTable } from '../../table.ts';

const source = ({ from, signed }: ValueSource) =>
  from === 'none' ? '-' : `${from}${signed ? '' : ' (unsigned)'}`;

/** The table: one line a provider; `--json` has every column and the docs link. */
export function formatCatalog(rows: readonly CatalogRow[]): string {
  return alignedTable([
    ['PROVIDER', 'SCHEME', 'DELIVERY ID', 'EVENT TYPE', 'PROOF', 'PUBLISHED LIST'],
    ...rows.map((row) => [
      row.name,
      row.scheme,
      source(row.deliveryId),
      source(row.eventType),
      row.proof,
      row.publishedLists.join(',') || '-',
    ]),
  ]);
}

/**
 * The catalog as the Markdown table of docs/providers.md, which is this output between its
 * `generated:catalog` markers (test/catalog/catalog.test.ts keeps them equal).
 */
export function catalogMarkdown(rows: readonly CatalogRow[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const code = (texts: readonly string[]) => texts.map((text) => `\`${text}\``).join(', ');
  const lines = [
    '| Provider | Scheme | Headers | Delivery id | Event type | Proof | Published source list | Notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const options = Object.entries(row.options).map(([name, value]) => `${name}=${value}`);
      const scheme =
        options.length === 0 ? `\`${row.scheme}\`` : `\`${row.scheme}\` (${code(options)})`;
      return `| [${cell(row.displayName)}](${row.docs}) \`${row.name}\` | ${cell(scheme)} | ${cell(code(row.headers))} | ${cell(source(row.deliveryId))} | ${cell(source(row.eventType))} | ${cell(row.proof)} | ${cell(code(row.publishedLists))} | ${cell(row.note ?? '')} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

export function listCatalog(
  flags: { readonly json?: boolean; readonly markdown?: boolean },
  io: Io,
): ExitCode {
  const rows = catalogRows();
  io.stdout(
    flags.json
      ? `${JSON.stringify(rows, null, 2)}\n`
      : flags.markdown
        ? catalogMarkdown(rows)
        : formatCatalog(rows),
  );
  return exitCodes.ok;
}

export function addProvidersCatalogCommand(
  providers: Command,
  io: Io,
  finish: (code: ExitCode) => void,
): void {
  providers
    .command('catalog')
    .description(
      'list the named providers `providers add --provider NAME` knows: scheme, headers, ids, proof and published source lists',
    )
    .option('--json', 'print a JSON array (adds the options, headers, docs link and notes)')
    .option('--markdown', 'print the Markdown table of docs/providers.md')
    .addHelpText('after', '\nExample:\n  $ webhooks providers catalog --json')
    .action((flags: { json?: boolean; markdown?: boolean }) => finish(listCatalog(flags, io)));
}
