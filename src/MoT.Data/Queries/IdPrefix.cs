using System.Linq.Expressions;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>A compiled filter and the id prefixes it uses (each must name one id among the runs queried).</summary>
internal sealed record CompiledFilter(Expression<Func<Run, bool>> Predicate, IReadOnlyList<IdPrefix> Prefixes);

/// <summary>
/// A run/sweep/parent id written as its first hex digits (the dashboard shows 8). A prefix matches the ids between
/// <c>prefix000…</c> and <c>prefixfff…</c>: the canonical text of a guid sorts the same way as the guid on every
/// store (SQLite keeps it as upper-case text, PostgreSQL as a 16-byte uuid, .NET's <see cref="Guid.CompareTo(Guid)"/>
/// compares its fields in text order), so the match is one index-friendly range on each.
/// </summary>
/// <param name="Field">The filter field (<c>id</c>, <c>sweep</c>, <c>parent</c>).</param>
/// <param name="Text">The prefix as written.</param>
/// <param name="Matches">Runs whose field starts with the prefix.</param>
/// <param name="Value">The field, for listing the distinct ids a prefix matches.</param>
internal sealed record IdPrefix(string Field, string Text, int Column, Expression<Func<Run, bool>> Matches, Expression<Func<Run, Guid?>> Value)
{
    /// <summary>Fewer hex digits than this are not taken as a prefix (too likely a typo, too likely ambiguous).</summary>
    public const int MinimumDigits = 4;

    private const string Layout = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

    /// <summary>The id range a prefix stands for; false for a full id or anything that is not a prefix of one.</summary>
    public static bool TryParse(Literal literal, out Guid low, out Guid high)
    {
        low = high = Guid.Empty;
        var text = literal.Text;
        if (text.Length == 0 || text.Length >= Layout.Length) return false;
        var digits = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (Layout[i] == '-' ? text[i] != '-' : !char.IsAsciiHexDigit(text[i])) return false;
            if (Layout[i] != '-') digits++;
        }
        if (digits < MinimumDigits) return false;
        var head = text.ToLowerInvariant();
        low = Guid.ParseExact(head + Layout[text.Length..].Replace('x', '0'), "D");
        high = Guid.ParseExact(head + Layout[text.Length..].Replace('x', 'f'), "D");
        return true;
    }

    /// <summary>One line for a prefix that matches several ids.</summary>
    public QuerySyntaxException Ambiguous(IReadOnlyList<Guid> matches) => new(
        $"{Field} '{Text}' at column {Column} is ambiguous: it starts {string.Join(", ", matches.Take(3).Select(id => id.ToString()[..13] + "…"))}" +
        $"{(matches.Count > 3 ? " and more" : "")}; type more of the id", Column);
}

internal static class IdPrefixList
{
    private static readonly System.Reflection.MethodInfo s_compareTo = typeof(Guid).GetMethod(nameof(Guid.CompareTo), [typeof(Guid)])!;

    /// <summary>Records a prefix and returns its predicate on <paramref name="member"/> (a Guid or Guid? field access).</summary>
    public static Expression Add(this List<IdPrefix> prefixes, string field, Literal literal, Expression member, Guid low, Guid high,
        ParameterExpression run)
    {
        var nullable = member.Type == typeof(Guid?);
        Expression value = nullable ? Expression.Property(member, nameof(Nullable<Guid>.Value)) : member;
        // CompareTo(x) >= 0 is the form EF Core translates to a plain comparison on both providers.
        Expression inRange = Expression.AndAlso(
            Expression.GreaterThanOrEqual(Expression.Call(value, s_compareTo, Constant(low)), Expression.Constant(0)),
            Expression.LessThanOrEqual(Expression.Call(value, s_compareTo, Constant(high)), Expression.Constant(0)));
        if (nullable)
            inRange = Expression.AndAlso(Expression.NotEqual(member, Expression.Constant(null, typeof(Guid?))), inRange);
        var asNullable = nullable ? member : Expression.Convert(member, typeof(Guid?));
        prefixes.Add(new IdPrefix(field, literal.Text, literal.Column,
            Expression.Lambda<Func<Run, bool>>(inRange, run), Expression.Lambda<Func<Run, Guid?>>(asNullable, run)));
        return inRange;
    }

    // A field of a box, not a constant, so EF Core sends the bound as a parameter.
    private static MemberExpression Constant(Guid value) =>
        Expression.Field(Expression.Constant(new GuidBox(value)), nameof(GuidBox.Value));

    private sealed class GuidBox(Guid value)
    {
        public readonly Guid Value = value;
    }
}
