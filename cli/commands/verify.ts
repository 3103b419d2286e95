/**
 * `webhooks verify`: checks captured requests offline with the verification core, either one
 * request described by flags or many from a JSON Lines file (`--cases`).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { SchemeOptionsError } from '../../functions/verify/errors.ts';
import { readEventFields } from '../../functions/verify/event-fields.ts';
import type { Scheme } from '../../functions/verify/scheme.ts';
import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import type { Accepted, Rejected, VerificationKey } from '../../functions/verify/types.ts';
import { type VerifyDeliveryInput, verifyDelivery } from '../../functions/verify/verify.ts';
import { describeError } from '../errors.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';
import {
  groupHeaders,
  isToken,
  type KeyText,
  keyFromFile,
  parseCaseLine,
  parseHeaderFlag,
  parseOptionFlags,
  parseSeconds,
  repeatable,
  type VerifyJob,
} from '../parse.ts';
import { lookUpScheme } from '../schemes.ts';

/** The URL a request is checked against when `--url` is not given; only URL-signing schemes care. */
export const DEFAULT_URL = 'https://example.com/webhooks';
export const DEFAULT_METHOD = 'POST';

/** The flags as commander collects them: raw text, parsed by {@link verifyCommand}. */
export interface VerifyFlags {
  readonly scheme?: string;
  readonly secretFile?: readonly string[];
  readonly publicKeyFile?: readonly string[];
  readonly header?: readonly string[];
  readonly bodyFile?: string;
  readonly url?: string;
  readonly method?: string;
  readonly now?: string;
  readonly option?: readonly string[];
  readonly tolerance?: string;
  readonly json?: boolean;
  readonly cases?: string;
}

/** A verdict as printed: `reason` is `null` when accepted, so every line has both fields. */
export type VerdictRecord =
  | (Accepted & { readonly reason: null })
  | Rejected
  | {
      readonly accepted: false;
      readonly reason: 'invalid_case' | 'error';
      readonly detail: string;
    };

export async function verifyCommand(flags: VerifyFlags, io: Io): Promise<ExitCode> {
  try {
    if (flags.cases !== undefined) return await verifyCases(flags, flags.cases, io);
    const record = await check(await jobFromFlags(flags, io));
    io.stdout(`${flags.json ? JSON.stringify(record) : describeVerdict(record)}\n`);
    return record.accepted ? exitCodes.ok : exitCodes.rejected;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return exitCodes.usage;
  }
}

/** One line for people: `accepted (key: …, delivery: …)` or `rejected: <reason> (<detail>)`. */
export function describeVerdict(record: VerdictRecord): string {
  if (!record.accepted) return `rejected: ${record.reason} (${record.detail})`;
  const facts = [
    ['key', record.keyId],
    ['delivery', record.deliveryId],
    ['event', record.eventType],
    ['timestamp', record.timestamp],
    ['handshake', record.handshake],
  ].filter(([, value]) => value !== undefined);
  return `accepted (${facts.map(([name, value]) => `${name}: ${value}`).join(', ')})`;
}

/** Verifies one job; a job the CLI cannot even attempt throws {@link UsageError}. */
export async function check(job: VerifyJob): Promise<VerdictRecord> {
  const scheme = lookUpScheme(job.scheme);
  const verdict = await verifyDelivery(deliveryInput(job, scheme));
  if (!verdict.accepted) {
    // Rebuilt for a stable field order: verdict first, then what it is about.
    const { accepted, reason, detail, scheme: name } = verdict;
    return { accepted, reason, detail, scheme: name };
  }
  // Only now, with the body proven genuine, may it be parsed for ids the scheme keeps there.
  const fields = readEventFields(scheme, job.body);
  const { accepted, scheme: name, keyId, ...details } = verdict;
  return {
    accepted,
    reason: null,
    scheme: name,
    keyId,
    ...details,
    ...(verdict.deliveryId === undefined && fields.id !== undefined
      ? { deliveryId: fields.id }
      : {}),
    ...(verdict.eventType === undefined && fields.type !== undefined
      ? { eventType: fields.type }
      : {}),
  };
}

function deliveryInput(job: VerifyJob, scheme: Scheme<unknown>): VerifyDeliveryInput {
  const [given, other] =
    scheme.keyKind === 'secret' ? ['secrets', 'public keys'] : ['public keys', 'secrets'];
  if ((scheme.keyKind === 'secret' ? job.publicKeys : job.secrets).length > 0) {
    throw new UsageError(`scheme '${job.scheme}' verifies with ${given}, not ${other}`);
  }
  const url = job.url ?? DEFAULT_URL;
  if (!URL.canParse(url)) throw new UsageError('url must be an absolute URL');
  const method = job.method ?? DEFAULT_METHOD;
  if (!isToken(method)) throw new UsageError('method must be an HTTP method name');
  const options = schemeOptions(job, scheme);
  const now = job.now;
  return {
    scheme: job.scheme as SchemeName,
    request: { method, url, headers: job.headers, body: job.body },
    keys: [...job.secrets, ...job.publicKeys].map(toKey),
    ...(options === undefined ? {} : { options: options as never }),
    ...(now === undefined ? {} : { clock: () => now * 1000 }),
    ...(job.tolerance === undefined ? {} : { toleranceSeconds: job.tolerance }),
  };
}

/** Always runs the scheme's parser, even on no options, so a required option is reported. */
function schemeOptions(job: VerifyJob, scheme: Scheme<unknown>): unknown {
  if (scheme.parseOptions === undefined) {
    if (Object.keys(job.options).length === 0) return undefined;
    throw new UsageError(`scheme '${job.scheme}' takes no options`);
  }
  try {
    return scheme.parseOptions(job.options);
  } catch (error) {
    if (!(error instanceof SchemeOptionsError)) throw error;
    throw new UsageError(`bad option for scheme '${job.scheme}': ${error.message}`);
  }
}

