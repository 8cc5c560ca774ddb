/**
 * The OpenAPI 3.1 document of the admin API, served at /api/openapi.json. Written out rather than
 * generated, so it reads as documentation; test/api/openapi.test.ts holds it to the routes the
 * code serves (every path and method, no more, no fewer).
 */

const problem = { $ref: '#/components/responses/Problem' };
const errors = { '400': problem, '401': problem, '403': problem, '404': problem };
const json = (schema: unknown): unknown => ({ 'application/json': { schema } });
const ref = (name: string): unknown => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: unknown): unknown => ({ description, content: json(schema) });
const serialParameter = { name: 'serial', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{1,40}$' } };
const idParameter = (pattern: string): unknown => ({ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern } });
const query = (name: string, schema: unknown, description?: string): unknown => ({
  name,
  in: 'query',
  required: false,
  schema,
  ...(description === undefined ? {} : { description }),
});
const body = (schema: unknown, required = true): unknown => ({ required, content: json(schema) });
const nullable = (type: string): unknown => ({ type: [type, 'null'] });

const schemas = {
  CertificateSummary: {
    type: 'object',
    required: ['serial', 'subject', 'sans', 'profile', 'issuerId', 'status', 'notBefore', 'notAfter', 'revokedAt', 'revocationReason'],
    properties: {
      serial: { type: 'string', description: 'lowercase hex, no separators' },
      subject: { type: 'string', description: 'RFC 4514 text' },
      sans: { type: 'array', items: { type: 'string' }, description: '`type:value` (dns:api.example.com)' },
      profile: { type: 'string' },
      issuerId: { type: 'string' },
      status: { enum: ['valid', 'revoked', 'expired'] },
      notBefore: { type: 'string', format: 'date-time' },
      notAfter: { type: 'string', format: 'date-time' },
      revokedAt: nullable('string'),
      revocationReason: nullable('string'),
    },
  },
  CertificateDetail: {
    allOf: [
      ref('CertificateSummary'),
      {
        type: 'object',
        required: ['fingerprintSha256', 'pem', 'chain', 'decoded'],
        properties: {
          fingerprintSha256: { type: 'string' },
          pem: { type: 'string' },
          chain: { type: 'array', items: { type: 'string' }, description: 'PEM, the issuer first, up to the root' },
          decoded: {
            type: 'object',
            required: ['version', 'signatureAlgorithm', 'publicKey', 'issuer', 'extensions'],
            properties: {
              version: { type: 'integer' },
              signatureAlgorithm: { type: 'string' },
              publicKey: {
                type: 'object',
                required: ['algorithm'],
                properties: { algorithm: { type: 'string' }, size: { type: 'integer' }, curve: { type: 'string' } },
              },
              issuer: { type: 'string' },
              extensions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['oid', 'name', 'critical', 'value'],
                  properties: {
                    oid: { type: 'string' },
                    name: { type: 'string' },
                    critical: { type: 'boolean' },
                    value: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
  CertificatePage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: ref('CertificateSummary') }, nextCursor: nullable('string') },
  },
  OAuthClient: {
    type: 'object',
    required: ['id', 'authMethod', 'certificateName', 'jwks', 'scopes', 'audiences', 'createdAt'],
    properties: {
      id: { type: 'string', description: 'the client_id' },
      authMethod: { enum: ['tls_client_auth', 'self_signed_tls_client_auth'] },
      certificateName: {
        type: ['object', 'null'],
        description: 'tls_client_auth: the name its certificate carries (RFC 8705 2.1.2)',
        required: ['kind', 'value'],
        properties: { kind: { enum: ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] }, value: { type: 'string' } },
      },
      jwks: {
        type: ['object', 'null'],
        description: 'self_signed_tls_client_auth: its public keys (RFC 8705 2.2)',
        properties: { keys: { type: 'array', items: { type: 'object' } } },
      },
      scopes: { type: 'array', items: { type: 'string' } },
      audiences: { type: 'array', items: { type: 'string' } },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  Token: {
    type: 'object',
    required: ['id', 'profile', 'names', 'label', 'uses', 'usesLeft', 'expiresAt', 'createdAt', 'revokedAt', 'state'],
    properties: {
      id: { type: 'string' },
      profile: { type: 'string' },
      names: { type: 'array', items: { type: 'string' } },
      label: nullable('string'),
      uses: { type: 'integer' },
      usesLeft: { type: 'integer' },
      expiresAt: { type: 'string', format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      revokedAt: nullable('string'),
      state: { enum: ['usable', 'revoked', 'expired', 'used-up'] },
      secret: { type: 'string', description: 'only in the answer to its creation' },
    },
  },
  Approval: {
    type: 'object',
    required: ['id', 'requester', 'profile', 'subject', 'sans', 'requestedAt', 'status'],
    properties: {
      id: { type: 'string' },
      requester: { type: 'string' },
      profile: { type: 'string' },
      label: nullable('string'),
      subject: { type: 'string' },
      sans: { type: 'array', items: { type: 'string' } },
      renewalOf: nullable('string'),
      requestedAt: { type: 'string', format: 'date-time' },
      status: { enum: ['pending', 'approved', 'rejected', 'issued'] },
      decidedAt: nullable('string'),
      decidedBy: nullable('string'),
      certificate: { type: ['object', 'null'] },
    },
  },
  AuditPage: {
    type: 'object',
    required: ['items', 'nextCursor', 'chain'],
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['sequence', 'at', 'actor', 'action', 'target', 'payload', 'entryHash'],
          properties: {
            sequence: { type: 'integer' },
            at: { type: 'string' },
            actor: { type: 'string' },
            action: { type: 'string' },
            target: { type: 'string' },
            payload: {},
            entryHash: { type: 'string' },
          },
        },
      },
      nextCursor: nullable('string'),
      chain: {
        type: 'object',
        required: ['status', 'checkedEntries', 'brokenAt'],
        properties: { status: { enum: ['intact', 'broken'] }, checkedEntries: { type: 'integer' }, brokenAt: nullable('integer') },
      },
    },
  },
  Stats: {
    type: 'object',
    required: ['byProfile', 'soonestExpiry', 'revocations', 'expiryTimeline'],
    properties: {
      byProfile: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } } },
      soonestExpiry: nullable('string'),
      revocations: { type: 'integer' },
      expiryTimeline: {
        type: 'array',
        items: {
          type: 'object',
          required: ['day', 'profile', 'count'],
          properties: { day: { type: 'string', format: 'date' }, profile: { type: 'string' }, count: { type: 'integer' } },
        },
      },
    },
  },
  Gateways: {
    type: 'object',
    required: ['gateways'],
    properties: {
      gateways: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'metricsUrl', 'up', 'series'],
          properties: {
            name: { type: 'string' },
            metricsUrl: { type: 'string' },
            up: { type: 'boolean' },
            series: {
              type: 'array',
              items: {
                type: 'object',
                required: ['at', 'requests', 'rejections'],
                properties: {
                  at: { type: 'string', format: 'date-time' },
                  requests: { type: 'number' },
                  rejections: { type: 'object', additionalProperties: { type: 'number' } },
                },
              },
            },
          },
        },
      },
    },
  },
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: { type: 'string', description: 'urn:symbolon:error:CODE' },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { type: 'string' },
      detail: { type: 'string' },
    },
  },
};

