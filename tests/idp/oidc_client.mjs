// tests/idp/oidc_client.mjs - gets tokens from oidc_provider.mjs (or
// asks it about one) for the integration tests.
//
// node oidc_client.mjs --issuer URL --secrets DIR [--client NAME]
//                      [--resource URN] [--count N] KIND [ARGS]
//
//   cc-jwt [SCOPE]        client_credentials, resource (urn:pvacms),
//                         scope (pvacms:client): a JWT access token
//   cc-opaque [SCOPE]     client_credentials, no resource: opaque
//   user-jwt SUB [SCOPE]  code flow as user SUB, resource, scope (openid
//                         pvacms:client): a JWT access token
//   user-opaque SUB [SCOPE]  code flow, no resource (scope openid): opaque
//   id-token SUB [SCOPE]  code flow (scope openid): the ID token
//   introspect TOKEN      RFC 7662 as --client (pvacms): the JSON answer
//   revoke TOKEN          RFC 7009 as --client (agent): prints nothing
//
// TOKEN "-" is read from stdin (keeps it out of ps).  --client picks the
// client that asks for tokens (agent); --resource the resource
// indicator of the *-jwt kinds.  Prints one line on stdout; on failure a
// one-line error on stderr and exit 1.  Never prints a secret.
//
// --count N (token kinds only, 1..100000, default 1): N tokens, one a
// line, from this one process (for benchmarks: a node start costs more
// than a token).  Up to 8 requests are in flight at once, each bounded
// by its own 10 s; all are printed at the end, so a failure (exit 1)
// prints none.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

function die(msg) {
  process.stderr.write(`oidc_client: ${msg}\n`);
  process.exit(1);
}

// Options first, then KIND and its arguments, taken as they are: an
// opaque token may start with "-", which would trip util.parseArgs.
const opt = { resource: 'urn:pvacms' };
const argv = process.argv.slice(2);
while (argv.length && argv[0].startsWith('--')) {
  const name = argv.shift().slice(2);
  if (!['issuer', 'secrets', 'client', 'resource', 'count'].includes(name) || !argv.length) die(`bad option --${name}`);
  opt[name] = argv.shift();
}
const [kind, ...args] = argv;
if (!opt.issuer || !opt.secrets || !kind) die('usage: --issuer URL --secrets DIR [--client NAME] [--resource URN] [--count N] KIND [ARGS]');
const TOKEN_KINDS = ['cc-jwt', 'cc-opaque', 'user-jwt', 'user-opaque', 'id-token'];
let COUNT = 1;
if (opt.count !== undefined) {
  COUNT = Number(opt.count);
  if (!/^[0-9]+$/.test(opt.count) || COUNT < 1 || COUNT > 100000) die('--count: 1..100000');
  if (!TOKEN_KINDS.includes(kind)) die(`--count: not for ${kind}`);
}

const REDIRECT = 'http://127.0.0.1/cb';
// One bound for the whole run; with --count, one per token instead (see
// oneToken), passed down as the signal of each fetch.
const TIMEOUT = AbortSignal.timeout(10000);
const b64u = (b) => Buffer.from(b).toString('base64url');

function credentials(client, form) {
  const secret = readFileSync(path.join(opt.secrets, client), 'utf8').trim();
  // pvacms-post is registered for client_secret_post, the others for basic.
  if (client === 'pvacms-post') {
    form.set('client_id', client);
    form.set('client_secret', secret);
    return {};
  }
  const enc = encodeURIComponent;
  return { authorization: `Basic ${Buffer.from(`${enc(client)}:${enc(secret)}`).toString('base64')}` };
}

