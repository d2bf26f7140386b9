// Visual Studio's "Add Service Reference" puts the proxy in the namespace the
// reference is named after (PaymentRequestServiceReference, as 004's example
// calls it); Mono's svcutil leaves the client in the global namespace. This
// gives it the example's name; nothing else.
namespace PaymentRequestServiceReference
{
    public class PaymentRequestServiceClient : global::PaymentRequestServiceClient
    {
    }
}
