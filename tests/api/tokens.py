"""JWTs for the authentication tests: PyJWT for ordinary tokens, and by hand the ones no library
makes (alg none, HS256 keyed with a public key)."""
import base64
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization

SECRET = "correct horse battery staple, 32 bytes or more"
ISSUER = "https://issuer.test"
AUDIENCE = "codearena-api"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(subject="alice", scope="jobs:submit jobs:read", **extra):
    """Valid for an hour, for ISSUER and AUDIENCE; extra claims set to None are left out."""
    now = int(time.time())
    body = {"sub": subject, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600}
    if scope is not None:
        body["scope"] = scope
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def hs256(key=SECRET, **claim_args):
    return jwt.encode(claims(**claim_args), key, algorithm="HS256")


def signed(private_key, algorithm, headers=None, **claim_args):
    return jwt.encode(claims(**claim_args), private_pem(private_key), algorithm=algorithm,
                      headers=headers)


def handmade(header, body, sign):
    """header.body.sign(header.body), each part base64url-encoded."""
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(body).encode())
    return signing_input + "." + b64url(sign(signing_input.encode()))


def private_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def bearer(token):
    return {"Authorization": "Bearer " + token}
