import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countAxis } from '../../web/dashboard/charts/axis.js';
import { perInterval } from '../../web/dashboard/pages/gateway-rates.js';

// The dashboard's arithmetic, apart from the browser: chart axes and gateway counters turned into rates.

test('a count axis has whole, round steps from 0 to a top at or above the maximum', () => {
  assert.deepEqual(countAxis(0), { top: 1, ticks: [0, 1] });
  assert.deepEqual(countAxis(1), { top: 1, ticks: [0, 1] });
  assert.deepEqual(countAxis(5), { top: 6, ticks: [0, 2, 4, 6] });
  assert.deepEqual(countAxis(7), { top: 8, ticks: [0, 2, 4, 6, 8] });
  assert.deepEqual(countAxis(123), { top: 150, ticks: [0, 50, 100, 150] });
  for (const max of [3, 9, 17, 99, 1000, 123_456]) {
    const { top, ticks } = countAxis(max);
    assert.ok(top >= max && ticks.length <= 6 && ticks.every((tick) => Number.isInteger(tick)), `${max}: ${ticks.join(',')}`);
  }
});

test('gateway counters become increases per interval; a drop is a restart, counted from zero; a reason seen late starts at zero', () => {
  const rates = perInterval([
    { at: 't0', requests: 10, rejections: { route_denied: 1 } },
    { at: 't1', requests: 15, rejections: { route_denied: 3 } },
    { at: 't2', requests: 4, rejections: {} },
    { at: 't3', requests: 9, rejections: { revoked: 2 } },
  ]);
  assert.deepEqual(rates.times, ['t1', 't2', 't3']);
  assert.deepEqual(rates.requests, [{ name: 'requests', values: [5, 4, 5] }]);
  assert.deepEqual(rates.rejections, [
    { name: 'revoked', values: [0, 0, 2] },
    { name: 'route_denied', values: [2, 0, 0] },
  ]);
  assert.deepEqual(perInterval([{ at: 't0', requests: 1, rejections: {} }]).times, []);
});
