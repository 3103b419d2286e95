/**
 * `webhooks init --profiles pci-dss[,hipaa]`: records the compliance profiles a deployment
 * follows in cdk.json's context, where every later `cdk deploy` finds them, so that a deploy
 * without `-c profiles=…` keeps them instead of falling back to the default. The stack's own
 * guard (infra/profile-guard.ts) still refuses a deploy that drops one; this makes the right
 * deploy the one that needs no flag. Only `context.profiles` changes: the rest of the file is
 * kept byte for byte, and the new context must be one the CDK app accepts.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import {
  complianceProfileNames,
  complianceProfiles,
  defaultComplianceProfiles,
  isComplianceProfileName,
} from '../../compliance/profiles.ts';
import { droppedProfiles } from '../../functions/profile-guard/decision.ts';
import { reportingPlainly } from '../errors.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from '../io.ts';

/** The context key the app reads the profiles from (infra/context.ts, `contextKeys.profiles`). */
const profilesKey = 'profiles';

export interface InitFlags {
  readonly profiles: string;
  /** @default './cdk.json' */
  readonly cdkJson?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Writes the profiles into the context of cdk.json; bad usage exits 2 and writes nothing. */
export function init(flags: InitFlags, io: Io): Promise<ExitCode> {
  return reportingPlainly(io, [UsageError], () => recordProfiles(flags, io));
}

async function recordProfiles(flags: InitFlags, io: Io): Promise<ExitCode> {
  const profiles = profileList(flags.profiles);
  const path = resolve(flags.cdkJson ?? 'cdk.json');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      error.code === 'ENOENT'
        ? `no cdk.json at ${path}: run in the CDK app's folder, or name the file with --cdk-json`
        : `cannot read ${path}: ${error.message}`,
    );
  });
  const manifest = parseManifest(text, path);
  const context = (manifest.context ?? {}) as JsonObject;
  const before = context[profilesKey];
  const previous = before === undefined ? [...defaultComplianceProfiles] : namesOf(before);
  const value: Json = Array.isArray(before) ? profiles : profiles.join(',');
  const next = { ...context, [profilesKey]: value };
  const { needAlarmDestination } = await checkTheAppAccepts(next, path);

  const name = basename(path);
  warnOfStandingDowngrade(context, name, io);
  if (isDeepStrictEqual([...previous].sort(), [...profiles].sort())) {
    io.stdout(`${name} already names the profiles ${profiles.join(',')}: nothing changed\n`);
    remindOfAlarmDestination(needAlarmDestination, name, io);
    return exitCodes.ok;
  }
  await replaceFile(path, withContext(text, manifest, next));
  io.stdout(
    `${name}: context.${profilesKey} ${before === undefined ? `(not set: ${previous.join(',')})` : previous.join(',')} → ${profiles.join(',')}\n`,
  );
  const dropped = droppedProfiles(previous, profiles);
  if (dropped.length > 0) {
    io.stdout(
      `this drops ${dropped.join(',')}: a stack that follows ${dropped.length === 1 ? 'it' : 'them'} refuses the next deploy unless it is given -c allowProfileDowngrade=true\n`,
    );
  }
  remindOfAlarmDestination(needAlarmDestination, name, io);
  return exitCodes.ok;
}

/**
 * The alarm destination is for each deploy to give (`-c alarmEmail=…`), or for cdk.json: when
 * the profiles require one and cdk.json gives none, a deploy without it is refused, so say so.
 */
function remindOfAlarmDestination(requiring: readonly string[], name: string, io: Io): void {
  if (requiring.length === 0) return;
  io.stdout(
    `${requiring.join(', ')} require${requiring.length === 1 ? 's' : ''} an alarm destination, which ${name} does not give: deploy with -c alarmEmail=ops@example.com (or -c alarmTopicArn=arn:aws:sns:…), or add alarmEmail to its context\n`,
  );
}

/** The flag is for one deploy: kept in cdk.json, it would let every deploy drop profiles. */
function warnOfStandingDowngrade(context: JsonObject, name: string, io: Io): void {
  const flag = context.allowProfileDowngrade;
  if (flag === true || flag === 'true') {
    io.stderr(
      `warning: ${name} sets allowProfileDowngrade, so every deploy may drop profiles: give it as -c allowProfileDowngrade=true to the one deploy that drops them, and remove it here\n`,
    );
  }
}

