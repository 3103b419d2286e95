/**
 * `npm run cost`: what a delivery costs, measured. Runs each path of the ingest handler against
 * the local stand-ins, synthesizes each setup's template, prices both from
 * bench/cost/prices.json and prints a table.
 *
 *   npm run cost                      measure, synthesize, print a table
 *   npm run cost -- --json            the same as {"profiles":{"<setup>":{"perMillionUsd","items"}}}
 *   npm run cost -- --write           also record the measurement (bench/cost/measured.json) and
 *                                     rewrite docs/cost.md, the README's cost line and BENCHMARKS.md
 *   npm run cost -- --recorded        price the recorded measurement instead (no stack, no synth)
 *   npm run cost -- --samples 40      samples kept per path (default 25)
 */

import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { benchmarksPath, updateBenchmarks } from './benchmarks-cost.ts';
import { costDocPath, updateCostDoc } from './cost-doc.ts';
import { costReport, jsonReport } from './cost-report.ts';
import { itemsTable, pathsTable, setupsTable } from './cost-tables.ts';
import { measurePaths } from './measure-paths.ts';
import { type Measurement, readMeasurement, writeMeasurement } from './measurement.ts';
import { sampleSizesOf } from './paths.ts';
import { loadPriceList } from './prices.ts';
import { readmePath, updateReadme } from './readme-cost.ts';
import { terminalTable } from './render-table.ts';
import { setups } from './setups.ts';
import { synthesizeFacts } from './synthesize-setups.ts';

const { values: options } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    recorded: { type: 'boolean', default: false },
    samples: { type: 'string', default: '25' },
  },
});
const samples = Number(options.samples);
if (!Number.isInteger(samples) || samples < 1) {
  console.error(`--samples must be a positive whole number, got ${options.samples}`);
  process.exit(2);
}

const list = await loadPriceList();
const measurement = options.recorded ? await readMeasurement() : await measure();
const reports = costReport(measurement, list);

if (options.json) {
  console.log(JSON.stringify(jsonReport(reports), null, 2));
} else {
  console.log(
    `Per million accepted deliveries, ${list.region} list prices (${measurement.measuredAt})\n`,
  );
  console.log(terminalTable(setupsTable(reports, measurement)));
  console.log('\nEach path, one delivery:\n');
  console.log(terminalTable(pathsTable(reports, measurement)));
  console.log('\nAn accepted delivery, line by line:\n');
  console.log(terminalTable(itemsTable(reports, list)));
}

if (options.write) {
  if (!options.recorded) await writeMeasurement(measurement);
  for (const [path, update] of [
    [costDocPath, (text: string) => updateCostDoc(text, measurement, list, reports)],
    [readmePath, (text: string) => updateReadme(text, reports)],
    [benchmarksPath, (text: string) => updateBenchmarks(text, measurement, reports)],
  ] as const) {
    const current = await readFile(path, 'utf8');
    const updated = update(current);
    if (updated !== current) await writeFile(path, updated);
    console.error(`${path} ${updated === current ? 'is up to date' : 'updated'}`);
  }
}
// The handler's SDK clients keep connections to stand-ins that are gone; nothing is left to do.
process.exit(0);

/** Measures every path, then synthesizes every setup (synthesis would disturb the timings). */
async function measure(): Promise<Measurement> {
  const sizes = sampleSizesOf(list.assumptions);
  console.error(`measuring ${samples} samples of each path against the local stand-ins…`);
  const measuredAt = new Date().toISOString();
  const paths = await measurePaths({ samples, sizes });
  const loadAverage = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const facts: Measurement['setups'] = {};
  for (const setup of setups) {
    console.error(`synthesizing ${setup.name}…`);
    (facts as Record<string, unknown>)[setup.name] = await synthesizeFacts(setup);
  }
  const cores = cpus();
  return {
    measuredAt,
    command: `npm run cost -- --write${samples === 25 ? '' : ` --samples ${samples}`}`,
    node: `${process.version}, ${process.platform}/${process.arch}`,
    machine: `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB`,
    loadAverage,
    sizes,
    paths,
    setups: facts,
  };
}
