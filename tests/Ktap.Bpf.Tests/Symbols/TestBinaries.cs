namespace Ktap.Bpf.Tests.Symbols;

/// <summary>
/// C programs compiled once per test run with the machine's <c>cc</c>: a PIE, a fixed-address
/// (ET_EXEC) executable, and a shared library, all with known functions, an IFUNC and USDT
/// probes. The USDT notes are written by hand in inline assembly, in the layout SystemTap's
/// &lt;sys/sdt.h&gt; uses, so the tests need no systemtap-sdt-dev.
/// </summary>
internal static class TestBinaries
{
    private static readonly Lazy<Compiled> Programs = new(Compile);

    public static string Pie => Programs.Value.Pie;

    public static string FixedAddress => Programs.Value.FixedAddress;

    public static string Library => Programs.Value.Library;

    /// <summary>
    /// The probe macro: a nop at the probe site, a NT_STAPSDT note naming it, and the one-byte
    /// .stapsdt.base section the note's base field points at (defined once per object: the
    /// comdat group keeps one per link). Operands are the "%0"-style arguments in the spec.
    /// </summary>
    private const string Source = """
        #include <stdio.h>
        #include <string.h>

        #define KTAP_USDT(provider, name, semaphore, args, ...)                                      \
            __asm__ __volatile__(                                                                    \
                "990: nop\n"                                                                         \
                ".pushsection .note.stapsdt, \"\", \"note\"\n"                                       \
                ".balign 4\n"                                                                        \
                ".4byte 992f-991f, 994f-993f, 3\n"                                                   \
                "991: .asciz \"stapsdt\"\n"                                                          \
                "992: .balign 4\n"                                                                   \
                "993: .8byte 990b\n"                                                                 \
                ".8byte _.stapsdt.base\n"                                                            \
                ".8byte " semaphore "\n"                                                             \
                ".asciz \"" provider "\"\n"                                                          \
                ".asciz \"" name "\"\n"                                                              \
                ".asciz \"" args "\"\n"                                                              \
                "994: .balign 4\n"                                                                   \
                ".popsection\n"                                                                      \
                ".ifndef _.stapsdt.base\n"                                                           \
                ".pushsection .stapsdt.base, \"aG\", \"progbits\", .stapsdt.base, comdat\n"          \
                ".weak _.stapsdt.base\n"                                                             \
                ".hidden _.stapsdt.base\n"                                                           \
                "_.stapsdt.base: .space 1\n"                                                         \
                ".size _.stapsdt.base, 1\n"                                                          \
                ".popsection\n"                                                                      \
                ".endif\n"                                                                           \
                : : __VA_ARGS__)

        /* A USDT semaphore: an unsigned short in .probes that tracers count up while attached. */
        __attribute__((section(".probes"), used)) volatile unsigned short ktap_test_counted_semaphore;

        __attribute__((noinline, noclone, used)) int target_function(int x)
        {
            KTAP_USDT("ktap_test", "plain", "0", "-4@%0", "r"(x));
            return x * 3 + 1;
        }

        __attribute__((noinline, noclone, used)) static long static_helper(long y, const char *text)
        {
            KTAP_USDT("ktap_test", "counted", "ktap_test_counted_semaphore", "8@%0 8@%1", "r"(y), "r"(text));
            return y + (long)strlen(text);
        }

        __attribute__((noinline, noclone, used)) int second_function(int a, int b)
        {
            return a * b - static_helper(a, "ktap");
        }

        static int double_it(int x) { return 2 * x; }
        static int (*pick_double(void))(int) { return double_it; }
        int indirect_double(int x) __attribute__((ifunc("pick_double")));

        #ifndef KTAP_LIBRARY
        int main(int argc, char **argv)
        {
            if (argc > 1 && strcmp(argv[1], "wait") == 0)
            {
                /* Tell the test where the functions are, then wait for stdin to close. */
                printf("%p %p\n", (void *)target_function, (void *)second_function);
                fflush(stdout);
                while (getchar() != EOF)
                    ;
            }

            return target_function(argc) + second_function(argc, 2) + indirect_double(argc) > 1000;
        }
        #endif
        """;

    private static Compiled Compile()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"ktap-symbols-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);

        var source = Path.Combine(directory, "program.c");
        File.WriteAllText(source, Source);
        var common = new[] { "-O1", "-Wall", "-Werror", "-Wl,--build-id=sha1", source };
        var pie = Path.Combine(directory, "program-pie");
        var fixedAddress = Path.Combine(directory, "program-exec");
        var library = Path.Combine(directory, "libktaptest.so");
        Tool.Run("cc", [.. common, "-fPIE", "-pie", "-o", pie]);
        Tool.Run("cc", [.. common, "-fno-pie", "-no-pie", "-o", fixedAddress]);
        Tool.Run("cc", [.. common, "-fPIC", "-shared", "-DKTAP_LIBRARY", "-o", library]);
        return new Compiled(pie, fixedAddress, library);
    }

    private sealed record Compiled(string Pie, string FixedAddress, string Library);
}
