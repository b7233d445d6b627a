#!/usr/bin/env python3
"""The stack's partner secrets in AWS Secrets Manager, from a JSON file the operator keeps outside
the repository (infra/deploy/secrets.example.json shows its shape). One secret per part, named
gpet/<stack>/<part>; the template takes their ARNs as parameters (WechatSecretArn, ...).

  partner_secrets.py check FILE                        validate FILE, write nothing
  partner_secrets.py apply --stack S --region R FILE   validate every part, then create or update
                                                       each secret (unchanged ones are left alone)
  partner_secrets.py arns --stack S --region R         the ARNs of the existing secrets

apply and arns print `<Parameter>=<ARN>` lines on stdout (ARNs are not secret); everything else
goes to stderr. No value from FILE or from Secrets Manager is ever printed: messages name the
part and the field only. Nothing is written unless every part of FILE is valid.

Uses botocore (installed with the AWS CLI from PyPI); AWS_ENDPOINT_URL, AWS_PROFILE and the
other AWS_* variables apply as for the AWS CLI.
"""

import argparse
import json
import os
import stat
import sys

# part -> (template parameter, {field: minimum length in bytes}). The minimums are the ones the
# functions check at cold start (shared/src/config.rs), so a value refused there is refused here
# first; api_v3_key must be exactly 32 bytes.
PARTS = {
    "wechat": ("WechatSecretArn", {"app_secret": 1}),
    "wechat-pay": (
        "WechatPaySecretArn",
        {"private_key_pem": 100, "serial_no": 1, "api_v3_key": 32, "public_key_pem": 1, "public_key_id": 1},
    ),
    "robot": ("RobotSecretArn", {"secret": 8}),
    "sms": ("SmsSecretArn", {"access_key_id": 1, "access_key_secret": 1, "sign_name": 1, "template_code": 1}),
    "mail": ("MailSecretArn", {"smtp_username": 1, "smtp_password": 1, "wecom_webhook_key": 1}),
    "ads": ("AdsSecretArn", {"md5_secret": 8}),
}
EXACT_LENGTH = {("wechat-pay", "api_v3_key"): 32}
# Fields a part may leave out: the alerts go to a WeCom group only when its robot's key is given.
OPTIONAL = {("mail", "wecom_webhook_key")}
PLACEHOLDER = "REPLACE-ME"
ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def say(message):
    print(f"secrets: {message}", file=sys.stderr)


class Refused(Exception):
    """A problem to report (names only) and exit 1."""


def secret_name(stack, part):
    return f"gpet/{stack}/{part}"


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise Refused(f"the key `{key}` appears twice in one object")
        seen[key] = value
    return seen


