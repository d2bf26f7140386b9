// 004 §2.2.1, .NET example: SavePaymentRequest through a service reference
// generated from the hub's ?singleWsdl (soap-tests/dotnet/README.md). The
// example is printed as a method body; it is wrapped in a program here.
// Changes: the certificate is loaded from a PFX file (MAKSA_CLIENT_PFX,
// password MAKSA_CLIENT_PFX_PASSWORD) instead of the Windows store; the dates
// are set as "specified" and the expiry comes from MAKSA_EXPIRY_DAYS (so that
// a past expiry shows a fault); `Client` is `client` (a typo in 004); the
// address comes from the configuration (SavePaymentRequest.exe.config); the
// identifier and the fault are printed.
using System;
using System.ServiceModel;
using VRAA.VISS2.MM.Endpoint;

public static class Program
{
    static void RedirectTo(string url)
    {
        Console.WriteLine("PaymentRequestUrl: " + url);
    }

    public static int Main()
    {
        int expiryDays = int.Parse(Environment.GetEnvironmentVariable("MAKSA_EXPIRY_DAYS") ?? "5");

            PaymentRequestServiceReference.PaymentRequestServiceClient client =
                new PaymentRequestServiceReference.PaymentRequestServiceClient();
            string error = null;
            client.ClientCredentials.ClientCertificate.Certificate =
                new System.Security.Cryptography.X509Certificates.X509Certificate2(
                    Environment.GetEnvironmentVariable("MAKSA_CLIENT_PFX"),
                    Environment.GetEnvironmentVariable("MAKSA_CLIENT_PFX_PASSWORD"));

            try
            {
                var request = new PaymentsDataStructure()
                {
                    PaymentRequest = new PaymentRequestStructure()
                    {
                      //Ja nav norādīta neviena  AllowedBankStructure - tad tiek attēlotas visas apmaksāšanas iespējas.
                      AllowedBanks = new AllowedBankStructure[]
                     {
                         new AllowedBankStructure() { SwiftCode = "DEMO0000" },
                        new AllowedBankStructure() { SwiftCode = "HABALV22" }
                     },
                     ClientInfo = new ClientInfoStructure()
                     {
                        ClientCode = "31129900000",
                        ClientFirstName = "Ernests",
                        ClientName = "Paraudziņš",
                        ClientEMail = "e@p.lv",
                        ClientPhone = "26620000",
                        ClientAddress = "Rātslaukums 1, LV-1050, Rīga"
                     },
                     ExpiryDate = DateTime.Now.AddDays(expiryDays),
                     ExpiryDateSpecified = true,
                     InvoiceIssueDate = DateTime.Now,
                     InvoiceIssueDateSpecified = true,
                     NoInvoice = true, //vai nepieciešams attainsojuma dokuments
                     PaymentObject = "PmtInfo",
                     PriceList = new PriceListStructure[]
                     {
                          new PriceListStructure()
                          {
                              Item = 4.56m,
                              Position = "1",
                              ItemElementName = ItemChoiceType.Quantity,
                          },
                          new PriceListStructure()
                          {
                              Item = 0.54m,
                              Position = "2",
                              ItemElementName = ItemChoiceType.Amount,
                          }
                      },
                      ResponseUrl = "http://jusu-response-url",
                      ServerResponseUrl = "http://jusu-response-url-s2s",
                      ReturnRedirectUrl = "https://latvija.lv/EP21/",
                      ServiceStep = "DEM11",
                      SwiftCode = "DEMO0000", //Bankas SWIFT kods, ar kuru autorizējies lietotājs
                  }
                };

                PaymentRequestResponseStructure result =
client.SavePaymentRequest(request);

                //saglabāt identifikatoru
                var paymentRequestId = result.PaymentRequestId;
                Console.WriteLine("PaymentRequestId: " + paymentRequestId);

                //izsaukt lietotāja interfeisu
                RedirectTo(result.PaymentRequestUrl);
            }
            catch (FaultException<PaymentRequestFault> ex)
            {
                error = ex.Detail.Message;
                client.Abort();
                Console.WriteLine("PaymentRequestFault: " + ex.Detail.Code + " " + error);
            }
        return 0;
    }
}
