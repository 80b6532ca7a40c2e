"""Runs the repository's composite GitHub Action (action.yml) as the Actions runner does, for
CI without a runner: inputs with their defaults, each `run` step in bash with `-eo pipefail`
(the runner's `shell: bash`), `$GITHUB_OUTPUT` read back into `steps.<id>.outputs`,
`${{ … }}` expressions of the forms the action uses (contexts `inputs` and `steps`, `==` and
`!=` against a quoted string), a step's `if`, and the rule that a failed step skips the rest.
A `uses` step (GitHub's own upload-sarif) is not run: its resolved `with` is recorded, so a
test can check what it would upload.

Usage: ``run_action.py ACTION_DIR WORKSPACE [--input NAME=VALUE]...``; prints one JSON object
``{"steps": [...], "outputs": {...}, "failed": bool}``. Follows "Metadata syntax for GitHub
Actions" (runs.using: composite; steps[*].run, shell, env, id, if, uses, with; outputs.*.value)
and "Workflow commands" (GITHUB_OUTPUT: one NAME=VALUE a line).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, context: dict) -> str | bool:
    """`inputs.x`, `steps.id.outputs.y`, `'literal'`, and `A == B` / `A != B` of those."""
    for operator in ("==", "!="):
        if operator in expression:
            left, right = (evaluate(side.strip(), context) for side in expression.split(operator, 1))
            return (left == right) == (operator == "==")
    if expression.startswith("'") and expression.endswith("'"):
        return expression[1:-1]
    value: object = context
    for part in expression.split("."):
        if not isinstance(value, dict):
            raise SystemExit(f"cannot resolve {expression!r}")
        value = value.get(part, "")
    return value if isinstance(value, (str, bool)) else ""


def resolve(text: str, context: dict) -> str:
    def text_of(match: re.Match) -> str:
        value = evaluate(match.group(1), context)
        return str(value).lower() if isinstance(value, bool) else value

    return EXPRESSION.sub(text_of, text)


def condition(text: str | None, context: dict) -> bool:
    if text is None:
        return True
    inner = EXPRESSION.fullmatch(text.strip())
    result = evaluate(inner.group(1) if inner else text.strip(), context)
    return result is True or result == "true"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action_dir")
    parser.add_argument("workspace")
    parser.add_argument("--input", action="append", default=[])
    args = parser.parse_args()
    with open(os.path.join(args.action_dir, "action.yml")) as f:
        action = yaml.safe_load(f)
    assert action["runs"]["using"] == "composite", "a composite action"
    inputs = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    for given in args.input:
        name, value = given.split("=", 1)
        if name not in inputs:
            raise SystemExit(f"action.yml has no input {name!r}")
        inputs[name] = value
    context: dict = {"inputs": inputs, "steps": {}}
    steps, failed = [], False
    for step in action["runs"]["steps"]:
        record = {"name": step.get("name", "")}
        steps.append(record)
        if failed or not condition(step.get("if"), context):
            record["outcome"] = "skipped"
            continue
        if "uses" in step:
            record.update(uses=step["uses"], outcome="success",
                          **{"with": {k: resolve(str(v), context) for k, v in step.get("with", {}).items()}})
            continue
        assert step.get("shell") == "bash", "every run step says shell: bash"
        with tempfile.TemporaryDirectory() as scratch:
            script, output = os.path.join(scratch, "step.sh"), os.path.join(scratch, "output")
            with open(script, "w") as f:
                f.write(resolve(step["run"], context))
            open(output, "w").close()
            env = dict(os.environ, GITHUB_ACTION_PATH=os.path.abspath(args.action_dir),
                       GITHUB_WORKSPACE=os.path.abspath(args.workspace), GITHUB_OUTPUT=output)
            env.update({k: resolve(str(v), context) for k, v in step.get("env", {}).items()})
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                                  cwd=args.workspace, env=env, capture_output=True, text=True)
            with open(output) as f:
                outputs = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": outputs}
        record.update(outcome="success" if done.returncode == 0 else "failure",
                      exit_code=done.returncode, stdout=done.stdout, stderr=done.stderr)
        failed = done.returncode != 0
    outputs = {name: resolve(str(spec["value"]), context) for name, spec in action.get("outputs", {}).items()}
    json.dump({"steps": steps, "outputs": outputs, "failed": failed}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
