// tests/idp/oidc_provider.mjs - a real OpenID Connect provider (the npm
// package oidc-provider, pinned in package.json) for the integration
// tests.  TEST ONLY: it logs in whoever the /auth request names.
//
// node oidc_provider.mjs --port-file FILE --secrets DIR [--at-ttl SECS]
//                        [--jwks FILE] [--alg ES256|RS256]
//
// Listens on 127.0.0.1, port 0; the port goes to FILE once listening
// and the issuer is http://127.0.0.1:PORT.  DIR holds one file per
// client (pvacms, pvacms-post, agent, other) with its secret.
// --at-ttl: lifetime of access and ID tokens (default 600 s).
// --jwks FILE: a private JWKS ({"keys":[...]}) to sign with; made (0600)
// when missing, so that a restart with the same file keeps the keys and
// one with another file rotates them.
// Key rotation at run time: SIGHUP or POST /test/rotate makes a new key,
// signs with it from then on and keeps publishing the old ones;
// POST /test/rotate?drop=1 publishes the new key only.
//
// Tokens: resource=urn:pvacms (or urn:other) gives a JWT access token
// (RFC 9068, typ at+jwt, aud = the resource); no resource gives an
// opaque one.  The authorization code flow logs in login_hint as the
// user (sub) and consents to everything, without any page.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';
// Internal (no "exports" map; the version is pinned): one in-memory store
// for every Provider this process builds, see makeProvider.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

const { values: opt } = parseArgs({
  options: {
    'port-file': { type: 'string' },
    secrets: { type: 'string' },
    'at-ttl': { type: 'string', default: '600' },
    jwks: { type: 'string' },
    alg: { type: 'string', default: 'ES256' },
  },
});
if (!opt['port-file'] || !opt.secrets) {
  console.error('usage: oidc_provider.mjs --port-file FILE --secrets DIR [--at-ttl SECS] [--jwks FILE] [--alg ES256|RS256]');
  process.exit(2);
}
const AT_TTL = Number(opt['at-ttl']);
if (!Number.isInteger(AT_TTL) || AT_TTL < 1) {
  console.error('--at-ttl: a positive number of seconds');
  process.exit(2);
}
const ALG = opt.alg;
if (ALG !== 'ES256' && ALG !== 'RS256') {
  console.error('--alg: ES256 or RS256');
  process.exit(2);
}
const secret = (name) => readFileSync(path.join(opt.secrets, name), 'utf8').trim();

function newKey() {
  const { privateKey } = ALG === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: ALG };
}

// Newest key first: oidc-provider signs with the first key that fits.
let keys;
if (opt.jwks && existsSync(opt.jwks)) {
  ({ keys } = JSON.parse(readFileSync(opt.jwks, 'utf8')));
} else {
  keys = [newKey()];
  if (opt.jwks) writeFileSync(opt.jwks, JSON.stringify({ keys }), { mode: 0o600 });
}

const RESOURCES = new Set(['urn:pvacms', 'urn:other']);
const RS_SCOPE = 'pvacms:client pvacms:server';
const clients = () => [
  // pvacms calls introspection; both client authentication methods.
  { client_id: 'pvacms', client_secret: secret('pvacms'), grant_types: [], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' },
  { client_id: 'pvacms-post', client_secret: secret('pvacms-post'), grant_types: [], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post' },
  {
    client_id: 'agent',
    client_secret: secret('agent'),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/cb'],
    scope: `openid ${RS_SCOPE}`,
  },
  // Another client, for tokens pvacms must not take for the agent's.
  {
    client_id: 'other',
    client_secret: secret('other'),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials', 'authorization_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/cb'],
    scope: `openid ${RS_SCOPE}`,
  },
];
const INTROSPECTORS = new Set(['pvacms', 'pvacms-post']);
// Signed cookies must stay readable by the provider built after a rotation.
const COOKIE_KEYS = [randomBytes(32).toString('base64url')];

// A rotation builds a new Provider (its keystore is fixed at
// construction); sharing the store keeps every token, grant and session
// of the previous one valid.
const ADAPTER = createMemoryAdapter(0);
function makeProvider(issuer) {
  const p = new Provider(issuer, {
    adapter: ADAPTER,
    clients: clients(),
    jwks: { keys },
    cookies: { keys: COOKIE_KEYS },
    clientDefaults: { id_token_signed_response_alg: ALG },
    enabledJWA: { idTokenSigningAlgValues: [ALG] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    claims: { openid: ['sub'] },
    scopes: ['openid', 'offline_access', ...RS_SCOPE.split(' ')],
    ttl: {
      AccessToken: AT_TTL,
      ClientCredentials: AT_TTL,
      IdToken: AT_TTL,
      // Longer than any token, so that introspection sees only the token's exp.
      Grant: Math.max(AT_TTL, 86400),
      Session: 86400,
      Interaction: 600,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // pvacms may introspect any client's token; others their own only.
        allowedPolicy: (_ctx, caller, token) => INTROSPECTORS.has(caller.clientId)
          || token.clientId === caller.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) => INTROSPECTORS.has(caller.clientId)
          || token.clientId === caller.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, indicator) => {
          if (!RESOURCES.has(indicator)) throw new errors.InvalidTarget();
          return {
            scope: RS_SCOPE,
            audience: indicator,
            accessTokenTTL: AT_TTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: ALG } },
          };
        },
      },
    },
  });
  p.on('server_error', (_ctx, e) => console.log(`server_error: ${e.message}`));
  return p;
}

// The test-only interaction: log in login_hint, then grant whatever the
// client asked for.  Each step answers with a redirect to resume /auth.
async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const sub = params.login_hint;
    if (!sub) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('login_hint required\n');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
}

let provider;
let handler;
function rotate(drop) {
  keys = drop ? [newKey()] : [newKey(), ...keys];
  provider = makeProvider(provider.issuer);
  handler = provider.callback();
  console.log(`rotated: signing kid ${keys[0].kid}, ${keys.length} key(s) published`);
}

const server = http.createServer(async (req, res) => {
  // Path only (the query of /auth and the redirects can carry codes),
  // and no interaction uid either.
  const { pathname, searchParams } = new URL(req.url, 'http://x');
  const shown = pathname.replace(/^\/(interaction|auth)\/.+/, '/$1/:uid');
  res.on('finish', () => console.log(`${req.method} ${shown} ${res.statusCode}`));
  try {
    if (pathname.startsWith('/interaction/')) {
      await interaction(provider, req, res);
    } else if (pathname === '/test/rotate' && req.method === 'POST') {
      rotate(searchParams.get('drop') === '1');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kid: keys[0].kid }));
    } else {
      await handler(req, res);
    }
  } catch (e) {
    console.log(`error: ${e.name}: ${e.message}`);
    if (!res.headersSent) res.writeHead(500).end();
  }
});
process.on('SIGHUP', () => rotate(false));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  provider = makeProvider(`http://127.0.0.1:${port}`);
  handler = provider.callback();
  writeFileSync(opt['port-file'], `${port}\n`);
  console.log(`listening on 127.0.0.1:${port}, issuer ${provider.issuer}, signing kid ${keys[0].kid} (${ALG}), at-ttl ${AT_TTL}`);
});
