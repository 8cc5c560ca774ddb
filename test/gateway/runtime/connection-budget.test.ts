import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionBudget } from '../../../src/gateway/runtime/connection-budget.js';
import type { ConnectionDropReason } from '../../../src/gateway/runtime/connection-budget.js';
import { LogRateLimit } from '../../../src/gateway/runtime/log-rate-limit.js';
import { isFirstRecordComplete } from '../../../src/gateway/runtime/gateway-listener.js';
import { ClientHelloQueue } from '../../../src/gateway/runtime/client-hello-queue.js';

class FakeConnection {
  isDestroyed = false;
  constructor(readonly name: string) {}
  destroy(): void {
    this.isDestroyed = true;
  }
}

function makeBudget(
  maxConnections: number,
  handshakeTimeoutMs = 10_000,
  minHandshakeTimeoutMs = 1000,
): { budget: ConnectionBudget<FakeConnection>; drops: ConnectionDropReason[] } {
  const drops: ConnectionDropReason[] = [];
  return {
    budget: new ConnectionBudget<FakeConnection>({ maxConnections, handshakeTimeoutMs, minHandshakeTimeoutMs }, (reason) =>
      drops.push(reason),
    ),
    drops,
  };
}

test('a full budget evicts its oldest unfinished handshake for a newcomer, and counts the eviction', () => {
  const { budget, drops } = makeBudget(4);
  const idle = ['a', 'b', 'c', 'd'].map((name, index) => {
    const connection = new FakeConnection(name);
    assert.equal(budget.admit(connection, index), true);
    return connection;
  });
  const newcomer = new FakeConnection('e');
  assert.equal(budget.admit(newcomer, 10), true);
  assert.deepEqual(
    idle.map((connection) => connection.isDestroyed),
    [true, false, false, false],
  );
  assert.deepEqual(drops, ['evicted_handshake']);
  assert.equal(budget.size, 4);
  // The next one evicts the next oldest.
  assert.equal(budget.admit(new FakeConnection('f'), 11), true);
  assert.deepEqual(
    idle.map((connection) => connection.isDestroyed),
    [true, true, false, false],
  );
  assert.deepEqual(drops, ['evicted_handshake', 'evicted_handshake']);
});

test('connections past their handshake are never evicted: with only those, the newcomer is refused (budget_full)', () => {
  const { budget, drops } = makeBudget(2);
  const first = new FakeConnection('a');
  const second = new FakeConnection('b');
  budget.admit(first, 0);
  budget.admit(second, 1);
  budget.handshakeDone(first);
  // The unfinished one goes, not the older established one.
  const third = new FakeConnection('c');
  assert.equal(budget.admit(third, 2), true);
  assert.equal(first.isDestroyed, false);
  assert.equal(second.isDestroyed, true);
  budget.handshakeDone(third);
  const refused = new FakeConnection('d');
  assert.equal(budget.admit(refused, 3), false);
  assert.equal(refused.isDestroyed, true);
  assert.deepEqual(drops, ['evicted_handshake', 'budget_full']);
  assert.equal(budget.establishedCount, 2);
  // A close makes room again.
  budget.closed(first);
  assert.equal(budget.admit(new FakeConnection('e'), 4), true);
  assert.equal(budget.size, 2);
});

test('the handshake deadline is the full one up to half full, then shortens to the minimum when full', () => {
  const { budget } = makeBudget(10, 10_000, 1000);
  const timeouts: number[] = [];
  for (let i = 0; i < 10; i++) {
    budget.admit(new FakeConnection(String(i)), 0);
    timeouts.push(budget.handshakeTimeoutMs());
  }
  assert.deepEqual(timeouts, [10_000, 10_000, 10_000, 10_000, 10_000, 8000, 6000, 4000, 2000, 1000]);
});

