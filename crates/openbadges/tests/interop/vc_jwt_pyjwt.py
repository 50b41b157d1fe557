"""Open Badges 3.0 VC-JWTs made and checked with PyJWT + cryptography: an implementation that
shares no code with crates/openbadges.

    python vc_jwt_pyjwt.py make KEYS_DIR OUT_DIR     sign the vectors (keys made if absent)
    python vc_jwt_pyjwt.py verify-ours TOKEN_FILE    verify a VC-JWT signed by crates/openbadges

`make` writes, into OUT_DIR:
  rs256-jwk.jwt      RS256, the public key inline as `jwk` in the JOSE header
  rs256-kid.jwt      RS256, `kid` = did:web:pyjwt.example#rsa-1
  es256-kid.jwt      ES256, `kid` = did:web:pyjwt.example#p256-1 (ECDSA: new bytes every run)
  eddsa-jwk.jwt      EdDSA (Ed25519), the public key inline as `jwk`
  eddsa-didkey.jwt   EdDSA, issuer and `kid` a did:key (the key's own DID)
  did.json           the DID document of did:web:pyjwt.example (served at
                     https://pyjwt.example/.well-known/did.json by the Rust test), listing the
                     three public keys as JsonWebKey2020 assertion methods
  *.credential.json  the credential each token carries (before the registered claims)
KEYS_DIR holds the private keys (PEM, PKCS#8): test keys, never used for anything else.

The payload is what Open Badges 3.0 ("JSON Web Token Proof Format") asks for: the credential
itself, plus iss (the issuer's id), sub (credentialSubject.id), jti (the credential's id), nbf
(validFrom) and exp (validUntil). The header is {"alg", "typ": "JWT"} and `kid` or `jwk`.
RS256 and EdDSA signatures are deterministic, so with the same keys `make` writes the same
bytes; ES256 does not.

`verify-ours` decodes the header (kid must be a did:key: the key is taken from it, here, with
no help from our crate), then lets PyJWT check the signature and the registered claims, and
checks that a copy with one payload byte changed is refused.
"""
import base64
import calendar
import json
import os
import sys
import time

import jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

DID_WEB = "did:web:pyjwt.example"
SUBJECT = "did:example:ebfeb1f712ebc6f1c276e12ec21"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ED25519_PUB_MULTICODEC = b"\xed\x01"


def b58encode(data):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text):
    n = 0
    for c in text:
        n = n * 58 + B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key(public_key):
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "did:key:z" + b58encode(ED25519_PUB_MULTICODEC + raw)


def ed25519_from_did_key(did):
    fingerprint = did.split("#", 1)[0][len("did:key:"):]
    if not fingerprint.startswith("z"):
        raise ValueError("not a base58btc multibase did:key: " + did)
    decoded = b58decode(fingerprint[1:])
    if decoded[:2] != ED25519_PUB_MULTICODEC or len(decoded) != 34:
        raise ValueError("not an Ed25519 did:key: " + did)
    return ed25519.Ed25519PublicKey.from_public_bytes(decoded[2:])


def load_or_make(keys_dir, name, make):
    path = os.path.join(keys_dir, name)
    if not os.path.exists(path):
        key = make()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        os.makedirs(keys_dir, exist_ok=True)
        with open(path, "wb") as f:
            f.write(pem)
        print("made a new key:", path)
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def public_jwk(algorithm, private_key):
    jwk = json.loads(algorithm.to_jwk(private_key.public_key()))
    jwk.pop("key_ops", None)
    return jwk


def rfc3339_to_unix(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def credential(issuer_id, name):
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0d6a7c4e-5b1f-4c3a-9e2d-%012d" % (sum(map(ord, name)) * 7919),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "PyJWT interop: " + name,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "PyJWT test issuer"},
        "validFrom": "2024-03-01T12:00:00Z",
        "validUntil": "2034-03-01T12:00:00Z",
        "credentialSubject": {
            "id": SUBJECT,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://pyjwt.example/achievements/interop",
                "type": ["Achievement"],
                "name": "Interoperability",
                "description": "Signed by one implementation, verified by another.",
                "criteria": {"narrative": "Verify with crates/openbadges."},
            },
        },
    }


def payload(cred):
    claims = dict(cred)
    claims["iss"] = cred["issuer"]["id"]
    claims["sub"] = cred["credentialSubject"]["id"]
    claims["jti"] = cred["id"]
    claims["nbf"] = rfc3339_to_unix(cred["validFrom"])
    claims["exp"] = rfc3339_to_unix(cred["validUntil"])
    return claims


