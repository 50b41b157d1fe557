// Interop with the Digital Credentials Consortium's JavaScript libraries (eddsa-rdfc-2022).
//
//   node dcc.mjs sign OUTDIR       sign the Open Badges 3.0 credentials below with a fixed did:key
//                                  and write them (and tampered copies) to OUTDIR
//   node dcc.mjs verify FILE...    verify credentials (e.g. ones signed by crates/openbadges);
//                                  prints one JSON line per file, exits 1 if any fails
//
// Contexts come from crates/openbadges/src/contexts/files (the same bytes the Rust crate uses);
// nothing is fetched from the network.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vc from '@digitalcredentials/vc';
import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';
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

function documentLoader() {
  const loader = securityLoader({ fetchRemoteContexts: false });
  for (const [url, file] of Object.entries(CONTEXTS)) {
    loader.addStatic(url, JSON.parse(readFileSync(join(contextDir, file), 'utf8')));
  }
  return loader.build();
}

// A fixed seed, so that the issuer DID is the same on every run (the signatures are too:
// Ed25519 is deterministic).
const SEED = new Uint8Array(32).map((_, i) => i + 1);

async function issuerKey() {
  const { publicKeyMultibase } = await Ed25519Multikey.generate({ seed: SEED });
  const controller = `did:key:${publicKeyMultibase}`;
  const id = `${controller}#${publicKeyMultibase}`;
  return Ed25519Multikey.generate({ seed: SEED, id, controller });
}

function credentials(did) {
  const achievement = {
    id: 'https://example.com/achievements/interop/teamwork',
    type: ['Achievement'],
    name: 'Teamwork',
    description: 'Collaborates within a group environment.',
    criteria: { narrative: 'Nominated by peers;\treviewed by staff.' },
  };
  return {
    'vc2-ob303.json': {
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ],
      id: 'urn:uuid:9c7f5e4a-0d31-4f3e-a6b2-5c1d2e3f4a5b',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: did, type: ['Profile'], name: 'DCC interop issuer' },
      validFrom: '2024-05-01T00:00:00Z',
      name: 'Teamwork Badge',
      credentialSubject: {
        id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
        type: ['AchievementSubject'],
        achievement,
      },
    },
    'vc11-ob302.json': {
      '@context': [
        'https://www.w3.org/2018/credentials/v1',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
        'https://w3id.org/security/data-integrity/v2',
      ],
      id: 'urn:uuid:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: did, type: ['Profile'], name: 'DCC interop issuer' },
      issuanceDate: '2024-05-01T00:00:00Z',
      name: 'Teamwork Badge',
      credentialSubject: {
        id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
        type: ['AchievementSubject'],
        achievement,
      },
    },
  };
}

async function sign(outDir) {
  mkdirSync(outDir, { recursive: true });
  const keyPair = await issuerKey();
  const loader = documentLoader();
  for (const [name, credential] of Object.entries(credentials(keyPair.controller))) {
    const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: eddsaRdfc2022 });
    suite.date = '2024-05-01T00:00:00Z';
    const signed = await vc.issue({ credential, suite, documentLoader: loader });
    writeFileSync(join(outDir, name), JSON.stringify(signed, null, 2) + '\n');
    const tampered = structuredClone(signed);
    tampered.credentialSubject.achievement.name = 'Leadership';
    writeFileSync(join(outDir, name.replace('.json', '.tampered.json')), JSON.stringify(tampered, null, 2) + '\n');
    const check = await verifyOne(signed, loader);
    console.log(JSON.stringify({ file: name, issuer: keyPair.controller, selfVerified: check.verified }));
    if (!check.verified) process.exitCode = 1;
  }
}

async function verifyOne(credential, loader) {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  const result = await vc.verifyCredential({ credential, suite, documentLoader: loader, checkStatus: undefined });
  return result;
}

async function verify(files) {
  const loader = documentLoader();
  for (const file of files) {
    const credential = JSON.parse(readFileSync(file, 'utf8'));
    const result = await verifyOne(credential, loader);
    const error = result.error ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error) : undefined;
    console.log(JSON.stringify({ file, verified: result.verified, error }));
    if (!result.verified) process.exitCode = 1;
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'sign' && args.length === 1) await sign(args[0]);
else if (mode === 'verify' && args.length > 0) await verify(args);
else {
  console.error('usage: node dcc.mjs sign OUTDIR | node dcc.mjs verify FILE...');
  process.exit(2);
}