async function post(url, client, form, signal = TIMEOUT) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...credentials(client, form) };
  const res = await fetch(url, { method: 'POST', headers, body: form, signal });
  const text = await res.text();
  let body;
  try { body = text ? JSON.parse(text) : {}; } catch { body = {}; }
  if (!res.ok) die(`${new URL(url).pathname}: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  return body;
}

// The code flow with a private cookie jar: /auth redirects to the
// provider's interaction, which logs in login_hint and consents, then
// back to /auth, which redirects to the (never contacted) callback.
async function codeFlow(ep, client, sub, scope, resource, signal = TIMEOUT) {
  const jar = new Map();
  const verifier = b64u(randomBytes(32));
  const state = b64u(randomBytes(12));
  const q = new URLSearchParams({
    client_id: client,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    state,
    nonce: b64u(randomBytes(12)),
    login_hint: sub,
    code_challenge: b64u(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  });
  if (resource) q.set('resource', resource);
  let url = `${ep.authorization_endpoint}?${q}`;
  for (let hop = 0; hop < 10; hop += 1) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {}, signal });
    for (const c of res.headers.getSetCookie()) {
      const [, name, value] = c.match(/^([^=]+)=([^;]*)/) ?? [];
      if (!name) continue;
      const exp = c.match(/;\s*expires=([^;]+)/i);
      if (!value || (exp && Date.parse(exp[1]) <= Date.now())) jar.delete(name);
      else jar.set(name, value);
    }
    const loc = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !loc) die(`code flow: HTTP ${res.status} at ${new URL(url).pathname}`);
    url = new URL(loc, url).href;
    if (url.startsWith(`${REDIRECT}?`)) {
      const cb = new URL(url).searchParams;
      if (cb.get('error')) die(`code flow: ${cb.get('error')} ${cb.get('error_description') ?? ''}`.trim());
      if (cb.get('state') !== state) die('code flow: state mismatch');
      const form = new URLSearchParams({
        grant_type: 'authorization_code', code: cb.get('code'), redirect_uri: REDIRECT, code_verifier: verifier,
      });
      if (resource) form.set('resource', resource);
      return post(ep.token_endpoint, client, form, signal);
    }
  }
  return die('code flow: too many redirects');
}

function tokenArg(t) {
  const v = t === '-' ? readFileSync(0, 'utf8').trim() : t;
  if (!v) die(`${kind}: no token`);
  return v;
}

const res = await fetch(`${opt.issuer}/.well-known/openid-configuration`, { signal: TIMEOUT }).catch((e) => die(`discovery: ${e.message}`));
if (!res.ok) die(`discovery: HTTP ${res.status}`);
const ep = await res.json();

// One token of a token kind (signal: its bound).
async function oneToken(signal) {
  let tok;
  switch (kind) {
    case 'cc-jwt':
    case 'cc-opaque': {
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      const scope = args[0] ?? (kind === 'cc-jwt' ? 'pvacms:client' : '');
      if (scope) form.set('scope', scope);
      if (kind === 'cc-jwt') form.set('resource', opt.resource);
      tok = (await post(ep.token_endpoint, opt.client ?? 'agent', form, signal)).access_token;
      break;
    }
    default: {
      if (!args[0]) die(`${kind}: SUB missing`);
      const jwt = kind === 'user-jwt';
      const scope = args[1] ?? (jwt ? 'openid pvacms:client' : 'openid');
      const body = await codeFlow(ep, opt.client ?? 'agent', args[0], scope, jwt ? opt.resource : undefined, signal);
      tok = kind === 'id-token' ? body.id_token : body.access_token;
    }
  }
  if (!tok) die(`${kind}: no token in the answer`);
  return tok;
}

// --count: a few requests in flight (the provider is one node process:
// more would only queue), the tokens written in batches, in order.
async function manyTokens(n) {
  const WIDTH = 8;
  let next = 0;
  const got = new Array(n);
  async function worker() {
    while (next < n) {
      const i = next++;
      got[i] = await oneToken(AbortSignal.timeout(10000));
    }
  }
  await Promise.all(Array.from({ length: Math.min(WIDTH, n) }, worker));
  process.stdout.write(`${got.join('\n')}\n`);
}

let out;
switch (kind) {
  case 'cc-jwt':
  case 'cc-opaque':
  case 'user-jwt':
  case 'user-opaque':
  case 'id-token': {
    if (COUNT > 1) {
      await manyTokens(COUNT);
      process.exit(0);
    }
    out = await oneToken(TIMEOUT);
    break;
  }
  case 'introspect': {
    const form = new URLSearchParams({ token: tokenArg(args[0]) });
    out = JSON.stringify(await post(ep.introspection_endpoint, opt.client ?? 'pvacms', form));
    break;
  }
  case 'revoke': {
    const form = new URLSearchParams({ token: tokenArg(args[0]) });
    await post(ep.revocation_endpoint, opt.client ?? 'agent', form);
    process.exit(0);
    break;
  }
  default:
    die(`unknown KIND ${kind}`);
}
if (!out) die(`${kind}: no token in the answer`);
process.stdout.write(`${out}\n`);
