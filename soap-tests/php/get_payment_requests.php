<?php
// 004 §2.2.3, PHP example: GetPaymentRequests. Changes: the address and the
// certificate come from config.php; plain quotes for the example's typographic
// ones around EUR; the result (a list, which PHP cannot echo as a string) is
// printed item by item. `getdate()` is kept: PHP sends an array where a date
// belongs as an empty element, which the hub reads as "no bound".
header('Content-Type: text/html; charset=utf-8');
require __DIR__ . '/config.php';

$wsdlUrl = $maksaHttps . '/v1.0/WCFX509/PaymentRequestService.svc?singleWsdl';
// Sertifikātu no pfx uz pem konvertē ar komandu:
// openssl pkcs12 -in fails.pfx -out fails.pem
$authCertPath = $maksaClientPem;
$authCertPass = 'demo';
$client = new SoapClient($wsdlUrl, array('soap_version' => SOAP_1_1,
'local_cert' => $authCertPath, 'passphrase' => $authCertPass, 'stream_context' => $maksaContext));

try
{
	$resp = $client->GetPaymentRequests(array(
		'createdDateFrom' => getdate(),
		'createdDateTill' => getdate(),
		'paymentDateFrom' => null,
		'paymentDateTill' => null,
		'expirationDateFrom' => null,
		'expirationDateTill' => null,
		'amountFrom' => 10,
		'amountTill' => 100,
		'onlyNotPayed' => false,
		'currency' => "EUR"

	));

	$items = isset($resp->GetPaymentRequestsResult->PaymentRequestInfoStructure)
		? $resp->GetPaymentRequestsResult->PaymentRequestInfoStructure : array();
	// One item arrives as an object, several as an array.
	if (!is_array($items)) {
		$items = array($items);
	}
	echo 'Pieprasījumi: ' . count($items) . '<br />' . "\n";
	foreach ($items as $item) {
		echo 'Pieprasījums: ' . $item->PaymentRequestUniqueId . ' ' . $item->Status . ' '
			. $item->TotalAmount . ' ' . $item->Currency . ' ' . $item->UsageStatus . '<br />' . "\n";
	}
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	// TODO: Nomainīt uz kļūdu apstrādi
	die('SoapFault: ' . $ex->getMessage());
}
