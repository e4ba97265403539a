namespace Ktap.Runtime.Tests.Differential;

/// <summary>The differential corpus: each snippet runs in the interpreter and in the kernel and must print the same.</summary>
public sealed class DifferentialTests
{
    public static TheoryData<string, string> Corpus => DifferentialCorpus.Cases();

    [KernelTheory]
    [MemberData(nameof(Corpus))]
    public void KernelAndInterpreterAgree(string name, string script)
    {
        var events = DifferentialCorpus.Events;
        var (interpreter, kernel) = DifferentialRun.Both(script, events);
        Assert.False(string.IsNullOrEmpty(interpreter), $"{name}: the snippet prints nothing, so it tests nothing");
        Assert.Equal(interpreter, kernel);
    }
}
