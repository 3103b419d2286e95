/**
 * docs/cost.md, the README's cost line and BENCHMARKS.md say what `npm run cost` computes from
 * the recorded measurement (bench/cost/measured.json) and the price list: a price changed in
 * prices.json, or a measurement recorded again, fails here until `npm run cost -- --write`
 * (or `npm run cost -- --recorded --write`) has rewritten them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchmarksPath, updateBenchmarks } from '../../../bench/cost/benchmarks-cost.ts';
import { costDocPath, updateCostDoc } from '../../../bench/cost/cost-doc.ts';
import { costReport, jsonReport } from '../../../bench/cost/cost-report.ts';
import { readMeasurement } from '../../../bench/cost/measurement.ts';
import { pathNames } from '../../../bench/cost/paths.ts';
import { loadPriceList } from '../../../bench/cost/prices.ts';
import { readmeCostLine, readmePath, updateReadme } from '../../../bench/cost/readme-cost.ts';
import { defaultSetupName, leanSetupName, setups } from '../../../bench/cost/setups.ts';

const measurement = await readMeasurement();
const list = await loadPriceList();
const reports = costReport(measurement, list);
const read = (path: string) => readFileSync(path, 'utf8');

describe('the cost figures in the docs', () => {
  it('docs/cost.md prints the per-request section and summary the tool computes (npm run cost -- --write)', () => {
    const doc = read(costDocPath);
    expect(updateCostDoc(doc, measurement, list, reports)).toBe(doc);
  });

  it("the README's cost line gives the default and lean setups' figures", () => {
    const readme = read(readmePath);
    expect(updateReadme(readme, reports)).toBe(readme);
    const base = reports[defaultSetupName]?.accepted.perMillionUsd;
    const lean = reports[leanSetupName]?.accepted.perMillionUsd;
    expect(readmeCostLine(reports)).toContain(
      `$${base?.toFixed(2)} per million accepted deliveries`,
    );
    expect(readmeCostLine(reports)).toContain(`($${lean?.toFixed(2)} lean)`);
  });

  it("BENCHMARKS.md's cost section is the recorded measurement", () => {
    const benchmarks = read(benchmarksPath);
    expect(updateBenchmarks(benchmarks, measurement, reports)).toBe(benchmarks);
  });

  it('records every path and every setup, and prices each setup', () => {
    expect(Object.keys(measurement.paths).sort()).toEqual([...pathNames].sort());
    expect(Object.keys(measurement.setups).sort()).toEqual(
      setups.map((setup) => setup.name).sort(),
    );
    const json = jsonReport(reports);
    expect(Object.keys(json)).toEqual(['profiles']);
    for (const setup of setups) {
      const profile = json.profiles[setup.name];
      const itemsTotal = Object.values(profile?.items ?? {}).reduce(
        (sum, item) => sum + item.usd,
        0,
      );
      expect(profile?.perMillionUsd).toBeCloseTo(itemsTotal, 1);
    }
  });

  it('refuses to render into a file without its markers', () => {
    expect(() => updateCostDoc('# Cost\n', measurement, list, reports)).toThrow(
      /lacks the markers of 'cost-per-request'/,
    );
    expect(() => updateReadme('# Project\n', reports)).toThrow(/no '## Cost' section/);
  });
});
