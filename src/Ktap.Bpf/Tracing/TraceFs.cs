using Ktap.Bpf.Sys;

namespace Ktap.Bpf.Tracing;

/// <summary>
/// Finds tracefs, and mounts it when it is missing. A fresh machine may have neither tracefs nor
/// debugfs mounted (systemd mounts them; a bare VM or container does not), so ktap reads the
/// mount table instead of guessing a path, and mounts tracefs itself where systemd would.
/// </summary>
public static class TraceFs
{
    /// <summary>Where tracefs lives since Linux 4.1, and where ktap mounts it.</summary>
    public const string DefaultMountPoint = "/sys/kernel/tracing";

    private const nuint MsNoSuid = 2;
    private const nuint MsNoDev = 4;
    private const nuint MsNoExec = 8;

    /// <summary>
    /// The root of a mounted tracefs, or null when there is none. Only mounts of the whole
    /// filesystem count (root <c>/</c>); <see cref="DefaultMountPoint"/> wins over others such
    /// as the deprecated <c>/sys/kernel/debug/tracing</c> automount.
    /// </summary>
    public static string? Find() => Find(MountInfo.Read());

    /// <inheritdoc cref="Find()"/>
    public static string? Find(IEnumerable<MountEntry> mounts)
    {
        var roots = mounts
            .Where(m => m.FileSystemType == "tracefs" && m.Root == "/")
            .Select(m => m.MountPoint)
            .ToList();
        return roots.Contains(DefaultMountPoint) ? DefaultMountPoint : roots.FirstOrDefault();
    }

    /// <summary>The root of tracefs, mounted at <see cref="DefaultMountPoint"/> first if no tracefs is mounted.</summary>
    /// <exception cref="KernelException">Mounting failed (it needs CAP_SYS_ADMIN) or did not take.</exception>
    public static string EnsureMounted() => Find() ?? Mount(DefaultMountPoint);

    /// <summary>
    /// Mounts tracefs at <paramref name="target"/> (<c>mount -t tracefs nodev TARGET</c>, with the
    /// nosuid, nodev and noexec that systemd uses), then checks the mount table shows it there.
    /// </summary>
    public static string Mount(string target)
    {
        const string call = "mount(tracefs)";

        // The mount table holds absolute paths without a trailing slash.
        target = Path.GetFullPath(target);
        if (target.Length > 1)
        {
            target = target.TrimEnd('/');
        }

        if (Libc.Mount("nodev", target, "tracefs", MsNoSuid | MsNoDev | MsNoExec, 0) != 0)
        {
            var errno = Libc.LastErrno;
            var why = errno is Errnos.EPERM or Errnos.EACCES
                ? $"tracefs is not mounted, and mounting it at {target} needs root (CAP_SYS_ADMIN)"
                : errno == Errnos.ENODEV
                    ? "this kernel has no tracefs (CONFIG_TRACING is not set)"
                    : $"cannot mount tracefs at {target}";
            throw new KernelException(call, errno, why);
        }

        if (!MountInfo.Read().Any(m => m.FileSystemType == "tracefs" && m.MountPoint == target))
        {
            throw new KernelException(call, Errnos.ENOENT, $"mount(2) succeeded but no tracefs shows at {target} in the mount table");
        }

        if (!Directory.Exists(Path.Combine(target, "events")))
        {
            throw new KernelException(call, Errnos.ENOENT, $"tracefs at {target} has no events directory (CONFIG_EVENT_TRACING is not set?)");
        }

        return target;
    }
}