export const OPENAPI_DOCUMENT = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'Symbolon admin API',
    version: '1',
    description:
      'The admin API of `symbolon up`, on its HTTPS service listener. Every call needs a TLS client certificate this CA issued under the `admin` profile, neither revoked nor expired: none is 401, another is 403. Every call that changes something writes an audit entry naming the admin certificate. Errors are RFC 9457 problem+json.',
  },
  servers: [{ url: '/api' }],
  paths: {
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...errors } },
    },
    '/certificates': {
      get: {
        summary: 'List and search certificates, by notAfter then serial',
        parameters: [
          query('q', { type: 'string', maxLength: 256 }, 'prefix of the subject (or any of its values), a SAN value or the serial'),
          query('subject', { type: 'string', maxLength: 256 }),
          query('san', { type: 'string', maxLength: 256 }),
          query('serial', { type: 'string', pattern: '^[0-9a-fA-F]{1,40}$' }, 'prefix of the serial'),
          query('profile', { type: 'string' }),
          query('status', { enum: ['valid', 'revoked', 'expired'] }),
          query('expiresAfter', { type: 'string', format: 'date-time' }),
          query('expiresBefore', { type: 'string', format: 'date-time' }),
          query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
          query('cursor', { type: 'string' }),
        ],
        responses: { '200': ok('A page', ref('CertificatePage')), ...errors },
      },
      post: {
        summary: 'Issue a certificate from a CSR',
        requestBody: body({
          type: 'object',
          required: ['csr', 'profile'],
          additionalProperties: false,
          properties: {
            csr: { type: 'string', description: 'PEM' },
            profile: { type: 'string' },
            lifetime: { type: 'string', examples: ['30d'] },
          },
        }),
        responses: { '201': ok('Issued', ref('CertificateDetail')), ...errors, '503': problem },
      },
    },
    '/certificates/{serial}': {
      get: {
        summary: "A certificate's detail",
        parameters: [serialParameter],
        responses: { '200': ok('The certificate', ref('CertificateDetail')), ...errors },
      },
    },
    '/certificates/{serial}/download': {
      get: {
        summary: 'The certificate with its chain: PEM, DER (the certificate alone) or PKCS#12 (certificates only, empty passphrase)',
        parameters: [serialParameter, query('format', { enum: ['pem', 'der', 'p12'], default: 'pem' })],
        responses: {
          '200': {
            description: 'The file',
            content: {
              'application/x-pem-file': { schema: { type: 'string' } },
              'application/pkix-cert': { schema: { type: 'string', contentEncoding: 'binary' } },
              'application/x-pkcs12': { schema: { type: 'string', contentEncoding: 'binary' } },
            },
          },
          ...errors,
        },
      },
    },
    '/certificates/{serial}/renew': {
      post: {
        summary: 'Renew (same subject, names, key and profile)',
        parameters: [serialParameter],
        responses: { '201': ok('The new certificate', ref('CertificateDetail')), ...errors, '409': problem, '503': problem },
      },
    },
    '/certificates/{serial}/revoke': {
      post: {
        summary: 'Revoke with an RFC 5280 reason',
        parameters: [serialParameter],
        requestBody: body({
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', examples: ['keyCompromise'] } },
        }),
        responses: { '200': ok('Revoked', ref('CertificateDetail')), ...errors, '409': problem },
      },
    },
    '/tokens': {
      get: {
        summary: 'Enrollment tokens, newest first',
        responses: { '200': ok('Tokens', { type: 'object', properties: { items: { type: 'array', items: ref('Token') } } }), ...errors },
      },
      post: {
        summary: 'Make an enrollment token (its secret is in this answer only)',
        requestBody: body({
          type: 'object',
          required: ['names', 'profile'],
          additionalProperties: false,
          properties: {
            names: { type: 'array', items: { type: 'string' }, description: 'name patterns (sensor-*)' },
            profile: { type: 'string' },
            uses: { type: 'integer', minimum: 1, default: 1 },
            expiresIn: { type: 'string', default: '24h' },
            label: { type: 'string' },
          },
        }),
        responses: { '201': ok('The token and its secret', ref('Token')), ...errors },
      },
    },
    '/tokens/{id}': {
      delete: {
        summary: 'Revoke an enrollment token',
        parameters: [idParameter('^[0-9a-f]{16}$')],
        responses: { '200': ok('Revoked', ref('Token')), ...errors, '409': problem },
      },
    },
    '/oauth/clients': {
      get: {
        summary: 'OAuth clients of the token endpoint',
        responses: {
          '200': ok('Clients', { type: 'object', properties: { items: { type: 'array', items: ref('OAuthClient') } } }),
          ...errors,
        },
      },
      post: {
        summary: 'Register an OAuth client (the fields of `symbolon oauth client add`): exactly one of the names, certificate, jwks',
        requestBody: body({
          type: 'object',
          required: ['id', 'audiences'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'the client_id' },
            scopes: { type: 'array', items: { type: 'string' }, default: [] },
            audiences: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'the aud claims of its tokens' },
            subjectDn: { type: 'string', description: 'tls_client_auth: the subject DN of its certificate (RFC 4514)' },
            sanDns: { type: 'string', description: 'tls_client_auth: a DNS subjectAltName' },
            sanUri: { type: 'string', description: 'tls_client_auth: a URI subjectAltName' },
            sanIp: { type: 'string', description: 'tls_client_auth: an IP address subjectAltName' },
            sanEmail: { type: 'string', description: 'tls_client_auth: an email subjectAltName' },
            certificate: { type: 'string', description: 'self_signed_tls_client_auth: its self-signed certificate (PEM)' },
            jwks: { type: 'object', description: 'self_signed_tls_client_auth: a JWKS of its public keys' },
          },
        }),
        responses: { '201': ok('Registered', ref('OAuthClient')), ...errors, '409': problem },
      },
    },
    '/oauth/clients/{id}': {
      get: {
        summary: 'One OAuth client',
        parameters: [idParameter('^[A-Za-z0-9._:-]{1,128}$')],
        responses: { '200': ok('The client', ref('OAuthClient')), ...errors },
      },
      delete: {
        summary: 'Remove an OAuth client: it gets no more tokens, and introspection calls its tokens inactive',
        parameters: [idParameter('^[A-Za-z0-9._:-]{1,128}$')],
        responses: { '200': ok('Removed', ref('OAuthClient')), ...errors },
      },
    },
    '/approvals': {
      get: {
        summary: 'Enrollments held for approval',
        parameters: [query('status', { enum: ['pending', 'approved', 'rejected', 'issued', 'all'], default: 'pending' })],
        responses: {
          '200': ok('Enrollments', { type: 'object', properties: { items: { type: 'array', items: ref('Approval') } } }),
          ...errors,
        },
      },
    },
    '/approvals/{id}/approve': {
      post: {
        summary: 'Approve an enrollment',
        parameters: [idParameter('^[0-9a-f]{16}$')],
        requestBody: body({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string' } } }, false),
        responses: { '200': ok('Approved', ref('Approval')), ...errors, '409': problem },
      },
    },
    '/approvals/{id}/reject': {
      post: {
        summary: 'Reject an enrollment',
        parameters: [idParameter('^[0-9a-f]{16}$')],
        requestBody: body({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string' } } }, false),
        responses: { '200': ok('Rejected', ref('Approval')), ...errors, '409': problem },
      },
    },
    '/audit': {
      get: {
        summary: 'The audit log, newest first, and the status of its hash chain',
        parameters: [query('cursor', { type: 'string' }), query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 })],
        responses: { '200': ok('A page', ref('AuditPage')), ...errors },
      },
    },
    '/stats': {
      get: {
        summary: 'Counts by profile and status, soonest expiry, revocations, the 90-day expiry timeline',
        responses: { '200': ok('Statistics', ref('Stats')), ...errors },
      },
    },
    '/gateways': {
      get: { summary: "Gateways' health, scraped from their metrics", responses: { '200': ok('Gateways', ref('Gateways')), ...errors } },
    },
  },
  components: {
    schemas,
    responses: {
      Problem: { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: ref('Problem') } } },
    },
  },
});
