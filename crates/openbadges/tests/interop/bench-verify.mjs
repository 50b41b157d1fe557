// Warm, in-process timing loop for bench/verify.sh: verifies one eddsa-rdfc-2022 credential
// ITERATIONS times with the Digital Credentials Consortium's libraries (the versions pinned in
// package.json), with the same bundled contexts and document loader as dcc.mjs.
//
//   node bench-verify.mjs CREDENTIAL.json ITERATIONS
//
// Prints one JSON line: {"what": ..., "iterations": N, "total_ms": ..., "per_op_us": ...}.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vc from '@digitalcredentials/vc';
import { DataIntegrityProof } from '@digitalcredentials/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import { securityLoader } from '@digitalcredentials/security-document-loader';

const here = dirname(fileURLToPath(import.meta.url));
const contextDir = join(here, '..', '..', 'src', 'contexts', 'files');
const CONTEXTS = {
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.json',
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.json',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.json',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
};

const loader = securityLoader({ fetchRemoteContexts: false });
for (const [url, file] of Object.entries(CONTEXTS)) {
  loader.addStatic(url, JSON.parse(readFileSync(join(contextDir, file), 'utf8')));
}
const documentLoader = loader.build();

const [file, n] = process.argv.slice(2);
const iterations = Number(n);
if (!file || !(iterations > 0)) {
  console.error('usage: node bench-verify.mjs CREDENTIAL.json ITERATIONS');
  process.exit(2);
}
const credential = JSON.parse(readFileSync(file, 'utf8'));

async function once() {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  const result = await vc.verifyCredential({ credential, suite, documentLoader });
  if (!result.verified) throw new Error(`not verified: ${JSON.stringify(result.error)}`);
}

const warmup = Math.min(200, Math.max(10, Math.floor(iterations / 10)));
for (let i = 0; i < warmup; i++) await once();
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) await once();
const totalNs = Number(process.hrtime.bigint() - start);
console.log(JSON.stringify({
  what: 'DCC: @digitalcredentials/vc verifyCredential (eddsa-rdfc-2022-cryptosuite)',
  iterations,
  total_ms: +(totalNs / 1e6).toFixed(3),
  per_op_us: +(totalNs / 1e3 / iterations).toFixed(3),
}));
