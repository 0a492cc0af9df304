#!/usr/bin/env python3
"""The GitHub Action (action.yml, integrations/github/action.py) against a
local stand-in of the GitHub REST endpoints it uses, with a recorded GITHUB_*
environment and the real pgsafe binary.

    tests/cli/github_action_test.py PGSAFE_BINARY

The migrate case needs PGSAFE_TEST_DSN (scripts/test sets it); without it
that case is skipped with a message. Exits 1 on the first failed check.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTION = os.path.join(ROOT, "integrations", "github", "action.py")
MARKER = "<!-- pgsafe-action:sticky-comment -->"
PGSAFE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "pgsafe")
REPO = "acme/shop"
PR = 42

failures = 0


def check(condition, what):
    global failures
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures += 1


class StandIn(http.server.BaseHTTPRequestHandler):
    """GitHub's issue-comment endpoints, kept in memory: list (paged), create, update."""

    comments = {}  # id -> {"id", "body", "number"}
    calls = []
    fail = False

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def handle_call(self):
        url = urllib.parse.urlparse(self.path)
        StandIn.calls.append((self.command, url.path, self.headers.get("Authorization")))
        if StandIn.fail:
            return self.reply(500, {"message": "stand-in failure"})
        m = re.fullmatch(rf"/repos/{REPO}/issues/(\d+)/comments", url.path)
        if m and self.command == "GET":
            query = urllib.parse.parse_qs(url.query)
            per_page, page = int(query["per_page"][0]), int(query["page"][0])
            mine = [c for c in sorted(StandIn.comments.values(), key=lambda c: c["id"])
                    if c["number"] == int(m.group(1))]
            return self.reply(200, mine[(page - 1) * per_page:page * per_page])
        if m and self.command == "POST":
            new_id = max(StandIn.comments, default=1000) + 1
            StandIn.comments[new_id] = {"id": new_id, "body": self.body()["body"], "number": int(m.group(1))}
            return self.reply(201, StandIn.comments[new_id])
        m = re.fullmatch(rf"/repos/{REPO}/issues/comments/(\d+)", url.path)
        if m and self.command == "PATCH" and int(m.group(1)) in StandIn.comments:
            StandIn.comments[int(m.group(1))]["body"] = self.body()["body"]
            return self.reply(200, StandIn.comments[int(m.group(1))])
        return self.reply(404, {"message": "Not Found"})

    do_GET = do_POST = do_PATCH = handle_call


def reset(comments=()):
    StandIn.comments = {c["id"]: c for c in comments}
    StandIn.calls = []
    StandIn.fail = False


def marked():
    return [c for c in StandIn.comments.values() if MARKER in c["body"]]


