"""The local AWS emulator: moto's server (pinned in scripts/setup-emulator.sh) with two corrections.

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

Usage: python scripts/moto-server.py -H 127.0.0.1 -p PORT   (the arguments of moto_server)
"""

import json
import time
from datetime import datetime, timezone

from moto.config.exceptions import NoSuchDeliveryChannelException
from moto.config.responses import ConfigResponse
from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse
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

if __name__ == "__main__":
    main()
