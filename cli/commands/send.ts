/**
 * `webhooks send`: the onboarding check "is my provider set up right?". It signs a test
 * delivery exactly as the provider's scheme does (its signer, beside its verifier in
 * functions/verify/schemes/) and POSTs it to the deployment's webhook URL, then reports what
 * the deployment answered: accepted (202), duplicate (200) or rejected (401, its reason in the
 * audit record).
 *
 * Secret schemes sign with the provider's newest registered secret, decrypted with KMS, or with
 * one given on stdin or in a file (a deployed stack's key policy lets only the ingest function
 * decrypt provider secrets). Public-key schemes sign with a test key: `--register-test-key`
 * adds a fresh key pair's public half to the provider as one more key version, valid for a
 * limited time, and writes the private half to `--test-key-file`. Every send, and every test
 * key added, leaves an admin record (../identity.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { providerIdParameter } from '../../functions/ingest/http-event.ts';
import { ProviderNotFoundError } from '../../functions/registry/errors.ts';
import {
  assertProviderId,
  type ProviderConfig,
  parseProviderOptions,
} from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import type { SignedDelivery, Signer } from '../../functions/verify/scheme.sign.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import { getScheme } from '../../functions/verify/verify.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { reportingPlainly } from '../errors.ts';
import { type AdminActionResult, type AdminContext, runAudited } from '../identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';
import { KmsAccessDeniedError } from '../kms-permission.ts';
import {
  defaultTestKeyValidity,
  registeredTestKey,
  registerTestKey,
  type SigningKeyFlags,
  signingKeyOf,
  testKeyNeeded,
} from '../signing-keys.ts';
import {
  addTargetOptions,
  type Target,
  type TargetFlags,
  TargetUnavailableError,
  withTarget,
} from '../target.ts';
import type { TestKey } from '../test-key-file.ts';

export interface SendFlags extends TargetFlags, SigningKeyFlags {
  readonly payloadFile?: string;
  readonly eventType?: string;
  readonly deliveryId?: string;
  readonly url?: string;
}

/** A little over API Gateway's 29 s integration timeout: the deployment answers by then. */
const sendTimeoutMs = 30_000;

/** What `--json` prints for a send: one line. */
export interface SendReport {
  /** From the status: accepted 202, duplicate 200, rejected 401 or 413, else unavailable or failed. */
  readonly outcome: 'accepted' | 'duplicate' | 'handshake' | 'rejected' | 'unavailable' | 'failed';
  readonly httpStatus: number;
  /** `null` when the deployment named none (any refusal). */
  readonly deliveryId: string | null;
  readonly providerId: string;
  readonly scheme: string;
  readonly url: string;
  /** `registered key v2`, `test key v3`, `secret from stdin` or `secret from <file>`. */
  readonly signedWith: string;
}

/** The webhook URL did not answer: nothing was sent, or no answer came back. */
export class WebhookUnreachableError extends Error {
  override readonly name = 'WebhookUnreachableError';
  readonly code = 'webhook_unreachable';
}

