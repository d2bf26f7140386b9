"""The whole lifecycle of a payment request over SOAP with Python's zeep.

Loads both WSDLs from the hub, calls every operation once (GetInvoice on both
MMService variants, as PDF and as XML), provokes two faults, and prints one JSON
object per call on standard output; crates/cli/tests/soap_clients.rs asserts on
them. The request is 004 §2.2.1's .NET example (step DEM11).

Environment: MAKSA_HTTPS (e.g. https://localhost:8443), MAKSA_CLIENT_CERT,
MAKSA_CLIENT_KEY (PEM files), MAKSA_CA (the CA of the hub's server certificate).
"""

import datetime
import json
import os
import sys
import uuid
from decimal import Decimal

import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport

HTTPS = os.environ["MAKSA_HTTPS"].rstrip("/")
DATA = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint"


def client(path):
    session = requests.Session()
    session.cert = (os.environ["MAKSA_CLIENT_CERT"], os.environ["MAKSA_CLIENT_KEY"])
    session.verify = os.environ["MAKSA_CA"]
    # REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE in the environment would take precedence
    # over the demo CA; nothing else is wanted from the environment either.
    session.trust_env = False
    return zeep.Client(f"{HTTPS}{path}?singleWsdl", transport=Transport(session=session))


def report(operation, **fields):
    print(json.dumps({"op": operation, **fields}, ensure_ascii=False, default=str))
    sys.stdout.flush()


def fault(operation, call):
    """Calls and reports the fault it must raise: message, SOAP code, and the
    PaymentRequestFault detail."""
    try:
        result = call()
    except Fault as error:
        detail = {}
        if error.detail is not None:
            for element in error.detail.iter(f"{{{DATA}}}Code", f"{{{DATA}}}Message"):
                detail[element.tag.split("}")[1]] = element.text
        report(operation, fault=error.message, faultcode=error.code, detail=detail)
        return
    report(operation, unexpected_result=result)


service = client("/v1.0/WCFX509/PaymentRequestService.svc")
invoices = client("/v1.0/MMSOAP/MMService.svc")
invoices_with_role = client("/Invoice.SOAP/MMService.svc")
now = datetime.datetime.now(datetime.timezone.utc)

created = service.service.SavePaymentRequest(
    paymentRequest={
        "PaymentRequest": {
            "AllowedBanks": {
                "AllowedBankStructure": [{"SwiftCode": "DEMO0000"}, {"SwiftCode": "HABALV22"}]
            },
            "ClientInfo": {
                "ClientCode": "31129900000",
                "ClientFirstName": "Ernests",
                "ClientName": "Paraudziņš",
                "ClientEMail": "e@p.lv",
                "ClientPhone": "26620000",
                "ClientAddress": "Rātslaukums 1, LV-1050, Rīga",
            },
            "ExpiryDate": now + datetime.timedelta(days=5),
            "ExpiryDateSpecified": True,
            "InvoiceIssueDate": now + datetime.timedelta(days=10),
            "InvoiceIssueDateSpecified": True,
            "NoInvoice": True,
            "PaymentObject": "PmtInfo",
            "PriceList": {
                "PriceListStructure": [
                    {"Item": Decimal("4.56"), "Position": "1", "ItemElementName": "Quantity"},
                    {"Item": Decimal("0.54"), "Position": "2", "ItemElementName": "Amount"},
                ]
            },
            "ResponseUrl": "http://jusu-response-url",
            "ServerResponseUrl": "http://jusu-response-url-s2s",
            "ReturnRedirectUrl": "https://latvija.lv/EP21/",
            "ServiceStep": "DEM11",
            "SwiftCode": "DEMO0000",
        }
    }
)
request_id = created.PaymentRequestId
report("SavePaymentRequest", id=request_id, url=created.PaymentRequestUrl)

report(
    "CheckPaymentRequestStatus",
    status=service.service.CheckPaymentRequestStatus(paymentRequestId=request_id),
)

listed = service.service.GetPaymentRequests(
    createdDateFrom=now - datetime.timedelta(days=3),
    createdDateTill=now + datetime.timedelta(minutes=5),
    paymentDateFrom=None,
    paymentDateTill=None,
    expirationDateFrom=None,
    expirationDateTill=None,
    amountFrom=Decimal("1"),
    amountTill=Decimal("100"),
    onlyNotPayed=False,
    currency="EUR",
)
items = listed or []  # zeep unwraps ArrayOf… into a list
report(
    "GetPaymentRequests",
    items=[
        {"id": i.PaymentRequestUniqueId, "status": i.Status, "total": str(i.TotalAmount),
         "usage": i.UsageStatus, "number": i.Number}
        for i in items
    ],
)

payments = service.service.GetPayments(
    paymentDateFrom=None,
    paymentDateTill=None,
    amountFrom=Decimal("1"),
    amountTill=Decimal("100"),
    currency="EUR",
)
items = payments or []
report(
    "GetPayments",
    items=[
        {"id": p.PaymentRequestUniqueId, "status": p.StatusCode, "amount": str(p.Amount),
         "iban": p.PayeeAccountNumber, "purpose": p.BankInfo}
        for p in items
    ],
)

report(
    "CheckPaymentStatus",
    status=service.service.CheckPaymentStatus(paymentRequestId=request_id, position="1"),
)

report(
    "CreateInvoice",
    invoice=service.service.CreateInvoice(
        id=request_id, name="Ernests Paraudziņš", code="31129910101", address="Elizabetes 41/43, Rīga"
    ),
)

for variant, mm in [("certificate", invoices), ("role", invoices_with_role)]:
    for xml_format in (False, True):
        document = mm.service.GetInvoice(paymentRequestId=request_id, xmlFormat=xml_format)
        report(
            "GetInvoice",
            variant=variant,
            xml=xml_format,
            content_type=document.ContentType,
            name=document.Name,
            size=len(document.Data),
            head=document.Data[:5].decode("latin-1"),
        )

report("CancelPaymentRequest", result=service.service.CancelPaymentRequest(paymentRequestId=request_id))
report(
    "CheckPaymentRequestStatus",
    status=service.service.CheckPaymentRequestStatus(paymentRequestId=request_id),
)

fault(
    "CheckPaymentRequestStatus",
    lambda: service.service.CheckPaymentRequestStatus(paymentRequestId=str(uuid.uuid4())),
)
fault("CancelPaymentRequest", lambda: service.service.CancelPaymentRequest(paymentRequestId="not-a-guid"))
