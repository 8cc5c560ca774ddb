import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../src/errors.js';
import { REJECTION_REASONS, rejectionBody, rejectionProblem } from '../../src/gateway/index.js';
import { problemType } from '../../src/http/index.js';
import type { RejectionReason } from '../../src/gateway/index.js';

test('the reasons a client is refused for have a problem with a fitting status', () => {
  // 403, not 401: a 401 must carry WWW-Authenticate (RFC 9110 15.5.2) and TLS client certificates have no HTTP auth scheme.
  assert.equal(rejectionProblem('no_certificate').status, 403);
  assert.equal(rejectionProblem('route_denied').status, 403);
  assert.equal(rejectionProblem('revoked').status, 403);
});

test('the body is RFC 9457 problem+json in the one vocabulary: type and title of an error code, status, detail and reason', () => {
  const codes = new Set<string>();
  for (const reason of Object.keys(REJECTION_REASONS) as RejectionReason[]) {
    const body = JSON.parse(rejectionBody(reason, '/api/x')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'instance', 'reason', 'status', 'title', 'type']);
    assert.equal(body['reason'], reason);
    const code = REJECTION_REASONS[reason].code;
    assert.equal(body['code'], code);
    assert.equal(body['type'], problemType(code));
    assert.equal(body['type'], `urn:symbolon:error:${code}`);
    assert.equal(body['title'], ERROR_CODES[code]);
    codes.add(code);
    assert.ok(String(body['detail']).length > 30);
    assert.doesNotMatch(rejectionBody(reason), /\n\s+at |Error:/);
  }
  assert.equal(codes.size, Object.keys(REJECTION_REASONS).length, 'each reason has its own error code');
  assert.equal('instance' in rejectionProblem('expired'), false);
  assert.ok(Object.isFrozen(rejectionProblem('expired')));
});