test('under pressure the handshakes past the shortened deadline are closed oldest first, until the pressure eases', () => {
  const { budget, drops } = makeBudget(4, 10_000, 1000);
  const connections = [0, 100, 200, 300].map((at) => {
    const connection = new FakeConnection(String(at));
    budget.admit(connection, at);
    return connection;
  });
  // Full: the deadline is 1 s, due for the oldest at 1000.
  assert.equal(budget.nextDeadline(), 1000);
  budget.expire(999);
  assert.deepEqual(drops, []);
  budget.expire(1000);
  // One went; at 3/4 the deadline is 5 s again, which none has reached.
  assert.deepEqual(
    connections.map((connection) => connection.isDestroyed),
    [true, false, false, false],
  );
  assert.deepEqual(drops, ['handshake_deadline']);
  assert.equal(budget.handshakeTimeoutMs(), 5000);
  budget.expire(5099);
  assert.deepEqual(drops, ['handshake_deadline']);
  budget.expire(5100);
  assert.deepEqual(
    connections.map((connection) => connection.isDestroyed),
    [true, true, false, false],
  );
  // At half full the full deadline applies: the TLS layer's own timer, so nothing here.
  assert.equal(budget.nextDeadline(), Infinity);
  budget.expire(1_000_000);
  assert.deepEqual(drops, ['handshake_deadline', 'handshake_deadline']);
});

test('a finished handshake is out of the deadline and the eviction queue', () => {
  const { budget, drops } = makeBudget(2, 10_000, 1000);
  const kept = new FakeConnection('kept');
  budget.admit(kept, 0);
  budget.handshakeDone(kept);
  budget.admit(new FakeConnection('other'), 1);
  budget.expire(100_000);
  assert.equal(kept.isDestroyed, false);
  assert.deepEqual(drops, ['handshake_deadline']);
  assert.equal(budget.handshakeCount, 0);
});

test('the log rate limit lets a burst through, then one line per token, and counts what it left out', () => {
  const limit = new LogRateLimit(2);
  assert.equal(limit.take(0), 0);
  assert.equal(limit.take(0), 0);
  assert.equal(limit.take(0), undefined);
  assert.equal(limit.take(100), undefined);
  // Half a second later one token has come back: the line says two were left out.
  assert.equal(limit.take(500), 2);
  assert.equal(limit.take(500), undefined);
  assert.equal(limit.take(10_000), 1);
});

test('the TLS layer is brought in once the first record is whole, or at once for bytes that cannot start a ClientHello', () => {
  const record = Buffer.concat([Buffer.from([22, 3, 1, 0, 4]), Buffer.from('abcd')]);
  for (let length = 0; length < record.length; length++)
    assert.equal(isFirstRecordComplete(record.subarray(0, length)), false, `${length} bytes`);
  assert.equal(isFirstRecordComplete(record), true);
  assert.equal(isFirstRecordComplete(Buffer.concat([record, Buffer.from('next')])), true);
  assert.equal(isFirstRecordComplete(Buffer.from('GET / HTTP/1.1\r\n')), true, 'plain HTTP: the TLS layer refuses it');
  assert.equal(isFirstRecordComplete(Buffer.from([22, 3, 1, 0xff, 0xff])), true, 'a length no record has: the TLS layer refuses it');
});

/** A ClientHelloQueue on a hand-driven clock whose turns are run by hand: `startTurn()` and `endTurn()` run what it left for them. */
function makeQueue(
  perTurn: number,
  isFlooded = false,
): {
  queue: ClientHelloQueue;
  clock: { now: number };
  startTurn: () => boolean;
  endTurn: () => void;
  events: string[];
  add: (name: string) => { close: () => void };
} {
  const clock = { now: 0 };
  const atStart: (() => void)[] = [];
  const atEnd: (() => void)[] = [];
  const events: string[] = [];
  const queue = new ClientHelloQueue({
    perTurn,
    maxWaitMs: 500,
    isFlooded: () => isFlooded,
    now: () => clock.now,
    atNextTurn: (task) => atStart.push(task),
    atEndOfTurn: (task) => atEnd.push(task),
  });
  const add = (name: string): { close: () => void } => {
    let isClosed = false;
    queue.push({ start: () => events.push(name), park: () => events.push(`park ${name}`), isClosed: () => isClosed });
    return { close: () => (isClosed = true) };
  };
  const run = (tasks: (() => void)[]): boolean => {
    const due = tasks.splice(0);
    for (const task of due) task();
    return due.length > 0;
  };
  return { queue, clock, startTurn: () => run(atStart), endTurn: () => void run(atEnd), events, add };
}