/** `pci-dss,hipaa` as names, each a known profile, each once. */
function profileList(raw: string): string[] {
  const names = [...new Set(namesOf(raw))];
  const unknown = names.filter((name) => !isComplianceProfileName(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `${unknown.length > 0 ? `unknown compliance profile ${unknown.map((n) => `'${n}'`).join(', ')}` : '--profiles names no profile'} (known: ${complianceProfileNames.join(', ')})`,
    );
  }
  return names;
}

/** Names from `a,b` (as `-c` gives them) or `["a", "b"]` (as cdk.json may hold them). */
function namesOf(value: Json): string[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [];
  return items.map((item) => String(item).trim()).filter((item) => item !== '');
}

function parseManifest(text: string, path: string): JsonObject {
  let manifest: Json;
  try {
    manifest = JSON.parse(text) as Json;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(manifest) || !(manifest.context === undefined || isObject(manifest.context))) {
    throw new UsageError(`${path} is not a CDK manifest: its context must be an object`);
  }
  return manifest;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The app's own reading of the context (infra/context.ts, infra/settings.ts), loaded on use.
 * An alarm destination may come with each deploy (`-c alarmEmail=…`) instead of cdk.json, so
 * its absence is not a refusal: the context is checked with a placeholder address, and the
 * profiles that need one the context does not give are returned.
 */
async function checkTheAppAccepts(
  context: JsonObject,
  path: string,
): Promise<{ readonly needAlarmDestination: readonly string[] }> {
  const [{ readAppContext, withPlaceholderAlarmEmail }, { resolveSettings }] = await Promise.all([
    import('../../infra/context.ts'),
    import('../../infra/settings.ts'),
  ]);
  const checked = withPlaceholderAlarmEmail(context);
  try {
    const { props } = readAppContext((key) => checked[key]);
    resolveSettings(props);
    return {
      needAlarmDestination:
        checked === context
          ? []
          : (props.complianceProfiles ?? []).filter(
              (profile) => complianceProfiles[profile].alarmDestinationRequired,
            ),
    };
  } catch (error) {
    throw new UsageError(
      `the CDK app would refuse ${path} with these profiles, so it is left as it was:\n${(error as Error).message}`,
    );
  }
}

/**
 * `text` with the manifest's context replaced by `context`: the one value edited in place when
 * that gives exactly the wanted JSON, else the whole file written out again.
 */
function withContext(text: string, manifest: JsonObject, context: JsonObject): string {
  const wanted = { ...manifest, context };
  const value = JSON.stringify(context[profilesKey]);
  const candidates: string[] = [];
  for (const match of text.matchAll(/("profiles"\s*:\s*)("(?:[^"\\]|\\.)*"|\[[^[\]]*\])/g)) {
    const end = match.index + match[0].length;
    candidates.push(`${text.slice(0, match.index)}${match[1]}${value}${text.slice(end)}`);
  }
  for (const match of text.matchAll(/"context"\s*:\s*\{(\s*)/g)) {
    const at = match.index + match[0].length;
    const entry = `"${profilesKey}": ${value}`;
    candidates.push(
      text[at] === '}'
        ? `${text.slice(0, match.index)}"context": {\n    ${entry}\n  ${text.slice(at)}`
        : `${text.slice(0, at)}${entry},${match[1]}${text.slice(at)}`,
    );
  }
  const edited = candidates.find((candidate) => {
    try {
      return isDeepStrictEqual(JSON.parse(candidate), wanted);
    } catch {
      return false;
    }
  });
  return edited ?? `${JSON.stringify(wanted, null, 2)}\n`;
}

/** Writes through a file beside it and a rename: a reader never sees half a cdk.json. */
async function replaceFile(path: string, text: string): Promise<void> {
  const { mode } = await stat(path);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}

const examples = `
Examples:
  $ webhooks init --profiles pci-dss
  $ webhooks init --profiles pci-dss,hipaa --cdk-json infra/cdk.json

Only context.profiles changes; the CDK app must accept the new context (other settings in it
may conflict with the profiles), or nothing is written. A deploy that drops a profile the
stack follows still fails unless it is given -c allowProfileDowngrade=true.

Exit codes: 0 written or already so, 2 bad usage: an unknown profile, no cdk.json, a context
the app would refuse.`;

export function addInitCommand(program: Command, io: Io, finish: (code: ExitCode) => void): void {
  program
    .command('init')
    .description("record the deployment's compliance profiles in cdk.json, for every later deploy")
    .requiredOption(
      '--profiles <names>',
      `comma-separated compliance profiles (${complianceProfileNames.join(', ')})`,
    )
    .option('--cdk-json <file>', 'the CDK manifest to edit', 'cdk.json')
    .addHelpText('after', examples)
    .action(async (flags: InitFlags) => finish(await init(flags, io)));
}
