<?php
// 004 §2.2.1, PHP example: SavePaymentRequest. Changes: the address and the
// certificate come from config.php (with the demo CA trusted), and the answer
// is printed instead of redirecting.
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
	$resp = $client->SavePaymentRequest(array(
		'paymentRequest' => array
		(
			'Payment' => null,
			'PaymentRequest' => array
			(
				'ClientInfo' => array
				(
					'ClientCode' => '31129900000',
					'ClientFirstName' => 'Ernests',
					'ClientName' => 'Paraudziņš',
					'ClientEMail' => 'e@p.lv',
					'ClientPhone' => '26620000',
					'ClientAddress' => 'Rātslaukums 1, LV-1050, Rīga'
				),
				'ParentPaymentRequestID' => null,
				'PaymentObject' => '02Y70 payment',
				'PriceList' => array(
					array('Item' => 1, 'ItemElementName' => 'Quantity', 'Position' => 53),
					array('Item' => 12.12, 'ItemElementName' => 'Amount', 'Position' => 54),
				),
				'ResponseUrl' => 'http://jusu-response-url',
				'ReturnRedirectUrl' => 'http://jusu-pakalpojuma-url',

				'ServerResponseUrl' => 'http://jusu-response-url-s2s',
				'ServiceStep' => '02Y70',
				'SwiftCode' => 'DEMO0000',
			),
			'PaymentRequestPPK' => null,
			'PaymentRequestResponse' => null,
			'PaymentRequestStatus' => null
		)
	));

	// Saglabā identifikatoru
	$paymentRequestId = $resp->SavePaymentRequestResult->PaymentRequestId;

	// Izsauc lietotāja saskarni
	header('Location: ' . $resp->SavePaymentRequestResult->PaymentRequestUrl);
	echo 'PaymentRequestId: ' . $paymentRequestId . "\n";
	echo 'PaymentRequestUrl: ' . $resp->SavePaymentRequestResult->PaymentRequestUrl . "\n";
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	// TODO: Nomainīt uz kļūdu apstrādi
	die('SoapFault: ' . $ex->getMessage());
}
