"""A second application server for the tests of stateless servers: a separate process, with its own
MEDIA_ROOT, temporary folder and memory, that shares with the first only what its environment says
(DATABASE_URL and SECRET_KEY) and the browser's cookies.

    python -m tests.reviews.sheets.other_server < plan.json

The plan is {"cookies": {name: value}, "requests": [{"method": "get" | "post", "path": ..., "data": {...}}]};
every request goes through the whole stack (middleware, CSRF checks included, views, templates),
as a browser's next request reaching this server would. The last line printed is a JSON list with,
for each request, its status, Location, Content-Type, Content-Disposition, the body's SHA-256 and
its text when it is a page.
"""

import hashlib
import json
import os
import sys

ANSWER_MARK = "OTHER-SERVER-ANSWER "


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iruma_eval.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the host name "testserver" and mail kept in memory
    plan = json.load(sys.stdin)
    client = Client(enforce_csrf_checks=True)
    for name, value in plan.get("cookies", {}).items():
        client.cookies[name] = value
    answers = []
    for step in plan["requests"]:
        response = getattr(client, step["method"])(step["path"], step.get("data") or {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        content_type = response.get("Content-Type", "")
        answers.append({
            "status": response.status_code,
            "location": response.get("Location", ""),
            "content_type": content_type,
            "content_disposition": response.get("Content-Disposition", ""),
            "sha256": hashlib.sha256(body).hexdigest(),
            "text": body.decode() if content_type.startswith("text/") else "",
        })
    print(ANSWER_MARK + json.dumps(answers, ensure_ascii=False))


if __name__ == "__main__":
    main()