def write(out_dir, name, text):
    with open(os.path.join(out_dir, name), "w") as f:
        f.write(text)


def make(keys_dir, out_dir):
    rsa_key = load_or_make(keys_dir, "rsa-2048.pem",
                           lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    p256_key = load_or_make(keys_dir, "p256.pem", lambda: ec.generate_private_key(ec.SECP256R1()))
    ed_key = load_or_make(keys_dir, "ed25519.pem", ed25519.Ed25519PrivateKey.generate)
    os.makedirs(out_dir, exist_ok=True)

    rsa_jwk = public_jwk(RSAAlgorithm, rsa_key)
    p256_jwk = public_jwk(ECAlgorithm, p256_key)
    ed_jwk = public_jwk(OKPAlgorithm, ed_key)
    methods = [("rsa-1", rsa_jwk), ("p256-1", p256_jwk), ("ed25519-1", ed_jwk)]
    did_document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": DID_WEB,
        "verificationMethod": [
            {"id": "%s#%s" % (DID_WEB, frag), "type": "JsonWebKey2020", "controller": DID_WEB,
             "publicKeyJwk": jwk}
            for frag, jwk in methods
        ],
        "assertionMethod": ["%s#%s" % (DID_WEB, frag) for frag, _ in methods],
    }
    write(out_dir, "did.json", json.dumps(did_document, indent=2) + "\n")

    ed_did = did_key(ed_key.public_key())
    vectors = [
        ("rs256-jwk", "RS256", rsa_key, DID_WEB, {"jwk": rsa_jwk}),
        ("rs256-kid", "RS256", rsa_key, DID_WEB, {"kid": DID_WEB + "#rsa-1"}),
        ("es256-kid", "ES256", p256_key, DID_WEB, {"kid": DID_WEB + "#p256-1"}),
        ("eddsa-jwk", "EdDSA", ed_key, DID_WEB, {"jwk": ed_jwk}),
        ("eddsa-didkey", "EdDSA", ed_key, ed_did, {"kid": ed_did + "#" + ed_did[len("did:key:"):]}),
    ]
    for name, alg, key, issuer, header in vectors:
        cred = credential(issuer, name)
        headers = dict(header, typ="JWT")
        token = jwt.encode(payload(cred), key, algorithm=alg, headers=headers)
        # Check our own output with PyJWT before writing it.
        public = key.public_key()
        decoded = jwt.decode(token, public, algorithms=[alg], issuer=issuer,
                             options={"require": ["iss", "sub", "jti", "nbf", "exp"]})
        assert decoded == payload(cred), name
        write(out_dir, name + ".jwt", token + "\n")
        write(out_dir, name + ".credential.json", json.dumps(cred, indent=2) + "\n")
        header_seen = jwt.get_unverified_header(token)
        print("%-13s %-5s header %s" % (name, alg, ", ".join(sorted(header_seen))))


def verify_ours(token_file):
    with open(token_file) as f:
        token = f.read().strip()
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA" or not str(header.get("kid", "")).startswith("did:key:"):
        raise SystemExit("expected an EdDSA VC-JWT with a did:key kid, got header %r" % header)
    key = ed25519_from_did_key(header["kid"])
    unverified = jwt.decode(token, options={"verify_signature": False})
    issuer = unverified.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    claims = jwt.decode(token, key, algorithms=["EdDSA"], issuer=issuer_id,
                        options={"require": ["iss", "sub", "jti", "nbf"]})
    assert claims["sub"] == claims["credentialSubject"]["id"], claims
    assert claims["jti"] == claims["id"], claims
    assert header["kid"].split("#")[0] == issuer_id, (header, issuer_id)
    print("PyJWT %s verified %s: alg %s, iss %s, jti %s" % (
        jwt.__version__, os.path.basename(token_file), header["alg"], claims["iss"], claims["jti"]))

    head, body, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    i = raw.index(b"Interoperability") if b"Interoperability" in raw else len(raw) // 2
    raw[i] ^= 0x20
    tampered = ".".join([head, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode(), sig])
    try:
        jwt.decode(tampered, key, algorithms=["EdDSA"], options={"verify_exp": False})
    except jwt.InvalidSignatureError:
        print("PyJWT refused a copy with one payload byte changed")
    else:
        raise SystemExit("PyJWT accepted a tampered copy of " + token_file)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "verify-ours":
        verify_ours(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
