using Ktap.Bpf.Symbols;
using Ktap.Bpf.Tracing.Output;

namespace Ktap.Bpf.Tests.Tracing.Output;

/// <summary>Conversions as lib/vsprintf.c does them, where that differs from C's printf too.</summary>
public sealed class KernelPrintfTests
{
    [Theory]
    [InlineData("\"%d %i %u\", -5, -5, -5", "-5 -5 4294967291")]
    [InlineData("\"%x %X %o\", 255, 255, 8", "ff FF 10")]
    [InlineData("\"%#x %#X %#o %#o\", 255, 255, 8, 0", "0xff 0XFF 010 0")]
    [InlineData("\"%#x|%#lx\", 0, 0UL", "0x0|0x0")]
    [InlineData("\"%5d|%-5d|%05d|%+d|% d\", 42, 42, 42, 42, 42", "   42|42   |00042|+42| 42")]
    [InlineData("\"%03d|%-03d|%+04d\", -5, -5, 5", "-05|-5 |+005")]
    [InlineData("\"%.5d|%8.3d|%.0d\", 42, 42, 0", "00042|     042|0")]
    [InlineData("\"%#08x|%#8x|%-#8x|\", 1, 1, 1", "0x000001|     0x1|0x1     |")]
    [InlineData("\"%2d\", 100", "100")]
    [InlineData("\"%hhx %hhd %hx %hd %hu\", 0x1ff, 0xff, 0x12345, 70000, -1", "ff -1 2345 4464 65535")]
    [InlineData("\"%ld %lu %lx\", -1L, -1L, -1L", "-1 18446744073709551615 ffffffffffffffff")]
    [InlineData("\"%lld %llu %llx %Lu\", -2LL, 2ULL, 255ULL, 7ULL", "-2 2 ff 7")]
    [InlineData("\"%zu %zd %zx\", 10UL, -10L, 10UL", "10 -10 a")]
    [InlineData("\"%c%c%3c|%-3c|\", 'o', 107, 'x', 'y'", "ok  x|y  |")]
    [InlineData("\"100%% %d\", 1", "100% 1")]
    [InlineData("\"%s|%5s|%-5s|%.2s|%5.1s|\", \"abc\", \"abc\", \"abc\", \"abc\", \"abc\"", "abc|  abc|abc  |ab|    a|")]
    [InlineData("\"%*d|%-*d|%.*s\", 4, 7, 3, 7, 2, \"xyz\"", "   7|7  |xy")]
    [InlineData("\"%*d|\", -4, 7", "7   |")]
    [InlineData("\"a%nb %d\", 1", "a")]
    [InlineData("\"%d %d\", 1", "1 [unsupported: missing argument]")]
    public void IntegersCharsAndStringsAsTheKernelPrintsThem(string printFormat, string expected) =>
        Assert.Equal(expected, TestEvent.Render(printFormat));

    [Theory]
    [InlineData("\"%lx %ld\", REC->u, REC->i", "fffffffd 4294967293")]
    [InlineData("\"%lx %ld\", (long)REC->i, (long)REC->i", "fffffffffffffffd -3")]
    [InlineData("\"%d %u\", REC->big, REC->big", "-1 4294967295")]
    public void AConversionReadsItsOwnWidthFromTheArgument(string printFormat, string expected)
    {
        // A 32-bit argument read as long: x86-64 leaves the register's upper half zero.
        var record = new RecordBuilder(32).U32(8, 0xffff_fffd).U32(12, 0xffff_fffd).U64(16, ulong.MaxValue).Build();
        Assert.Equal(expected, TestEvent.Render(printFormat, record, ["unsigned int u;8;4;0", "int i;12;4;1", "u64 big;16;8;0"]));
    }

    [Theory]
    [InlineData("\"%s\", ((void *)0)", "(null)")]
    [InlineData("\"%.3s|%10s|\", ((void *)0), ((void *)0)", "(nu|    (null)|")]
    [InlineData("\"%s\", (char *)12", "(efault)")]
    [InlineData("\"%s\", (char *)-22L", "(efault)")]
    [InlineData("\"%s\", (char *)0xffffffff81000000UL", "[unsupported: string at 0xffffffff81000000]")]
    public void StringsOfKernelAddressesSayWhatTheKernelSays(string printFormat, string expected) =>
        Assert.Equal(expected, TestEvent.Render(printFormat));

    [Theory]
    [InlineData("\"%p\", (void *)0xffff888100001234UL", "ffff888100001234")]
    [InlineData("\"%p|%px|%pK\", (void *)0x1234, (void *)0x1234, (void *)0x1234", "0000000000001234|0000000000001234|0000000000001234")]
    [InlineData("\"%p\", ((void *)0)", "0000000000000000")]
    [InlineData("\"%pS\", (void *)0xffffffff81000150UL", "vfs_read+0x50/0x100")]
    [InlineData("\"%ps()|%pS\", (void *)0xffffffff81000100UL, (void *)0xffffffff81000100UL", "vfs_read()|vfs_read+0x0/0x100")]
    [InlineData("\"%pB\", (void *)0xffffffff81000200UL", "vfs_read+0x100/0x100")]
    [InlineData("\"%pS|%ps\", (void *)0xffffffffa0000010UL, (void *)0xffffffffa0000010UL", "ext4_sync+0x10/0x20 [ext4]|ext4_sync [ext4]")]
    [InlineData("\"%pS|%ps\", (void *)0x1234, ((void *)0)", "0x1234|0x0")]
    [InlineData("\"[%20ps]\", (void *)0xffffffff81000100UL", "[            vfs_read]")]
    [InlineData("\"%pf|%pF\", (void *)0x1234, (void *)0x1234", "(%pf?)|0000000000001234")]
    [InlineData("\"%pd|%pg\", ((void *)0), (void *)0xffff888100000000UL", "(null)|[unsupported: %pg]")]
    [InlineData("\"%pe|%pe\", (void *)-12L, (void *)0x1234", "-12|0000000000001234")]
    public void PointersAndSymbols(string printFormat, string expected) =>
        Assert.Equal(expected, TestEvent.Render(printFormat, symbols: new TestSymbols()));

