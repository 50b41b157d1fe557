// A running Badge Commons instance's credentials, verified by the Digital Credentials Consortium's
// JavaScript libraries: the eddsa-rdfc-2022 proof (@digitalcredentials/vc with
// @digitalcredentials/data-integrity and eddsa-rdfc-2022-cryptosuite), the issuer's did:web, and
// the BitstringStatusList entry (@digitalcredentials/vc-bitstring-status-list's `checkStatus`,
// which also verifies the signed status list credential and that its issuer is the credential's).
//
//   node dcc_instance.mjs CREDENTIAL_URL valid     the credential must verify, status included
//   node dcc_instance.mjs CREDENTIAL_URL revoked   its proof must verify and its revocation
//                                                  status must fail (so it is not verified)
//
// Prints the verifier's result as one JSON line; exits 1 when the expectation is not met.
//
// The instance runs on plain HTTP on loopback (tests/interop/instance.sh), and DCC's did:web
// driver (@digitalcredentials/did-method-web, inside security-document-loader) only fetches
// https:// URLs. So the document loader below resolves did:web itself for loopback hosts, as the
// did:web method specifies but over http: did:web:127.0.0.1%3APORT -> http://127.0.0.1:PORT/
// .well-known/did.json, a DID URL's fragment picks the verification method. It also fetches the
// status list credential from the same origin. Everything else (contexts) comes from DCC's
// bundled contexts plus crates/openbadges/src/contexts/files; nothing else is fetched.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vc from '@digitalcredentials/vc';
import { DataIntegrityProof } from '@digitalcredentials/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import { securityLoader } from '@digitalcredentials/security-document-loader';
import { checkStatus } from '@digitalcredentials/vc-bitstring-status-list';

const here = dirname(fileURLToPath(import.meta.url));
const contextDir = join(here, '..', '..', 'src', 'contexts', 'files');
// The same table as dcc.mjs: the bytes the Rust crate bundles.
const CONTEXTS = {
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.json',
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.json',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.json',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const fetched = []; // every URL fetched, printed with the result

async function getJson(url) {
  fetched.push(url);
  const response = await fetch(url, {
    headers: { accept: 'application/json, application/ld+json, application/vc+ld+json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

function documentLoader() {
  const staticLoader = securityLoader({ fetchRemoteContexts: false });
  for (const [url, file] of Object.entries(CONTEXTS)) {
    staticLoader.addStatic(url, JSON.parse(readFileSync(join(contextDir, file), 'utf8')));
  }
  const bundled = staticLoader.build();
  const didDocs = new Map(); // did -> its document, fetched once per run

  async function resolveDidWeb(didUrl) {
    const [did, fragment] = didUrl.split('#');
    const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
    if (!LOOPBACK.has(host.replace(/:\d+$/, ''))) {
      throw new Error(`refusing to resolve ${did}: only loopback did:web is resolved here`);
    }
    if (!didDocs.has(did)) {
      const url = `http://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
      const doc = await getJson(url);
      if (doc.id !== did) throw new Error(`${url} is the DID document of ${doc.id}, not of ${did}`);
      didDocs.set(did, doc);
    }
    const doc = didDocs.get(did);
    if (fragment === undefined) return doc;
    const method = (doc.verificationMethod ?? []).find(
      (m) => m.id === didUrl || m.id === `#${fragment}`,
    );
    if (!method) throw new Error(`${did}'s DID document has no verification method #${fragment}`);
    return { '@context': doc['@context'], ...method, id: didUrl };
  }

  return async (url) => {
    let document;
    if (url.startsWith('did:web:')) {
      document = await resolveDidWeb(url);
    } else if (LOOPBACK.has(new URL(url, 'http://invalid/').hostname) && url.startsWith('http://')) {
      document = await getJson(url); // the status list credential
    } else {
      return bundled(url);
    }
    return { contextUrl: null, documentUrl: url, document };
  };
}

const [url, expect] = process.argv.slice(2);
if (!url || !['valid', 'revoked'].includes(expect)) {
  console.error('usage: node dcc_instance.mjs CREDENTIAL_URL valid|revoked');
  process.exit(2);
}
const loader = documentLoader();
const credential = await getJson(url);
const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
const result = await vc.verifyCredential({
  credential,
  suite,
  documentLoader: loader,
  checkStatus: (options) =>
    checkStatus({ ...options, suite, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true }),
});
const errorOf = (e) => (e ? String(e.errors?.[0]?.message ?? e.message ?? e) : undefined);
const log = Object.fromEntries((result.log ?? []).map((l) => [l.id, l.valid]));
console.log(JSON.stringify({
  url,
  issuer: credential.issuer?.id ?? credential.issuer,
  verified: result.verified,
  checks: log,
  statusError: errorOf(result.statusResult?.error),
  error: errorOf(result.error),
  fetched,
}));
const ok = expect === 'valid'
  ? result.verified === true && log.revocation_status === true
  : result.verified === false && log.valid_signature === true && log.revocation_status === false
    && result.statusResult?.verified === false && !result.statusResult?.error;
if (!ok) {
  console.error(`DCC: expected ${url} to be ${expect}; it was not (see the result above)`);
  process.exit(1);
}
console.log(`DCC: ${expect === 'valid' ? 'verified, revocation status clear' : 'proof verified, revocation status set: not verified'}`);
