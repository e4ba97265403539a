using System.Text;

namespace Ktap.Bpf.Sys;

/// <summary>
/// Names of maps and programs: at most 15 characters of <c>[A-Za-z0-9_.]</c> plus a NUL in a
/// 16-byte field; the kernel refuses anything else with EINVAL (kernel/bpf/syscall.c, bpf_obj_name_cpy).
/// </summary>
public static unsafe class ObjectName
{
    public const int MaxLength = 15;

    public static bool IsValid(string name) =>
        name.Length <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');

    public static void Write(string name, byte* field)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid BPF object name: at most {MaxLength} characters of A-Z a-z 0-9 _ .", nameof(name));
        }

        for (var i = 0; i < name.Length; i++)
        {
            field[i] = (byte)name[i];
        }
    }

    public static string Read(byte* field)
    {
        var length = 0;
        while (length < 16 && field[length] != 0)
        {
            length++;
        }

        return Encoding.ASCII.GetString(field, length);
    }
}
