using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>
/// The statements behind <see cref="RunCurvesQuery"/>. Both choose exactly the points of <see cref="MinMaxCurve.Downsample"/>:
/// each curve's first and last point, per bucket (<see cref="MinMaxCurve.BucketOf"/>'s integer formula) the lowest and the
/// highest point with the earliest step among ties, and the whole curve when it is no longer than the budget. Names come from
/// the EF model, quoted by the provider, so the statements follow the mapping.
/// </summary>
internal static class RunCurvesSql
{
    public sealed record Columns(string From, string Run, string Name, string Step, string Value)
    {
        public static Columns Of(MotDbContext db)
        {
            var entity = db.Model.FindEntityType(typeof(MetricPoint))!;
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
            return new Columns(sql.DelimitIdentifier(table.Name, table.Schema), Column(nameof(MetricPoint.RunId)),
                Column(nameof(MetricPoint.Name)), Column(nameof(MetricPoint.Step)), Column(nameof(MetricPoint.Value)));
        }
    }

    /// <summary>
    /// PostgreSQL, first statement: every curve of the run with its first and last point after a step ({0} run, {1} after
    /// step), rows (Name, First, FirstValue, Last, LastValue). Only key probes of the (run, name, step) index: the names
    /// by a skip scan (the next name after the one found), the ends by one probe from each side.
    /// </summary>
    public static string PostgresSpans(Columns c) => $$"""
        WITH RECURSIVE names AS (
            SELECT MIN({{c.Name}}) AS curve FROM {{c.From}} WHERE {{c.Run}} = {0}
            UNION ALL
            SELECT (SELECT MIN(p.{{c.Name}}) FROM {{c.From}} p WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} > n.curve)
            FROM names n WHERE n.curve IS NOT NULL)
        SELECT n.curve AS "Name", f.step AS "First", f.value AS "FirstValue", l.step AS "Last", l.value AS "LastValue"
        FROM names n
        CROSS JOIN LATERAL (SELECT p.{{c.Step}} AS step, p.{{c.Value}} AS value FROM {{c.From}} p
            WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} = n.curve AND p.{{c.Step}} > {1} AND p.{{c.Value}} IS NOT NULL
            ORDER BY p.{{c.Step}} LIMIT 1) f
        CROSS JOIN LATERAL (SELECT p.{{c.Step}} AS step, p.{{c.Value}} AS value FROM {{c.From}} p
            WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} = n.curve AND p.{{c.Step}} > {1} AND p.{{c.Value}} IS NOT NULL
            ORDER BY p.{{c.Step}} DESC LIMIT 1) l
        WHERE n.curve IS NOT NULL
        """;

    /// <summary>
    /// PostgreSQL, second statement: each bucket's size, lowest and highest point for <paramref name="curves"/> curves
    /// ({0} run, {1} buckets, then per curve i its name, first and last step at {2 + 3i}, {3 + 3i}, {4 + 3i}); rows (Curve,
    /// Points, LowStep, LowValue, HighStep, HighValue) with Curve the index i. One pass over the points: MIN of the array
    /// [value, step] (arrays compare element by element) is the lowest value with its earliest step, MAX of [value, -step]
    /// the highest with its earliest step, so no second pass looks the steps up. Each curve's span comes in as constants
    /// rather than joined per point (that join cost about a third of the time when the spans were a CTE).
    /// </summary>
    public static string PostgresBuckets(Columns c, int curves) => $$"""
        SELECT b.curve AS "Curve", b.points AS "Points", b.low[2]::bigint AS "LowStep", b.low[1] AS "LowValue",
               (-b.high[2])::bigint AS "HighStep", b.high[1] AS "HighValue"
        FROM ({{string.Join(" UNION ALL ", Enumerable.Range(0, curves).Select(i => Bucket(c, i)))}}) b
        """;

    private static string Bucket(Columns c, int i)
    {
        string name = $"{{{2 + 3 * i}}}", first = $"{{{3 + 3 * i}}}", last = $"{{{4 + 3 * i}}}";
        return $"""
            SELECT {i} AS curve, COUNT(*) AS points,
                   MIN(ARRAY[{c.Value}, {c.Step}]) AS low, MAX(ARRAY[{c.Value}, -{c.Step}]) AS high
            FROM {c.From}
            WHERE {c.Run} = {"{0}"} AND {c.Name} = {name} AND {c.Step} >= {first} AND {c.Step} <= {last} AND {c.Value} IS NOT NULL
            GROUP BY (({c.Step} - {first}) * {"{1}"}) / ({last} - {first} + 1)
            """;
    }

    /// <summary>
    /// SQLite's statement (it has no arrays to carry a step with its value; the SQL runs on PostgreSQL too): per curve its first/last step and size (span),
    /// per bucket the lowest and highest value (aggregates), then the earliest step holding each (measured 2.3 times faster
    /// on PostgreSQL than ranking every bucket with window functions, which sort all points twice).
    /// Parameters: {0} run, {1} after step, {2} buckets, {3} budget; rows (Name, Step, Value, Recorded), a point possibly twice.
    /// </summary>
    public static string Portable(Columns c) => $$"""
        WITH span AS (
            SELECT {{c.Name}} AS curve, MIN({{c.Step}}) AS lo, MAX({{c.Step}}) AS hi, COUNT(*) AS points
            FROM {{c.From}}
            WHERE {{c.Run}} = {0} AND {{c.Value}} IS NOT NULL AND {{c.Step}} > {1}
            GROUP BY {{c.Name}}),
        bucketed AS (
            SELECT p.{{c.Name}} AS curve, p.{{c.Step}} AS step, p.{{c.Value}} AS value, s.lo, s.hi, s.points,
                   ((p.{{c.Step}} - s.lo) * {2}) / (s.hi - s.lo + 1) AS bucket
            FROM {{c.From}} p JOIN span s ON s.curve = p.{{c.Name}}
            WHERE p.{{c.Run}} = {0} AND p.{{c.Value}} IS NOT NULL AND p.{{c.Step}} > {1}),
        extremes AS (
            SELECT curve, bucket, MIN(value) AS low, MAX(value) AS high
            FROM bucketed
            GROUP BY curve, bucket)
        SELECT b.curve AS "Name", MIN(b.step) AS "Step", b.value AS "Value", MIN(b.points) AS "Recorded"
        FROM bucketed b JOIN extremes e ON e.curve = b.curve AND e.bucket = b.bucket AND (b.value = e.low OR b.value = e.high)
        GROUP BY b.curve, b.bucket, b.value
        UNION ALL
        SELECT curve, step, value, points
        FROM bucketed
        WHERE points <= {3} OR step = lo OR step = hi
        """;
}
