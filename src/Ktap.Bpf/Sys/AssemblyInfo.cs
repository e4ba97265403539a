using System.Runtime.CompilerServices;

// Every native signature here is blittable: no marshalling stubs, nothing for NativeAOT to generate.
[assembly: DisableRuntimeMarshalling]
