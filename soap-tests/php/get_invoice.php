<?php
// 004 §2.8, PHP example: GetInvoice on MMService (certificate only). Changes:
// the address, the certificate and the request id come from config.php; the
// example reads `$result->DocumentDataContract`, which is `$resp->GetInvoiceResult`
// (the answer is named after the operation; DocumentDataContract is its type).
// MAKSA_MM_PATH picks the variant (default /v1.0/MMSOAP/MMService.svc; the one
// requiring MM_INVOICE_SERVICE is /Invoice.SOAP/MMService.svc); MAKSA_XML=1 asks for XML.
header('Content-Type: text/html; charset=utf-8');
require __DIR__ . '/config.php';

$wsdlUrl = $maksaHttps . maksa_setting('MAKSA_MM_PATH', '/v1.0/MMSOAP/MMService.svc') . '?singleWsdl';
// Sertifikātu no pfx uz pem konvertē ar komandu:
// openssl pkcs12 -in fails.pfx -out fails.pem
$authCertPath = $maksaClientPem;
$authCertPass = 'demo';

$client = new SoapClient($wsdlUrl, array('soap_version' => SOAP_1_1,
'local_cert' => $authCertPath, 'passphrase' => $authCertPass, 'stream_context' => $maksaContext));

try
{
	$resp = $client->GetInvoice(array(
	'paymentRequestId' => maksa_setting('MAKSA_REQUEST_ID'),
	'xmlFormat' => maksa_setting('MAKSA_XML', '0') === '1'
	));

	echo "Content Type: " . $resp->GetInvoiceResult->ContentType . "\n";
	echo "Name: " . $resp->GetInvoiceResult->Name . "\n";
	// Apstrādā bināros datus pēc vajadzības (atribūts $resp->GetInvoiceResult->Data)
	echo "Size: " . strlen($resp->GetInvoiceResult->Data) . "\n";
	echo "Starts with: " . substr($resp->GetInvoiceResult->Data, 0, 5) . "\n";
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	// TODO: Nomainīt uz kļūdu apstrādi
	die('SoapFault: ' . $ex->getMessage());
}
