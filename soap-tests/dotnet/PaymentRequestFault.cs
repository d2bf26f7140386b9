// The fault detail every operation of the hub's WSDL declares (wsdl:fault
// PaymentRequestFaultFault), as Microsoft's svcutil generates it from the
// schema. Mono's svcutil does not import wsdl:fault; with this file and the
// [FaultContract] the test adds to each operation of the generated interface
// (again what Microsoft's svcutil writes), the example's
// `catch (FaultException<PaymentRequestFault> ex)` compiles and catches.
namespace VRAA.VISS2.MM.Endpoint
{
    [System.Runtime.Serialization.DataContractAttribute(Name = "PaymentRequestFault", Namespace = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint")]
    public partial class PaymentRequestFault : object, System.Runtime.Serialization.IExtensibleDataObject
    {
        public System.Runtime.Serialization.ExtensionDataObject ExtensionData { get; set; }

        [System.Runtime.Serialization.DataMemberAttribute()]
        public string Code { get; set; }

        [System.Runtime.Serialization.DataMemberAttribute()]
        public string Message { get; set; }
    }
}
