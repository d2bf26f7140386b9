<?php
// Where the examples find the hub and the client certificate. Not part of 004's
// examples, which hard-code a test server and a certificate path: here they come
// from the environment, so the same scripts run against any `maksa demo`.
//
//   MAKSA_HTTPS       the hub's HTTPS address, e.g. https://localhost:8443
//   MAKSA_CLIENT_PEM  the client certificate and its key in one PEM file
//                     (`cat demo-client.crt.pem demo-client.key.pem`)
//   MAKSA_CA          the CA that issued the hub's server certificate (demo-ca.crt.pem)
//   MAKSA_REQUEST_ID  the payment request the status, invoice and cancel examples use
//   MAKSA_POSITION    the price-list position of checkpaymentstatus (default 53)

function maksa_setting($name, $default = null)
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        if ($default === null) {
            fwrite(STDERR, "$name is not set (see soap-tests/php/config.php)\n");
            exit(2);
        }
        return $default;
    }
    return $value;
}

$maksaHttps = rtrim(maksa_setting('MAKSA_HTTPS'), '/');
$maksaClientPem = maksa_setting('MAKSA_CLIENT_PEM');
// The demo's CA is not in the system's trust store: trust it for these calls.
$maksaContext = stream_context_create(array('ssl' => array(
    'cafile' => maksa_setting('MAKSA_CA'),
    'verify_peer' => true,
    'verify_peer_name' => true,
)));

// Prints a fault the way a client would log it: the message, and the detail
// WCF clients catch as FaultException<PaymentRequestFault>.
function maksa_fault_detail($ex)
{
    if (isset($ex->detail->PaymentRequestFault)) {
        $fault = $ex->detail->PaymentRequestFault;
        echo 'PaymentRequestFault: ' . $fault->Code . ' ' . $fault->Message . "\n";
    }
}