test('the ClientHello queue answers a ClientHello at once when nothing waits, else a few per turn of the event loop, newest first', () => {
  const { queue, startTurn, endTurn, events, add } = makeQueue(2);
  add('a');
  assert.deepEqual(events, ['a'], 'nothing waited: at once');
  for (const name of ['b', 'c', 'd', 'e']) add(name);
  assert.equal(queue.size, 4);
  assert.deepEqual(events, ['a']);
  endTurn();
  assert.equal(startTurn(), true);
  assert.deepEqual(events, ['a', 'e', 'd']);
  // Something waits: a newcomer waits its turn too, and goes first.
  add('f');
  endTurn();
  while (startTurn()) endTurn();
  assert.deepEqual(events, ['a', 'e', 'd', 'f', 'c', 'b']);
  assert.equal(queue.size, 0);
  add('g');
  assert.deepEqual(events.at(-1), 'g', 'idle again: at once');
});

test('without a flood no ClientHello is parked, however long it waited; a closed one is skipped', () => {
  const { queue, clock, startTurn, endTurn, events, add } = makeQueue(1);
  add('first');
  add('old');
  const gone = add('gone');
  clock.now = 10_000;
  add('fresh');
  gone.close();
  endTurn();
  while (startTurn()) endTurn();
  assert.deepEqual(events, ['first', 'fresh', 'old']);
  assert.equal(queue.size, 0);
});

test('in a flood a ClientHello that waited longer than maxWaitMs is parked, never started', () => {
  const { queue, clock, startTurn, endTurn, events, add } = makeQueue(1, true);
  add('first');
  add('old');
  add('older than the rest');
  clock.now = 400;
  add('fresh');
  clock.now = 501;
  endTurn();
  while (startTurn()) endTurn();
  assert.deepEqual(events, ['first', 'park old', 'park older than the rest', 'fresh']);
  assert.equal(queue.size, 0);
});

test('closed ClientHellos are swept out of a long queue', () => {
  const { queue, add } = makeQueue(1);
  add('first');
  // 5000 waiting, then all but ten closed: once the queue has doubled, the closed ones are gone.
  const closers = Array.from({ length: 5000 }, (_, index) => add(`n${index}`));
  for (const closer of closers.slice(0, 4990)) closer.close();
  for (let i = 0; i < 3200; i++) add(`m${i}`);
  assert.ok(queue.size < 3300, `queue size ${queue.size}`);
});

test('in a flood the ClientHello queue grows at the bottom, each turn answers the newest, and what stays at the bottom is parked', () => {
  const { queue, clock, startTurn, endTurn, events, add } = makeQueue(1, true);
  // Ten arrive per turn, a turn a millisecond.
  for (let ms = 0; ms < 5000; ms++) {
    clock.now = ms;
    startTurn();
    for (let i = 0; i < 10; i++) add(`${ms}.${i}`);
    endTurn();
  }
  const started = events.filter((event) => !event.startsWith('park'));
  assert.equal(started.length, 5000);
  // After the first turn, each turn starts the newest of the turn before.
  assert.ok(
    started.slice(1).every((name) => name.endsWith('.9')),
    started.slice(0, 5).join(),
  );
  assert.ok(events.length - started.length > 40_000, 'the rest parked');
  assert.ok(queue.size <= 10 * 502, `queue size ${queue.size}`);
});
