namespace Ktap.Bpf.Tracing.Output;

/// <summary>
/// A recursive-descent parser for one print format argument: C expressions with C's precedence
/// (C11 6.5), casts, <c>sizeof</c>, calls, brace lists (the tables of <c>__print_flags</c> and
/// <c>__print_symbolic</c>) and the GNU statement expressions that <c>min()</c> and <c>max()</c>
/// expand to. Assignment, the comma operator and ++/-- never occur in format files and are refused.
/// </summary>
internal sealed class PrintExpressionParser
{
    /// <summary>Deeper nesting than any format file has: a hostile file cannot exhaust the stack.</summary>
    private const int MaxDepth = 200;

    private static readonly (string Token, BinaryOperator Operator, int Precedence)[] BinaryOperators =
    [
        ("*", BinaryOperator.Multiply, 10), ("/", BinaryOperator.Divide, 10), ("%", BinaryOperator.Remainder, 10),
        ("+", BinaryOperator.Add, 9), ("-", BinaryOperator.Subtract, 9),
        ("<<", BinaryOperator.ShiftLeft, 8), (">>", BinaryOperator.ShiftRight, 8),
        ("<", BinaryOperator.Less, 7), (">", BinaryOperator.Greater, 7),
        ("<=", BinaryOperator.LessOrEqual, 7), (">=", BinaryOperator.GreaterOrEqual, 7),
        ("==", BinaryOperator.Equal, 6), ("!=", BinaryOperator.NotEqual, 6),
        ("&", BinaryOperator.BitwiseAnd, 5),
        ("^", BinaryOperator.BitwiseXor, 4),
        ("|", BinaryOperator.BitwiseOr, 3),
        ("&&", BinaryOperator.LogicalAnd, 2),
        ("||", BinaryOperator.LogicalOr, 1),
    ];

    private readonly List<PrintToken> tokens;
    private int position;
    private int depth;

    private PrintExpressionParser(string text) => tokens = PrintLexer.Tokenize(text);

    private PrintToken Current => tokens[position];

    /// <summary>Parses one argument expression.</summary>
    /// <exception cref="PrintFormatException">The text is not an expression this parser reads.</exception>
    public static PrintExpression Parse(string text)
    {
        var parser = new PrintExpressionParser(text);
        var expression = parser.ParseExpression();
        if (parser.Current.Kind != PrintTokenKind.End)
        {
            throw parser.Unexpected();
        }

        return expression;
    }

    private PrintExpression ParseExpression() => ParseConditional();

    // Conditional operators group right to left: a ? b : c ? d : e is a ? b : (c ? d : e).
    private PrintExpression ParseConditional()
    {
        var condition = ParseBinary(1);
        if (!Accept("?"))
        {
            return condition;
        }

        Enter();
        var whenTrue = ParseExpression();
        Expect(":");
        var whenFalse = ParseConditional();
        depth--;
        return new ConditionalExpression(condition, whenTrue, whenFalse);
    }

    // Precedence climbing: each level's operators group left to right.
    private PrintExpression ParseBinary(int minimumPrecedence)
    {
        var left = ParseUnary();
        while (true)
        {
            var token = Current;
            var found = token.Kind == PrintTokenKind.Punctuator
                ? Array.FindIndex(BinaryOperators, o => o.Token == token.Text && o.Precedence >= minimumPrecedence)
                : -1;
            if (found < 0)
            {
                return left;
            }

            var (_, op, precedence) = BinaryOperators[found];
            position++;
            Enter();
            var right = ParseBinary(precedence + 1);
            depth--;
            left = new BinaryExpression(op, left, right);
        }
    }

    private PrintExpression ParseUnary()
    {
        Enter();
        try
        {
            var token = Current;
            if (token.Kind == PrintTokenKind.Punctuator)
            {
                UnaryOperator? op = token.Text switch
                {
                    "-" => UnaryOperator.Negate,
                    "+" => UnaryOperator.Plus,
                    "!" => UnaryOperator.LogicalNot,
                    "~" => UnaryOperator.BitwiseNot,
                    "&" => UnaryOperator.AddressOf,
                    "*" => UnaryOperator.Dereference,
                    _ => null,
                };
                if (op is { } unary)
                {
                    position++;
                    return new UnaryExpression(unary, ParseUnary());
                }

                if (token.Is("(") && IsTypeNameAt(position + 1))
                {
                    position++;
                    var type = ParseTypeName();
                    Expect(")");
                    return new CastExpression(type, ParseUnary());
                }
            }

            if (token.Kind == PrintTokenKind.Identifier && token.Text == "sizeof")
            {
                position++;
                return ParseSizeOf();
            }

            return ParsePostfix(ParsePrimary());
        }
        finally
        {
            depth--;
        }
    }

    private PrintExpression ParseSizeOf()
    {
        if (Current.Is("(") && IsTypeNameAt(position + 1))
        {
            position++;
            var type = ParseTypeName();
            Expect(")");
            return new SizeOfExpression(type is null or { Kind: CTypeKind.Aggregate } ? null : type.Size);
        }

        // sizeof of an expression: not evaluated, and its type is not tracked here.
        ParseUnary();
        return new SizeOfExpression(null);
    }

