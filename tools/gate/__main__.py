"""`python -m gate <repository>@sha256:<digest> [--endpoint-url URL] [--region R]`: see gate/__init__.py."""

from __future__ import annotations

import argparse
import sys

from . import UsageError, pages, parse_image, verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gate", description="Refuse promotion while a CRITICAL/HIGH finding has a fix."
    )
    parser.add_argument("image", help="<repository>@sha256:<digest>")
    parser.add_argument("--endpoint-url", help="the ECR endpoint (ENV=local: the emulator)")
    parser.add_argument("--region", help="default: the AWS SDK's (AWS_REGION, the profile)")
    args = parser.parse_args(argv)
    try:
        repository, digest = parse_image(args.image)
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        client = boto3.client("ecr", endpoint_url=args.endpoint_url, region_name=args.region)
        try:
            result = verdict(args.image, list(pages(client, repository, digest)))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ScanNotFoundException":
                print(
                    f"refused: {args.image}: the image has no scan (start one, or push with scan on push)",
                    file=sys.stderr,
                )
                return 1
            raise UsageError(
                f"{args.image}: DescribeImageScanFindings failed: {code}: {error.response.get('Error', {}).get('Message', '')}"
            ) from None
        except BotoCoreError as error:
            raise UsageError(f"{args.image}: cannot reach ECR: {error}") from None
    except UsageError as error:
        print(f"gate: {error}", file=sys.stderr)
        return 2
    print("\n".join(result.lines), file=sys.stdout if result.promotable else sys.stderr)
    return 0 if result.promotable else 1


if __name__ == "__main__":
    sys.exit(main())
