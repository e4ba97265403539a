using System.Runtime.InteropServices;
using System.Text;

namespace Ktap.Bpf.Sys;

/// <summary>
/// Starts a program with <c>posix_spawn(3)</c>. .NET's Process can hand a child only the three
/// standard descriptors, and a .NET process cannot fork; glibc's posix_spawn clones with
/// CLONE_VM | CLONE_VFORK, which is safe from a process with many threads.
/// </summary>
public static unsafe class ProcessSpawn
{
    /// <summary>POSIX_SPAWN_SETSIGMASK: the child starts with the mask given, not the caller's thread's.</summary>
    private const short SetSignalMask = 0x08;

    // glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on 64-bit Linux;
    // both get room to spare.
    private const int OpaqueSize = 1024;

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first) and this
    /// process's environment; each pair of <paramref name="descriptors"/> is duplicated onto its
    /// target number in the child. Returns the child's pid.
    /// </summary>
    /// <exception cref="KernelException">posix_spawn failed (the program could not be run).</exception>
    public static int Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<(int Fd, int Target)> descriptors)
    {
        var environment = File.ReadAllBytes("/proc/self/environ").AsSpan().TrimEnd((byte)0).ToArray();
        var variables = environment.Length == 0 ? [] : Split(environment);
        using var argv = new NativeStrings(arguments.Select(Encoding.UTF8.GetBytes));
        using var envp = new NativeStrings(variables);
        using var file = new NativeStrings([Encoding.UTF8.GetBytes(path)]);
        var actions = (byte*)NativeMemory.AllocZeroed(OpaqueSize);
        var attributes = (byte*)NativeMemory.AllocZeroed(OpaqueSize);
        var mask = (byte*)NativeMemory.AllocZeroed(OpaqueSize);
        try
        {
            Libc.PosixSpawnFileActionsInit(actions);
            Libc.PosixSpawnAttrInit(attributes);
            foreach (var (fd, target) in descriptors)
            {
                Libc.PosixSpawnFileActionsAddDup2(actions, fd, target);
            }

            // The calling thread may block signals (the runtime's threads do); the child must not.
            Libc.SigEmptySet(mask);
            Libc.PosixSpawnAttrSetSigMask(attributes, mask);
            Libc.PosixSpawnAttrSetFlags(attributes, SetSignalMask);
            int pid;
            var error = Libc.PosixSpawn(&pid, file.Pointers[0], actions, attributes, argv.Pointers, envp.Pointers);
            return error == 0 ? pid : throw new KernelException($"posix_spawn({path})", error);
        }
        finally
        {
            Libc.PosixSpawnFileActionsDestroy(actions);
            Libc.PosixSpawnAttrDestroy(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(mask);
        }
    }

    private static List<byte[]> Split(byte[] block)
    {
        var parts = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= block.Length; i++)
        {
            if (i == block.Length || block[i] == 0)
            {
                parts.Add(block[start..i]);
                start = i + 1;
            }
        }

        return parts;
    }

    /// <summary>A NULL-terminated array of NUL-terminated strings in native memory, as exec takes them.</summary>
    private sealed class NativeStrings : IDisposable
    {
        private readonly List<nint> blocks = [];

        public NativeStrings(IEnumerable<byte[]> strings)
        {
            var list = strings.ToList();
            Pointers = (byte**)NativeMemory.AllocZeroed((nuint)(list.Count + 1), (nuint)sizeof(byte*));
            for (var i = 0; i < list.Count; i++)
            {
                var bytes = (byte*)NativeMemory.AllocZeroed((nuint)list[i].Length + 1);
                list[i].CopyTo(new Span<byte>(bytes, list[i].Length));
                blocks.Add((nint)bytes);
                Pointers[i] = bytes;
            }
        }

        public byte** Pointers { get; }

        public void Dispose()
        {
            foreach (var block in blocks)
            {
                NativeMemory.Free((void*)block);
            }

            NativeMemory.Free(Pointers);
        }
    }
}
