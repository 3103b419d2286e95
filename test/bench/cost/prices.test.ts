import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkPriceList,
  dollars,
  loadPriceList,
  PriceListError,
  priceNames,
  pricesPath,
} from '../../../bench/cost/prices.ts';

const raw = JSON.parse(readFileSync(pricesPath, 'utf8'));

describe('the price list', () => {
  it('gives every price a source URL and the day it was read, and every assumption a reason', async () => {
    const list = await loadPriceList();
    expect(Object.keys(list.prices).sort()).toEqual([...priceNames].sort());
  });

  it('refuses a price without a source, naming it', () => {
    const { source: _dropped, ...withoutSource } = raw.prices.wafRequest;
    const broken = { ...raw, prices: { ...raw.prices, wafRequest: withoutSource } };
    expect(() => checkPriceList(broken)).toThrow(PriceListError);
    expect(() => checkPriceList(broken)).toThrow(/prices\.wafRequest\.source is not a URL/);
  });

  it('refuses an assumption without a reason', () => {
    const broken = {
      ...raw,
      assumptions: { ...raw.assumptions, inRegionCallLatencyMs: { value: 10 } },
    };
    expect(() => checkPriceList(broken)).toThrow(
      /assumptions\.inRegionCallLatencyMs gives no reason/,
    );
  });

  it('prices units at the rate per unit block: 19 WRU at $0.625 per million', () => {
    expect(dollars(raw.prices.dynamodbWriteRequestUnit, 19) * 1e6).toBeCloseTo(11.875, 6);
  });
});
