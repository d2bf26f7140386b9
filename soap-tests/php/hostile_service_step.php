<?php
// Not one of 004's examples: SavePaymentRequest with a 400,000-character
// ServiceStep, as a hostile or broken client might send it. The fault must
// come back small, with the value cut (docs/soap.md, "Faults").
require __DIR__ . '/config.php';

$wsdlUrl = $maksaHttps . '/services/VRAA.VISS2.MM.Endpoint/v1.0/WCFX509/PaymentRequestService.svc?singleWsdl';
$client = new SoapClient($wsdlUrl, array('soap_version' => SOAP_1_1,
'local_cert' => $maksaClientPem, 'stream_context' => $maksaContext, 'trace' => 1));

try
{
	$client->SavePaymentRequest(array('paymentRequest' => array('PaymentRequest' => array(
		'PaymentObject' => 'hostile',
		'PriceList' => array(array('Item' => 1, 'ItemElementName' => 'Quantity', 'Position' => 53)),
		'ServiceStep' => str_repeat('S', 400000),
	))));
	echo "Accepted\n";
}
catch(SoapFault $ex)
{
	maksa_fault_detail($ex);
	echo 'Fault length: ' . strlen($ex->getMessage()) . "\n";
	echo 'Response length: ' . strlen($client->__getLastResponse()) . "\n";
	echo 'SoapFault: ' . $ex->getMessage() . "\n";
}
