"""Sends a Webmention with ronkyuu (an independent implementation, PyPI) and follows it through a
running Badge Commons instance; run by tests/interop/webmention.sh, which starts both sites.

    webmention_send.py BASE SOURCE TARGET ADMIN PASSWORD

ronkyuu discovers the endpoint from TARGET (the instance's topic page) and posts SOURCE (an
h-entry reply on a local python http.server). The instance must answer 202 with a status URL;
the mention is then held (the first from that domain), a moderator approves it on
/admin/webmentions, and the topic page must show the reply, posted from the source's site.
Exits non-zero with a reason on any failure.
"""

import re
import sys
import time

import requests
import ronkyuu

base, source, target, admin, password = sys.argv[1:6]


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


status, endpoint = ronkyuu.discoverEndpoint(target)
if status != 200 or endpoint != base + "/webmention":
    fail("ronkyuu discovered %r (status %s) on %s, not %s/webmention" % (endpoint, status, target, base))
print("ronkyuu discovered the endpoint %s" % endpoint)

result = ronkyuu.sendWebmention(source, target, timeout=20)
if result is None:
    fail("ronkyuu sent nothing (no endpoint found?)")
if result.status_code != 202:
    fail("the instance answered %s to ronkyuu: %s" % (result.status_code, result.text))
status_url = requests.compat.urljoin(base, result.headers.get("location", ""))
if not re.search(r"/webmention/\d+$", status_url):
    fail("no status URL in the 202 answer: %r" % result.headers.get("location"))
print("202 Accepted, status at %s" % status_url)


def status_now():
    answer = requests.get(status_url, headers={"accept": "application/json"}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def wait_for(wanted):
    for _ in range(150):
        current = status_now()
        if current["status"] == wanted:
            return current
        if current["status"] not in ("pending", "held", "accepted"):
            fail("the mention was %s: %s" % (current["status"], current.get("reason")))
        time.sleep(0.2)
    fail("the mention is still %s after 30 s, not %s" % (status_now()["status"], wanted))


held = wait_for("held")
print("verified and held for moderation: %s" % held["reason"])

moderator = requests.Session()
moderator.get(base + "/signin", timeout=10)  # sets the CSRF cookie
csrf = moderator.cookies.get("bc_csrf")
signed_in = moderator.post(
    base + "/signin",
    data={"username": admin, "password": password, "csrf_token": csrf},
    allow_redirects=False,
    timeout=10,
)
if signed_in.status_code != 303:
    fail("the admin could not sign in: HTTP %s" % signed_in.status_code)
approved = moderator.post(
    "%s/admin/webmentions/%s/approve" % (base, held["id"]),
    data={"csrf_token": csrf},
    allow_redirects=False,
    timeout=10,
)
if approved.status_code != 303:
    fail("approving the mention failed: HTTP %s %s" % (approved.status_code, approved.text[:300]))
accepted = wait_for("accepted")
print("approved: %s (%s)" % (accepted["status"], accepted["kind"]))

topic = requests.get(target, timeout=10).text
if "Replying from my own site with ronkyuu." not in topic:
    fail("the reply is not on the topic page")
domain = source.split("/")[2]
if "posted from <a class=\"u-url\" href=\"%s\"" % source not in topic or domain not in topic:
    fail("the reply is not marked as posted from %s with a link to the original" % domain)
if "Ada from elsewhere" not in topic:
    fail("the reply's author (h-card) is not shown")
print("the reply shows on %s, posted from %s" % (target, domain))
