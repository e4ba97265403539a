namespace Ktap.Language.Diagnostics;

/// <summary>
/// Every compile error ktap reports. The numbers are stable: scripts' tests name them
/// (<c>err.KT1201.*.kp</c>) and doc/diagnostics.md lists each one.
/// </summary>
public enum DiagnosticCode
{
    // Lexical: KT10xx.
    UnexpectedCharacter = 1001,
    MalformedNumber = 1002,
    UnfinishedString = 1003,
    InvalidEscape = 1004,
    UnfinishedLongBracket = 1005,

    // Syntax: KT11xx.
    UnexpectedToken = 1101,
    ExpectedExpression = 1102,
    NestingTooDeep = 1103,
    InvalidAssignmentTarget = 1104,
    MissingEventSpec = 1105,
    MissingProbeBody = 1106,
    InvalidFilter = 1107,
    InvalidInterval = 1108,
    UnsupportedSyntax = 1109,
    MultipleReturnValues = 1110,

    // Names and rules: KT12xx.
    AssignmentToUndeclared = 1201,
    UndefinedVariable = 1202,
    ProbeNotAtTopLevel = 1203,
    BreakOutsideLoop = 1204,
    ProbeVariableOutsideHandler = 1205,
    WrongArgumentCount = 1206,
    InvalidFormat = 1207,
    InvalidIterator = 1208,
    HandlerOnlyBuiltin = 1209,
    AssignmentToBuiltin = 1210,

    // Kernel code (trace and profile blocks and what they call): KT20xx.
    KernelRecursion = 2001,
    TableCreatedInHandler = 2002,
    TypeConflict = 2003,
    NestedTable = 2004,
    NotInKernel = 2005,

    // The kernel's verdict on a compiled handler, at load time: KT30xx.
    KernelRefused = 3001,
    HandlerTooComplex = 3002,
}

public static class DiagnosticCodeExtensions
{
    /// <summary>The code as printed: <c>KT1201</c>.</summary>
    public static string Id(this DiagnosticCode code) => "KT" + ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