export async function sendDelivery(
  providerId: string,
  flags: SendFlags,
  io: Io,
): Promise<ExitCode> {
  return withTarget(flags, io, (target) =>
    // A KMS refusal or an unreachable URL is one plain line and exit 2, after runAudited has
    // recorded the failure.
    reportingPlainly(io, [KmsAccessDeniedError, WebhookUnreachableError], async () => {
      assertProviderId(providerId);
      checkFlags(flags);
      const registry = new ProviderRegistryStore({
        dynamodb: target.dynamodb,
        tableName: target.names.registryTableName,
      });
      const config = await registry.get(providerId);
      if (config === undefined) throw new ProviderNotFoundError(providerId);
      if (!config.enabled) {
        io.stderr(
          `error: provider '${providerId}' is disabled, so every delivery is refused: \`webhooks providers enable ${providerId}\` first\n`,
        );
        return exitCodes.rejected;
      }
      const signer = await signerFor(config.scheme);
      checkKeySource(config, signer, flags);
      checkEventType(config, signer, flags.eventType);
      const webhookUrl = webhookUrlOf(target, flags, providerId);
      const payload =
        flags.payloadFile === undefined ? undefined : await readPayload(flags.payloadFile, io);
      const context: AdminContext = { target, flags, io };
      let testKey: TestKey | undefined;
      if (flags.registerTestKey) {
        const registered = await registerTestKey(context, registry, config, signer, flags);
        // Not on when the key is added but not audited (exit 2): that must be seen first.
        if (registered.code !== exitCodes.ok || registered.testKey === undefined) {
          return registered.code;
        }
        testKey = registered.testKey;
      } else if (flags.testKeyFile !== undefined) {
        testKey = await registeredTestKey(config, flags.testKeyFile);
      }
      if (payload === undefined) return exitCodes.ok;
      return runAudited(context, 'delivery.send', providerId, async (detail) => {
        const signing = await signingKeyOf(target, config, signer, flags, io, testKey);
        Object.assign(detail, {
          scheme: config.scheme,
          keySource: signing.source,
          ...(signing.version === undefined ? {} : { keyVersion: String(signing.version) }),
        });
        const contentType = contentTypeOf(payload);
        const signed = signer.sign({
          url: asReceived(webhookUrl),
          method: 'POST',
          body: payload,
          contentType,
          key: signing.key,
          options: parseProviderOptions(config),
          nowMs: Date.now(),
          deliveryId: flags.deliveryId ?? defaultDeliveryId(payload),
          eventType: flags.eventType,
        });
        const postUrl = new URL(signed.url);
        postUrl.protocol = webhookUrl.protocol;
        const answer = await post(postUrl, signed, contentType);
        detail.httpStatus = String(answer.status);
        if (answer.deliveryId !== undefined) detail.deliveryId = answer.deliveryId;
        const report: SendReport = {
          outcome: outcomeOf(answer),
          httpStatus: answer.status,
          deliveryId: answer.deliveryId ?? null,
          providerId,
          scheme: config.scheme,
          url: postUrl.toString(),
          signedWith: signing.label,
        };
        const justAdded = flags.registerTestKey === true ? target.configCacheSeconds : undefined;
        return sendResult(report, flags, justAdded);
      });
    }),
  );
}

/** Flags that cannot go together, refused before anything is read. */
function checkFlags(flags: SendFlags): void {
  if (flags.payloadFile === undefined && !flags.registerTestKey) {
    throw new UsageError('--payload-file is required: the body to send (- reads standard input)');
  }
  const secretSources = [flags.secretStdin, flags.secretFile].filter(Boolean).length;
  if (secretSources > 1) throw new UsageError('give one of --secret-stdin and --secret-file');
  if (secretSources > 0 && (flags.testKeyFile !== undefined || flags.registerTestKey)) {
    throw new UsageError(
      'a secret (--secret-stdin, --secret-file) and a test key exclude each other',
    );
  }
  if (flags.payloadFile === '-' && flags.secretStdin) {
    throw new UsageError('--payload-file - and --secret-stdin cannot both read standard input');
  }
  if (flags.testKeyValidFor !== undefined && !flags.registerTestKey) {
    throw new UsageError('--test-key-valid-for goes with --register-test-key');
  }
  if (flags.deliveryId !== undefined && !/^[\x21-\x7e]{1,200}$/.test(flags.deliveryId)) {
    throw new UsageError('--delivery-id must be 1 to 200 printable ASCII characters, no spaces');
  }
}

/** The key source given fits the scheme: a secret for secret schemes, a test key otherwise. */
function checkKeySource(config: ProviderConfig, signer: Signer, flags: SendFlags): void {
  const { scheme } = config;
  const secretGiven = flags.secretStdin === true || flags.secretFile !== undefined;
  const testKeyGiven = flags.testKeyFile !== undefined || flags.registerTestKey === true;
  if (signer.signsWith === 'test-key' && secretGiven) {
    throw new UsageError(
      `scheme '${scheme}' verifies with a public key: sign with a test key (--register-test-key --test-key-file <file>), not a secret`,
    );
  }
  if (signer.signsWith === 'secret' && testKeyGiven) {
    throw new UsageError(
      `scheme '${scheme}' signs with a shared secret and takes no test key: send signs with the registered secret, or one given with --secret-stdin or --secret-file`,
    );
  }
  if (signer.signsWith === 'test-key' && !testKeyGiven) {
    throw new UsageError(testKeyNeeded(scheme));
  }
}

