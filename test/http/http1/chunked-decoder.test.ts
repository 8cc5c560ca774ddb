import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSymbolonError } from '../../../src/errors.js';
import { ChunkedDecoder, LAST_CHUNK, chunkOf, type ChunkedLimits } from '../../../src/http/http1/chunked-decoder.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Feeds `pieces` in order; returns the output text and the bytes consumed from each piece. */
function feed(decoder: ChunkedDecoder, pieces: readonly Buffer[]): { output: string; consumed: number[]; done: boolean } {
  const output: Buffer[] = [];
  const consumed: number[] = [];
  let done = false;
  for (const piece of pieces) {
    const result = decoder.push(piece);
    output.push(...result.output);
    consumed.push(result.consumed);
    done = result.done;
    assert.equal(decoder.done, done);
  }
  return { output: Buffer.concat(output).toString('latin1'), consumed, done };
}

/** Every way of feeding `body` + `next`: whole, split at each byte, and one byte at a time. */
function feedings(wire: Buffer, isEverySplit = true): Buffer[][] {
  const ways: Buffer[][] = [[wire]];
  if (isEverySplit) for (let cut = 1; cut < wire.length; cut++) ways.push([wire.subarray(0, cut), wire.subarray(cut)]);
  ways.push(Array.from({ length: wire.length }, (_, index) => wire.subarray(index, index + 1)));
  return ways;
}

function assertDecodes(body: string, canonical: string, limits?: Partial<ChunkedLimits>): void {
  const next = 'GET /next HTTP/1.1\r\n';
  for (const pieces of feedings(bytes(body + next))) {
    const decoder = new ChunkedDecoder(limits);
    const output: Buffer[] = [];
    let consumedTotal = 0;
    let rest = '';
    for (const piece of pieces) {
      if (decoder.done) {
        assert.deepEqual(decoder.push(piece), { output: [], consumed: 0, done: true });
        rest += piece.toString('latin1');
        continue;
      }
      const result = decoder.push(piece);
      output.push(...result.output);
      consumedTotal += result.consumed;
      if (!result.done) assert.equal(result.consumed, piece.length);
      rest += piece.subarray(result.consumed).toString('latin1');
    }
    const split = pieces.map((piece) => piece.length).join(',');
    assert.equal(decoder.done, true, `done for pieces ${split}`);
    assert.equal(Buffer.concat(output).toString('latin1'), canonical, `output for pieces ${split}`);
    assert.equal(consumedTotal, body.length, `consumed for pieces ${split}`);
    assert.equal(rest, next);
  }
}

function assertRefused(body: string, limits?: Partial<ChunkedLimits>): void {
  for (const pieces of feedings(bytes(body), body.length < 1000)) {
    const decoder = new ChunkedDecoder(limits);
    assert.throws(
      () => {
        for (const piece of pieces) decoder.push(piece);
        if (!decoder.done) throw new Error('the decoder is still waiting'); // incomplete is not an error by itself
      },
      (error: unknown) => isSymbolonError(error, 'HTTP_CHUNKED_FRAMING'),
      `${JSON.stringify(body)} fed as ${pieces.map((piece) => piece.length).join(',')}`,
    );
  }
}

test('re-frames a simple body canonically, at every split point', () => {
  assertDecodes('5\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n');
  assertDecodes('0\r\n\r\n', '0\r\n\r\n');
});

test('drops chunk extensions and trailers, lower-cases the size, keeps data verbatim', () => {
  assertDecodes(
    'A;ext=1\r\n0123456789\r\n3 ; a="b c";x\r\n\r\n\n\r\n0000F\t;y\r\n0\r\n\r\n5\r\n0\r\n\r\nab\r\n0;last=1\r\nTrailer: x\r\nOther:  \xe9 \r\nE:\r\n\r\n',
    'a\r\n0123456789\r\n3\r\n\r\n\n\r\nf\r\n0\r\n\r\n5\r\n0\r\n\r\nab\r\n0\r\n\r\n',
  );
});

