namespace Ktap.Bpf.Sys;

/// <summary>
/// A write-only stream over a descriptor the process inherited, as standard output, written with
/// write(2). A FileStream will not do: on a regular file it writes with pwrite(2) at a position
/// of its own and never moves the descriptor's offset, which the shell shares with the commands
/// that follow, so <c>(ktap ...; echo done) &gt; log</c> would lose ktap's first bytes under
/// echo's. The console stream will not do either: it ignores EPIPE, and ktap must stop when
/// the reader of its pipe has gone. EPIPE is an IOException whose HResult is the errno (32).
/// </summary>
public sealed unsafe class DescriptorStream(int fd) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var written = Libc.Write(fd, start + done, (nuint)(buffer.Length - done));
                if (written < 0)
                {
                    var errno = Libc.LastErrno;
                    if (errno == Errnos.EINTR)
                    {
                        continue;
                    }

                    throw new IOException($"write(2) to descriptor {fd}: {Errnos.Describe(errno)}", errno);
                }

                done += (int)written;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