/** `--event-type` goes into a header; a scheme that carries the type in the body takes it there. */
function checkEventType(config: ProviderConfig, signer: Signer, eventType: string | undefined) {
  if (eventType === undefined || signer.eventTypeHeader !== undefined) return;
  const field = getScheme(config.scheme).eventFields?.type;
  throw new UsageError(
    field === undefined
      ? `--event-type: scheme '${config.scheme}' carries no event type`
      : `--event-type: scheme '${config.scheme}' carries the event type in the body's '${field}' field; set it in --payload-file`,
  );
}

/**
 * `--url`, else the stack's `WebhookUrlTemplate` output, else the URL `npm start` recorded for
 * its gateway in the stack file (whatever its PORT).
 */
function webhookUrlOf(target: Target, flags: SendFlags, providerId: string): URL {
  const template = flags.url ?? target.webhookUrlTemplate;
  if (template === undefined) {
    throw new TargetUnavailableError(
      flags.local === true
        ? 'the local stack file records no gateway (was the stack started by `npm start`?): give the webhook URL with --url'
        : `stack '${flags.stack}' has no ${operatorOutputKeys.webhookUrlTemplate} output: give the webhook URL with --url`,
    );
  }
  const text = template.replaceAll(`{${providerIdParameter}}`, providerId);
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(`--url must be an http or https URL, got '${template}'`);
  }
  return url;
}

/**
 * The URL as the receiver rebuilds it, which is what URL-signing schemes (Twilio, Square,
 * HubSpot) sign: API Gateway serves HTTPS only, so the ingest handler writes `https://` + the
 * Host header + the path (functions/ingest/http-event.ts); behind the plain-HTTP local gateway
 * it does the same.
 */
function asReceived(url: URL): string {
  const received = new URL(url);
  received.protocol = 'https:';
  return received.toString();
}