test('passes data through as subarrays of the input', () => {
  const input = bytes('5\r\nhello\r\n0\r\n\r\n');
  const { output } = new ChunkedDecoder().push(input);
  const data = output[1]!;
  assert.equal(data.toString(), 'hello');
  assert.equal(data.buffer, input.buffer);
});

test('consumed stops at the end of the message; pushes after it consume nothing', () => {
  const decoder = new ChunkedDecoder();
  const result = decoder.push(bytes('1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK'));
  assert.equal(result.consumed, 11);
  assert.equal(result.done, true);
  assert.deepEqual(decoder.push(bytes('more')), { output: [], consumed: 0, done: true });
});

test('an unfinished body is not done and not an error', () => {
  const result = feed(new ChunkedDecoder(), [bytes('5\r\nhel')]);
  assert.equal(result.done, false);
  assert.equal(result.output, '5\r\nhel');
});

test('accepts 13 hex digits and refuses 14', () => {
  const decoder = new ChunkedDecoder();
  const result = decoder.push(bytes('000000000000A\r\n0123'));
  assert.equal(Buffer.concat(result.output).toString(), 'a\r\n0123');
  assertRefused('00000000000000\r\n\r\n0\r\n\r\n');
  assertRefused('FFFFFFFFFFFFFFFFFFFF\r\n');
});

test('refuses malformed chunk-size lines', () => {
  for (const body of [
    '0x5\r\nhello\r\n0\r\n\r\n',
    ' 5\r\nhello\r\n0\r\n\r\n',
    '\t5\r\nhello\r\n0\r\n\r\n',
    '-1\r\n0\r\n\r\n',
    '+5\r\nhello\r\n0\r\n\r\n',
    '\r\nhello\r\n0\r\n\r\n',
    ';x\r\n0\r\n\r\n',
    '5 \r\nhello\r\n0\r\n\r\n',
    '5 x\r\nhello\r\n0\r\n\r\n',
    '5g\r\nhello\r\n0\r\n\r\n',
    '5\nhello\r\n0\r\n\r\n',
    '5\rhello\r\n0\r\n\r\n',
    '5;a\x00\r\nhello\r\n0\r\n\r\n',
    '5;a\nb\r\nhello\r\n0\r\n\r\n',
    '5;a\rb\r\nhello\r\n0\r\n\r\n',
    '5;a\x7f\r\nhello\r\n0\r\n\r\n',
    '0\n\r\n',
  ]) {
    assertRefused(body);
  }
});

test('refuses data not followed by CRLF', () => {
  assertRefused('5\r\nhello0\r\n\r\n');
  assertRefused('5\r\nhelloX\r\n0\r\n\r\n');
  assertRefused('5\r\nhello\n0\r\n\r\n');
  assertRefused('5\r\nhello\rX0\r\n\r\n');
  assertRefused('3\r\nhello\r\n0\r\n\r\n');
});

test('refuses LF-only framing', () => {
  assertRefused('5\nhello\n0\n\n');
  assertRefused('5\r\nhello\r\n0\n\n');
  assertRefused('5\r\nhello\r\n0\r\n\n');
});

test('refuses malformed trailers', () => {
  for (const trailer of [
    'X: a\r\n b\r\n',
    ' X: a\r\n',
    'X : a\r\n',
    ': a\r\n',
    'X\r\n',
    'X: a\x00\r\n',
    'X: a\nY: b\r\n',
    'X: a\rb\r\n',
    'X(: a\r\n',
  ]) {
    assertRefused(`0\r\n${trailer}\r\n`);
  }
  assertRefused('0\r\n\r\r\n');
});

test('enforces the line and trailer limits', () => {
  const extension = `5;${'x'.repeat(98)}\r\nhello\r\n0\r\n\r\n`;
  assertDecodes(extension, '5\r\nhello\r\n0\r\n\r\n', { maxLineBytes: 100 });
  assertRefused(extension, { maxLineBytes: 99 });
  const trailer = `0\r\nX: ${'y'.repeat(13)}\r\n\r\n`;
  assertDecodes(trailer, '0\r\n\r\n', { maxTrailerBytes: 20 });
  assertRefused(trailer, { maxTrailerBytes: 19 });
  assertRefused(`1;${'x'.repeat(5000)}`);
  assertRefused(`0\r\nX: ${'y'.repeat(17000)}`);
});

