"""The IVIS request service (SOAP 1.2, WS-Addressing) with Python's zeep.

Loads the WSDL from the hub, opens a transaction, submits a payment
synchronously and one asynchronously (registered for a payer), asks about the
asynchronous one (GetStatus, Poll), disposes of it, ends the transaction, and
provokes one guideline code; prints one JSON object per call on standard
output (crates/cli/tests/soap_clients.rs asserts on them). zeep builds every
message from the WSDL: nothing here is written by hand but the values.

Environment: MAKSA_HTTPS, MAKSA_HTTP (the payer's side, for ResponseURL),
MAKSA_CLIENT_CERT, MAKSA_CLIENT_KEY, MAKSA_CA, MAKSA_ENDPOINT (the e-service's
ResponseEndPoint).
"""

import json
import os
import sys
import uuid

import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsa import WsAddressingPlugin

HTTPS = os.environ["MAKSA_HTTPS"].rstrip("/")
HTTP = os.environ["MAKSA_HTTP"].rstrip("/")
ENDPOINT = os.environ["MAKSA_ENDPOINT"]

session = requests.Session()
session.cert = (os.environ["MAKSA_CLIENT_CERT"], os.environ["MAKSA_CLIENT_KEY"])
session.verify = os.environ["MAKSA_CA"]
session.trust_env = False
client = zeep.Client(
    f"{HTTPS}/IVIS/RequestWebService.svc?wsdl",
    transport=Transport(session=session),
    plugins=[WsAddressingPlugin()],
)
service = client.service


def report(operation, **fields):
    print(json.dumps({"op": operation, **fields}, ensure_ascii=False, default=str))
    sys.stdout.flush()


def header(answer):
    return answer.Header


SERVICE_DATA = "http://ivis.eps.gov.lv/XMLSchemas/100001/IVISService/v1-0"
service_data = client.get_element(f"{{{SERVICE_DATA}}}IVISServiceData")
payment_info = client.get_element(f"{{{SERVICE_DATA}}}PaymentInfo")


def statuses(answer):
    # The body is `xs:any` (processContents lax): zeep hands back the element,
    # which our PaymentInfo type reads.
    body = answer.Body
    if body is None or body._value_1 is None:
        return []
    info = body._value_1
    if not hasattr(info, "PaymentRequestStatusList"):
        info = payment_info.parse(info, client.wsdl.types)
    return [
        {
            "id": s.PaymentRequestID,
            "url": s.PaymentRequestUrl,
            "status": s.Status,
            "amount": str(s.Amount),
        }
        for s in info.PaymentRequestStatusList.PaymentRequestStatus
    ]


def request(transaction, asynchronous, message_id=None):
    payer = {"Receiver": {"Code": "010101-10006"}} if asynchronous else {}
    return {
        "Header": {
            "MessageID": message_id or str(uuid.uuid4()),
            "MessageType": "URN:IVIS:100001:XSD-IVIS-IVISService-v1-0-TYPE-IVISServiceData",
            "TransactionID": transaction,
            "Destination": "URN:IVIS:100001:ISS-EPS-EPAKPaymentSync-v2-0",
            "Test": True,
            "MilestoneID": "PAY",
            "ResponseEndPoint": ENDPOINT,
            "NextMilestoneID": "AFTERPAY",
        },
        "Body": {
            "_value_1": zeep.xsd.AnyObject(service_data, service_data(
                ServiceInstanceID="EP-ZEEP-1",
                EServiceID="URN:IVIS:100001:EP-TEST01-v1-0",
                **payer,
                PaymentInfo={
                    "PaymentRequestList": {
                        "PaymentRequest": [
                            {
                                "ServiceStep": "00001",
                                "PriceList": {
                                    "PriceListStructure": [
                                        {"Position": "1", "Item": "1", "ItemElementName": "Quantity"}
                                    ]
                                },
                                "ResponseURL": f"{HTTP}/done?id=",
                                "AllowedBanks": {"SwiftCode": ["DEMO0000"]},
                            }
                        ]
                    }
                },
            ))
        },
    }


transaction = service.StartTransaction(eServiceID="URN:IVIS:100001:EP-TEST01-v1-0")
report("StartTransaction", transaction=transaction)

answer = service.SubmitSync(IVISRequest=request(transaction, False))
report("SubmitSync", result=header(answer).Result, statuses=statuses(answer))

answer = service.Submit(IVISRequest=request(transaction, True))
correlation = header(answer).CorrelationID
report(
    "Submit",
    result=header(answer).Result,
    correlation=correlation,
    poll=header(answer).PollInterval,
    statuses=statuses(answer),
)

answer = service.GetStatus(CorrelationID=correlation)
report("GetStatus", result=header(answer).Result, statuses=statuses(answer))
answer = service.Poll(CorrelationID=correlation)
report("Poll", result=header(answer).Result, statuses=statuses(answer))
answer = service.Dispose(CorrelationID=correlation)
report("Dispose", result=header(answer).Result)
answer = service.GetStatus(CorrelationID=correlation)
report(
    "GetStatus",
    result=header(answer).Result,
    errors=[e.ErrorCode for e in header(answer).Errors.Error] if header(answer).Errors else [],
)

service.EndTransaction(transactionID=transaction)
report("EndTransaction")
try:
    service.EndTransaction(transactionID=transaction)
    report("EndTransaction", unexpected="no fault")
except Fault as error:
    report("EndTransaction", fault=error.message, code=error.code)