def action(work, command, paths, event="pull_request", pgsafe=PGSAFE, extra=None):
    """Runs the action's script as action.yml does; returns (exit code, stdout, summary, outputs)."""
    event_path = os.path.join(work, "event.json")
    with open(event_path, "w") as f:
        json.dump({"pull_request": {"number": PR}} if event == "pull_request" else {"ref": "refs/heads/main"}, f)
    summary, output = os.path.join(work, "summary.md"), os.path.join(work, "output.txt")
    for path in (summary, output):
        open(path, "w").close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PGSAFE_ACTION_"))}
    env.update({
        "GITHUB_API_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": event_path,
        "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output, "GITHUB_RUN_ID": "7",
        "GITHUB_SERVER_URL": "https://github.example",
        "PGSAFE_ACTION_COMMAND": command, "PGSAFE_ACTION_PATHS": paths,
        "PGSAFE_ACTION_COMMENT": "true", "PGSAFE_ACTION_PGSAFE": pgsafe, "PGSAFE_ACTION_TOKEN": "t0ken",
    })
    env.update(extra or {})
    done = subprocess.run([sys.executable, ACTION], cwd=work, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    outputs = {}
    for m in re.finditer(r"(\w+)<<(\w+)\n(.*?)\n\2\n", open(output).read(), re.S):
        outputs[m.group(1)] = m.group(3)
    return done.returncode, done.stdout, open(summary).read(), outputs


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


def test_action_yml_passes_every_input():
    import yaml  # python3-yaml, a dependency of Debian's pre-commit (scripts/setup)
    with open(os.path.join(ROOT, "action.yml")) as f:
        spec = yaml.safe_load(f)
    run_step = next(s for s in spec["runs"]["steps"] if s.get("id") == "pgsafe")
    passed = run_step["env"]
    for name in spec["inputs"]:
        if name == "deb":
            continue
        variable = "PGSAFE_ACTION_" + ("TOKEN" if name == "github-token" else name.upper().replace("-", "_"))
        check(passed.get(variable) == "${{ inputs.%s }}" % name, f"action.yml passes input {name} as {variable}")
    for name in ("status", "applied", "pending", "result"):
        check(name in spec["outputs"], f"action.yml declares output {name}")


def test_lint_pull_request(work):
    write(f"{work}/migrations/V1__fk.sql", """\
        ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fkey
            FOREIGN KEY (patient_id) REFERENCES patients (id);
        """)
    other = {"id": 7, "body": "LGTM", "number": PR}
    reset([other])
    code, out, summary, _ = action(work, "lint", "migrations")
    check(code == 1, f"lint with an error finding fails the job (exit {code})")
    check(re.search(r"^::error file=migrations/V1__fk.sql,line=1", out, re.M) is not None,
          "the finding is a GitHub annotation on its file and line")
    check("adding-foreign-key-constraint" in summary, "the job summary lists the finding's rule")
    check(len(marked()) == 1, "one pull request comment was created")
    check(all(c[2] == "Bearer t0ken" for c in StandIn.calls), "every API call carries the token")
    first_id = marked()[0]["id"] if marked() else None

    write(f"{work}/migrations/V1__fk.sql", """\
        ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fkey
            FOREIGN KEY (patient_id) REFERENCES patients (id) NOT VALID;
        """)
    StandIn.calls = []
    code, _, _, _ = action(work, "lint", "migrations")
    check(code == 0, f"the NOT VALID form passes (exit {code})")
    check(len(marked()) == 1 and marked()[0]["id"] == first_id, "the second run updated the same comment")
    check(not any(c[0] == "POST" for c in StandIn.calls), "the second run created no comment")
    check(StandIn.comments[7]["body"] == "LGTM", "other comments are untouched")


def test_marker_on_a_later_page(work):
    many = [{"id": 100 + i, "body": f"comment {i}", "number": PR} for i in range(150)]
    sticky = {"id": 900, "body": MARKER + "\nold plan", "number": PR}
    reset(many + [sticky])
    action(work, "plan", "migrations")
    check(len(marked()) == 1 and StandIn.comments[900]["body"] != MARKER + "\nold plan",
          "a marked comment on page 2 is found and updated")
    check(sum(1 for c in StandIn.calls if c[0] == "GET") == 2, "the comments were listed page by page")


def test_oversized_plan_goes_to_the_summary(work):
    fake = os.path.join(work, "big-pgsafe")
    write(fake, f"""\
        #!/bin/sh
        if [ "$1" = plan ]; then
            python3 -c 'print("| row |\\n" * 20000)'
            exit 0
        fi
        exec {PGSAFE} "$@"
        """)
    os.chmod(fake, 0o755)
    reset()
    code, _, summary, _ = action(work, "plan", "migrations", pgsafe=fake)
    check(code == 0, f"plan exits 0 (exit {code})")
    body = marked()[0]["body"] if marked() else ""
    check(0 < len(body) <= 65536 and "job summary" in body and "actions/runs/7" in body,
          "a plan over 65,536 characters becomes a note pointing at the job summary")
    check(len(summary) > 65536, "the job summary holds the whole plan")


def test_comment_failure_is_a_warning(work):
    reset()
    StandIn.fail = True
    code, out, _, _ = action(work, "lint", "migrations")
    check(code == 0, f"a failing comment API does not change the lint's verdict (exit {code})")
    check("::warning::pgsafe action: could not write the pull request comment" in out,
          "a failing comment API is a warning in the log")


def test_push_event_writes_no_comment(work):
    reset()
    code, _, summary, _ = action(work, "lint", "migrations", event="push")
    check(code == 0 and not StandIn.calls, "outside a pull request the action calls no API")
    check("pgsafe lint" in summary, "outside a pull request the summary is still written")


def test_bad_command(work):
    code, out, _, _ = action(work, "deploy", "migrations")
    check(code == 2 and "input command must be one of lint, plan, migrate" in out,
          "an unknown command input fails with the allowed values")


def test_missing_pgsafe(work):
    code, out, _, _ = action(work, "lint", "migrations", pgsafe=os.path.join(work, "no-such-pgsafe"))
    check(code == 2 and "not found: install pgsafe" in out, "a missing pgsafe names the fix")


def test_migrate_outputs(work):
    dsn = os.environ.get("PGSAFE_TEST_DSN")
    if not dsn:
        print("skip migrate outputs: PGSAFE_TEST_DSN is not set (scripts/test sets it)")
        return
    database = f"pgsafe_gh_action_{os.getpid()}"
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn, "-c", f"CREATE DATABASE {database}"], check=True)
    try:
        parsed = urllib.parse.urlparse(dsn)
        url = (parsed._replace(path="/" + database).geturl() if parsed.scheme in ("postgres", "postgresql")
               else f"{dsn} dbname={database}")
        write(f"{work}/deploy/V1__users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
        write(f"{work}/deploy/V2__email.sql", "ALTER TABLE users ADD COLUMN email text;\n")
        reset()
        code, _, summary, outputs = action(work, "migrate", "deploy", event="push", extra={"DATABASE_URL": url})
        check(code == 0, f"migrate exits 0 (exit {code})")
        check(outputs.get("status") == "ok" and outputs.get("applied") == "2" and outputs.get("pending") == "0",
              f"migrate outputs status=ok applied=2 pending=0 (got {outputs})")
        result = json.loads(outputs.get("result", "{}"))
        check([a["version"] for a in result.get("applied", [])] == ["1", "2"], "output result is pgsafe's JSON")
        check("Status: **ok**, 2 applied, 0 pending" in summary, "the job summary states the outcome")
        code, _, _, outputs = action(work, "migrate", "deploy", event="push", extra={"DATABASE_URL": url})
        check(code == 0 and outputs.get("applied") == "0", "a second run applies nothing")
    finally:
        subprocess.run(["psql", "-X", "-q", dsn, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
threading.Thread(target=server.serve_forever, daemon=True).start()

test_action_yml_passes_every_input()
with tempfile.TemporaryDirectory() as work:
    test_lint_pull_request(work)
    test_marker_on_a_later_page(work)
    test_oversized_plan_goes_to_the_summary(work)
    test_comment_failure_is_a_warning(work)
    test_push_event_writes_no_comment(work)
    test_bad_command(work)
    test_missing_pgsafe(work)
    test_migrate_outputs(work)
server.shutdown()
print(f"{failures} check(s) failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
