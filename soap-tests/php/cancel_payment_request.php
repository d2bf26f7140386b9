<?php
// 004 §2.2.7, PHP example: CancelPaymentRequest. Changes: the address, the
// certificate and the request id come from config.php; success is printed.
header('Content-Type: text/html; charset=utf-8');
require __DIR__ . '/config.php';

$wsdlUrl = $maksaHttps . '/v1.0/WCFX509/PaymentRequestService.svc?singleWsdl';
// Sertifikātu no pfx uz pem konvertē ar komandu:
// openssl pkcs12 -in fails.pfx -out fails.pem
$authCertPath = $maksaClientPem;
$authCertPass = 'demo';

$client = new SoapClient($wsdlUrl, array('soap_version' => SOAP_1_1,
'local_cert' => $authCertPath, 'passphrase' => $authCertPass, 'stream_context' => $maksaContext));

$paymentRequestId = maksa_setting('MAKSA_REQUEST_ID');

try
{
	$client-> CancelPaymentRequest(array(
		'paymentRequestId' => $paymentRequestId
	));

	echo 'Atcelts: ' . $paymentRequestId . "\n";
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	die('SoapFault: ' . $ex->getMessage());
}
