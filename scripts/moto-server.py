"""The local AWS emulator: moto's server (pinned in scripts/setup-emulator.sh) with three corrections.

moto 5.2.5 builds the IAM credential report from the current users at every GetCredentialReport
but answers a hard-coded GeneratedTime of 2015-02-02T20:02:02Z. The IAM collector refuses a report
older than 24 hours (it is not the day's state), so on the bare emulator every IAM snapshot would be
partial. This launcher answers the time the report's content is really from: the request's.
Stale reports are tested with aws-sdk-client-mock (test/collectors/iam.test.ts).

moto 5.2.5 does not implement AWS Config's DescribeDeliveryChannelStatus (its handler raises
NotImplementedError, a 500). This launcher answers it from moto's own delivery channels and
recorders, shaped as the API reference's DeliveryChannelStatus: while a recorder is recording,
configuration history (and, for a channel with a snapshot delivery frequency, snapshot)
delivery last succeeded at the request's time, the way moto reports a logging CloudTrail trail's
latest delivery; otherwise both are Not_Applicable. Stale deliveries are planted by judging with
a clock days ahead (test/collectors/aws-config.test.ts).

moto 5.2.5 does not implement Amazon Inspector's ListCoverage (no route: a 404). Like its
ListFindings, whose results a test plants through the moto API, this launcher answers it from
coverage a test plants: POST /moto-api/static/inspector2/coverage with {"account_id", "region",
"resources": [CoveredResource, ...], "fail_page": n?} replaces that account and region's covered
resources (CoveredResource as in the API reference: resourceType, resourceId, accountId, scanType,
scanStatus {statusCode, reason}, lastScannedAt in epoch seconds, scanMode, resourceMetadata). The
answer is the vendor's: the filter criteria by string (EQUALS / NOT_EQUALS: any EQUALS value and
no NOT_EQUALS value of a key) and by date (lastScannedAt start/endInclusive; a resource never
scanned matches no date filter), maxResults 1 to 200 (100 when absent), an opaque nextToken (one
it did not issue is a ValidationException), no coverage until planted. With "fail_page": n the
request for the n-th page answers a ValidationException (an expired nextToken), for tests of a
listing that fails part way.

Usage: python scripts/moto-server.py -H 127.0.0.1 -p PORT   (the arguments of moto_server)
"""

import base64
import json
import time
from datetime import datetime, timezone
from typing import Any

from moto.config.exceptions import NoSuchDeliveryChannelException
from moto.config.responses import ConfigResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse
from moto.inspector2 import urls as inspector2_urls
from moto.inspector2.models import inspector2_backends
from moto.inspector2.responses import Inspector2Response
from moto.moto_api._internal import urls as moto_api_urls
from moto.server import main


def get_credential_report(self):  # type: ignore[no-untyped-def]
    report = self.backend.get_credential_report()
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ActionResult({"Content": report, "ReportFormat": "text/csv", "GeneratedTime": generated})


IamResponse.get_credential_report = get_credential_report


def describe_delivery_channel_status(self):  # type: ignore[no-untyped-def]
    backend = self.config_backend
    names = self._get_param("DeliveryChannelNames") or list(backend.delivery_channels)
    recording = any(r.status.recording for r in backend.recorders.values())
    now = time.time()
    statuses = []
    for name in names:
        channel = backend.delivery_channels.get(name)
        if channel is None:
            raise NoSuchDeliveryChannelException(name)
        if recording:
            delivered = {"lastStatus": "SUCCESS", "lastAttemptTime": now, "lastSuccessfulTime": now}
        else:
            delivered = {"lastStatus": "NOT_APPLICABLE"}
        status = {"name": name, "configHistoryDeliveryInfo": dict(delivered)}
        if channel.config_snapshot_delivery_properties is not None:
            status["configSnapshotDeliveryInfo"] = dict(delivered)
        if channel.sns_topic_arn:
            status["configStreamDeliveryInfo"] = {"lastStatus": "SUCCESS" if recording else "NOT_APPLICABLE"}
        statuses.append(status)
    return json.dumps({"DeliveryChannelsStatus": statuses})


ConfigResponse.describe_delivery_channel_status = describe_delivery_channel_status

STRING_FILTERS = ("accountId", "resourceId", "resourceType", "scanType", "scanStatusCode", "scanStatusReason", "scanMode")


class InspectorValidationException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("ValidationException", message)


def _field(resource: dict[str, Any], key: str) -> Any:
    if key == "scanStatusCode":
        return (resource.get("scanStatus") or {}).get("statusCode")
    if key == "scanStatusReason":
        return (resource.get("scanStatus") or {}).get("reason")
    return resource.get(key)


def _matches(resource: dict[str, Any], criteria: dict[str, Any]) -> bool:
    for key, filters in criteria.items():
        if key in STRING_FILTERS:
            value = _field(resource, key)
            equals = [f["value"] for f in filters if f["comparison"] == "EQUALS"]
            not_equals = [f["value"] for f in filters if f["comparison"] == "NOT_EQUALS"]
            if (equals and value not in equals) or value in not_equals:
                return False
        elif key == "lastScannedAt":
            scanned = resource.get("lastScannedAt")
            for f in filters:
                if scanned is None:
                    return False
                if "startInclusive" in f and scanned < f["startInclusive"]:
                    return False
                if "endInclusive" in f and scanned > f["endInclusive"]:
                    return False
        else:
            raise InspectorValidationException(f"the emulator does not filter coverage by {key}")
    return True


def list_coverage(self):  # type: ignore[no-untyped-def]
    # Planted on the region's backend, so that a moto reset forgets it with the rest.
    planted = getattr(self.inspector2_backend, "planted_coverage", {"resources": [], "fail_page": None})
    max_results = self._get_param("maxResults") or 100
    if not 1 <= int(max_results) <= 200:
        raise InspectorValidationException("maxResults must be between 1 and 200")
    token = self._get_param("nextToken")
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token).decode().removeprefix("coverage:"))
        except ValueError:
            raise InspectorValidationException("The nextToken is invalid") from None
    page = start // int(max_results) + 1
    if planted["fail_page"] == page:
        raise InspectorValidationException("The nextToken has expired; start the listing again")
    criteria = self._get_param("filterCriteria") or {}
    matching = [r for r in planted["resources"] if _matches(r, criteria)]
    end = start + int(max_results)
    body: dict[str, Any] = {"coveredResources": matching[start:end]}
    if end < len(matching):
        body["nextToken"] = base64.b64encode(f"coverage:{end}".encode()).decode()
    return json.dumps(body)


def plant_coverage(request, full_url, headers):  # type: ignore[no-untyped-def]
    body = moto_api_urls.response_instance._get_body(headers, request)
    account = body.get("account_id", "123456789012")
    region = body.get("region", "us-east-1")
    backend = inspector2_backends[account][region]
    backend.planted_coverage = {"resources": body.get("resources", []), "fail_page": body.get("fail_page")}
    return 201, {}, ""


Inspector2Response.list_coverage = list_coverage
inspector2_urls.url_paths["{0}/coverage/list$"] = Inspector2Response.dispatch
moto_api_urls.url_paths["{0}/moto-api/static/inspector2/coverage"] = plant_coverage

if __name__ == "__main__":
    main()
