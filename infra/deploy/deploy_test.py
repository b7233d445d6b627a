#!/usr/bin/env python3
"""Tests of infra/scripts/deploy.sh against the local AWS-API server (moto), which `make test`
starts: the web upload with its invalidation, and the partner secrets.

    set -a; . .local/env; set +a; python3 infra/deploy/deploy_test.py

Makes a CloudFront distribution and a CloudFormation stack with a bucket and the template's
output names (WebBucketName, DistributionId), runs `deploy.sh upload-web` on two small dist
folders and `deploy.sh secrets` on files written here, checks what landed in S3, CloudFront and
Secrets Manager and what was printed, and removes everything it made. Refuses to run unless
AWS_ENDPOINT_URL points at this machine.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlparse

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEPLOY = os.path.join(ROOT, "infra", "scripts", "deploy.sh")
# The web upload runs in AWS China (partition aws-cn, as moto answers for a cn- region), the
# secrets in AWS, and once more in China.
REGION = "ap-east-1"
CHINA = "cn-northwest-1"

failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def run(args, env_extra=None, env_drop=()):
    """deploy.sh ARGS with this environment, less what an operator's shell may have set for a
    real deploy, less env_drop, plus env_extra."""
    drop = {"GPET_SECRETS_FILE", "GPET_STACK", "GPET_WEB_ROOT", "AWS_PROFILE", *env_drop}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    started = time.monotonic()
    p = subprocess.run([DEPLOY, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    print(f"  ({' '.join(args)}: exit {p.returncode} in {time.monotonic() - started:.1f} s)")
    return p


def show(p):
    for line in (p.stdout + p.stderr).splitlines():
        print(f"    | {line}")


def main():
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if urlparse(endpoint).hostname not in ("127.0.0.1", "localhost"):
        sys.exit("deploy_test: AWS_ENDPOINT_URL must point at the local AWS-API server (source .local/env)")
    import botocore.session

    session = botocore.session.get_session()
    s3 = session.create_client("s3", region_name=CHINA)
    cloudfront = session.create_client("cloudfront", region_name=CHINA)
    cfn = session.create_client("cloudformation", region_name=CHINA)
    sm = session.create_client("secretsmanager", region_name=REGION)
    sm_china = session.create_client("secretsmanager", region_name=CHINA)

    stack = "gpet-test-" + uuid.uuid4().hex[:8]
    broken_stack = stack + "-broken"
    tmp = tempfile.mkdtemp(prefix="gpet-deploy-test-")
    env = {"GPET_STACK": stack, "AWS_REGION": REGION, "GPET_WEB_ROOT": os.path.join(tmp, "web")}
    distribution = None
    try:
        distribution = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": stack,
                "Comment": stack,
                "Enabled": False,
                "Origins": {
                    "Quantity": 1,
                    "Items": [{"Id": "web", "DomainName": "web.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "web",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                    "MinTTL": 0,
                    "TrustedSigners": {"Enabled": False, "Quantity": 0},
                },
            }
        )["Distribution"]["Id"]
        template = {
            "Parameters": {"DistributionId": {"Type": "String"}},
            "Resources": {"WebBucket": {"Type": "AWS::S3::Bucket"}},
            "Outputs": {
                "WebBucketName": {"Value": {"Ref": "WebBucket"}},
                "DistributionId": {"Value": {"Ref": "DistributionId"}},
            },
        }
        parameters = [{"ParameterKey": "DistributionId", "ParameterValue": distribution}]
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template), Parameters=parameters)
        del template["Outputs"]["DistributionId"]
        cfn.create_stack(StackName=broken_stack, TemplateBody=json.dumps(template), Parameters=parameters)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
        bucket = outputs["WebBucketName"]

        web_tests(s3, cloudfront, bucket, distribution, {**env, "AWS_REGION": CHINA}, tmp, broken_stack)
        secret_tests(sm, stack, env, tmp)
        china_secrets_test(sm_china, stack, {**env, "AWS_REGION": CHINA}, tmp)
    finally:
        clean(s3, cloudfront, cfn, [sm, sm_china], stack, broken_stack, distribution)
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"deploy_test: {len(failures)} check(s) failed:")
        for what in failures:
            print(f"  - {what}")
        return 1
    print("deploy_test: all checks passed")
    return 0


# --- web ----------------------------------------------------------------------------------------

DIST = {
    "h5": {
        "index.html": '<!doctype html><script type="module" src="/assets/index-a1b2c3d4.js"></script>',
        "maintenance.html": "<!doctype html><p>维护中</p>",
        "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "assets/index-a1b2c3d4.js": "console.log('h5')",
        "assets/index-e5f6a7b8.css": "body{margin:0}",
    },
    "console": {
        "index.html": '<!doctype html><script type="module" src="/console/assets/index-0f9e8d7c.js"></script>',
        "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "assets/index-0f9e8d7c.js": "console.log('console')",
    },
}
# A previous deploy's asset: a browser holding the previous index.html still loads it.
OLD_ASSET = "h5/assets/index-00000000.js"
ASSETS = "public, max-age=31536000, immutable"


def web_tests(s3, cloudfront, bucket, distribution, env, tmp, broken_stack):
    print("web upload (deploy.sh upload-web)")
    for app, files in DIST.items():
        for name, text in files.items():
            path = os.path.join(tmp, "web", app, "dist", name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    s3.put_object(Bucket=bucket, Key=OLD_ASSET, Body=b"old", CacheControl=ASSETS)

    p = run(["upload-web"], env)
    check(p.returncode == 0, "upload-web succeeds")
    if p.returncode != 0:
        show(p)
        return

    expected = {f"{app}/{name}" for app, files in DIST.items() for name in files} | {OLD_ASSET}
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    check(keys == expected, f"the bucket holds exactly the apps' files and the old asset (extra {sorted(keys - expected)}, missing {sorted(expected - keys)})")
    for key in sorted(keys & expected):
        head = s3.head_object(Bucket=bucket, Key=key)
        got = head.get("CacheControl")
        if key.endswith(".html"):
            want = "no-cache"
            check(head.get("ContentType") == "text/html; charset=utf-8", f"{key} Content-Type text/html; charset=utf-8 (got {head.get('ContentType')})")
        elif "/assets/" in key:
            want = ASSETS
        else:
            want = "public, max-age=300"
        check(got == want, f"{key} Cache-Control {want!r} (got {got!r})")
        if key != OLD_ASSET:
            app, name = key.split("/", 1)
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
            check(body == DIST[app][name], f"{key} holds the dist file")

    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    check(len(invalidations) == 1, f"one invalidation created on the distribution (got {len(invalidations)})")
    if invalidations:
        batch = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidations[0]["Id"])
        paths = set(batch["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", []))
        want = {"/", "/index.html", "/maintenance.html", "/console/", "/console/index.html"}
        check(paths == want, f"it invalidates the HTML paths {sorted(want)} (got {sorted(paths)})")

    p = run(["upload-web"], {**env, "GPET_STACK": broken_stack})
    check(p.returncode != 0 and "no output DistributionId" in p.stderr, "a stack without the DistributionId output is refused, naming it")
    if p.returncode == 0 or "DistributionId" not in p.stderr:
        show(p)


# --- secrets ------------------------------------------------------------------------------------


def make_secrets():
    return {
        "wechat": {"app_secret": secrets.token_hex(16)},
        "wechat-pay": {
            "private_key_pem": "-----BEGIN PRIVATE KEY-----\n" + secrets.token_urlsafe(120) + "\n-----END PRIVATE KEY-----\n",
            "serial_no": secrets.token_hex(20).upper(),
            "api_v3_key": secrets.token_hex(16),
            "public_key_pem": "-----BEGIN PUBLIC KEY-----\n" + secrets.token_urlsafe(60) + "\n-----END PUBLIC KEY-----\n",
            "public_key_id": "PUB_KEY_ID_" + secrets.token_hex(12),
        },
        "robot": {"secret": secrets.token_hex(16)},
        "sms": {
            "access_key_id": "LTAI5t" + secrets.token_hex(9),
            "access_key_secret": secrets.token_hex(15),
            "sign_name": "群宠",
            "template_code": f"SMS_{secrets.randbelow(10**9):09d}",
        },
        "mail": {
            "smtp_username": f"alerts-{secrets.token_hex(8)}@notice.example.com.cn",
            "smtp_password": secrets.token_hex(16),
            "wecom_webhook_key": secrets.token_hex(16),
        },
        "ads": {"md5_secret": secrets.token_hex(16)},
    }


def values_of(parts):
    return [v for fields in parts.values() for v in fields.values()]


def write(tmp, name, parts):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(parts, f)
    os.chmod(path, 0o600)
    return path


def stored(sm, stack):
    out = {}
    for part in ("wechat", "wechat-pay", "robot", "sms", "mail", "ads"):
        try:
            value = sm.get_secret_value(SecretId=f"gpet/{stack}/{part}")
            out[part] = json.loads(value["SecretString"])
        except sm.exceptions.ResourceNotFoundException:
            out[part] = None
    return out


def versions(sm, stack, part):
    return len(sm.list_secret_version_ids(SecretId=f"gpet/{stack}/{part}")["Versions"])


def leaks(p, parts):
    """The values of parts (or lines of them: the PEM keys) that the run printed; each is random,
    at least 32 characters, except the PEM headers."""
    text = p.stdout + p.stderr
    needles = {line for v in values_of(parts) for line in v.splitlines() if len(line) >= 16 and "-----" not in line}
    return [n for n in needles if n in text]


def secret_tests(sm, stack, env, tmp):
    print("partner secrets (deploy.sh secrets)")
    parts = make_secrets()
    good = write(tmp, "good.json", parts)

    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": good})
    check(p.returncode == 0, "secrets from a complete file succeed")
    if p.returncode != 0:
        show(p)
        return
    check(stored(sm, stack) == parts, "the six secrets gpet/<stack>/<part> hold exactly the file's JSON")
    arns = dict(line.split("=", 1) for line in p.stdout.split())
    names = ["WechatSecretArn", "WechatPaySecretArn", "RobotSecretArn", "SmsSecretArn", "MailSecretArn", "AdsSecretArn"]
    check(sorted(arns) == sorted(names), f"it prints the six template parameters (got {sorted(arns)})")
    check(
        all(arns.get(n) == sm.describe_secret(SecretId=f"gpet/{stack}/{part}")["ARN"]
            for n, part in zip(names, ["wechat", "wechat-pay", "robot", "sms", "mail", "ads"])),
        "each parameter is its secret's full ARN",
    )
    check(not leaks(p, parts), "no value is printed")

    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": good})
    check(p.returncode == 0 and p.stderr.count(": unchanged") == 6, "a second run changes nothing")
    check(versions(sm, stack, "wechat") == 1, "and makes no new version")

    changed = json.loads(json.dumps(parts))
    changed["sms"]["access_key_secret"] = secrets.token_hex(16)
    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": write(tmp, "changed.json", changed)})
    check(p.returncode == 0 and "sms: updated" in p.stderr and p.stderr.count(": unchanged") == 5, "a changed field updates that secret only")
    check(stored(sm, stack) == changed, "the secrets hold the new value")
    check(not leaks(p, changed), "no value is printed")

    # The WeCom robot is optional: mail alone is a complete mail part.
    changed = json.loads(json.dumps(changed))
    del changed["mail"]["wecom_webhook_key"]
    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": write(tmp, "mail-only.json", changed)})
    check(p.returncode == 0 and "mail: updated" in p.stderr, "a mail part without wecom_webhook_key is written")
    check(stored(sm, stack) == changed, "the mail secret then holds no webhook key")
    if p.returncode != 0:
        show(p)

    bad = json.loads(json.dumps(changed))
    del bad["wechat-pay"]["public_key_id"]
    bad["robot"]["secret"] = ""
    del bad["sms"]["template_code"]
    bad["mail"]["smtp_password"] = secrets.token_hex(16)  # valid, but must not be written either
    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": write(tmp, "bad.json", bad)})
    check(p.returncode != 0, "a file missing a field is refused")
    check("field `public_key_id` of part `wechat-pay` is missing" in p.stderr, "the refusal names the missing field and its part")
    check("field `secret` of part `robot` is empty" in p.stderr, "and the empty one")
    check("field `template_code` of part `sms` is missing" in p.stderr, "and Aliyun SMS's template")
    check(not leaks(p, bad), "the refusal prints no value")
    check(stored(sm, stack) == changed, "nothing was written, the valid parts included")
    if p.returncode == 0 or leaks(p, bad):
        show(p)

    example = os.path.join(ROOT, "infra", "deploy", "secrets.example.json")
    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": example})
    check(p.returncode != 0 and "inside the repository" in p.stderr, "a secrets file inside the repository is refused")
    copy = os.path.join(tmp, "example.json")
    shutil.copy(example, copy)
    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": copy})
    check(p.returncode != 0 and "still holds the example's placeholder" in p.stderr, "the example's placeholders are refused")

    p = run(
        ["secrets"],
        {**env, "GPET_SECRETS_FILE": good, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none"),
         "AWS_CONFIG_FILE": os.path.join(tmp, "none"), "AWS_EC2_METADATA_DISABLED": "true"},
        env_drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"),
    )
    check(p.returncode != 0 and "no AWS credentials" in p.stderr, "without credentials it stops, saying so")
    check(stored(sm, stack) == changed, "and writes nothing")

    p = run(["secrets"], {k: v for k, v in env.items()})
    check(p.returncode != 0 and "GPET_SECRETS_FILE" in p.stderr, "without GPET_SECRETS_FILE it says what to set")


def china_secrets_test(sm, stack, env, tmp):
    print("partner secrets in AWS China (deploy.sh secrets, cn-northwest-1)")
    parts = make_secrets()
    p = run(["secrets"], {**env, "GPET_SECRETS_FILE": write(tmp, "china.json", parts)})
    check(p.returncode == 0 and "(partition aws-cn)" in p.stderr, "it runs in partition aws-cn")
    arns = [line.split("=", 1)[1] for line in p.stdout.split()]
    check(len(arns) == 6 and all(a.startswith(f"arn:aws-cn:secretsmanager:{CHINA}:") for a in arns),
          "the ARNs are AWS China's")
    check(stored(sm, stack) == parts, "the secrets hold the file's JSON")
    if p.returncode != 0:
        show(p)


# --- clean up -----------------------------------------------------------------------------------


def clean(s3, cloudfront, cfn, sms, stack, broken_stack, distribution):
    for name in (stack, broken_stack):
        try:
            for o in cfn.describe_stacks(StackName=name)["Stacks"][0].get("Outputs", []):
                if o["OutputKey"] == "WebBucketName":
                    for obj in s3.list_objects_v2(Bucket=o["OutputValue"]).get("Contents", []):
                        s3.delete_object(Bucket=o["OutputValue"], Key=obj["Key"])
            cfn.delete_stack(StackName=name)
        except Exception as e:  # noqa: BLE001 - best effort
            print(f"  (clean-up of stack {name}: {type(e).__name__})")
    for sm in sms:
        for part in ("wechat", "wechat-pay", "robot", "sms", "mail", "ads"):
            try:
                sm.delete_secret(SecretId=f"gpet/{stack}/{part}", ForceDeleteWithoutRecovery=True)
            except sm.exceptions.ResourceNotFoundException:
                pass
    if distribution:
        try:
            etag = cloudfront.get_distribution_config(Id=distribution)["ETag"]
            cloudfront.delete_distribution(Id=distribution, IfMatch=etag)
        except Exception as e:  # noqa: BLE001 - best effort
            print(f"  (clean-up of distribution {distribution}: {type(e).__name__})")


if __name__ == "__main__":
    sys.exit(main())
