#!/usr/bin/env python3
"""The logic of pgsafe's GitHub Action (action.yml at the repository root).

action.yml passes its inputs as PGSAFE_ACTION_* environment variables and
runs this script. It runs one pgsafe command and reports it the GitHub way:

- lint:    annotations on the pull request's files (`pgsafe lint --format github`),
           the findings in the job summary, exit code of the lint.
- plan:    the plan as markdown (`pgsafe plan --format markdown`) in the job
           summary, annotations, exit code of the plan.
- migrate: `pgsafe migrate --format json`; outputs applied, pending, status and
           result (the JSON); the outcome in the job summary.

On a pull request with `comment: true` it keeps ONE comment up to date with
the plan: the comment is found by a hidden marker and edited, else created.
A body over GitHub's 65,536-character limit is replaced by a short note that
points at the job summary, which holds the whole text.

Only two REST endpoints are used, under GITHUB_API_URL:
  GET   /repos/{repo}/issues/{number}/comments?per_page=100&page=N
  POST  /repos/{repo}/issues/{number}/comments
  PATCH /repos/{repo}/issues/comments/{id}
A failure to comment is a warning, never the job's verdict.
"""

import json
import os
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

MARKER = "<!-- pgsafe-action:sticky-comment -->"
COMMENT_LIMIT = 65536
COMMANDS = ("lint", "plan", "migrate")


def fail(message):
    """An error annotation (GitHub reads workflow commands from stdout) and exit 2."""
    print(f"::error::pgsafe action: {message}", flush=True)
    sys.exit(2)


def setting(name, default=""):
    return os.environ.get("PGSAFE_ACTION_" + name, default).strip()


def truthy(value):
    return value.lower() in ("1", "true", "yes", "on")


class Inputs:
    def __init__(self):
        self.command = setting("COMMAND", "lint")
        self.paths = shlex.split(setting("PATHS"))
        self.env = setting("ENV")
        self.stats = setting("STATS")
        self.fail_on = setting("FAIL_ON")
        self.comment = truthy(setting("COMMENT", "true"))
        self.pgsafe = setting("PGSAFE", "pgsafe") or "pgsafe"
        self.token = setting("TOKEN")
        if self.command not in COMMANDS:
            fail("input command must be one of " + ", ".join(COMMANDS) + f", not '{self.command}'")

    def flags(self, *, env=True, stats=True, fail_on=True):
        out = []
        if env and self.env:
            out += ["--env", self.env]
        if stats and self.stats:
            out += ["--stats", self.stats]
        if fail_on and self.fail_on:
            out += ["--fail-on", self.fail_on]
        return out


def run(argv):
    """Runs pgsafe; returns (exit code, stdout, stderr). stderr is passed through."""
    print("+ " + shlex.join(argv), file=sys.stderr, flush=True)
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        fail(f"'{argv[0]}' not found: install pgsafe (the Debian package, input `deb`) or set input `pgsafe`")
    sys.stderr.write(done.stderr)
    return done.returncode, done.stdout, done.stderr


def append(path_variable, text):
    path = os.environ.get(path_variable)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


