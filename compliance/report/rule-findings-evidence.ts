/**
 * What AWS's rules said of a template, read for the report's rule findings (rule-findings.ts):
 * Control Tower's cfn-guard report from the cloud assembly `npm run synth` writes (with the
 * bundled rules, to tell which ran on a resource and found nothing), and a cfn-lint run on the
 * template where `cfn-lint` is installed, as `npm run lint:templates` runs it. Neither is
 * installed with the construct: each is said not run, with why, when it is missing.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { guardPluginName } from '../guard-rules.ts';
import type {
  CfnLintEvidence,
  CfnLintFinding,
  GuardEvidence,
  ReportedFinding,
  RuleEvidence,
} from './rule-findings.ts';
import { type Template, valueAt } from './template.ts';

/** What a run of a program gave back. */
export interface ProgramRun {
  /** null when it did not exit (killed); 127 when a shim found no program. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RuleEvidenceOptions {
  readonly template: Template;
  /** The template's file in its cloud assembly. @default - synthesized in this process */
  readonly templatePath?: string;
  readonly now: () => Date;
  /** Where `cfn-lint` is. @default - looked up on PATH */
  readonly findCfnLint?: () => Promise<string | undefined>;
  /** Runs a program. @default - child_process.execFile */
  readonly run?: (program: string, args: readonly string[]) => Promise<ProgramRun>;
  /** The cfn-guard rules' folder. @default - the one @cdklabs/cdk-validator-cfnguard bundles */
  readonly guardRules?: string;
}

export const cfnLintMissing = 'cfn-lint not installed, pip install cfn-lint';

/**
 * `WEBHOOKS_CFN_LINT` names the cfn-lint to run (a virtualenv's, say), or `none` to leave it
 * out (the report then says so); unset, cfn-lint is looked up on PATH.
 */
export const cfnLintVariable = 'WEBHOOKS_CFN_LINT';

async function cfnLintOfEnvironment(): Promise<string | undefined> {
  const named = process.env[cfnLintVariable];
  return named === undefined || named === '' ? findOnPath('cfn-lint') : named;
}

/** The guard's report and a cfn-lint run, each with why it is missing where it is. */
export async function readRuleEvidence(options: RuleEvidenceOptions): Promise<RuleEvidence> {
  const [guard, cfnLint] = await Promise.all([readGuard(options), runCfnLint(options)]);
  return { guard, cfnLint };
}

