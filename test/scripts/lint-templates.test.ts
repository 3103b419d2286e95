import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCfnLint } from '../infra/cfn-lint.ts';

const projectRoot = resolve(import.meta.dirname, '../..');
const script = resolve(projectRoot, 'scripts/lint-templates.mjs');

interface Finding {
  Filename: string | null;
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location?: { Path?: (string | number)[] | null; Start?: { LineNumber: number } } | null;
}
interface Rules {
  allowedRules: Record<string, string>;
  installHint: string;
  isCi(value: string | undefined): boolean;
  missingCfnLint(options: { ci: boolean }): { exitCode: number; message: string };
  cfnLintIsMissing(run: { error?: Error & { code?: string }; status: number | null }): boolean;
  parseCfnLintRun(run: { status: number | null; stdout: string; stderr: string }): Finding[];
  classifyFindings(
    findings: Finding[],
    allowed?: Record<string, string>,
  ): { failures: Finding[]; allowedCounts: Record<string, number> };
  formatFinding(finding: Finding): string;
  summaryLine(templates: number, failures: number, allowedCounts: Record<string, number>): string;
}
// Plain ESM without declarations (tsconfig has no allowJs): imported by URL, typed here.
const rulesUrl = pathToFileURL(resolve(projectRoot, 'scripts/lint-templates-rules.mjs')).href;
const rules: Rules = await import(rulesUrl);

const finding = (rule: string, level: string, path: (string | number)[] | null): Finding => ({
  Filename: 'cdk.out/baseline/webhook-ingestion-baseline.template.json',
  Level: level,
  Message: `a ${rule} finding`,
  Rule: { Id: rule },
  Location: { Path: path, Start: { LineNumber: 7 } },
});

describe('deciding on cfn-lint findings', () => {
  it('allows W3005, with its reason, and fails every other rule whatever its level', () => {
    expect(rules.allowedRules.W3005).toMatch(/DependsOn/);
    const findings = [
      finding('W3005', 'Warning', ['Resources', 'Fn', 'DependsOn', 1]),
      finding('E3002', 'Error', ['Resources', 'Queue', 'Properties', 'Bogus']),
      finding('W3005', 'Warning', ['Resources', 'Handler', 'DependsOn', 0]),
      finding('W3010', 'Warning', ['Resources', 'Fn', 'Properties']),
      finding('I3042', 'Informational', ['Resources', 'Fn']),
    ];
    const { failures, allowedCounts } = rules.classifyFindings(findings);
    expect(failures.map((failure) => failure.Rule.Id)).toEqual(['E3002', 'W3010', 'I3042']);
    expect(allowedCounts).toEqual({ W3005: 2 });
  });

  it('prints a finding as template: rule path message', () => {
    expect(
      rules.formatFinding({
        ...finding('E3002', 'Error', ['Resources', 'Queue', 'Properties', 'Bogus']),
        Message: "Additional properties are not allowed\n  ('Bogus' was unexpected)",
      }),
    ).toBe(
      "cdk.out/baseline/webhook-ingestion-baseline.template.json: E3002 Resources/Queue/Properties/Bogus Additional properties are not allowed ('Bogus' was unexpected)",
    );
    // A parse error has no path, a configuration error no template.
    expect(rules.formatFinding(finding('E0000', 'Error', null))).toMatch(
      /template\.json: E0000 line 7 a E0000 finding$/,
    );
    expect(
      rules.formatFinding({ ...finding('E0003', 'Error', null), Filename: null, Location: null }),
    ).toBe('cfn-lint: E0003 - a E0003 finding');
  });

  it('closes with the templates, the failing findings and the allowed ones counted', () => {
    expect(rules.summaryLine(6, 0, { W3005: 9 })).toBe(
      'cfn-lint: 6 templates, 0 findings (9 W3005 allowed)',
    );
    expect(rules.summaryLine(1, 1, { W3005: 0 })).toBe(
      'cfn-lint: 1 template, 1 finding (0 W3005 allowed)',
    );
  });

  it("reads cfn-lint's exit status as levels found, and anything else as cfn-lint failing", () => {
    const found = [finding('W3005', 'Warning', ['Resources'])];
    expect(rules.parseCfnLintRun({ status: 0, stdout: '[]', stderr: '' })).toEqual([]);
    expect(rules.parseCfnLintRun({ status: 4, stdout: JSON.stringify(found), stderr: '' })).toEqual(
      found,
    );
    expect(() =>
      rules.parseCfnLintRun({ status: 1, stdout: '', stderr: 'Traceback (most recent call last)' }),
    ).toThrow(/cfn-lint failed \(exit status 1\):\nTraceback/);
    expect(() => rules.parseCfnLintRun({ status: 2, stdout: 'E3002 ...', stderr: '' })).toThrow(
      /not JSON/,
    );
    expect(() => rules.parseCfnLintRun({ status: 2, stdout: '[]', stderr: '' })).toThrow(
      /no findings/,
    );
    expect(() => rules.parseCfnLintRun({ status: null, stdout: '', stderr: '' })).toThrow(
      /exit status null/,
    );
  });

  it('fails without cfn-lint in CI, skips it elsewhere, saying how to install it', () => {
    expect(['true', '1', 'TRUE'].map(rules.isCi)).toEqual([true, true, true]);
    expect([undefined, '', '0', 'false'].map(rules.isCi)).toEqual([false, false, false, false]);
    expect(rules.missingCfnLint({ ci: true })).toEqual({
      exitCode: 1,
      message: expect.stringContaining('pip install cfn-lint'),
    });
    const local = rules.missingCfnLint({ ci: false });
    expect(local.exitCode).toBe(0);
    expect(local.message).toMatch(/skipped.*pip install cfn-lint/);
    const enoent = Object.assign(new Error('spawnSync cfn-lint ENOENT'), { code: 'ENOENT' });
    expect(rules.cfnLintIsMissing({ error: enoent, status: null })).toBe(true);
    expect(rules.cfnLintIsMissing({ status: 127 })).toBe(true); // a pyenv shim, nothing behind it
    expect(rules.cfnLintIsMissing({ status: 0 })).toBe(false);
  });
});

