using System.Globalization;
using System.Text;

namespace Ktap.Bpf.Tracing;

/// <summary>One line of <c>/proc/PID/mountinfo</c> (proc(5)).</summary>
/// <param name="Root">The directory of the filesystem that is mounted here (<c>/</c> unless a bind mount of a subtree).</param>
/// <param name="MountPoint">Where it is mounted, unescaped.</param>
public sealed record MountEntry(int Id, int ParentId, string Root, string MountPoint, string Options, string FileSystemType, string Source);

/// <summary>Reads the mount table.</summary>
public static class MountInfo
{
    /// <summary>
    /// The calling thread's mount table. <c>/proc/thread-self</c> (Linux 3.17), because a thread
    /// can have its own mount namespace (unshare(CLONE_NEWNS) unshares only the caller), and
    /// <c>/proc/self</c> shows the main thread's.
    /// </summary>
    public static IReadOnlyList<MountEntry> Read()
    {
        var path = File.Exists("/proc/thread-self/mountinfo") ? "/proc/thread-self/mountinfo" : "/proc/self/mountinfo";
        return Parse(File.ReadAllText(path));
    }

    /// <summary>Parses mountinfo text; malformed lines are skipped.</summary>
    public static IReadOnlyList<MountEntry> Parse(string text)
    {
        var entries = new List<MountEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ParseLine(line) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue": six fixed
    // fields, any number of optional ones ended by "-", then type, source and super options.
    private static MountEntry? ParseLine(string line)
    {
        var fields = line.Split(' ');
        var separator = fields.Length < 7 ? -1 : Array.IndexOf(fields, "-", 6);
        if (separator < 0 || separator + 2 >= fields.Length
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
        {
            return null;
        }

        return new MountEntry(id, parent, Unescape(fields[3]), Unescape(fields[4]), fields[5], fields[separator + 1], Unescape(fields[separator + 2]));
    }

    /// <summary>The kernel writes space, tab, newline and backslash in paths as three-digit octal escapes (<c>\040</c>).</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                builder.Append((char)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
