// `npm run lint:templates`: cfn-lint on every template `npm run synth` writes (each profile's and
// the all-profiles one, cdk.out/<name>/), in one cfn-lint run, its findings read as JSON. Any
// finding fails (exit 1), printed as `template: rule path message`, except the rules that
// scripts/lint-templates-rules.mjs allows with the reason why; a closing line counts both.
// Where cfn-lint is not on PATH the lint is skipped, or fails when CI is set.
//
// `node scripts/lint-templates.mjs` runs `npm run synth` first, then lints what it wrote;
// `--skip-synth` lints the templates already in cdk.out/; `--templates FILE...` lints the files
// named, without a synthesis (the test does).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  allowedRules,
  cfnLintIsMissing,
  classifyFindings,
  formatFinding,
  isCi,
  missingCfnLint,
  parseCfnLintRun,
  summaryLine,
} from './lint-templates-rules.mjs';

const assemblyRoot = 'cdk.out';

const usage =
  'usage: node scripts/lint-templates.mjs [--skip-synth | --templates FILE...]\n' +
  '  (no option)    npm run synth, then cfn-lint every template it wrote\n' +
  '  --skip-synth   cfn-lint the templates already in cdk.out/\n' +
  '  --templates    cfn-lint only the files named';

let options;
try {
  options = parseArgs({
    options: {
      templates: { type: 'boolean', default: false },
      'skip-synth': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const {
  values: { templates: templatesGiven, 'skip-synth': skipSynth, help },
  positionals: files,
} = options;
if (help) {
  console.log(usage);
  process.exit(0);
}
if (templatesGiven !== files.length > 0 || (templatesGiven && skipSynth)) {
  console.error(
    templatesGiven && files.length === 0 ? `--templates names no file\n${usage}` : usage,
  );
  process.exit(2);
}

// cfn-lint first: without it there is nothing to synthesize for.
const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
if (cfnLintIsMissing(version)) {
  const { exitCode, message } = missingCfnLint({ ci: isCi(process.env.CI) });
  (exitCode === 0 ? console.log : console.error)(message);
  process.exit(exitCode);
}
if (version.error || version.status !== 0) {
  console.error(
    `cfn-lint --version failed: ${version.error?.message ?? `exit status ${version.status}`}\n${version.stderr ?? ''}`.trim(),
  );
  process.exit(1);
}

const templates = templatesGiven ? files : synthesizedTemplates({ synthesize: !skipSynth });
if (templates.length === 0) {
  console.error(`cfn-lint: no template to lint in ${assemblyRoot}/; run npm run synth`);
  process.exit(1);
}

console.log(`${version.stdout.trim()} on ${templates.length} template(s)`);
const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (run.error) {
  console.error(`cfn-lint did not run: ${run.error.message}`);
  process.exit(1);
}
let findings;
try {
  findings = parseCfnLintRun(run);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

const { failures, allowedCounts } = classifyFindings(findings);
for (const finding of failures) console.error(formatFinding(finding));
for (const [rule, count] of Object.entries(allowedCounts)) {
  if (count > 0) console.log(`allowed ${rule}: ${allowedRules[rule]}`);
}
console.log(summaryLine(templates.length, failures.length, allowedCounts));
process.exit(failures.length === 0 ? 0 : 1);

/**
 * The stack templates of every cloud assembly in cdk.out/, as each manifest.json names them;
 * after a synthesis, only the assemblies it wrote (a folder a profile no longer synthesizes into
 * is left stale there, and said so).
 * @param {{ synthesize: boolean }} options
 * @returns {string[]}
 */
function synthesizedTemplates({ synthesize }) {
  const started = Date.now();
  if (synthesize) {
    const synth = spawnSync('npm', ['run', 'synth'], {
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (synth.error || synth.status !== 0) {
      console.error(
        `npm run synth failed: ${synth.error?.message ?? `exit status ${synth.status}`}`,
      );
      process.exit(1);
    }
  }
  let folders;
  try {
    folders = readdirSync(assemblyRoot, { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    );
  } catch {
    return [];
  }
  const templates = [];
  for (const folder of folders.map((entry) => join(assemblyRoot, entry.name)).sort()) {
    const manifestFile = join(folder, 'manifest.json');
    let manifest;
    try {
      if (synthesize && statSync(manifestFile).mtimeMs < started - 1000) {
        console.log(`not linted: ${folder}/ is not from this synthesis`);
        continue;
      }
      manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    } catch {
      continue; // not a cloud assembly
    }
    for (const artifact of Object.values(manifest.artifacts ?? {})) {
      if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
        templates.push(relative('.', join(folder, artifact.properties.templateFile)));
      }
    }
  }
  return templates;
}