describe('node scripts/lint-templates.mjs --templates', () => {
  let folder: string;
  const invalidProperty = () => join(folder, 'invalid-property.template.json');
  const redundantDependsOn = () => join(folder, 'redundant-depends-on.template.json');
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lint-templates-'));
    await writeFile(
      invalidProperty(),
      JSON.stringify({
        Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { Bogus: true } } },
      }),
    );
    // What CDK writes for a function: DependsOn its role, which it also names by Fn::GetAtt.
    await writeFile(
      redundantDependsOn(),
      JSON.stringify({
        Resources: {
          Role: {
            Type: 'AWS::IAM::Role',
            Properties: {
              AssumeRolePolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { Service: 'lambda.amazonaws.com' },
                    Action: 'sts:AssumeRole',
                  },
                ],
              },
            },
          },
          Function: {
            Type: 'AWS::Lambda::Function',
            DependsOn: ['Role'],
            Properties: {
              Runtime: 'nodejs22.x',
              Handler: 'index.handler',
              Code: { ZipFile: 'exports.handler = async () => {};' },
              Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
            },
          },
        },
      }),
    );
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const lint = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(process.execPath, [script, ...args], { cwd: projectRoot, encoding: 'utf8', env });

  // cfn-lint takes some 4 s to start, near vitest's default 5 s timeout.
  it.skipIf(!hasCfnLint)(
    'fails on a template with an invalid property',
    { timeout: 60_000 },
    () => {
      const { status, stdout, stderr } = lint(['--templates', invalidProperty()]);
      expect(stderr).toContain(
        `${invalidProperty()}: E3002 Resources/Queue/Properties/Bogus Additional properties are not allowed ('Bogus' was unexpected)`,
      );
      expect(stdout).toContain('cfn-lint: 1 template, 1 finding (0 W3005 allowed)');
      expect(status).toBe(1);
    },
  );

  it.skipIf(!hasCfnLint)(
    'passes a template whose only finding is a W3005',
    { timeout: 60_000 },
    () => {
      const { status, stdout, stderr } = lint(['--templates', redundantDependsOn()]);
      expect(stderr).toBe('');
      expect(stdout).toContain('allowed W3005: ');
      expect(stdout).toContain('cfn-lint: 1 template, 0 findings (1 W3005 allowed)');
      expect(status).toBe(0);
    },
  );

  describe('with no cfn-lint on PATH', () => {
    // An empty folder for PATH: the script runs by node's absolute path, cfn-lint is not found.
    let emptyPath: string;
    beforeAll(async () => {
      emptyPath = await mkdtemp(join(tmpdir(), 'lint-templates-path-'));
    });
    afterAll(async () => {
      await rm(emptyPath, { recursive: true, force: true });
    });
    const withoutCi = () => {
      const { CI: _, ...env } = process.env;
      return { ...env, PATH: emptyPath };
    };

    it('fails under CI=true, saying how to install it', () => {
      const { status, stderr } = lint(['--templates', invalidProperty()], {
        ...withoutCi(),
        CI: 'true',
      });
      expect(stderr).toContain('pip install cfn-lint');
      expect(status).toBe(1);
    });

    it('skips elsewhere, saying so and how to install it', () => {
      const { status, stdout } = lint(['--templates', invalidProperty()], withoutCi());
      expect(stdout).toMatch(/skipped.*pip install cfn-lint/);
      expect(status).toBe(0);
    });
  });

  it('refuses --templates with no file', () => {
    const { status, stderr } = lint(['--templates']);
    expect(stderr).toContain('--templates names no file');
    expect(status).toBe(2);
  });
});
