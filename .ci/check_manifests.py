"""Checks rendered Kubernetes manifests; run by .ci/check-deploy in its virtual environment.

    check_manifests.py --kubernetes-version 1.32.0 RENDER.yaml[=Kind,Kind,...] ...

For every object of every file:
- built-in kinds are validated with kubernetes-validate against that Kubernetes version's
  schemas, strictly (an unknown field is an error);
- kinds with a schema under .ci/schemas/ (the ServiceMonitor) are validated against it, with
  Kubernetes' own definitions for ObjectMeta and LabelSelector;
- a kind with no schema at all is an error: nothing is skipped;
- every container (and init container) must run as non-root, on a read-only root filesystem,
  without privilege escalation or privileges, with every capability dropped and the
  RuntimeDefault seccomp profile, and must set memory requests and limits; a container that
  exposes ports must have liveness and readiness probes.
`=Kind,Kind` after a file name lists kinds that render must contain, so that a template that
silently stopped rendering fails too. Exits 1 on any problem, listing all of them.
"""

import argparse
import json
import pathlib
import sys

import jsonschema
import kubernetes_validate
import referencing
import yaml
from kubernetes_validate import utils as kv_utils

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
CUSTOM_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring.coreos.com-v1.json",
}
POD_TEMPLATE_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def kubernetes_definitions(version: str) -> dict:
    """Kubernetes' strict definitions (ObjectMeta, LabelSelector, ...) as kubernetes-validate ships them."""
    minor = kv_utils.major_minor(version)
    candidates = [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) <= minor]
    if not candidates:
        raise SystemExit(f"kubernetes-validate has no schemas for Kubernetes {version}")
    directory = f"kubernetes-json-schema/v{candidates[-1]}-local-strict/_definitions.json"
    return kv_utils.schema_contents(directory, version)


def custom_validator(file_name: str, definitions: dict) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / file_name).read_text())
    registry = referencing.Registry().with_resources(
        [
            (definitions["$id"], referencing.Resource.from_contents(definitions)),
            (schema["$id"], referencing.Resource.from_contents(schema)),
        ]
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def dig(obj, path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def container_problems(kind: str, pod_spec: dict) -> list[str]:
    problems = []
    pod_context = pod_spec.get("securityContext") or {}
    containers = [("container", c) for c in pod_spec.get("containers") or []]
    containers += [("init container", c) for c in pod_spec.get("initContainers") or []]
    if not containers:
        problems.append("has no containers")
    for what, container in containers:
        name = f"{what} {container.get('name')!r}"
        context = container.get("securityContext") or {}

        def effective(key):
            return context.get(key, pod_context.get(key))

        if effective("runAsNonRoot") is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if effective("runAsUser") == 0:
            problems.append(f"{name}: runAsUser is 0 (root)")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem is not true")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if context.get("privileged") is True:
            problems.append(f"{name}: privileged")
        dropped = (context.get("capabilities") or {}).get("drop") or []
        if "ALL" not in dropped:
            problems.append(f"{name}: capabilities.drop does not contain ALL")
        if (context.get("capabilities") or {}).get("add"):
            problems.append(f"{name}: adds capabilities")
        seccomp = (effective("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is not RuntimeDefault")
        resources = container.get("resources") or {}
        for part in ("requests", "limits"):
            if "memory" not in (resources.get(part) or {}):
                problems.append(f"{name}: no memory {part}")
        if what == "container" and container.get("ports") and kind != "Job":
            for probe in ("livenessProbe", "readinessProbe"):
                if not container.get(probe):
                    problems.append(f"{name}: serves ports but has no {probe}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("renders", nargs="+", metavar="FILE[=Kind,...]")
    args = parser.parse_args()

    definitions = kubernetes_definitions(args.kubernetes_version)
    custom = {key: custom_validator(name, definitions) for key, name in CUSTOM_SCHEMAS.items()}

    failures = 0
    for spec in args.renders:
        path, _, expected = spec.partition("=")
        documents = [d for d in yaml.safe_load_all(pathlib.Path(path).read_text()) if d]
        seen = set()
        problems = []
        for doc in documents:
            kind, api_version = doc.get("kind"), doc.get("apiVersion")
            label = f"{kind}/{dig(doc, ('metadata', 'name'))}"
            seen.add(kind)
            validator = custom.get((api_version, kind))
            if validator is not None:
                for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                    where = ".".join(str(p) for p in error.path) or "(top)"
                    problems.append(f"{label}: {where}: {error.message}")
                how = f"schemas/{CUSTOM_SCHEMAS[(api_version, kind)]}"
            else:
                try:
                    kubernetes_validate.validate(doc, args.kubernetes_version, strict=True)
                except kubernetes_validate.ValidationError as error:
                    where = ".".join(str(p) for p in error.path) or "(top)"
                    problems.append(f"{label}: {where}: {error.message}")
                except kubernetes_validate.SchemaNotFoundError as error:
                    problems.append(f"{label}: no schema to validate it against ({error.message})")
                how = f"Kubernetes {kv_utils.major_minor(args.kubernetes_version)} (strict)"
            if kind in POD_TEMPLATE_PATHS:
                pod_spec = dig(doc, POD_TEMPLATE_PATHS[kind]) or {}
                problems += [f"{label}: {p}" for p in container_problems(kind, pod_spec)]
            print(f"  {path}: {label} validated against {how}")
        for kind in filter(None, expected.split(",")):
            if kind not in seen:
                problems.append(f"no {kind} was rendered")
        for problem in problems:
            print(f"ERROR {path}: {problem}")
        failures += len(problems)
    if failures:
        print(f"{failures} problem(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
