namespace Ktap.Runtime.Tests.Probes;

/// <summary>
/// A C program compiled once per test run with the machine's <c>cc</c>, as a fixed-address
/// executable (so a function's address and its file offset differ) and as a PIE. Its USDT notes
/// are written by hand in the layout of SystemTap's &lt;sys/sdt.h&gt; (the approach of
/// Ktap.Bpf.Tests' test binaries), with register constraints that pin each argument's register.
/// </summary>
internal static class TestProgram
{
    private static readonly Lazy<(string FixedAddress, string Pie)> Programs = new(Compile);

    public static string FixedAddress => Programs.Value.FixedAddress;

    public static string Pie => Programs.Value.Pie;

    /// <summary>
    /// The marker macro: a nop at the probe site, an NT_STAPSDT note naming it (pc, base,
    /// semaphore, then provider, name and argument specs), and the one-byte .stapsdt.base
    /// section the note's base field points at.
    /// </summary>
    private const string Source = """
        #define MARK(provider, name, semaphore, args, ...)                                          \
            __asm__ __volatile__(                                                                   \
                "990: nop\n"                                                                        \
                ".pushsection .note.stapsdt, \"\", \"note\"\n"                                      \
                ".balign 4\n"                                                                       \
                ".4byte 992f-991f, 994f-993f, 3\n"                                                  \
                "991: .asciz \"stapsdt\"\n"                                                         \
                "992: .balign 4\n"                                                                  \
                "993: .8byte 990b\n"                                                                \
                ".8byte _.stapsdt.base\n"                                                           \
                ".8byte " semaphore "\n"                                                            \
                ".asciz \"" provider "\"\n"                                                         \
                ".asciz \"" name "\"\n"                                                             \
                ".asciz \"" args "\"\n"                                                             \
                "994: .balign 4\n"                                                                  \
                ".popsection\n"                                                                     \
                ".ifndef _.stapsdt.base\n"                                                          \
                ".pushsection .stapsdt.base, \"aG\", \"progbits\", .stapsdt.base, comdat\n"         \
                ".weak _.stapsdt.base\n"                                                            \
                ".hidden _.stapsdt.base\n"                                                          \
                "_.stapsdt.base: .space 1\n"                                                        \
                ".size _.stapsdt.base, 1\n"                                                         \
                ".popsection\n"                                                                     \
                ".endif\n"                                                                          \
                : : __VA_ARGS__)

        __attribute__((section(".probes"), used)) volatile unsigned short ktap_counted_semaphore;
        long ktap_global = 7;

        __attribute__((noinline, used)) int target_function(int x)
        {
            MARK("ktap_test", "plain", "0", "-4@%0", "D"(x));
            return x * 3 + 1;
        }

        __attribute__((noinline, used)) long second_function(long y, short z)
        {
            MARK("ktap_test", "counted", "ktap_counted_semaphore", "8@%0 -2@%1", "S"(y), "d"(z));
            MARK("ktap_test", "mixed", "0", "-4@%0 8@%1 4@%2", "a"((int)y), "m"(ktap_global), "n"(5));
            MARK("other", "twice", "0", "", "i"(0));
            return y + z;
        }

        __attribute__((noinline, used)) int third(int v)
        {
            MARK("other", "twice", "0", "", "i"(0));
            return v - 1;
        }

        int main(int argc, char **argv)
        {
            (void)argv;
            return target_function(argc) + (int)second_function(argc, 2) + third(argc) > 1000;
        }
        """;

    private static (string, string) Compile()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"ktap-probe-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var source = Path.Combine(directory, "program.c");
        File.WriteAllText(source, Source);
        var fixedAddress = Path.Combine(directory, "program-exec");
        var pie = Path.Combine(directory, "program-pie");
        Tool.Run("cc", "-O1", "-Wall", "-Werror", "-fno-pie", "-no-pie", "-o", fixedAddress, source);
        Tool.Run("cc", "-O1", "-Wall", "-Werror", "-fPIE", "-pie", "-o", pie, source);
        return (fixedAddress, pie);
    }
}
