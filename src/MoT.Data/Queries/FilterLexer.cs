using System.Text;

namespace MoT.Data.Queries;

internal enum TokenKind { Word, String, LParen, RParen, Comma, Operator, End }

/// <summary>A lexical token; <see cref="Column"/> is 1-based.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Column)
{
    public bool IsKeyword(string keyword) =>
        Kind == TokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of query",
        TokenKind.String => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

/// <summary>Splits a filter into words (field names, numbers, dates, guids, keywords), strings and punctuation.</summary>
internal static class FilterLexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var column = i + 1;
            if (char.IsWhiteSpace(c)) { i++; continue; }
            switch (c)
            {
                case '(': tokens.Add(new(TokenKind.LParen, "(", column)); i++; continue;
                case ')': tokens.Add(new(TokenKind.RParen, ")", column)); i++; continue;
                case ',': tokens.Add(new(TokenKind.Comma, ",", column)); i++; continue;
                case '=': tokens.Add(new(TokenKind.Operator, "=", column)); i += i + 1 < text.Length && text[i + 1] == '=' ? 2 : 1; continue;
                case '!':
                    if (i + 1 < text.Length && text[i + 1] == '=') { tokens.Add(new(TokenKind.Operator, "!=", column)); i += 2; continue; }
                    throw new QuerySyntaxException($"invalid character '!' at column {column}", column);
                case '<':
                case '>':
                    if (i + 1 < text.Length && text[i + 1] == '=') { tokens.Add(new(TokenKind.Operator, c + "=", column)); i += 2; }
                    else if (c == '<' && i + 1 < text.Length && text[i + 1] == '>') { tokens.Add(new(TokenKind.Operator, "!=", column)); i += 2; }
                    else { tokens.Add(new(TokenKind.Operator, c.ToString(), column)); i++; }
                    continue;
                case '"':
                case '\'':
                    tokens.Add(ReadString(text, ref i));
                    continue;
            }
            if (IsWordChar(c))
            {
                var start = i;
                while (i < text.Length && IsWordChar(text[i])) i++;
                tokens.Add(new(TokenKind.Word, text[start..i], column));
                continue;
            }
            throw new QuerySyntaxException($"invalid character '{c}' at column {column}", column);
        }
        tokens.Add(new(TokenKind.End, "", text.Length + 1));
        return tokens;
    }

    // ':' keeps "tag:baseline" and ISO times together, '-' and '+' keep dates, guids and signed numbers together.
    private static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || c is '_' or '.' or '-' or ':' or '+';

    private static Token ReadString(string text, ref int i)
    {
        var quote = text[i];
        var column = i + 1;
        var sb = new StringBuilder();
        i++;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length) { sb.Append(text[i + 1]); i += 2; continue; }
            if (c == quote) { i++; return new Token(TokenKind.String, sb.ToString(), column); }
            sb.Append(c);
            i++;
        }
        throw new QuerySyntaxException($"unterminated string starting at column {column}", column);
    }
}
