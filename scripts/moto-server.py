"""The local AWS emulator: moto's server (pinned in scripts/setup-emulator.sh) with one correction.

moto 5.2.5 builds the IAM credential report from the current users at every GetCredentialReport
but answers a hard-coded GeneratedTime of 2015-02-02T20:02:02Z. The IAM collector refuses a report
older than 24 hours (it is not the day's state), so on the bare emulator every IAM snapshot would be
partial. This launcher answers the time the report's content is really from: the request's.
Stale reports are tested with aws-sdk-client-mock (test/collectors/iam.test.ts).

Usage: python scripts/moto-server.py -H 127.0.0.1 -p PORT   (the arguments of moto_server)
"""

from datetime import datetime, timezone

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse
from moto.server import main


def get_credential_report(self):  # type: ignore[no-untyped-def]
    report = self.backend.get_credential_report()
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ActionResult({"Content": report, "ReportFormat": "text/csv", "GeneratedTime": generated})


IamResponse.get_credential_report = get_credential_report

if __name__ == "__main__":
    main()
