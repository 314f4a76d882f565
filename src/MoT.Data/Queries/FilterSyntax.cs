namespace MoT.Data.Queries;

/// <summary>Parsed filter tree. Leaves keep the column of their field for error messages.</summary>
internal abstract record FilterNode;

/// <summary>All operands must hold. Chains stay flat (one node, many operands) so nothing downstream recurses per term.</summary>
internal sealed record AndNode(IReadOnlyList<FilterNode> Operands) : FilterNode;

/// <summary>Any operand may hold; flat like <see cref="AndNode"/>.</summary>
internal sealed record OrNode(IReadOnlyList<FilterNode> Operands) : FilterNode;
internal sealed record NotNode(FilterNode Operand) : FilterNode;

/// <summary>A literal as written: quoted strings keep their quotes' meaning (never a keyword).</summary>
internal sealed record Literal(string Text, bool Quoted, int Column);

internal enum CompareOp { Eq, Ne, Lt, Le, Gt, Ge }

internal sealed record ComparisonNode(string Field, int Column, CompareOp Op, Literal Value) : FilterNode;
internal sealed record InNode(string Field, int Column, IReadOnlyList<Literal> Values) : FilterNode;
internal sealed record TagNode(string Tag, int Column) : FilterNode;

/// <summary>
/// Recursive-descent parser within <see cref="FilterLimits"/>: the text length is checked before lexing, recursion
/// happens only per level of parentheses or <c>not</c> (capped by <see cref="FilterLimits.MaxNesting"/>), and/or
/// chains are loops producing flat nodes, and conditions are counted against <see cref="FilterLimits.MaxTerms"/>.
/// Grammar (keywords case-insensitive, AND binds tighter than OR):
/// <code>
/// or      := and ("or" and)*
/// and     := unary ("and" unary)*
/// unary   := "not" unary | "(" or ")" | predicate
/// predicate := "tag:" word | field op value | field ["not"] "in" "(" value ("," value)* ")"
///            | field "between" value "and" value | field "is" ["not"] "null"
/// </code>
/// </summary>
internal sealed class FilterParser
{
    private readonly List<Token> _tokens;
    private readonly FilterLimits _limits;
    private int _position;
    private int _depth;
    private int _terms;

    private FilterParser(string text, FilterLimits limits)
    {
        _limits = limits;
        if (text.Length > limits.MaxLength)
            throw new QuerySyntaxException(
                $"the filter is {text.Length} characters long; the limit is {limits.MaxLength} ({FilterLimits.KeyOf(nameof(FilterLimits.MaxLength))})",
                limits.MaxLength + 1);
        _tokens = FilterLexer.Tokenize(text);
    }

