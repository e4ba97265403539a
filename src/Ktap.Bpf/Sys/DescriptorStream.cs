namespace Ktap.Bpf.Sys;

/// <summary>
/// A write-only stream over a file descriptor this process did not open, as standard output:
/// every write is one <c>write(2)</c> at the descriptor's own offset. A FileStream on a regular
/// file writes with <c>pwrite</c> at a position it keeps itself, which leaves the offset shared
/// with the shell alone, so the next writer to the same file (<c>(ktap ...; echo done) &gt; log</c>)
/// writes over ktap's output. Console's stream would do, but it swallows EPIPE.
/// </summary>
public sealed unsafe class DescriptorStream(int fd) : Stream
{
    private const int EPIPE = 32;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <exception cref="IOException">The write failed; for a closed pipe its HResult is EPIPE (32).</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var result = Libc.Write(fd, start + written, (nuint)(buffer.Length - written));
                if (result < 0)
                {
                    var errno = Libc.LastErrno;
                    if (errno == Errnos.EINTR)
                    {
                        continue;
                    }

                    throw new IOException(errno == EPIPE ? "Broken pipe" : $"write to descriptor {fd} failed: {Errnos.Describe(errno)}", errno);
                }

                written += (int)result;
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