def load(path):
    """The parts of FILE, checked: {part: {field: value}} with exactly the known fields."""
    problems = []
    real = os.path.realpath(path)
    if not os.path.isfile(real):
        raise Refused(f"no secrets file at {path} (GPET_SECRETS_FILE)")
    if real.startswith(ROOT + os.sep):
        raise Refused(
            f"{path} is inside the repository: keep the secrets file outside it "
            "(infra/deploy/secrets.example.json is only an example)"
        )
    mode = os.stat(real).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        say(f"warning: {path} can be read by other users (chmod 600 it)")
    try:
        with open(real, encoding="utf-8") as f:
            data = json.load(f, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise Refused(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        # The decoder's message names a position, never the text around it.
        raise Refused(f"{path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    if not isinstance(data, dict):
        raise Refused(f"{path} must hold one JSON object with the parts {', '.join(PARTS)}")

    parts = {}
    for part in data:
        if part not in PARTS:
            problems.append(f"unknown part `{part}` (the parts are {', '.join(PARTS)})")
    for part, (_, fields) in PARTS.items():
        if part not in data:
            problems.append(f"part `{part}` is missing")
            continue
        given = data[part]
        if not isinstance(given, dict):
            problems.append(f"part `{part}` must be a JSON object")
            continue
        for field in given:
            if field not in fields:
                known = ", ".join(fields)
                problems.append(f"part `{part}` has an unknown field `{field}` (its fields are {known})")
        value = {}
        for field, minimum in fields.items():
            where = f"field `{field}` of part `{part}`"
            if field not in given:
                if (part, field) not in OPTIONAL:
                    problems.append(f"{where} is missing")
                continue
            text = given[field]
            if not isinstance(text, str):
                problems.append(f"{where} must be a string")
                continue
            if not text.strip():
                problems.append(f"{where} is empty")
                continue
            if PLACEHOLDER in text:
                problems.append(f"{where} still holds the example's placeholder")
                continue
            size = len(text.encode("utf-8"))
            exact = EXACT_LENGTH.get((part, field))
            if exact is not None and size != exact:
                problems.append(f"{where} must be exactly {exact} bytes (it has {size})")
            elif size < minimum:
                problems.append(f"{where} must be at least {minimum} bytes (it has {size})")
            value[field] = text
        parts[part] = value
    if problems:
        raise Refused(f"{path} is refused, nothing was written:\n  - " + "\n  - ".join(problems))
    return parts


def client(region):
    try:
        import botocore.session
    except ImportError:
        raise Refused("python3 cannot import botocore: install the AWS CLI from PyPI (pip install awscli)") \
            from None
    return botocore.session.get_session().create_client("secretsmanager", region_name=region)


def aws_errors(call):
    """Runs call(), turning botocore's errors into Refused with the error's code and message (AWS
    never echoes a SecretString in them)."""
    import botocore.exceptions as bx

    try:
        return call()
    except bx.NoCredentialsError:
        raise Refused("no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)") \
            from None
    except bx.ClientError as e:
        error = e.response.get("Error", {})
        raise Refused(f"{e.operation_name}: {error.get('Code', '?')}: {error.get('Message', '')}") from None
    except bx.BotoCoreError as e:
        raise Refused(f"{type(e).__name__}: {e}") from None


def describe(sm, name):
    """The secret's description, or None when there is none of that name."""
    import botocore.exceptions as bx

    def call():
        try:
            return sm.describe_secret(SecretId=name)
        except bx.ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise

    return aws_errors(call)


def apply(stack, region, path):
    parts = load(path)
    sm = client(region)
    arns = {}
    for part, value in parts.items():
        name = secret_name(stack, part)
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        found = describe(sm, name)
        if found is None:
            made = aws_errors(
                lambda: sm.create_secret(
                    Name=name,
                    Description=f"gpet {stack}: {part} ({', '.join(PARTS[part][1])}), by make secrets",
                    SecretString=text,
                    Tags=[{"Key": "gpet:stack", "Value": stack}, {"Key": "gpet:part", "Value": part}],
                )
            )
            arns[part] = made["ARN"]
            say(f"{name}: created")
            continue
        if found.get("DeletedDate"):
            aws_errors(lambda: sm.restore_secret(SecretId=name))
            say(f"{name}: restored (it was scheduled for deletion)")
        current = aws_errors(lambda: sm.get_secret_value(SecretId=name))
        try:
            same = json.loads(current.get("SecretString") or "null") == value
        except json.JSONDecodeError:
            same = False
        if same:
            say(f"{name}: unchanged")
        else:
            aws_errors(lambda: sm.put_secret_value(SecretId=name, SecretString=text))
            say(f"{name}: updated (a new version; functions read it at their next cold start)")
        arns[part] = found["ARN"]
    return arns


def existing(stack, region):
    sm = client(region)
    arns, missing = {}, []
    for part in PARTS:
        name = secret_name(stack, part)
        found = describe(sm, name)
        if found is None or found.get("DeletedDate"):
            missing.append(name)
        else:
            arns[part] = found["ARN"]
    if missing:
        raise Refused(
            f"no secret {', '.join(missing)} in {region}: write them first "
            "(GPET_SECRETS_FILE=/path/outside/the/repo.json make secrets; "
            "see infra/deploy/secrets.example.json)"
        )
    return arns


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check")
    check.add_argument("file")
    for name in ("apply", "arns"):
        p = sub.add_parser(name)
        p.add_argument("--stack", required=True)
        p.add_argument("--region", required=True)
        if name == "apply":
            p.add_argument("file")
    args = parser.parse_args()
    try:
        if args.command == "check":
            load(args.file)
            say(f"{args.file}: every part and field is there")
            return 0
        if args.command == "apply":
            arns = apply(args.stack, args.region, args.file)
        else:
            arns = existing(args.stack, args.region)
    except Refused as e:
        say(f"error: {e}")
        return 1
    for part, (parameter, _) in PARTS.items():
        print(f"{parameter}={arns[part]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
