/**
 * Every price the tool reports, from a measurement and the price list: each setup's accepted
 * delivery (the `perMillionUsd` of `--json`), and every measured path in every setup.
 */
import type { Measurement } from './measurement.ts';
import { type PathName, pathNames } from './paths.ts';
import { type DeliveryCost, priceDelivery } from './price.ts';
import type { PriceList } from './prices.ts';
import { acceptedPathOf, setups } from './setups.ts';

export interface SetupReport {
  /** The path an accepted delivery takes in this setup. */
  readonly acceptedPath: PathName;
  /** One accepted delivery. */
  readonly accepted: DeliveryCost;
  /** Every measured path. */
  readonly paths: Readonly<Record<PathName, DeliveryCost>>;
}

/** Each setup's costs, in the order of `setups`. */
export function costReport(measurement: Measurement, list: PriceList): Record<string, SetupReport> {
  return Object.fromEntries(
    setups.map((setup) => {
      const facts = measurement.setups[setup.name];
      if (facts === undefined)
        throw new Error(`the measurement has no template facts for '${setup.name}'`);
      const paths = Object.fromEntries(
        pathNames.map((path) => [
          path,
          priceDelivery(measuredPath(measurement, path), facts, list),
        ]),
      ) as Record<PathName, DeliveryCost>;
      const acceptedPath = acceptedPathOf(setup, facts);
      return [setup.name, { acceptedPath, accepted: paths[acceptedPath], paths }];
    }),
  );
}

/** A path of the measurement; a measurement recorded before the path existed names the fix. */
function measuredPath(measurement: Measurement, path: PathName) {
  const measured = (measurement.paths as Partial<Measurement['paths']>)[path];
  if (measured === undefined) {
    throw new Error(`the measurement has no path '${path}': run npm run cost -- --write`);
  }
  return measured;
}

/** What `--json` prints: each setup's accepted delivery, per million. */
export function jsonReport(report: Readonly<Record<string, SetupReport>>) {
  return {
    profiles: Object.fromEntries(
      Object.entries(report).map(([name, { accepted }]) => [
        name,
        { perMillionUsd: accepted.perMillionUsd, items: accepted.items },
      ]),
    ),
  };
}