/** The first executable `name` on PATH (with Windows' extensions), like a shell finds it. */
export async function findOnPath(
  name: string,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  const extensions =
    process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD').split(';') : [''];
  for (const folder of path.split(delimiter).filter((entry) => entry !== '')) {
    for (const extension of extensions) {
      const candidate = join(folder, `${name}${extension}`);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function runProgram(program: string, args: readonly string[]): Promise<ProgramRun> {
  return new Promise((resolve) => {
    execFile(
      program,
      [...args],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as (Error & { code?: unknown }) | null)?.code;
        resolve({
          status: error === null ? 0 : typeof code === 'number' ? code : null,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** cfn-lint on the template (written to a temporary file), its findings as JSON. */
export async function runCfnLint(options: RuleEvidenceOptions): Promise<CfnLintEvidence> {
  const at = options.now().toISOString();
  if (options.findCfnLint === undefined && process.env[cfnLintVariable] === 'none') {
    return { status: 'not-run', at, reason: `not asked (${cfnLintVariable}=none)` };
  }
  const executable = await (options.findCfnLint ?? cfnLintOfEnvironment)();
  if (executable === undefined) return { status: 'not-run', at, reason: cfnLintMissing };
  const run = options.run ?? runProgram;
  const version = await run(executable, ['--version']);
  // A pyenv or asdf shim is on PATH without the program, and exits 127 as a shell would.
  if (version.status === 127) return { status: 'not-run', at, reason: cfnLintMissing };
  if (version.status !== 0) {
    return { status: 'not-run', at, reason: `cfn-lint --version failed (${version.status})` };
  }
  const folder = await mkdtemp(join(tmpdir(), 'webhooks-cfn-lint-'));
  try {
    const file = join(folder, 'template.json');
    await writeFile(file, JSON.stringify(options.template));
    const lint = await run(executable, ['--format', 'json', '--', file]);
    const findings = parseCfnLint(lint);
    if (findings === undefined) {
      return {
        status: 'not-run',
        at,
        reason: `cfn-lint failed (exit status ${lint.status}): ${lint.stderr.trim().slice(0, 200)}`,
      };
    }
    return { status: 'ran', version: version.stdout.trim(), at, findings };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** `cfn-lint --format json`'s findings; undefined when it failed rather than found (exit 2|4|8). */
function parseCfnLint(run: ProgramRun): CfnLintFinding[] | undefined {
  if (run.status === null || (run.status & ~(2 | 4 | 8)) !== 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(run.stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  return parsed.map((finding: unknown): CfnLintFinding => {
    const path = valueAt(finding, 'Location.Path');
    const resource =
      Array.isArray(path) && path[0] === 'Resources' && typeof path[1] === 'string'
        ? path[1]
        : undefined;
    return {
      rule: String(valueAt(finding, 'Rule.Id') ?? '?'),
      level: String(valueAt(finding, 'Level') ?? 'Error'),
      message: String(valueAt(finding, 'Message') ?? '').replace(/\s*\n\s*/g, ' '),
      ...(resource === undefined ? {} : { resource }),
    };
  });
}

/** The guard's plugin report in the assembly's validation report, for this template's stack. */
export async function readGuard(options: RuleEvidenceOptions): Promise<GuardEvidence> {
  if (options.templatePath === undefined) {
    return {
      status: 'not-run',
      reason:
        "the report's own synthesis runs the cdk-nag packs but not cfn-guard (a development dependency with a native binary): `npm run synth` runs it, then give --template cdk.out/<name>/<stack>.template.json",
    };
  }
  const reportPath = join(dirname(options.templatePath), 'validation-report.json');
  let report: unknown;
  let written: Date;
  try {
    report = JSON.parse(await readFile(reportPath, 'utf8'));
    written = (await stat(reportPath)).mtime;
  } catch {
    report = undefined;
    written = new Date(0);
  }
  const plugins = valueAt(report, 'pluginReports');
  const plugin = Array.isArray(plugins)
    ? plugins.find((p: unknown) => valueAt(p, 'pluginName') === guardPluginName)
    : undefined;
  if (plugin === undefined) {
    return {
      status: 'not-run',
      reason: `the cloud assembly has no cfn-guard report (${basename(reportPath)}): \`npm run synth\` runs Control Tower's controls`,
    };
  }
  const templateFile = basename(options.templatePath);
  const findings = [
    ...reportedFindings(valueAt(plugin, 'violations'), templateFile),
    ...reportedFindings(valueAt(plugin, 'suppressedViolations'), templateFile),
  ];
  const rules = await bundledRules(options.guardRules, options.template);
  return {
    status: 'ran',
    how: `at synthesis by ${guardPluginName} ${String(valueAt(plugin, 'pluginVersion') ?? '')} (${findings.length === 0 ? 'no finding' : 'findings'} in the cloud assembly's ${basename(reportPath)}, written ${written.toISOString()})`,
    findings,
    ...(rules === undefined ? {} : { rules }),
  };
}

function reportedFindings(violations: unknown, templateFile: string): ReportedFinding[] {
  if (!Array.isArray(violations)) return [];
  return violations.flatMap((violation: unknown): ReportedFinding[] => {
    const constructs = valueAt(violation, 'violatingConstructs');
    const resources = (Array.isArray(constructs) ? constructs : [])
      .filter((c: unknown) => {
        const file = valueAt(c, 'cloudFormationResource.templatePath');
        return file === undefined || file === templateFile;
      })
      .map((c: unknown) =>
        String(valueAt(c, 'cloudFormationResource.logicalId') ?? valueAt(c, 'constructPath')),
      );
    if (resources.length === 0) return [];
    const reason = valueAt(violation, 'reason');
    return [
      {
        rule: String(valueAt(violation, 'ruleName') ?? '?'),
        description: String(valueAt(violation, 'description') ?? ''),
        resources,
        ...(typeof reason === 'string' ? { acknowledgedReason: reason } : {}),
      },
    ];
  });
}

/** The validator's bundled rules, each with the template's resources of the types it reports on. */
async function bundledRules(
  folder: string | undefined,
  template: Template,
): Promise<Array<{ rule: string; control: string; resources: number }> | undefined> {
  let root = folder;
  if (root === undefined) {
    try {
      const main = createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard');
      root = join(dirname(main), '..', 'rules', 'control-tower', 'cfn-guard');
    } catch {
      return undefined;
    }
  }
  let files: string[];
  try {
    files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.guard'));
  } catch {
    return undefined;
  }
  const types = Object.values(template.Resources).map((resource) => resource.Type);
  const rules = await Promise.all(
    files.map(async (file) => guardRuleHeader(await readFile(join(root, file), 'utf8'))),
  );
  return rules
    .filter((rule) => rule !== undefined)
    .map(({ rule, control, reportsOn }) => ({
      rule,
      control,
      resources: types.filter((type) => reportsOn.includes(type)).length,
    }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
}

/** A rule file's header: `Rule Identifier` (or `Rule Name`), `Reports on` and its control's id. */
export function guardRuleHeader(
  text: string,
): { rule: string; control: string; reportsOn: string[] } | undefined {
  const rule =
    /^#\s*Rule (?:Identifier|Name):\s*\n#\s*(\S+)/m.exec(text)?.[1] ??
    /^rule (\w+) when is_cfn_template/m.exec(text)?.[1];
  const reportsOn = /^#\s*Reports on:\s*\n((?:#\s*AWS::\S+.*\n)+)/m.exec(text)?.[1];
  const control = /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(text)?.[1];
  if (rule === undefined || reportsOn === undefined) return undefined;
  return {
    rule,
    control: control ?? '?',
    reportsOn: [...reportsOn.matchAll(/AWS::\w+::\w+/g)].map((match) => match[0]),
  };
}
