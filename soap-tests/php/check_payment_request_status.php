<?php
// 004 §2.2.2, PHP example: CheckPaymentRequestStatus. Changes: the address,
// the certificate and the request id come from config.php.
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
	$resp = $client->CheckPaymentRequestStatus(array(
		'paymentRequestId' => $paymentRequestId
	));

	// TODO: Darbības, ja pieprasījums izdevies veiksmīgi
	// Maksāšanas pieprasījuma statuss (P = Procesā, E = Izpildīts, R = ExpireDate, O = Other, iespējams tikai ja apmaksas nodrošinātājs atgriež)
	echo 'Statuss: ' . $resp->CheckPaymentRequestStatusResult . '<br />' . "\n";
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	// TODO: Nomainīt uz kļūdu apstrādi
	die('SoapFault: ' . $ex->getMessage());
}