const toKey = (key: KeyText): VerificationKey =>
  key.id === undefined ? { value: key.value } : { id: key.id, value: key.value };

async function jobFromFlags(flags: VerifyFlags, io: Io): Promise<VerifyJob> {
  if (flags.scheme === undefined) {
    throw new UsageError('--scheme is required (`webhooks schemes` lists them)');
  }
  lookUpScheme(flags.scheme); // before reading stdin, so a typo fails at once
  const headers = groupHeaders((flags.header ?? []).map(parseHeaderFlag));
  const options = parseOptionFlags(flags.option ?? []);
  const now = flags.now === undefined ? undefined : parseSeconds(flags.now, '--now');
  const tolerance =
    flags.tolerance === undefined ? undefined : parseSeconds(flags.tolerance, '--tolerance');
  return {
    scheme: flags.scheme,
    secrets: await readKeys(flags.secretFile ?? [], '--secret-file'),
    publicKeys: await readKeys(flags.publicKeyFile ?? [], '--public-key-file'),
    headers,
    body:
      flags.bodyFile === undefined
        ? new Uint8Array()
        : flags.bodyFile === '-'
          ? await io.readStdin()
          : await readInput(flags.bodyFile, '--body-file'),
    url: flags.url,
    method: flags.method,
    now,
    options,
    tolerance,
  };
}

/** Each file holds one key; its name is the key id reported on acceptance. */
async function readKeys(paths: readonly string[], flag: string): Promise<KeyText[]> {
  const keys: KeyText[] = [];
  for (const path of paths) {
    const value = keyFromFile(await readInput(path, flag));
    if (value === '') throw new UsageError(`${flag} '${path}' is empty`);
    keys.push({ id: basename(path), value });
  }
  return keys;
}

async function readInput(path: string, flag: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read ${flag} '${path}' (${code})`);
  }
}

/** The flags that describe a single request, which `--cases` replaces. */
const SINGLE_REQUEST_FLAGS = [
  ['scheme', '--scheme'],
  ['secretFile', '--secret-file'],
  ['publicKeyFile', '--public-key-file'],
  ['header', '--header'],
  ['bodyFile', '--body-file'],
  ['url', '--url'],
  ['method', '--method'],
  ['now', '--now'],
  ['option', '--option'],
  ['tolerance', '--tolerance'],
] as const;

/** Each line's verdict as one JSON line, in order; a bad line is a verdict, not an abort. */
async function verifyCases(flags: VerifyFlags, source: string, io: Io): Promise<ExitCode> {
  const mixed = SINGLE_REQUEST_FLAGS.filter(([key]) => {
    return flags[key] !== undefined;
  }).map(([, flag]) => flag);
  if (mixed.length > 0) {
    throw new UsageError(`--cases cannot be combined with ${mixed.join(', ')}`);
  }
  const content = source === '-' ? await io.readStdin() : await readInput(source, '--cases');
  const lines = Buffer.from(content).toString('utf8').split('\n');
  for (const [index, raw] of lines.entries()) {
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '') continue;
    const record = await checkCase(text);
    io.stdout(`${JSON.stringify({ line: index + 1, ...record })}\n`);
  }
  return exitCodes.ok;
}

async function checkCase(text: string): Promise<VerdictRecord> {
  try {
    return await check(parseCaseLine(text));
  } catch (error) {
    if (error instanceof UsageError) {
      return { accepted: false, reason: 'invalid_case', detail: error.message };
    }
    // A scheme that throws is a bug; report it on its line and carry on with the rest.
    return { accepted: false, reason: 'error', detail: describeError(error) };
  }
}

export function addVerifyCommand(program: Command, io: Io, finish: (code: ExitCode) => void): void {
  program
    .command('verify')
    .description('check a captured request offline (or many, with --cases)')
    .option('--scheme <name>', 'the signing scheme (`webhooks schemes` lists them)')
    .option('--secret-file <file>', 'a shared secret, one per file; repeatable', repeatable)
    .option('--public-key-file <file>', 'a public key, one per file; repeatable', repeatable)
    .option('--header <header>', "a request header, 'Name: value'; repeatable", repeatable)
    .option('--body-file <file>', 'the raw request body; - reads stdin (default: empty)')
    .option('--url <url>', `the URL the provider called (default: ${DEFAULT_URL})`)
    .option('--method <method>', `the HTTP method (default: ${DEFAULT_METHOD})`)
    .option('--now <seconds>', 'the clock, in Unix seconds (default: now)')
    .option('--option <key=value>', 'a scheme option; repeatable', repeatable)
    .option('--tolerance <seconds>', "timestamp tolerance (default: the scheme's)")
    .option('--json', 'print the verdict as one JSON line')
    .option('--cases <file>', 'check every request in a JSON Lines file; - reads stdin')
    .addHelpText(
      'after',
      [
        '',
        'Key files hold the key as the provider issues it; one trailing newline is ignored',
        'and the file name is the key id reported on acceptance.',
        '',
        'Exit codes: 0 accepted (with --cases: the file was read), 1 rejected, 2 bad usage.',
        '',
        'Examples:',
        "  $ webhooks verify --scheme github --secret-file github.secret --body-file body.txt --header 'X-Hub-Signature-256: sha256=757107…'",
        '  $ webhooks verify --cases captured.jsonl',
      ].join('\n'),
    )
    .action(async (flags: VerifyFlags) => finish(await verifyCommand(flags, io)));
}