test('keeps throwing after a framing error', () => {
  const decoder = new ChunkedDecoder();
  assert.throws(
    () => decoder.push(bytes('zz\r\n')),
    (error: unknown) => isSymbolonError(error, 'HTTP_CHUNKED_FRAMING'),
  );
  assert.throws(
    () => decoder.push(bytes('0\r\n\r\n')),
    (error: unknown) => isSymbolonError(error, 'HTTP_CHUNKED_FRAMING'),
  );
  assert.equal(decoder.done, false);
});

test('chunkOf wraps data as one chunk; LAST_CHUNK ends the body', () => {
  assert.equal(Buffer.concat(chunkOf(Buffer.alloc(300, 0x61))).toString(), `12c\r\n${'a'.repeat(300)}\r\n`);
  assert.equal(Buffer.concat(chunkOf(bytes('hi'))).toString(), '2\r\nhi\r\n');
  assert.deepEqual(chunkOf(Buffer.alloc(0)), []);
  assert.equal(LAST_CHUNK.toString(), '0\r\n\r\n');
  const reframed = Buffer.concat([...chunkOf(bytes('hello')), ...chunkOf(bytes(' world')), LAST_CHUNK]);
  assert.equal(feed(new ChunkedDecoder(), [reframed]).output, reframed.toString());
});

const chunkArbitrary = fc.record({
  data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  sizeText: fc.constantFrom('lower', 'upper', 'zeros'),
  extension: fc.constantFrom('', ';a', ' ;a=b', '\t; x="y z" ;q'),
});

test('random bodies split at random points decode to their canonical form', () => {
  fc.assert(
    fc.property(
      fc.array(chunkArbitrary, { maxLength: 6 }),
      fc.constantFrom('', 'X-T: 1\r\n', 'A: b\r\nC:\td \r\n'),
      fc.array(fc.nat(), { maxLength: 8 }),
      (chunks, trailer, cuts) => {
        let wire = '';
        let canonical = '';
        for (const { data, sizeText, extension } of chunks) {
          const text = Buffer.from(data).toString('latin1');
          const hex = data.length.toString(16);
          const size = sizeText === 'upper' ? hex.toUpperCase() : sizeText === 'zeros' ? `00${hex}` : hex;
          wire += `${size}${extension}\r\n${text}\r\n`;
          canonical += `${hex}\r\n${text}\r\n`;
        }
        wire += `0\r\n${trailer}\r\n`;
        canonical += '0\r\n\r\n';
        const whole = bytes(`${wire}NEXT`);
        const points = [...new Set(cuts.map((cut) => cut % whole.length))].sort((a, b) => a - b);
        const pieces: Buffer[] = [];
        let start = 0;
        for (const point of [...points, whole.length]) {
          pieces.push(whole.subarray(start, point));
          start = point;
        }
        const decoder = new ChunkedDecoder();
        const output: Buffer[] = [];
        let consumed = 0;
        for (const piece of pieces) {
          const result = decoder.push(piece);
          output.push(...result.output);
          consumed += result.consumed;
        }
        assert.equal(Buffer.concat(output).toString('latin1'), canonical);
        assert.equal(consumed, wire.length);
      },
    ),
    { seed: 7112, numRuns: 500 },
  );
});

test('any bytes give output or an HTTP_CHUNKED_FRAMING error, nothing else', () => {
  const alphabet = fc.constantFrom(...'0159aAfFgx;= \t\r\n:\x00\x7f\xff'.split(''));
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 80 }), (characters) => {
      try {
        new ChunkedDecoder({ maxLineBytes: 16, maxTrailerBytes: 32 }).push(bytes(characters.join('')));
      } catch (error) {
        assert.ok(isSymbolonError(error, 'HTTP_CHUNKED_FRAMING'));
      }
    }),
    { seed: 7112, numRuns: 3000 },
  );
});
