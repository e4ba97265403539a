using System.IO.Compression;

namespace Ktap.Bpf.Events;

/// <summary>
/// The running kernel's build options, for error messages that name the missing one. Read only
/// when something is missing: <c>/proc/config.gz</c> (CONFIG_IKCONFIG_PROC), else
/// <c>/boot/config-RELEASE</c>.
/// </summary>
internal static class KernelConfig
{
    /// <summary>The option's value ("y", "m", a number or string), "n" when the config says it is not set, null when the config cannot be read.</summary>
    public static string? Get(string option)
    {
        var lines = ReadLines();
        if (lines is null)
        {
            return null;
        }

        foreach (var line in lines)
        {
            if (line.StartsWith(option + "=", StringComparison.Ordinal))
            {
                return line[(option.Length + 1)..];
            }
        }

        // A .config lists "# CONFIG_X is not set" for options it turned off, and omits options
        // whose dependencies are off: both mean no.
        return "n";
    }

    private static IEnumerable<string>? ReadLines()
    {
        try
        {
            if (File.Exists("/proc/config.gz"))
            {
                using var gzip = new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress);
                using var reader = new StreamReader(gzip);
                return reader.ReadToEnd().Split('\n');
            }

            var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            var boot = $"/boot/config-{release}";
            return File.Exists(boot) ? File.ReadAllLines(boot) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
