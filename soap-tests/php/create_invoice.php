<?php
// 004 §2.2.6, PHP example: CreateInvoice. Changes: the address, the
// certificate and the request id come from config.php; the example's
// unterminated '31129910101 is closed; the invoice id the hub answers is printed.
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
$name = 'Ernests Paraudziņš';
$code = '31129910101';
$address = 'Elizabetes 41/43, Rīga';


try
{
	$resp = $client-> CreateInvoice(array(
		'id' => $paymentRequestId,
		'name' => $name,
		'code' => $code,
		'address' => $address
	));

	echo 'Rēķins: ' . $resp->CreateInvoiceResult . "\n";
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	die('SoapFault: ' . $ex->getMessage());
}
