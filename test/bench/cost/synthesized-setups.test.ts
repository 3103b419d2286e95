/**
 * What bench/cost/measured.json records of each setup's template is what the CDK app
 * synthesizes now: a change to the front, the WAF, tracing, the Lambda or its logs fails here
 * until `npm run cost -- --write` has priced it.
 */
import { describe, expect, it } from 'vitest';
import { readMeasurement } from '../../../bench/cost/measurement.ts';
import { setups } from '../../../bench/cost/setups.ts';
import { synthesizeFacts } from '../../../bench/cost/synthesize-setups.ts';

const recorded = await readMeasurement();

describe('the recorded template facts', () => {
  it.each(setups.map((setup) => [setup.name, setup] as const))(
    '%s: the template synthesized now prices as recorded',
    async (name, setup) => {
      expect(await synthesizeFacts(setup)).toEqual(recorded.setups[name]);
    },
    120_000,
  );
});
