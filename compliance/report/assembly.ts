/**
 * A synthesized template and what its cloud assembly says about it: the cdk-nag packs'
 * findings (CDK's policy validation report, `validation-report.json`) and the acknowledgements
 * recorded on its constructs (the stack's metadata), with the logical id of each construct.
 * A template given without its assembly is still read; the report then says the nag results
 * are not available.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidTemplateError } from './errors.ts';
import { asTemplate, isRecord, type Template, valueAt } from './template.ts';

/** A finding the packs reported and nobody acknowledged. */
export interface NagFinding {
  readonly rule: string;
  readonly description: string;
  readonly severity: string;
  readonly constructPath: string;
  /** @default - the construct has no resource of its own in the template */
  readonly logicalId?: string;
}

export type NagResults =
  | {
      readonly available: true;
      /** The packs run; @default - not known (the report lists only plugins with findings) */
      readonly packs?: readonly string[];
      readonly findings: readonly NagFinding[];
    }
  | { readonly available: false; readonly reason: string };

/** An acknowledgement recorded on a construct: the rule, the reason, and where. */
export interface RecordedAcknowledgement {
  readonly rule: string;
  readonly reason: string;
  readonly constructPath: string;
  /** @default - the construct has no resource of its own in the template */
  readonly logicalId?: string;
}

export interface TemplateWithAssembly {
  readonly template: Template;
  readonly templatePath: string;
  /**
   * SHA-256 (hex) of the template file's bytes, read with it: what the report's metadata names,
   * so a reader can tell which template was judged. @default - not hashed
   */
  readonly templateSha256?: string;
  readonly nag: NagResults;
  /** @default - the stack's metadata was not found beside the template */
  readonly acknowledged?: readonly RecordedAcknowledgement[];
}

const acknowledgedRulesType = 'aws:cdk:acknowledged-rules';
const logicalIdType = 'aws:cdk:logicalId';
const validationReportFile = 'validation-report.json';

type Metadata = Readonly<Record<string, ReadonlyArray<{ type?: unknown; data?: unknown }>>>;

/** Reads `templatePath` and, when it sits in a cloud assembly, the assembly's evidence. */
export async function readTemplateWithAssembly(
  templatePath: string,
): Promise<TemplateWithAssembly> {
  const template = asTemplate(await readJson(templatePath, 'template'), templatePath);
  const templateSha256 = createHash('sha256')
    .update(await readFile(templatePath))
    .digest('hex');
  const directory = dirname(templatePath);
  const metadata = await stackMetadata(directory, basename(templatePath));
  const logicalIds = metadata === undefined ? new Map<string, string>() : logicalIdsOf(metadata);
  const nag = await nagResults(directory, logicalIds);
  const acknowledged =
    metadata === undefined ? undefined : acknowledgementsOf(metadata, logicalIds);
  return {
    template,
    templatePath,
    templateSha256,
    nag,
    ...(acknowledged === undefined ? {} : { acknowledged }),
  };
}

/** The stack's metadata from the assembly manifest: inline, or in its additional file. */
async function stackMetadata(
  directory: string,
  templateFile: string,
): Promise<Metadata | undefined> {
  const manifest = await readOptionalJson(join(directory, 'manifest.json'));
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {};
  const stack = Object.values(artifacts).find(
    (artifact) =>
      isRecord(artifact) && valueAt(artifact, 'properties.templateFile') === templateFile,
  );
  if (!isRecord(stack)) return undefined;
  if (isRecord(stack.metadata)) return stack.metadata as Metadata;
  const file = stack.additionalMetadataFile;
  if (typeof file !== 'string') return undefined;
  const metadata = await readOptionalJson(join(directory, file));
  return isRecord(metadata) ? (metadata as Metadata) : undefined;
}

function logicalIdsOf(metadata: Metadata): Map<string, string> {
  const ids = new Map<string, string>();
  for (const [path, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      if (entry.type === logicalIdType && typeof entry.data === 'string') {
        ids.set(normalisePath(path), entry.data);
      }
    }
  }
  return ids;
}

function acknowledgementsOf(
  metadata: Metadata,
  logicalIds: ReadonlyMap<string, string>,
): RecordedAcknowledgement[] {
  return Object.entries(metadata).flatMap(([path, entries]) =>
    entries
      .filter((entry) => entry.type === acknowledgedRulesType && isRecord(entry.data))
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>))
      .filter((pair): pair is [string, string] => typeof pair[1] === 'string')
      .map(([id, reason]) => {
        const constructPath = normalisePath(path);
        const logicalId = logicalIdAt(logicalIds, constructPath);
        return {
          rule: id.replace(/^annotation::/i, ''),
          reason,
          constructPath,
          ...(logicalId === undefined ? {} : { logicalId }),
        };
      }),
  );
}

async function nagResults(
  directory: string,
  logicalIds: ReadonlyMap<string, string>,
): Promise<NagResults> {
  const report = await readOptionalJson(join(directory, validationReportFile));
  if (!isRecord(report) || !Array.isArray(report.pluginReports)) {
    return {
      available: false,
      reason: `no ${validationReportFile} beside the template: give the template inside its cloud assembly (cdk.out/<name>/) to include the cdk-nag results`,
    };
  }
  const findings = report.pluginReports.flatMap((plugin: unknown) =>
    arrayAt(plugin, 'violations').flatMap((violation) =>
      arrayAt(violation, 'violatingConstructs').map((construct) => {
        const constructPath = normalisePath(String(valueAt(construct, 'constructPath') ?? ''));
        const logicalId = logicalIdAt(logicalIds, constructPath);
        return {
          rule: String(valueAt(violation, 'ruleName') ?? '?'),
          description: String(valueAt(violation, 'description') ?? ''),
          severity: String(valueAt(violation, 'severity') ?? 'error'),
          constructPath,
          ...(logicalId === undefined ? {} : { logicalId }),
        };
      }),
    ),
  );
  return { available: true, findings };
}

/** The logical id of a construct, or of its default `Resource` child. */
function logicalIdAt(ids: ReadonlyMap<string, string>, path: string): string | undefined {
  return ids.get(path) ?? ids.get(`${path}/Resource`);
}

const normalisePath = (path: string) => path.replace(/^\//, '');

function arrayAt(value: unknown, key: string): unknown[] {
  const items = valueAt(value, key);
  return Array.isArray(items) ? items : [];
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidTemplateError(`cannot read the ${what} ${path} (${code})${nextStep(code)}`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidTemplateError(`the ${what} ${path} is not JSON`, { cause: error });
  }
}

/** A missing template is most often one `npm run synth` has not written yet. */
function nextStep(code: string): string {
  return code === 'ENOENT'
    ? ": `npm run synth` writes every profile's template under cdk.out/, or leave out --template to synthesize the app in this process"
    : '';
}

async function readOptionalJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}
