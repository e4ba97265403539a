namespace Ktap.Bpf.Events;

/// <summary>How often a sampling event fires: a frequency in Hz, or every N units of its count (nanoseconds for cpu-clock).</summary>
public readonly record struct SampleRate
{
    private SampleRate(ulong value, bool isFrequency)
    {
        if (value == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "a sample rate must be positive");
        }

        Value = value;
        IsFrequency = isFrequency;
    }

    public ulong Value { get; }

    /// <summary>True for <see cref="Hertz"/>: the kernel sets <c>freq</c> and adjusts the period to hit it.</summary>
    public bool IsFrequency { get; }

    /// <summary>Samples per second, per CPU (<c>profile:hz:99</c>).</summary>
    public static SampleRate Hertz(ulong frequency) => new(frequency, isFrequency: true);

    /// <summary>One sample every <paramref name="period"/> events; for cpu-clock and task-clock, nanoseconds.</summary>
    public static SampleRate Period(ulong period) => new(period, isFrequency: false);

    public override string ToString() => IsFrequency ? $"{Value} Hz" : $"every {Value}";
}