    private PrintExpression ParsePostfix(PrintExpression expression)
    {
        while (true)
        {
            if (Accept("->") || Accept("."))
            {
                var member = ExpectIdentifier();
                expression = expression is NameExpression { Name: "REC" }
                    ? new FieldExpression(member)
                    : new MemberExpression(expression, member);
            }
            else if (Accept("["))
            {
                var index = ParseExpression();
                Expect("]");
                expression = new IndexExpression(expression, index);
            }
            else if (Current.Is("(") && expression is NameExpression callee)
            {
                position++;
                expression = new CallExpression(callee.Name, ParseArguments());
            }
            else
            {
                return expression;
            }
        }
    }

    private List<PrintExpression> ParseArguments()
    {
        var arguments = new List<PrintExpression>();
        if (Accept(")"))
        {
            return arguments;
        }

        do
        {
            arguments.Add(Current.Is("{") ? ParseInitializerList() : ParseExpression());
        }
        while (Accept(","));
        Expect(")");
        return arguments;
    }

    private InitializerList ParseInitializerList()
    {
        Expect("{");
        Enter();
        var items = new List<PrintExpression>();
        while (!Current.Is("}"))
        {
            items.Add(Current.Is("{") ? ParseInitializerList() : ParseExpression());
            if (!Accept(","))
            {
                break;
            }
        }

        Expect("}");
        depth--;
        return new InitializerList(items);
    }

    private PrintExpression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case PrintTokenKind.Number:
                position++;
                return new IntegerLiteral(token.Type.Normalize(token.Value), token.Type);
            case PrintTokenKind.String:
                // Adjacent string literals are one literal (C11 5.1.1.2, translation phase 6).
                var bytes = new List<byte>();
                while (Current.Kind == PrintTokenKind.String)
                {
                    bytes.AddRange(Current.Bytes);
                    position++;
                }

                bytes.Add(0);
                return new StringLiteral([.. bytes]);
            case PrintTokenKind.Identifier:
                position++;
                return new NameExpression(token.Text);
            case PrintTokenKind.Punctuator when token.Is("(") && tokens[position + 1].Is("{"):
                position += 2;
                return ParseStatementExpression();
            case PrintTokenKind.Punctuator when token.Is("("):
                position++;
                var inner = ParseExpression();
                Expect(")");
                return inner;
            default:
                throw Unexpected();
        }
    }

    // "({ int a = (x); int b = (y); ((a) < (b) ? (a) : (b)); })": declarations with an
    // initializer, then expression statements; the last one gives the value.
    private StatementExpression ParseStatementExpression()
    {
        var locals = new List<LocalDeclaration>();
        PrintExpression? result = null;
        while (!Current.Is("}"))
        {
            if (Current.Kind == PrintTokenKind.Identifier && (IsTypeNameAt(position) || Current.Text == "__auto_type"))
            {
                var type = Current.Text == "__auto_type" ? Skip() : ParseTypeName();
                var name = ExpectIdentifier();
                Expect("=");
                locals.Add(new LocalDeclaration(name, type, ParseExpression()));
                result = null;
            }
            else
            {
                result = ParseExpression();
            }

            Expect(";");
        }

        Expect("}");
        Expect(")");
        return new StatementExpression(locals, result ?? throw new PrintFormatException("statement expression without a value", Current.Position));

        CType? Skip()
        {
            position++;
            return null;
        }
    }

    /// <summary>
    /// Whether a type name starts at <paramref name="index"/>: a C keyword or known typedef, or
    /// (for a cast) a <c>*_t</c> name followed by <c>)</c> or <c>*</c>, which can only be a type.
    /// </summary>
    private bool IsTypeNameAt(int index)
    {
        var token = tokens[index];
        if (token.Kind != PrintTokenKind.Identifier)
        {
            return false;
        }

        if (CTypeNames.StartsType(token.Text))
        {
            return true;
        }

        var next = tokens[index + 1];
        return token.Text.EndsWith("_t", StringComparison.Ordinal) && (next.Is(")") || next.Is("*"));
    }

    /// <summary>Reads type words and stars; null when the words name a type the table does not know.</summary>
    private CType? ParseTypeName()
    {
        var words = new List<string>();
        while (Current.Kind == PrintTokenKind.Identifier && (words.Count == 0 || IsTypeWord(words)))
        {
            words.Add(Current.Text);
            position++;
        }

        var stars = 0;
        while (Accept("*"))
        {
            stars++;

            // "char *const": a qualifier after the star.
            while (Current.Kind == PrintTokenKind.Identifier && Current.Text is "const" or "volatile")
            {
                position++;
            }
        }

        return CTypeNames.Resolve(words, stars);

        // After "struct" comes the tag; after a complete type comes the declared name.
        bool IsTypeWord(List<string> sofar) =>
            sofar[^1] is "struct" or "union" or "enum" || CTypeNames.StartsType(Current.Text);
    }

    private void Enter()
    {
        if (++depth > MaxDepth)
        {
            throw new PrintFormatException($"expression nested deeper than {MaxDepth} levels", Current.Position);
        }
    }

    private bool Accept(string punctuator)
    {
        if (!Current.Is(punctuator))
        {
            return false;
        }

        position++;
        return true;
    }

    private void Expect(string punctuator)
    {
        if (!Accept(punctuator))
        {
            throw new PrintFormatException($"expected '{punctuator}' but found {Current}", Current.Position);
        }
    }

    private string ExpectIdentifier()
    {
        var token = Current;
        if (token.Kind != PrintTokenKind.Identifier)
        {
            throw new PrintFormatException($"expected a name but found {token}", token.Position);
        }

        position++;
        return token.Text;
    }

    private PrintFormatException Unexpected() => new($"unexpected {Current}", Current.Position);
}
