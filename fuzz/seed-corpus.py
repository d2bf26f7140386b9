#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the project's own examples:
the seeds' REST bodies and appendix XML (crates/server/tests/seed_examples/),
demo/savepaymentrequest.json, envelopes as the SOAP tests send them, dates,
amounts and codes from the unit tests, the certificates in fuzz/fixtures/.

Each seed starts with four 0xFF bytes: the targets read those as "take the rest
as it is" (fuzz/src/lib.rs). Run from anywhere; rewrites the seed-* files only,
so corpus entries libFuzzer added beside them stay."""

import base64
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
RAW = b"\xff\xff\xff\xff"
SEEDS = ROOT / "crates" / "server" / "tests" / "seed_examples"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
DATA = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint"


def write(target, items):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("seed-*"):
        old.unlink()
    for i, item in enumerate(items):
        data = item.encode("utf-8") if isinstance(item, str) else item
        (directory / f"seed-{i:02}").write_bytes(RAW + data)


def envelope(operation, parameters):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP11}" xmlns:ns1="{DATA}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="http://tempuri.org/">'
        f"<SOAP-ENV:Body><ns2:{operation}>{parameters}</ns2:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )


write("dates", [
    "2019-12-31T15:45:00+3:00", "2020-09-30T14:00:00+03:00", "2020-09-30T14:00:00Z",
    "2020-09-30T14:00:00-0130", "2020-09-30T14:00+3", "2020-09-30T14:00:00.1234567+03:00",
    "2020-07-01T12:00:00", "2013-02-15", "2030-09-30T14:00:00+3:00", "2020-01-31T12:41:00+3:00",
    "2020-08-14", "0001-01-01T00:00:00", "2026-03-29T03:30:00", "2026-10-25T03:30:00",
    "2020-01-01T10:00:00+", "2020-02-30",
])
write("amounts", [
    "12.00", "7.99", "4.56", "0.54", "12.12", "1.2e1", "-0.50", ".5", "12", "15.00", "0.00",
    "92233720368547758.07", "0.000001", "1e-6", "EUR",
])
write("codes", [
    "07018710513", "070187-10513", "31129900000", "40003278467", "90000036859",
    "LV12TREL9150000000001", "LV69 TREL 2190 0000 0000 2", "lv12trel9150000000001",
    "DEMO0000", "HABALV22", "FIRSTDATA", "TRELLV22",
])
write("rest_body", [p.read_bytes() for p in sorted(SEEDS.glob("*.json"))]
      + [(ROOT / "demo" / "savepaymentrequest.json").read_bytes()])
appendix = (SEEDS / "PaymentsDataStructure.xml").read_text(encoding="utf-8-sig")
appendix_body = appendix.split("?>", 1)[-1]
php_request = (
    "<ns2:paymentRequest><ns1:PaymentRequest><ns1:ClientInfo><ns1:ClientAddress>Rātslaukums 1, LV-1050, Rīga"
    "</ns1:ClientAddress><ns1:ClientCode>31129900000</ns1:ClientCode><ns1:ClientName>Paraudziņš</ns1:ClientName>"
    "</ns1:ClientInfo><ns1:ParentPaymentRequestID xsi:nil=\"true\"/><ns1:PaymentObject>02Y70 payment</ns1:PaymentObject>"
    "<ns1:PriceList><ns1:PriceList><ns1:Item>1</ns1:Item><ns1:ItemElementName>Quantity</ns1:ItemElementName>"
    "<ns1:Position>53</ns1:Position></ns1:PriceList><ns1:PriceList><ns1:Item>12.12</ns1:Item>"
    "<ns1:ItemElementName>Amount</ns1:ItemElementName><ns1:Position>54</ns1:Position></ns1:PriceList></ns1:PriceList>"
    "<ns1:ResponseUrl>http://jusu-response-url</ns1:ResponseUrl><ns1:ServiceStep>02Y70</ns1:ServiceStep>"
    "<ns1:ExpiryDate>2030-09-30T14:00:00+03:00</ns1:ExpiryDate><ns1:ExpiryDateSpecified>true</ns1:ExpiryDateSpecified>"
    "<ns1:SwiftCode>DEMO0000</ns1:SwiftCode></ns1:PaymentRequest></ns2:paymentRequest>"
)
write("soap", [
    envelope("SavePaymentRequest", php_request),
    envelope("SavePaymentRequest", f"<ns2:paymentRequest>{appendix_body}</ns2:paymentRequest>"),
    envelope("GetPaymentRequests",
             "<ns2:createdDateFrom>2020-01-31T12:41:00+3:00</ns2:createdDateFrom>"
             "<ns2:createdDateTill>2020-08-14</ns2:createdDateTill><ns2:amountFrom>7.99</ns2:amountFrom>"
             "<ns2:onlyNotPayed>false</ns2:onlyNotPayed>"),
    envelope("GetPayments",
             "<ns2:paymentDateFrom>2019-12-31T12:41:00+3:00</ns2:paymentDateFrom>"
             "<ns2:paymentDateTill>2020-09-22T00:00:00+3:00</ns2:paymentDateTill><ns2:currency>EUR</ns2:currency>"),
    envelope("CheckPaymentStatus",
             "<ns2:paymentRequestId>6f0c4b6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b</ns2:paymentRequestId><ns2:position>53</ns2:position>"),
    envelope("CreateInvoice", "<ns2:id>x</ns2:id><ns2:name>SIA Ērglis &amp; Co</ns2:name><ns2:code>40003278467</ns2:code>"),
    appendix,
])
fields_1111 = [
    ("VK_SERVICE", "1111"), ("VK_VERSION", "009"), ("VK_SND_ID", "DEMO0000"), ("VK_REC_ID", "MAKSA"),
    ("VK_STAMP", "0123456789abcdef0123456789abcdef"), ("VK_T_NO", "17"), ("VK_AMOUNT", "12.34"),
    ("VK_CURR", "EUR"), ("VK_REC_ACC", "LV12TREL9150000000001"), ("VK_REC_NAME", "Valsts kase"),
    ("VK_MSG", "Nodeva"), ("VK_T_DATETIME", "2026-11-23T10:00:00Z"), ("VK_AUTO", "Y"),
    ("VK_MAC", base64.b64encode(bytes(64)).decode()), ("VK_ENCODING", "UTF-8"), ("VK_LANG", "LAT"),
]
fields_1911 = [(k, v) for k, v in fields_1111 if k != "VK_T_NO"]
fields_1911[0] = ("VK_SERVICE", "1911")
fields_1911.insert(10, ("VK_REASON", "cancelled"))
from urllib.parse import urlencode
write("vk_messages", [urlencode(fields_1111), urlencode(fields_1911),
                      urlencode([(k, "N" if k == "VK_AUTO" else v) for k, v in fields_1111])])
fixtures = ROOT / "fuzz" / "fixtures"
ec = (fixtures / "ec.der").read_bytes()
pem = "-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(ec).decode() + "-----END CERTIFICATE-----\n"
write("firstdata_answer", [
    "TRANSACTION_ID: 7Q9cDfpSXp3uIv0bhHPVlCBLJtQ=\n",
    "RESULT: OK\nRESULT_CODE: 000\n3DSECURE: AUTHENTICATED\nRRN: 123456789012\n"
    "APPROVAL_CODE: 123456\nCARD_NUMBER: 4***********0013\n",
    "RESULT: FAILED\nRESULT_CODE: 116\n3DSECURE: NOTPARTICIPATED\nCARD_NUMBER: 4***********0002\n",
    "RESULT: PENDING\n", "RESULT: TIMEOUT\r\n", "RESULT: OK\nRESULT_CODE: 400\n",
    "RESULT: OK\nRESULT_CODE: 500\nFLD_074: 0\nFLD_075: 1\nFLD_076: 2\nFLD_077: 0\n"
    "FLD_086: 0\nFLD_087: 1234\nFLD_088: 2468\nFLD_089: 0\n",
    "error: wrong transaction ID\n", "RESULT: OK\nRESULT: FAILED\n",
    "RESULT: OK\nRESULT_CODE: 000\nCARD_NUMBER: 4111111111111111\n",
])
write("mm_cert", [
    base64.b64encode(ec).decode(),
    base64.b64encode((fixtures / "rsa.der").read_bytes()).decode().rstrip("="),
    base64.b64encode((fixtures / "plain.p12").read_bytes()).decode(),
    base64.b64encode((fixtures / "empty-password.p12").read_bytes()).decode(),
    pem, pem.replace("\n", "\\n"), base64.b64encode(pem.encode()).decode(),
    "MIIM1QIBAzCCDJEGCSqGSIb3DQEHAaCCDIIEggx+MII ... P63AgIH0A==",
])
# The PSD2 ASPSP's answers as the sandbox's simulator writes them
# (docs/providers/psd2.md): a creation, statuses, tppMessages errors.
write("psd2_json", [
    '{"transactionStatus":"RCVD","paymentId":"0f9c5e2a7b3d4c1e8a6f2b9d0c4e7a15","_links":{'
    '"scaRedirect":{"href":"http://127.0.0.1:8080/sim/psd2/order/5d2c0a9e6b1f4e7d8c3a2b1f0e9d8c7b"},'
    '"self":{"href":"/v1/payments/sepa-credit-transfers/0f9c5e2a7b3d4c1e8a6f2b9d0c4e7a15"},'
    '"status":{"href":"/v1/payments/sepa-credit-transfers/0f9c5e2a7b3d4c1e8a6f2b9d0c4e7a15/status"},'
    '"scaStatus":{"href":"/v1/payments/sepa-credit-transfers/0f9c5e2a7b3d4c1e8a6f2b9d0c4e7a15/authorisations/5d2c"}}}',
    '{"transactionStatus":"ACSC"}', '{"transactionStatus":"ACTC"}', '{"transactionStatus":"PDNG"}',
    '{"transactionStatus":"RJCT"}', '{"transactionStatus":"XXXX"}',
    '{"tppMessages":[{"category":"ERROR","code":"FORMAT_ERROR","text":"creditorName must be 1 to 70 characters"}]}',
    '{"tppMessages":[{"category":"ERROR","code":"CERTIFICATE_INVALID","text":"a client certificate is required"}]}',
    '{"tppMessages":[{"category":"ERROR","code":"RESOURCE_UNKNOWN","text":"no such payment"}]}',
])