async function readPayload(path: string, io: Io): Promise<Uint8Array> {
  if (path === '-') return io.readStdin();
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read --payload-file '${path}' (${code})`);
  }
}

/**
 * The same payload gets the same id, so a second send is a duplicate as a provider's retry
 * is; only schemes that carry the id in a header use it.
 */
const defaultDeliveryId = (payload: Uint8Array) =>
  `test_${createHash('sha256').update(payload).digest('hex').slice(0, 32)}`;

const formBody = /^[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*$/;

/** JSON when the payload parses as JSON, a form when it reads as one, else opaque bytes. */
function contentTypeOf(payload: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return 'application/octet-stream';
  }
  try {
    JSON.parse(text);
    return 'application/json';
  } catch {
    return formBody.test(text) ? 'application/x-www-form-urlencoded' : 'application/octet-stream';
  }
}

/** What the webhook URL answered. */
interface Answer {
  readonly status: number;
  /** The `deliveryId` of the JSON answer to a 202 or 200. */
  readonly deliveryId?: string;
}

async function post(url: URL, signed: SignedDelivery, contentType: string): Promise<Answer> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        ...signed.headers,
        'content-type': contentType,
        'user-agent': `webhooks-cli/${packageJson.version} (test delivery)`,
      },
      body: signed.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(sendTimeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    // fetch fails with a bare TypeError; the network error (ECONNREFUSED…) is its cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = cause?.code ?? cause?.message;
    const why = typeof detail === 'string' ? detail : (error as Error).name;
    throw new WebhookUnreachableError(
      `cannot reach ${url.origin} (${why}): is the deployment up${url.hostname === '127.0.0.1' ? ' (`npm start`)' : ''}, and is the URL right? (--url sets it)`,
      { cause: error },
    );
  }
  let deliveryId: unknown;
  try {
    deliveryId = (JSON.parse(text) as { deliveryId?: unknown } | null)?.deliveryId;
  } catch {
    deliveryId = undefined;
  }
  return typeof deliveryId === 'string' ? { status, deliveryId } : { status };
}

function outcomeOf({ status, deliveryId }: Answer): SendReport['outcome'] {
  if (status === 202) return 'accepted';
  if (status === 200) return deliveryId === undefined ? 'handshake' : 'duplicate';
  if (status === 401 || status === 413) return 'rejected';
  return status === 503 ? 'unavailable' : 'failed';
}

/** The report, its exit code, and why the deployment refused it, for the admin record. */
function sendResult(
  report: SendReport,
  flags: SendFlags,
  /** The deployment's cache time, when the key was registered just now. */
  keyJustAddedCacheSeconds: number | undefined,
): AdminActionResult {
  const { outcome, httpStatus, deliveryId, providerId } = report;
  const line = (text: string) => (flags.json ? `${JSON.stringify(report)}\n` : `${text}\n`);
  const status = `HTTP ${httpStatus}`;
  switch (outcome) {
    case 'accepted':
      return {
        code: exitCodes.ok,
        stdout: line(
          `accepted (${status}): delivery ${deliveryId} queued for provider '${providerId}' (scheme ${report.scheme}, signed with ${report.signedWith})`,
        ),
      };
    case 'duplicate':
      return {
        code: exitCodes.ok,
        stdout: line(
          `duplicate (${status}): delivery ${deliveryId} was accepted before; nothing was queued again`,
        ),
      };
    case 'handshake':
      return {
        code: exitCodes.ok,
        stdout: line(`handshake (${status}): the payload is a challenge, answered and not queued`),
      };
    case 'rejected':
      return {
        code: exitCodes.rejected,
        stdout: line(`rejected (${status}): provider '${providerId}' refused the signed delivery`),
        stderr: `${rejectionHint(report, flags)}${keyJustAddedCacheSeconds === undefined ? '' : cacheHint(keyJustAddedCacheSeconds)}`,
        refusedReason: httpStatus === 413 ? 'payload_too_large' : 'delivery_rejected',
      };
    default:
      return {
        code: exitCodes.usage,
        stdout: line(`${outcome} (${status}): the deployment did not take the delivery`),
        stderr:
          outcome === 'unavailable'
            ? 'hint: a dependency was unavailable; send again shortly\n'
            : '',
        refusedReason: outcome === 'unavailable' ? 'deployment_unavailable' : `http_${httpStatus}`,
      };
  }
}

/** Where the reason is: the audit record of the refused attempt. */
function rejectionHint(report: SendReport, flags: TargetFlags): string {
  const target =
    flags.stack === undefined
      ? '--local'
      : `--stack ${flags.stack}${flags.instance === undefined ? '' : ` --instance ${flags.instance}`}${flags.region === undefined ? '' : ` --region ${flags.region}`}`;
  return `hint: the reason is in its audit record: webhooks audit list --provider ${report.providerId} --outcome rejected --since 10m ${target}\n`;
}

const cacheHint = (seconds: number) =>
  `hint: a running ingest function reads provider settings again every ${seconds} s, so a key added just now may not be seen yet: send again in ${seconds} s\n`;

export function addSendCommand(program: Command, io: Io, finish: (code: ExitCode) => void): void {
  addTargetOptions(
    program
      .command('send <providerId>')
      .description(
        "sign a test delivery as the provider's scheme does and post it to the deployment",
      )
      .option('--payload-file <file>', 'the body to send, as is; - reads standard input')
      .option('--event-type <type>', 'the event type, for schemes that carry it in a header')
      .option(
        '--delivery-id <id>',
        'for schemes with a delivery id header (default: from the payload)',
      )
      .option('--secret-stdin', 'sign with the secret on standard input, not the registered one')
      .option('--secret-file <file>', 'sign with the secret in this file, not the registered one')
      .option('--test-key-file <file>', 'sign with this test key (public-key schemes)')
      .option(
        '--register-test-key',
        'add a new test key to the provider, written to --test-key-file',
      )
      .option(
        '--test-key-valid-for <duration>',
        `how long the new test key is accepted, up to 30d (default: ${defaultTestKeyValidity})`,
      )
      .option(
        '--url <url>',
        `the webhook URL; {${providerIdParameter}} is filled in (default: the stack's)`,
      )
      .option('--json', 'print one JSON line'),
  )
    .addHelpText(
      'after',
      [
        '',
        'The body is sent as application/json when it is JSON, as a form when it reads as one.',
        'Exit codes: 0 accepted or duplicate, 1 rejected, 2 bad usage or unreachable.',
        '',
        'Examples:',
        '  $ webhooks send stripe-demo --payload-file event.json --local',
        '  $ webhooks send gh --payload-file push.json --event-type push --secret-stdin --stack webhook-ingestion < gh.secret',
        '  $ webhooks send discord-app --payload-file ping.json --register-test-key --test-key-file discord.key --local',
        '  $ webhooks send discord-app --payload-file ping.json --test-key-file discord.key --local',
      ].join('\n'),
    )
    .action(async (providerId: string, flags: SendFlags) =>
      finish(await sendDelivery(providerId, flags, io)),
    );
}
