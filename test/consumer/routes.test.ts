/** Which of the user's handlers a delivery goes to (consumer/routes.ts). */
import { describe, expect, it } from 'vitest';
import { routeOf } from '../../consumer/routes.ts';

const paid = async () => {};
const otherStripe = async () => {};
const anything = async () => {};

describe('routes', () => {
  const routes = {
    'stripe-live': { 'invoice.paid': paid, '*': otherStripe },
    github: anything,
    '*': { ping: anything },
  };

  it('picks the provider, then the event type, then `*` at each level', () => {
    expect(routeOf(routes, { providerId: 'stripe-live', eventType: 'invoice.paid' })).toBe(paid);
    expect(routeOf(routes, { providerId: 'stripe-live', eventType: 'charge.failed' })).toBe(
      otherStripe,
    );
    expect(routeOf(routes, { providerId: 'stripe-live' })).toBe(otherStripe);
    expect(routeOf(routes, { providerId: 'github', eventType: 'push' })).toBe(anything);
    expect(routeOf(routes, { providerId: 'shop', eventType: 'ping' })).toBe(anything);
  });

  it('takes nothing no route names, and never a prototype member', () => {
    expect(routeOf(routes, { providerId: 'shop', eventType: 'orders/create' })).toBeUndefined();
    expect(
      routeOf({ a: { b: paid } }, { providerId: 'constructor', eventType: 'toString' }),
    ).toBeUndefined();
    expect(
      routeOf({ a: { b: paid } }, { providerId: 'a', eventType: 'constructor' }),
    ).toBeUndefined();
  });

  it('gives one function every delivery', () => {
    expect(routeOf(paid, { providerId: 'any' })).toBe(paid);
  });
});
