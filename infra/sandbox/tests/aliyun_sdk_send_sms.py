"""Sends SendSms to the sandbox with Aliyun's official Python SDK (alibabacloud_dysmsapi20170525,
which signs with V3, ACS3-HMAC-SHA256), the way an application using Aliyun would, and prints
one JSON line per call: {"name", "code", "status"?, "biz_id"?}.

Run by infra/sandbox/tests/sms.rs with the interpreter of the venv infra/scripts/services.sh
makes (.local/aliyun-sdk). Arguments come from the environment:
SMS_ENDPOINT (host:port), SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME,
SMS_TEMPLATE_CODE, SMS_PHONE, SMS_CODE.
"""

import json
import os
import sys

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import ClientException


def client(secret):
    config = utils_models.Config(
        access_key_id=os.environ["SMS_ACCESS_KEY_ID"],
        access_key_secret=secret,
        endpoint=os.environ["SMS_ENDPOINT"],
        protocol="http",
        read_timeout=10_000,
        connect_timeout=5_000,
    )
    return Client(config)


def send(name, secret):
    request = models.SendSmsRequest(
        phone_numbers=os.environ["SMS_PHONE"],
        sign_name=os.environ["SMS_SIGN_NAME"],
        template_code=os.environ["SMS_TEMPLATE_CODE"],
        template_param=json.dumps({"code": os.environ["SMS_CODE"]}),
    )
    try:
        body = client(secret).send_sms(request).body
        result = {"name": name, "code": body.code, "biz_id": body.biz_id}
    except ClientException as error:
        result = {"name": name, "code": error.code, "status": error.status_code}
    print(json.dumps(result), flush=True)


send("right secret", os.environ["SMS_ACCESS_KEY_SECRET"])
send("wrong secret", os.environ["SMS_ACCESS_KEY_SECRET"] + "x")
sys.exit(0)
