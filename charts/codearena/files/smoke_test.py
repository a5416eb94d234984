"""helm test: submits a Python job through the API Service and expects the verdict AC."""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request


def bearer_token(secret):
    """An HS256 token with the jobs:submit scope, valid for five minutes."""
    def part(value):
        text = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).rstrip(b"=").decode()

    claims = {"sub": "helm-test", "scope": "jobs:submit jobs:read", "exp": int(time.time()) + 300}
    for claim, variable in (("iss", "JWT_ISSUER"), ("aud", "JWT_AUDIENCE")):
        if os.environ.get(variable):
            claims[claim] = os.environ[variable]
    signing_input = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def main():
    job = {"language": "python", "code": "print(int(input()) * 2)",
           "testCases": [{"input": "21", "expectedOutput": "42"}]}
    request = urllib.request.Request(os.environ["API_URL"] + "/api/execute?wait=true",
                                     data=json.dumps(job).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if os.environ.get("JWT_SECRET"):
        request.add_header("Authorization", "Bearer " + bearer_token(os.environ["JWT_SECRET"]))
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"submission refused: HTTP {error.code}: {error.read().decode(errors='replace')}")
    verdict = (answer.get("result") or {}).get("verdict")
    if verdict != "AC":
        sys.exit(f"expected verdict AC, got {verdict!r}: {json.dumps(answer)}")
    print(f"job {answer.get('jobId')} finished with verdict AC")


if __name__ == "__main__":
    main()
