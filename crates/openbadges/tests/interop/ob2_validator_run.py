"""Runs 1EdTech's Open Badges 2.0 validator (PyPI `openbadges` 1.1.2) on one hosted assertion URL,
with the network limited to loopback.

    python ob2_validator_run.py ASSERTION_URL RECIPIENT_EMAIL CONTEXT_URL OUTPUT_JSON

ASSERTION_URL may also be the path of a baked badge image (PNG or SVG): the validator is then
given the open file, as `python -m openbadges verify --data FILE` does, and unbakes it itself.

The validator fetches every document with `requests` (its JSON-LD document loader,
`openbadges.verifier.utils.CachableDocumentLoader`, and its graph and image tasks each open a
`requests`/`requests_cache` session). All of those end in `requests.adapters.HTTPAdapter.send`,
so that is the one place patched here:

- a request for the Open Badges 2.0 context, https://w3id.org/openbadges/v2, is sent to
  CONTEXT_URL instead (the copy bundled in crates/openbadges/src/contexts/files/ob-v2.json,
  served on loopback next to the badge documents); the loader still records the document under
  its w3id.org URL;
- a request to any host other than 127.0.0.1 is refused (a ConnectionError), so the validator
  never reaches, or waits for, the internet.

Writes the validator's full result (as `python -m openbadges verify` prints it) to OUTPUT_JSON
and prints one line per URL fetched and the verdict.
"""
import json
import os
import sys

try:
    from urllib.parse import urlsplit
except ImportError:  # Python 2, never used here
    from urlparse import urlsplit

import requests
import requests.adapters

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
LOOPBACK = ("127.0.0.1",)


def install_loopback_only(context_url):
    original_send = requests.adapters.HTTPAdapter.send

    def send(self, request, **kwargs):
        url = request.url
        if url.rstrip("/") == OB2_CONTEXT:
            sys.stderr.write("fetch {} -> {}\n".format(url, context_url))
            request.url = context_url
        elif urlsplit(url).hostname not in LOOPBACK:
            sys.stderr.write("refused {} (not loopback)\n".format(url))
            raise requests.ConnectionError("refused by ob2_validator_run.py: {} is not on loopback".format(url))
        else:
            sys.stderr.write("fetch {}\n".format(url))
        return original_send(self, request, **kwargs)

    requests.adapters.HTTPAdapter.send = send


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    assertion_url, email, context_url, output = argv[1:]
    install_loopback_only(context_url)

    from openbadges.verifier import verify

    if os.path.isfile(assertion_url):
        with open(assertion_url, "rb") as image:
            result = verify(image, recipient_profile={"email": email})
    else:
        result = verify(assertion_url, recipient_profile={"email": email})
    with open(output, "w") as f:
        json.dump(result, f, indent=4, sort_keys=True)
        f.write("\n")
    report = result.get("report", {})
    print("1EdTech validator: valid={} errorCount={} warningCount={}".format(
        report.get("valid"), report.get("errorCount"), report.get("warningCount")))
    for message in report.get("messages", []):
        print("  {}: {}".format(message.get("messageLevel"), message.get("result")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
