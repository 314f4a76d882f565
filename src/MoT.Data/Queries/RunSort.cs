using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>
/// Sort order of a run query: one field plus the run id as tie-breaker. Runs without a value for the field (e.g. not
/// yet started) come last in either direction, on every provider.
/// </summary>
public sealed record RunSort(string Field, bool Descending)
{
    public static readonly RunSort Default = new("created", true);

    internal abstract record Key(string Name)
    {
        public abstract IQueryable<Run> Order(IQueryable<Run> runs, bool descending);
        public abstract IQueryable<Run> After(IQueryable<Run> runs, bool descending, string? value, Guid id);
        public abstract string? CursorValue(RunSummary run);
    }

    private sealed record Key<T>(string Name, Expression<Func<Run, T?>> Access, Func<RunSummary, T?> Read,
        Func<T, string> Format, Func<string, T> Parse) : Key(Name) where T : struct
    {
        /// <summary>Whether the column can hold no value (the key reads it widened to <c>T?</c> when it cannot).</summary>
        private bool Nullable => Access.Body is not UnaryExpression { NodeType: ExpressionType.Convert } widened
            || System.Nullable.GetUnderlyingType(widened.Operand.Type) is not null;

        public override IQueryable<Run> Order(IQueryable<Run> runs, bool descending)
        {
            // Runs without a value last. Only for nullable columns: for the others EF writes the constant term as
            // ORDER BY (SELECT 1), ..., which keeps SQLite from walking the column's index (it then evaluates the filter
            // on every run and sorts them all, e.g. 330 ms for a config filter over 10,000 runs instead of a few).
            if (!Nullable)
                return descending ? runs.OrderByDescending(Access).ThenByDescending(r => r.Id) : runs.OrderBy(Access).ThenBy(r => r.Id);
            var isNull = Lambda(body => Expression.Condition(Expression.Equal(body, Expression.Constant(null, typeof(T?))),
                Expression.Constant(1), Expression.Constant(0)));
            var ordered = runs.OrderBy(isNull);
            return descending
                ? ordered.ThenByDescending(Access).ThenByDescending(r => r.Id)
                : ordered.ThenBy(Access).ThenBy(r => r.Id);
        }

        public override IQueryable<Run> After(IQueryable<Run> runs, bool descending, string? value, Guid id)
        {
            var run = Access.Parameters[0];
            var key = Access.Body;
            var nullValue = Expression.Constant(null, typeof(T?));
            Expression idBeyond = IdCompare(run, id, descending);
            Expression predicate;
            if (value is null)
            {
                // The cursor is inside the "no value" tail: only later ids of that tail remain.
                predicate = Expression.AndAlso(Expression.Equal(key, nullValue), idBeyond);
            }
            else
            {
                var boxed = Expression.Field(Expression.Constant(new Box((T?)Parse(value))), nameof(Box.Value));
                var beyond = descending ? Expression.LessThan(key, boxed) : Expression.GreaterThan(key, boxed);
                predicate = Expression.OrElse(
                    Expression.OrElse(beyond, Expression.AndAlso(Expression.Equal(key, boxed), idBeyond)),
                    Expression.Equal(key, nullValue));
            }
            return runs.Where(Expression.Lambda<Func<Run, bool>>(predicate, run));
        }

        private static Expression IdCompare(ParameterExpression run, Guid id, bool descending)
        {
            var compareTo = Expression.Call(Expression.Property(run, nameof(Run.Id)),
                typeof(Guid).GetMethod(nameof(Guid.CompareTo), [typeof(Guid)])!,
                Expression.Field(Expression.Constant(new GuidBox(id)), nameof(GuidBox.Value)));
            return descending
                ? Expression.LessThan(compareTo, Expression.Constant(0))
                : Expression.GreaterThan(compareTo, Expression.Constant(0));
        }

        private Expression<Func<Run, int>> Lambda(Func<Expression, Expression> body) =>
            Expression.Lambda<Func<Run, int>>(body(Access.Body), Access.Parameters);

        public override string? CursorValue(RunSummary run) => Read(run) is { } v ? Format(v) : null;


        private sealed class Box(T? value)
        {
            public readonly T? Value = value;
        }
    }