    /// <summary>Parses a filter; null for an empty one (every run).</summary>
    public static FilterNode? Parse(string? text, FilterLimits? limits = null)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parser = new FilterParser(text, limits ?? FilterLimits.Default);
        var node = parser.ParseOr();
        var next = parser.Peek;
        if (next.Kind != TokenKind.End)
            throw Unexpected(next);
        return node;
    }

    private Token Peek => _tokens[_position];
    private Token Next() => _tokens[_position++];

    private static QuerySyntaxException Unexpected(Token token, string? expected = null) =>
        new(expected is null
            ? $"misplaced {token.Describe()} at column {token.Column}"
            : $"expected {expected} but found {token.Describe()} at column {token.Column}", token.Column);

    private FilterNode ParseOr()
    {
        var operands = new List<FilterNode> { ParseAnd() };
        while (Peek.IsKeyword("or"))
        {
            Next();
            operands.Add(ParseAnd());
        }
        return operands.Count == 1 ? operands[0] : new OrNode(operands);
    }

    private FilterNode ParseAnd()
    {
        var operands = new List<FilterNode> { ParseUnary() };
        while (Peek.IsKeyword("and"))
        {
            Next();
            operands.Add(ParseUnary());
        }
        return operands.Count == 1 ? operands[0] : new AndNode(operands);
    }

    private FilterNode ParseUnary()
    {
        var token = Peek;
        if (!token.IsKeyword("not") && token.Kind != TokenKind.LParen)
            return ParsePredicate();

        Enter(token);
        Next();
        FilterNode result;
        if (token.IsKeyword("not"))
        {
            result = new NotNode(ParseUnary());
        }
        else
        {
            result = ParseOr();
            var close = Next();
            if (close.Kind != TokenKind.RParen)
                throw Unexpected(close, "')'");
        }
        _depth--;
        return result;
    }

    /// <summary>One more level of parentheses or <c>not</c>; the parser recurses once per level, so this bounds its stack.</summary>
    private void Enter(Token token)
    {
        if (++_depth > _limits.MaxNesting)
            throw new QuerySyntaxException(
                $"the filter nests parentheses and 'not' more than {_limits.MaxNesting} levels deep at column {token.Column} " +
                $"({FilterLimits.KeyOf(nameof(FilterLimits.MaxNesting))})", token.Column);
    }

    /// <summary>Counts <paramref name="count"/> more conditions against the limit.</summary>
    private void Count(int count, int column)
    {
        _terms += count;
        if (_terms > _limits.MaxTerms)
            throw new QuerySyntaxException(
                $"the filter has more than {_limits.MaxTerms} conditions at column {column} " +
                $"({FilterLimits.KeyOf(nameof(FilterLimits.MaxTerms))}; each value of an 'in' list counts)", column);
    }

    private FilterNode ParsePredicate()
    {
        var field = Next();
        if (field.Kind != TokenKind.Word || IsReserved(field))
            throw Unexpected(field, field.Kind == TokenKind.End ? "a condition" : null);
        Count(1, field.Column);

        if (field.Text.StartsWith("tag:", StringComparison.OrdinalIgnoreCase))
        {
            var tag = field.Text[4..];
            if (tag.Length > 0) return new TagNode(tag, field.Column);
            var value = Next();
            if (value.Kind is not (TokenKind.Word or TokenKind.String))
                throw Unexpected(value, "a tag name");
            return new TagNode(value.Text, field.Column);
        }

        var name = field.Text.ToLowerInvariant();
        var op = Next();
        if (op.Kind == TokenKind.Operator)
        {
            var value = ReadLiteral(op.Text);
            var compare = op.Text switch
            {
                "=" or "==" => CompareOp.Eq,
                "!=" => CompareOp.Ne,
                "<" => CompareOp.Lt,
                "<=" => CompareOp.Le,
                ">" => CompareOp.Gt,
                ">=" => CompareOp.Ge,
                _ => throw Unexpected(op),
            };
            return new ComparisonNode(name, field.Column, compare, value);
        }
        if (op.IsKeyword("is"))
        {
            // "field is [not] null": the SQL spelling of "field = null" / "field != null".
            var negated = Peek.IsKeyword("not");
            if (negated) Next();
            var value = Next();
            if (value.Kind != TokenKind.Word || !value.Text.Equals("null", StringComparison.OrdinalIgnoreCase))
                throw Unexpected(value, "'null'");
            return new ComparisonNode(name, field.Column, negated ? CompareOp.Ne : CompareOp.Eq, new Literal(value.Text, false, value.Column));
        }
        if (op.IsKeyword("not"))
        {
            var inKeyword = Next();
            if (!inKeyword.IsKeyword("in")) throw Unexpected(inKeyword, "'in'");
            return new NotNode(ParseInList(name, field.Column));
        }
        if (op.IsKeyword("in"))
            return ParseInList(name, field.Column);
        if (op.IsKeyword("between"))
        {
            Count(1, field.Column);
            var low = ReadLiteral("between");
            var and = Next();
            if (!and.IsKeyword("and")) throw Unexpected(and, "'and'");
            var high = ReadLiteral("and");
            return new AndNode([new ComparisonNode(name, field.Column, CompareOp.Ge, low),
                new ComparisonNode(name, field.Column, CompareOp.Le, high)]);
        }
        throw Unexpected(op, $"an operator after '{field.Text}'");
    }

    private InNode ParseInList(string field, int column)
    {
        var open = Next();
        if (open.Kind != TokenKind.LParen) throw Unexpected(open, "'('");
        var values = new List<Literal> { ReadLiteral("(") };
        while (true)
        {
            var separator = Next();
            if (separator.Kind == TokenKind.RParen) break;
            if (separator.Kind != TokenKind.Comma) throw Unexpected(separator, "',' or ')'");
            var value = ReadLiteral(",");
            Count(1, value.Column);   // the field itself counted the first value
            values.Add(value);
        }
        return new InNode(field, column, values);
    }
    private Literal ReadLiteral(string after)
    {
        var token = Next();
        if (token.Kind == TokenKind.String) return new Literal(token.Text, true, token.Column);
        if (token.Kind == TokenKind.Word && !IsReserved(token)) return new Literal(token.Text, false, token.Column);
        throw new QuerySyntaxException(
            token.Kind == TokenKind.End
                ? $"expected a value after '{after}' at column {token.Column}"
                : $"misplaced {token.Describe()} at column {token.Column}", token.Column);
    }

    private static bool IsReserved(Token token) =>
        token.IsKeyword("and") || token.IsKeyword("or") || token.IsKeyword("not") || token.IsKeyword("in") ||
        token.IsKeyword("between");
}