def set_output(name, value):
    # The multi-line form, with a delimiter that cannot occur in the value.
    delimiter = "pgsafe_eof"
    while delimiter in value:
        delimiter += "_"
    append("GITHUB_OUTPUT", f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def fence(text):
    tick = "```"
    while tick in text:
        tick += "`"
    return f"{tick}\n{text.rstrip()}\n{tick}\n"


def escape_cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def lint_markdown(report):
    """The lint findings as markdown, from `pgsafe lint --format json`."""
    summary = report.get("summary", {})
    lines = ["### pgsafe lint", ""]
    rows = []
    for file in report.get("files", []):
        for f in file.get("findings", []):
            rows.append(f"| `{escape_cell(file['path'])}:{f['line']}` | {f['severity']} | "
                        f"`{f['rule']}` | {escape_cell(f['message'])} |")
    if not rows:
        lines.append(f"No findings in {summary.get('files', 0)} file(s).")
    else:
        lines.append(f"{summary.get('errors', 0)} error(s), {summary.get('warnings', 0)} warning(s), "
                     f"{summary.get('infos', 0)} info(s) in {summary.get('files', 0)} file(s).")
        lines += ["", "| where | severity | rule | finding |", "|---|---|---|---|"] + rows
    return "\n".join(lines) + "\n"


def pull_request_number():
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        event = json.load(f)
    pr = event.get("pull_request") or {}
    return pr.get("number")


class GitHub:
    def __init__(self, token):
        self.api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
        self.repo = os.environ["GITHUB_REPOSITORY"]
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def find_comment(self, number):
        page = 1
        while True:
            comments = self.call("GET", f"/repos/{self.repo}/issues/{number}/comments?per_page=100&page={page}")
            for c in comments:
                if MARKER in (c.get("body") or ""):
                    return c["id"]
            if len(comments) < 100:
                return None
            page += 1

    def upsert_comment(self, number, body):
        existing = self.find_comment(number)
        if existing is None:
            self.call("POST", f"/repos/{self.repo}/issues/{number}/comments", {"body": body})
            return "created"
        self.call("PATCH", f"/repos/{self.repo}/issues/comments/{existing}", {"body": body})
        return "updated"


def comment_body(text):
    body = f"{MARKER}\n{text}"
    if len(body) <= COMMENT_LIMIT:
        return body
    run_url = ""
    if os.environ.get("GITHUB_RUN_ID"):
        server = os.environ.get("GITHUB_SERVER_URL", "").rstrip("/")
        run_url = f" ({server}/{os.environ.get('GITHUB_REPOSITORY', '')}/actions/runs/{os.environ['GITHUB_RUN_ID']})"
    return (f"{MARKER}\n### pgsafe\n\nThe plan is {len(text):,} characters, over the "
            f"{COMMENT_LIMIT:,} a comment may hold: read it in the job summary{run_url}.\n")


def comment(inputs, text):
    number = pull_request_number()
    if not inputs.comment or number is None:
        return
    try:
        what = GitHub(inputs.token).upsert_comment(number, comment_body(text))
        print(f"pgsafe action: {what} the pull request comment", file=sys.stderr)
    except (urllib.error.URLError, OSError, KeyError, ValueError) as e:
        print(f"::warning::pgsafe action: could not write the pull request comment: {e}", flush=True)


def plan_markdown(inputs):
    """`pgsafe plan --format markdown`; a pgsafe without it gets the lint findings as markdown."""
    code, out, _ = run([inputs.pgsafe, "plan", "--format", "markdown", *inputs.flags(fail_on=False), *inputs.paths])
    if code == 2 and not out:
        code, out, _ = run([inputs.pgsafe, "lint", "--format", "json", "--fail-on", "never",
                            *inputs.flags(env=False, fail_on=False), *inputs.paths])
        if code not in (0, 1):
            return code, ""
        return code, lint_markdown(json.loads(out))
    return code, out


def annotations(inputs):
    code, out, _ = run([inputs.pgsafe, "lint", "--format", "github", *inputs.flags(env=False), *inputs.paths])
    sys.stdout.write(out)
    sys.stdout.flush()
    return code


def do_lint(inputs):
    code = annotations(inputs)
    _, out, _ = run([inputs.pgsafe, "lint", "--format", "json", "--fail-on", "never",
                     *inputs.flags(env=False, fail_on=False), *inputs.paths])
    if out:
        append("GITHUB_STEP_SUMMARY", lint_markdown(json.loads(out)))
    if pull_request_number() is not None and inputs.comment:
        _, text = plan_markdown(inputs)
        if text:
            comment(inputs, text)
    return code


def do_plan(inputs):
    annotations(inputs)
    code, text = plan_markdown(inputs)
    if text:
        append("GITHUB_STEP_SUMMARY", text)
        comment(inputs, text)
    return code


def do_migrate(inputs):
    code, out, err = run([inputs.pgsafe, "migrate", "--format", "json",
                          *inputs.flags(stats=False, fail_on=False), *inputs.paths])
    try:
        result = json.loads(out)
    except ValueError:
        result = {"status": "failed", "applied": [], "pending": [],
                  "error": {"message": err.strip() or f"pgsafe migrate exited {code}"}}
    set_output("status", result.get("status", "failed"))
    set_output("applied", str(len(result.get("applied", []))))
    set_output("pending", str(len(result.get("pending", []))))
    set_output("result", json.dumps(result))
    lines = ["### pgsafe migrate", "", f"Status: **{result.get('status')}**, "
             f"{len(result.get('applied', []))} applied, {len(result.get('pending', []))} pending.", ""]
    for a in result.get("applied", []):
        lines.append(f"- `{a['version']}` {a['name']}: {a['steps']} step(s), {a['duration_ms']} ms")
    error = result.get("error")
    if error:
        lines += ["", fence(error.get("message", ""))]
    append("GITHUB_STEP_SUMMARY", "\n".join(lines) + "\n")
    return code


def main():
    inputs = Inputs()  # no paths: pgsafe's own default, `migrations` from pgsafe.toml
    return {"lint": do_lint, "plan": do_plan, "migrate": do_migrate}[inputs.command](inputs)


if __name__ == "__main__":
    sys.exit(main())
