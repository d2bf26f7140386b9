<?php
// 004 §2.2.4, PHP example: GetPayments. Changes as in get_payment_requests.php.
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
	$resp = $client->GetPayments(array(
		'paymentDateFrom' => getdate(),
		'paymentDateTill' => getdate(),
		'amountFrom' => 10,
		'amountTill' => 100,
		'currency' => "EUR"

	));

	$items = isset($resp->GetPaymentsResult->PaymentInfoStructure)
		? $resp->GetPaymentsResult->PaymentInfoStructure : array();
	if (!is_array($items)) {
		$items = array($items);
	}
	echo 'Maksājumi: ' . count($items) . '<br />' . "\n";
	foreach ($items as $item) {
		echo 'Maksājums: ' . $item->PaymentRequestUniqueId . ' ' . $item->StatusCode . ' '
			. $item->Amount . ' ' . $item->Currency . ' ' . $item->PayeeAccountNumber . '<br />' . "\n";
	}
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	// TODO: Nomainīt uz kļūdu apstrādi
	die('SoapFault: ' . $ex->getMessage());
}