    private sealed class GuidBox(Guid value)
    {
        public readonly Guid Value = value;
    }

    private static Key<DateTime> Date(string name, Expression<Func<Run, DateTime?>> access, Func<RunSummary, DateTime?> read) =>
        new(name, access, read, d => d.Ticks.ToString(CultureInfo.InvariantCulture),
            s => new DateTime(long.Parse(s, CultureInfo.InvariantCulture), DateTimeKind.Utc));

    private static Key<double> Number(string name, Expression<Func<Run, double?>> access, Func<RunSummary, double?> read) =>
        new(name, access, read, d => d.ToString("R", CultureInfo.InvariantCulture),
            s => double.Parse(s, CultureInfo.InvariantCulture));

    private static Key<int> Integer(string name, Expression<Func<Run, int?>> access, Func<RunSummary, int?> read) =>
        new(name, access, read, d => d.ToString(CultureInfo.InvariantCulture),
            s => int.Parse(s, CultureInfo.InvariantCulture));

    private static readonly Dictionary<string, Key> Keys = new Key[]
    {
        Date("created", r => r.CreatedAt, r => r.CreatedAt),
        Date("started", r => r.StartedAt, r => r.StartedAt),
        Date("finished", r => r.FinishedAt, r => r.FinishedAt),
        Number("best_eval_loss", r => r.BestEvalLoss, r => r.BestEvalLoss),
        Number("compute_budget", r => r.ComputeBudgetFlops, r => r.ComputeBudgetFlops),
        Integer("priority", r => r.Priority, r => r.Priority),
        Integer("attempt", r => r.Attempt, r => r.Attempt),
    }.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    internal Key SortKey => Keys[Field];

    /// <summary>Parses "created", "-created", "best_eval_loss asc" or "finished desc"; null/empty gives created desc.</summary>
    /// <exception cref="RunQueryException">Not a sortable field or not that shape; the message names the field.</exception>
    public static RunSort Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Default;
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var field = parts[0];
        var descending = false;
        if (field.StartsWith('-')) { descending = true; field = field[1..]; }
        if (parts.Length == 2 && parts[1].Equals("desc", StringComparison.OrdinalIgnoreCase)) descending = true;
        else if (parts.Length == 2 && !parts[1].Equals("asc", StringComparison.OrdinalIgnoreCase) || parts.Length > 2)
            throw new RunQueryException($"sort '{text}' is not '<field> [asc|desc]'");
        if (!Keys.TryGetValue(field, out var key))
            throw new RunQueryException($"cannot sort by '{field}'; sortable fields: {string.Join(", ", Keys.Keys)}");
        return new RunSort(key.Name, descending);
    }

    public override string ToString() => $"{Field} {(Descending ? "desc" : "asc")}";

    // Cursor: base64url("v1|<sort>|<value or empty for none>|<id>").
    internal string EncodeCursor(string? value, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"v1|{this}|{(value is null ? "" : "=" + value)}|{id:N}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal (string? Value, Guid Id) DecodeCursor(string cursor)
    {
        string[] parts;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split('|');
        }
        catch (FormatException)
        {
            throw new RunQueryException("the cursor is not a token returned by a previous query");
        }
        if (parts.Length != 4 || parts[0] != "v1" || !Guid.TryParseExact(parts[3], "N", out var id))
            throw new RunQueryException("the cursor is not a token returned by a previous query");
        if (parts[1] != ToString())
            throw new RunQueryException($"the cursor was issued for sort '{parts[1]}', not '{this}'");
        return (parts[2].Length == 0 ? null : parts[2][1..], id);
    }
}
