using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>Binds parsed filter trees to the run entity: field names, value types, allowed operators.</summary>
internal static class RunFilterCompiler
{
    private enum FieldKind { Enum, String, Guid, Number, Date }

    private sealed record Field(FieldKind Kind, Func<ParameterExpression, Expression> Access, Type Type);

    private static Field F<T>(FieldKind kind, Expression<Func<Run, T>> access) =>
        new(kind, p => new ParameterReplacer(access.Parameters[0], p).Visit(access.Body), typeof(T));

    private static readonly Dictionary<string, Field> Fields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = F(FieldKind.Guid, r => r.Id),
        ["status"] = F(FieldKind.Enum, r => r.Status),
        ["relation"] = F(FieldKind.Enum, r => r.ParentRelation),
        ["owner"] = F(FieldKind.String, r => r.OwnerId),
        ["name"] = F(FieldKind.String, r => r.Name),
        ["family"] = F(FieldKind.String, r => r.ModelFamily),
        ["model_family"] = F(FieldKind.String, r => r.ModelFamily),
        ["eval_set"] = F(FieldKind.String, r => r.EvalSetId),
        ["tokenizer"] = F(FieldKind.String, r => r.TokenizerId),
        ["sweep"] = F(FieldKind.Guid, r => r.SweepId),
        ["parent"] = F(FieldKind.Guid, r => r.ParentRunId),
        ["best_eval_loss"] = F(FieldKind.Number, r => r.BestEvalLoss),
        ["compute_budget"] = F(FieldKind.Number, r => r.ComputeBudgetFlops),
        ["flops"] = F(FieldKind.Number, r => r.ComputeBudgetFlops),
        ["priority"] = F(FieldKind.Number, r => r.Priority),
        ["attempt"] = F(FieldKind.Number, r => r.Attempt),
        ["created"] = F(FieldKind.Date, r => r.CreatedAt),
        ["started"] = F(FieldKind.Date, r => r.StartedAt),
        ["finished"] = F(FieldKind.Date, r => r.FinishedAt),
    };

    /// <summary>Field names a filter may use, besides <c>tag</c> and <c>config.&lt;path&gt;</c>.</summary>
    public static IEnumerable<string> FieldNames => Fields.Keys;

    /// <summary>The filter as one predicate the database evaluates (config paths included); null for "every run".</summary>
    public static Expression<Func<Run, bool>>? Compile(string? filter, FilterLimits? limits = null) =>
        CompileWithPrefixes(filter, limits)?.Predicate;

    /// <summary>As <see cref="Compile"/>, plus the id prefixes the filter uses (the caller checks each is unambiguous).</summary>
    public static CompiledFilter? CompileWithPrefixes(string? filter, FilterLimits? limits = null)
    {
        var tree = FilterParser.Parse(filter, limits);
        if (tree is null) return null;
        var run = Expression.Parameter(typeof(Run), "r");
        var prefixes = new List<IdPrefix>();
        var body = ToExpression(tree, run, prefixes);
        return new CompiledFilter(Expression.Lambda<Func<Run, bool>>(body, run), prefixes);
    }

    // Recursion here follows only 'not' and parentheses (bounded by FilterLimits.MaxNesting); and/or chains become
    // balanced trees, so the expression EF Core and the LINQ compiler walk is O(log terms) deep per level.
    private static Expression ToExpression(FilterNode node, ParameterExpression run, List<IdPrefix> prefixes) => node switch
    {
        NotNode not => Expression.Not(ToExpression(not.Operand, run, prefixes)),
        AndNode and => Balanced([.. and.Operands.Select(o => ToExpression(o, run, prefixes))], Expression.AndAlso),
        OrNode or => Balanced([.. or.Operands.Select(o => ToExpression(o, run, prefixes))], Expression.OrElse),
        _ => Leaf(node, run, prefixes),
    };

    /// <summary>Combines operands pairwise into a tree of depth ceil(log2 n), keeping their order (and so
    /// short-circuit order) left to right.</summary>
    private static Expression Balanced(IReadOnlyList<Expression> operands, Func<Expression, Expression, Expression> combine)
    {
        var level = operands.ToList();
        while (level.Count > 1)
        {
            var next = new List<Expression>((level.Count + 1) / 2);
            for (var i = 0; i + 1 < level.Count; i += 2)
                next.Add(combine(level[i], level[i + 1]));
            if (level.Count % 2 == 1) next.Add(level[^1]);
            level = next;
        }
        return level[0];
    }

    private static bool IsConfigPath(string field, out string[] path)
    {
        path = [];
        if (!field.StartsWith("config.", StringComparison.OrdinalIgnoreCase)) return false;
        path = field["config.".Length..].Split('.');
        return true;
    }

    private static readonly MethodInfo ConfigMatches = typeof(ConfigJson).GetMethod(nameof(ConfigJson.Matches))!;

    private static Expression ConfigLeaf(ParameterExpression run, string[] path, string op, Literal literal) =>
        Expression.Call(ConfigMatches, Expression.Property(run, nameof(Run.ConfigJson)),
            Boxed(string.Join('.', path), typeof(string)), Boxed(op, typeof(string)),
            Boxed(literal.Text, typeof(string)), Boxed(literal.Quoted, typeof(bool)));

    private static Expression Leaf(FilterNode node, ParameterExpression run, List<IdPrefix> prefixes)
    {
        switch (node)
        {
            case TagNode tag:
                return HasTag(run, tag.Tag);
            case ComparisonNode c when c.Field == "tag":
                if (c.Op is not (CompareOp.Eq or CompareOp.Ne))
                    throw OperatorNotSupported(c.Op, c.Field, c.Column);
                var has = HasTag(run, c.Value.Text);
                return c.Op == CompareOp.Eq ? has : Expression.Not(has);
            case InNode i when i.Field == "tag":
                return Balanced([.. i.Values.Select(v => HasTag(run, v.Text))], Expression.OrElse);
            case ComparisonNode c when IsConfigPath(c.Field, out var path):
                CheckPath(path, c.Column);
                CheckConfigNumber(c.Value);
                return ConfigLeaf(run, path, Symbol(c.Op).Trim('\''), c.Value);
            case InNode i when IsConfigPath(i.Field, out var path):
                CheckPath(path, i.Column);
                foreach (var v in i.Values) CheckConfigNumber(v);
                return Balanced([.. i.Values.Select(v => ConfigLeaf(run, path, "=", v))], Expression.OrElse);
            case ComparisonNode c:
            {
                var field = Lookup(c.Field, c.Column);
                if (c.Op is not (CompareOp.Eq or CompareOp.Ne) && field.Kind is not (FieldKind.Number or FieldKind.Date))
                    throw OperatorNotSupported(c.Op, c.Field, c.Column);
                var member = field.Access(run);
                if (field.Kind == FieldKind.Guid && IdPrefix.TryParse(c.Value, out var low, out var high))
                {
                    var inRange = prefixes.Add(c.Field, c.Value, member, low, high, run);
                    return c.Op == CompareOp.Eq ? inRange : Expression.Not(inRange);
                }
                var value = Value(field, c.Field, c.Value);
                return c.Op switch
                {
                    CompareOp.Eq => Expression.Equal(member, value),
                    CompareOp.Ne => Expression.NotEqual(member, value),
                    CompareOp.Lt => Expression.LessThan(member, value),
                    CompareOp.Le => Expression.LessThanOrEqual(member, value),
                    CompareOp.Gt => Expression.GreaterThan(member, value),
                    _ => Expression.GreaterThanOrEqual(member, value),
                };
            }
            case InNode i:
            {
                var field = Lookup(i.Field, i.Column);
                var alternatives = new List<Expression>();
                var exact = new List<Literal>();
                foreach (var literal in i.Values)
                {
                    if (field.Kind == FieldKind.Guid && IdPrefix.TryParse(literal, out var low, out var high))
                        alternatives.Add(prefixes.Add(i.Field, literal, field.Access(run), low, high, run));
                    else
                        exact.Add(literal);
                }
                if (exact.Count > 0)
                {
                    var array = Array.CreateInstance(field.Type, exact.Count);
                    for (var k = 0; k < exact.Count; k++)
                        array.SetValue(Convert(field, i.Field, exact[k]), k);
                    var contains = typeof(Enumerable).GetMethods(BindingFlags.Public | BindingFlags.Static)
                        .Single(m => m.Name == nameof(Enumerable.Contains) && m.GetParameters().Length == 2)
                        .MakeGenericMethod(field.Type);
                    alternatives.Insert(0, Expression.Call(contains, Boxed(array, array.GetType()), field.Access(run)));
                }
                return Balanced(alternatives, Expression.OrElse);
            }
            default:
                throw new InvalidOperationException($"unexpected filter node {node}");
        }
    }

    /// <summary>An unquoted number the database cannot hold as a double (1e999, 1e-999) is refused here, where the
    /// message can name it, instead of failing inside PostgreSQL's cast.</summary>
    private static void CheckConfigNumber(Literal literal)
    {
        if (literal.Quoted || !ConfigJson.IsNumberLiteral(literal.Text)) return;
        var value = double.Parse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
        var mantissa = literal.Text.Split('e', 'E')[0];
        if (!double.IsFinite(value) || (value == 0 && mantissa.Any(c => c is >= '1' and <= '9')))
            throw new QuerySyntaxException(
                $"number '{literal.Text}' at column {literal.Column} is out of range; config values compare as double-precision numbers",
                literal.Column);
    }

    private static void CheckPath(string[] path, int column)
    {
        if (path.Any(string.IsNullOrEmpty))
            throw new QuerySyntaxException($"empty segment in config path at column {column}", column);
    }

    private static Expression HasTag(ParameterExpression run, string tag)
    {
        Expression<Func<RunTag, bool>> matches = t => t.Tag == tag;
        return Expression.Call(typeof(Enumerable), nameof(Enumerable.Any), [typeof(RunTag)],
            Expression.Property(run, nameof(Run.Tags)), matches);
    }

    private static Field Lookup(string name, int column) =>
        Fields.TryGetValue(name, out var field)
            ? field
            : throw new QuerySyntaxException(
                $"unknown field '{name}' at column {column}; expected one of {string.Join(", ", Fields.Keys)}, " +
                "tag or config.<path>", column);

    private static QuerySyntaxException OperatorNotSupported(CompareOp op, string field, int column) =>
        new($"operator {Symbol(op)} is not supported for '{field}' at column {column}; use =, != or in", column);

    private static string Symbol(CompareOp op) => op switch
    {
        CompareOp.Lt => "'<'", CompareOp.Le => "'<='", CompareOp.Gt => "'>'", CompareOp.Ge => "'>='",
        CompareOp.Ne => "'!='", _ => "'='",
    };

    // Values go through a closure-like box so EF sends them as parameters (one cached plan per filter shape).
    private static Expression Value(Field field, string name, Literal literal) =>
        Boxed(Convert(field, name, literal), field.Type);

    private static Expression Boxed(object? value, Type type)
    {
        var box = Activator.CreateInstance(typeof(ValueBox<>).MakeGenericType(type), value)!;
        return Expression.Field(Expression.Constant(box), "Value");
    }

    private sealed class ValueBox<T>(T value)
    {
        public readonly T Value = value;
    }

    private static object? Convert(Field field, string name, Literal literal)
    {
        var underlying = Nullable.GetUnderlyingType(field.Type);
        if (!literal.Quoted && literal.Text.Equals("null", StringComparison.OrdinalIgnoreCase) &&
            (underlying is not null || !field.Type.IsValueType))
            return null;
        var type = underlying ?? field.Type;
        var text = literal.Text;
        var ok = true;
        object? value = null;
        switch (field.Kind)
        {
            case FieldKind.String:
                value = text;
                break;
            case FieldKind.Enum:
                ok = Enum.TryParse(type, text, ignoreCase: true, out value) && Enum.IsDefined(type, value!) &&
                     !char.IsDigit(text[0]);
                if (!ok)
                    throw new QuerySyntaxException(
                        $"unknown {name} '{text}' at column {literal.Column}; expected one of " +
                        string.Join(", ", Enum.GetNames(type)), literal.Column);
                break;
            case FieldKind.Guid:
                ok = Guid.TryParse(text, out var guid);
                value = guid;
                if (!ok)
                    throw new QuerySyntaxException(
                        $"invalid id '{text}' for '{name}' at column {literal.Column}; expected a full id or its first " +
                        $"{IdPrefix.MinimumDigits} or more hex digits (e.g. the 8 the dashboard shows)", literal.Column);
                break;
            case FieldKind.Number when type == typeof(int):
                ok = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer);
                value = integer;
                break;
            case FieldKind.Number:
                ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
                value = number;
                if (ok && !double.IsFinite(number))
                    throw new QuerySyntaxException(
                        $"invalid number '{text}' for '{name}' at column {literal.Column}; expected a finite number", literal.Column);
                break;
            case FieldKind.Date:
                ok = DateTime.TryParse(text, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date);
                value = date;
                break;
        }
        if (!ok)
            throw new QuerySyntaxException(
                $"invalid {field.Kind.ToString().ToLowerInvariant()} '{text}' for '{name}' at column {literal.Column}",
                literal.Column);
        return value;
    }
}

/// <summary>Rebinds a lambda body to another parameter (composing expressions without Invoke).</summary>
internal sealed class ParameterReplacer(ParameterExpression from, Expression to) : ExpressionVisitor
{
    protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
}
