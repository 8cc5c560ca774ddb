import { z } from 'zod';
import type { CaConfig } from '../ca/index.js';
import { parseLifetime } from '../ca/index.js';
import { createEnrollmentToken, isTokenId, revokeEnrollmentToken, tokenView } from '../est/index.js';
import type { Store } from '../store/index.js';
import { badQuery, queryParameters, readJsonBody } from './api-input.js';
import { sendJson } from './api-response.js';
import { adminActor } from './api-route.js';
import type { ApiCall, ApiRoute } from './api-route.js';

export interface TokenRoutesOptions {
  readonly store: Store;
  readonly config: CaConfig;
  /** The data directory's token key (`enrollmentTokenKey`). */
  readonly tokenHashKey: Uint8Array;
  readonly clock: () => Date;
  readonly random: (size: number) => Uint8Array;
}

const createBody = z
  .object({
    names: z.array(z.string().min(1).max(2048)).min(1).max(100),
    profile: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, { message: 'expected a profile name' }),
    uses: z.number().int().optional(),
    expiresIn: z.string().max(32).optional(),
    label: z.string().max(40).optional(),
  })
  .strict();

/** Default lifetime of a token made through the API, as `symbolon ca token create` has. */
const DEFAULT_TOKEN_TTL = '24h';

function pathTokenId(call: ApiCall): string {
  const id = call.params['id'] ?? '';
  if (!isTokenId(id)) throw badQuery(`"${id.slice(0, 64)}" is not a token id (16 lowercase hex digits)`);
  return id;
}

/** Enrollment tokens: list, create (the secret shown once), revoke. */
export function tokenRoutes(options: TokenRoutesOptions): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/tokens',
      isChange: false,
      async handle(call) {
        queryParameters(call.query, []);
        const now = options.clock();
        sendJson(call.res, 200, { items: (await options.store.listEnrollmentTokens()).map((token) => tokenView(token, now)) });
      },
    },
    {
      method: 'POST',
      path: '/tokens',
      isChange: true,
      async handle(call) {
        queryParameters(call.query, []);
        const body = await readJsonBody(call.req, createBody);
        const now = options.clock();
        const { token, secret } = await createEnrollmentToken(
          {
            profile: body.profile,
            names: body.names,
            uses: body.uses ?? 1,
            ttlSeconds: parseLifetime(body.expiresIn ?? DEFAULT_TOKEN_TTL, 'expiresIn'),
            label: body.label,
          },
          {
            store: options.store,
            config: options.config,
            hashKey: options.tokenHashKey,
            now,
            actor: adminActor(call.admin),
            random: options.random,
          },
        );
        sendJson(call.res, 201, { ...tokenView(token, now), secret });
      },
    },
    {
      method: 'DELETE',
      path: '/tokens/{id}',
      isChange: true,
      async handle(call) {
        queryParameters(call.query, []);
        const now = options.clock();
        const token = await revokeEnrollmentToken(pathTokenId(call), { store: options.store, now, actor: adminActor(call.admin) });
        sendJson(call.res, 200, tokenView(token, now));
      },
    },
  ];
}
