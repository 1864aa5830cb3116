"""Storage fixtures: a throwaway local folder, or a real S3 endpoint (moto_server on loopback)."""

import os
import uuid

import boto3
import pytest

STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


@pytest.fixture
def s3_bucket(settings):
    """A fresh bucket on the loopback S3 endpoint, made the default storage for the test."""
    endpoint = os.environ.get("HALL_TEST_S3_ENDPOINT")
    if not endpoint:
        pytest.fail(
            "HALL_TEST_S3_ENDPOINT is not set: run the suite with ./run test (it starts moto_server), "
            "or start `.venv/bin/moto_server -H 127.0.0.1 -p 5599 &` and "
            "export HALL_TEST_S3_ENDPOINT=http://127.0.0.1:5599"
        )
    bucket = f"hall-test-{uuid.uuid4().hex[:12]}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "signature_version": "s3v4",
                "addressing_style": "path",
                "querystring_auth": True,
                "default_acl": None,
                "file_overwrite": False,
            },
        },
        "staticfiles": STATIC,
    }
    yield client, bucket
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)