    [Theory]
    [InlineData("\"%pM|%pMF|%pMR|%pm\", REC->mac, REC->mac, REC->mac, REC->mac", "00:1a:2b:3c:4d:5e|00-1a-2b-3c-4d-5e|5e:4d:3c:2b:1a:00|001a2b3c4d5e")]
    [InlineData("\"%pI4|%pi4|%pI4h\", REC->ip4, REC->ip4, REC->ip4", "10.0.2.15|010.000.002.015|15.2.0.10")]
    [InlineData("\"%pU|%pUl|%pUB\", REC->uuid, REC->uuid, REC->uuid",
        "00112233-4455-6677-8899-aabbccddeeff|33221100-5544-7766-8899-aabbccddeeff|00112233-4455-6677-8899-AABBCCDDEEFF")]
    [InlineData("\"%*ph|%*phC|%*phN|%ph\", 3, REC->mac, 3, REC->mac, 3, REC->mac, REC->mac", "00 1a 2b|00:1a:2b|001a2b|00")]
    [InlineData("\"%*pb|%*pbl|%*pbl\", 12, REC->mac, 12, REC->mac, 48, REC->mac", "a00|9,11|9,11-12,16-17,19,21,26-29,32,34-35,38,41-44,46")]
    [InlineData("\"%pad\", &REC->addr", "0x00000000deadbeef")]
    [InlineData("\"%pM|%pI4\", ((void *)0), (void *)0xffff888100000000UL", "(null)|[unsupported: kernel memory]")]
    public void ExtensionsThatReadTheRecord(string printFormat, string expected)
    {
        var record = new RecordBuilder(64)
            .Bytes(8, 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e)
            .Bytes(14, 10, 0, 2, 15)
            .Bytes(18, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff)
            .U64(40, 0xdeadbeef)
            .Build();
        string[] fields = ["u8 mac[6];8;6;0", "u8 ip4[4];14;4;0", "u8 uuid[16];18;16;0", "u64 addr;40;8;0"];
        Assert.Equal(expected, TestEvent.Render(printFormat, record, fields));
    }

    [Theory]
    [InlineData("::1", "\"%pI6c\", REC->a", 15, 1)]
    [InlineData("0000:0000:0000:0000:0000:0000:0000:0001", "\"%pI6\", REC->a", 15, 1)]
    [InlineData("00000000000000000000000000000001", "\"%pi6\", REC->a", 15, 1)]
    [InlineData("1::", "\"%pI6c\", REC->a", 1, 1)]
    [InlineData("1:0:2:3:4:5:6:7", "\"%pI6c\", REC->a", 1, 1, 5, 2, 7, 3, 9, 4, 11, 5, 13, 6, 15, 7)]
    [InlineData("2001:db8::1:0:0:1", "\"%pI6c\", REC->a", 0, 0x20, 1, 0x01, 2, 0x0d, 3, 0xb8, 9, 1, 15, 1)]
    [InlineData("::ffff:1.2.3.4", "\"%pI6c\", REC->a", 10, 0xff, 11, 0xff, 12, 1, 13, 2, 14, 3, 15, 4)]
    public void Ipv6Addresses(string expected, string printFormat, params int[] bytes)
    {
        var record = new RecordBuilder(32);
        for (var i = 0; i < bytes.Length; i += 2)
        {
            record.U8(8 + bytes[i], (byte)bytes[i + 1]);
        }

        Assert.Equal(expected, TestEvent.Render(printFormat, record.Build(), ["u8 a[16];8;16;0"]));
    }

    [Fact]
    public void SocketAddresses()
    {
        string[] fields = ["u8 sa[28];8;28;0"];
        var ipv4 = new RecordBuilder(40).U16(8, 2).Bytes(10, 0x1f, 0x90).Bytes(12, 192, 168, 0, 1).Build();
        Assert.Equal("192.168.0.1:8080|192.168.0.1", TestEvent.Render("\"%pISpc|%pIS\", REC->sa, REC->sa", ipv4, fields));

        var ipv6 = new RecordBuilder(40).U16(8, 10).Bytes(10, 0x00, 0x50).Bytes(12, 0, 0, 0, 7).U8(31, 1).U32(32, 3).Build();
        Assert.Equal("[::1]:80|[::1]/7%3|::1", TestEvent.Render("\"%pISpc|%pISfsc|%pISc\", REC->sa, REC->sa, REC->sa", ipv6, fields));

        var unix = new RecordBuilder(40).U16(8, 1).Build();
        Assert.Equal("(einval)", TestEvent.Render("\"%pISpc\", REC->sa", unix, fields));
    }

    /// <summary>vfs_read at 0xffffffff81000100 (0x100 bytes), then ext4_sync in module ext4 at 0xffffffffa0000000.</summary>
    private sealed class TestSymbols : IKernelSymbolResolver
    {
        public KernelAddress? Resolve(ulong address) => address switch
        {
            >= 0xffffffff81000100 and < 0xffffffff81000200 => new KernelAddress(new KernelSymbol("vfs_read", 0xffffffff81000100, 'T', null), address - 0xffffffff81000100, 0x100),
            >= 0xffffffffa0000000 and < 0xffffffffa0000020 => new KernelAddress(new KernelSymbol("ext4_sync", 0xffffffffa0000000, 't', "ext4"), address - 0xffffffffa0000000, 0x20),
            _ => null,
        };
    }
}
