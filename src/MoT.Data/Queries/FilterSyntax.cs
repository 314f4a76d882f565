namespace MoT.Data.Queries;

/// <summary>Parsed filter tree. Leaves keep the column of their field for error messages.</summary>
internal abstract record FilterNode;

internal sealed record AndNode(FilterNode Left, FilterNode Right) : FilterNode;
internal sealed record OrNode(FilterNode Left, FilterNode Right) : FilterNode;
internal sealed record NotNode(FilterNode Operand) : FilterNode;

/// <summary>A literal as written: quoted strings keep their quotes' meaning (never a keyword).</summary>
internal sealed record Literal(string Text, bool Quoted, int Column);

internal enum CompareOp { Eq, Ne, Lt, Le, Gt, Ge }

internal sealed record ComparisonNode(string Field, int Column, CompareOp Op, Literal Value) : FilterNode;
internal sealed record InNode(string Field, int Column, IReadOnlyList<Literal> Values) : FilterNode;
internal sealed record TagNode(string Tag, int Column) : FilterNode;

/// <summary>
/// Recursive-descent parser. Grammar (keywords case-insensitive, AND binds tighter than OR):
/// <code>
/// or      := and ("or" and)*
/// and     := unary ("and" unary)*
/// unary   := "not" unary | "(" or ")" | predicate
/// predicate := "tag:" word | field op value | field ["not"] "in" "(" value ("," value)* ")"
///            | field "between" value "and" value
/// </code>
/// </summary>
internal sealed class FilterParser
{
    private readonly List<Token> _tokens;
    private int _position;

    private FilterParser(string text) => _tokens = FilterLexer.Tokenize(text);

    /// <summary>Parses a filter; null for an empty one (every run).</summary>
    public static FilterNode? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parser = new FilterParser(text);
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
            ? $"unexpected {token.Describe()} at column {token.Column}"
            : $"expected {expected} but found {token.Describe()} at column {token.Column}", token.Column);

    private FilterNode ParseOr()
    {
        var left = ParseAnd();
        while (Peek.IsKeyword("or"))
        {
            Next();
            left = new OrNode(left, ParseAnd());
        }
        return left;
    }

    private FilterNode ParseAnd()
    {
        var left = ParseUnary();
        while (Peek.IsKeyword("and"))
        {
            Next();
            left = new AndNode(left, ParseUnary());
        }
        return left;
    }

    private FilterNode ParseUnary()
    {
        var token = Peek;
        if (token.IsKeyword("not"))
        {
            Next();
            return new NotNode(ParseUnary());
        }
        if (token.Kind == TokenKind.LParen)
        {
            Next();
            var inner = ParseOr();
            var close = Next();
            if (close.Kind != TokenKind.RParen)
                throw Unexpected(close, "')'");
            return inner;
        }
        return ParsePredicate();
    }

    private FilterNode ParsePredicate()
    {
        var field = Next();
        if (field.Kind != TokenKind.Word || IsReserved(field))
            throw Unexpected(field, field.Kind == TokenKind.End ? "a condition" : null);

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
            var low = ReadLiteral("between");
            var and = Next();
            if (!and.IsKeyword("and")) throw Unexpected(and, "'and'");
            var high = ReadLiteral("and");
            return new AndNode(new ComparisonNode(name, field.Column, CompareOp.Ge, low),
                new ComparisonNode(name, field.Column, CompareOp.Le, high));
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
            values.Add(ReadLiteral(","));
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
                : $"unexpected {token.Describe()} at column {token.Column}", token.Column);
    }

    private static bool IsReserved(Token token) =>
        token.IsKeyword("and") || token.IsKeyword("or") || token.IsKeyword("not") || token.IsKeyword("in") ||
        token.IsKeyword("between");
}
