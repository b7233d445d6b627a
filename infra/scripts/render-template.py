#!/usr/bin/env python3
"""Renders template.yaml into the CloudFormation that AWS would deploy, offline.

    infra/scripts/render-template.py [--region us-east-1] [--template template.yaml]
                                     [--out FILE] [--summary]

What it does, in order, as `sam package` + CloudFormation's SAM transform would:
  1. reads template.yaml (CloudFormation YAML: short-form tags such as !Ref, !Sub, !GetAtt);
  2. replaces every function's local CodeUri by a placeholder S3 URI, as `sam package` does
     after uploading the artifact;
  3. runs the SAM transform (aws-sam-translator) for --region; the partition follows the region
     (cn-* -> aws-cn), so ARNs of managed policies are those of that partition;
  4. prints the CloudFormation JSON, or writes it to --out.

Intrinsic functions are left as the translator leaves them (Ref, Fn::Sub, Fn::GetAtt, Fn::If
...): nothing is resolved that CloudFormation itself would resolve. A test reads this output to
check every function's environment and role against what the code reads.

--summary prints one line to stderr: the resource count after the transform (CloudFormation
refuses more than 500), how many are conditional, how many at most exist in --region (conditions
on the region or partition decided, those on parameters counted as true), and the count per type.

No network: the translator only needs a region name, and the managed-policy loader (used only
for policies named without an ARN) is a stub that knows none.
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_BUCKET = "gpet-artifacts-placeholder"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# --- CloudFormation YAML ----------------------------------------------------------------------


def load_cfn_yaml(text: str) -> dict:
    """YAML with CloudFormation's short-form tags turned into their long form."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: yaml.Loader, suffix: str, node: yaml.Node):
        name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                # !GetAtt A.B.C -> [A, "B.C"]
                resource, _, attribute = value.partition(".")
                return {name: [resource, attribute]}
            return {name: value}
        if isinstance(node, yaml.SequenceNode):
            return {name: loader.construct_sequence(node, deep=True)}
        return {name: loader.construct_mapping(node, deep=True)}

    Loader.add_multi_constructor("!", construct)

    # Keep every scalar that looks like a date or a time as text, as CloudFormation does.
    for first, resolvers in list(Loader.yaml_implicit_resolvers.items()):
        Loader.yaml_implicit_resolvers[first] = [
            (tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"
        ]
    return yaml.load(text, Loader=Loader)  # noqa: S506 (SafeLoader subclass)


# --- what `sam package` does --------------------------------------------------------------------


def package(template: dict) -> dict:
    """Every local CodeUri becomes the S3 URI an upload would have given it."""
    packaged = copy.deepcopy(template)
    globals_fn = packaged.get("Globals", {}).get("Function", {})
    if isinstance(globals_fn.get("CodeUri"), str) and not globals_fn["CodeUri"].startswith("s3://"):
        globals_fn["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/globals"
    for logical_id, resource in packaged.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.setdefault("Properties", {})
        code = props.get("CodeUri")
        if code is None and "InlineCode" not in props:
            # Globals' CodeUri applies; give the function its own artifact as `sam build` does.
            props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}"
        elif isinstance(code, str) and not code.startswith("s3://"):
            props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}"
    return packaged


# --- the SAM transform ------------------------------------------------------------------------


class NoManagedPolicies:
    """The translator asks IAM for managed policy names only when a policy is not an ARN."""

    def load(self) -> dict:
        return {}


def transform(template: dict, region: str) -> dict:
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.transform import transform as sam_transform

    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    parameters = {"AWS::Region": region, "AWS::Partition": partition_of(region)}
    return sam_transform(template, parameters, NoManagedPolicies())


def condition_value(rendered: dict, name: str, region: str, seen: frozenset = frozenset()):
    """True, False, or None (depends on a parameter) for a condition in `region`."""
    pseudo = {"AWS::Region": region, "AWS::Partition": partition_of(region)}

    def value(node):
        if isinstance(node, str):
            return node
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return pseudo.get(node["Ref"])  # None: a parameter, unknown here
        return None

    def ev(node):
        if not isinstance(node, dict) or len(node) != 1:
            return None
        (fn, args), = node.items()
        if fn == "Condition":
            return condition_value(rendered, args, region, seen | {name})
        if fn == "Fn::Not":
            inner = ev(args[0])
            return None if inner is None else not inner
        if fn in ("Fn::And", "Fn::Or"):
            values = [ev(a) for a in args]
            decided = [v for v in values if v is not None]
            if fn == "Fn::And":
                return False if False in decided else (True if len(decided) == len(values) else None)
            return True if True in decided else (False if len(decided) == len(values) else None)
        if fn == "Fn::Equals":
            a, b = (value(x) for x in args)
            return None if a is None or b is None else a == b
        return None

    if name in seen:
        return None
    return ev(rendered.get("Conditions", {}).get(name)) if name in rendered.get("Conditions", {}) else None


def summary(rendered: dict, region: str) -> str:
    resources = rendered.get("Resources", {})
    by_type = collections.Counter(r.get("Type", "?") for r in resources.values())
    conditional = sum(1 for r in resources.values() if "Condition" in r)
    # At most this many exist in `region`: conditions that depend only on the region or the
    # partition are decided; those that depend on a parameter count as true.
    at_most = sum(
        1 for r in resources.values() if "Condition" not in r or condition_value(rendered, r["Condition"], region) is not False
    )
    types = ", ".join(f"{t} {n}" for t, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])))
    return (
        f"{len(resources)} resources in the template ({conditional} conditional), at most {at_most} "
        f"created in {region}; limit 500: {types}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", default="us-east-1", help="region to render for (default us-east-1)")
    parser.add_argument("--template", default=str(ROOT / "template.yaml"), help="SAM template")
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    parser.add_argument("--summary", action="store_true", help="print resource counts to stderr")
    args = parser.parse_args(argv)

    template = load_cfn_yaml(Path(args.template).read_text(encoding="utf-8"))
    try:
        rendered = transform(package(template), args.region)
    except Exception as error:  # the translator's own messages say what is wrong, and where
        causes = getattr(error, "causes", None) or [error]
        for cause in causes:
            print(f"render-template: {getattr(cause, 'message', None) or cause}", file=sys.stderr)
        return 1

    text = json.dumps(rendered, indent=1, sort_keys=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.summary:
        print(f"{args.region}: {summary(rendered, args.region)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
