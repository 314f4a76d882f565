using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>
/// The statements behind <see cref="RunCurvesQuery"/>. Parameters: {0} run, {1} after step, {2} buckets, {3} budget; rows
/// (Name, Step, Value, Recorded), a point possibly twice. Both choose exactly the points of <see cref="MinMaxCurve.Downsample"/>:
/// each curve's first and last point, per bucket (<see cref="MinMaxCurve.BucketOf"/>'s integer formula) the lowest and the
/// highest point with the earliest step among ties, and the whole curve when it is no longer than the budget. Names come from
/// the EF model, quoted by the provider, so the statements follow the mapping.
/// </summary>
internal static class RunCurvesSql
{
    public static string For(MotDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(MetricPoint))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
        var columns = new Columns(sql.DelimitIdentifier(table.Name, table.Schema), Column(nameof(MetricPoint.RunId)),
            Column(nameof(MetricPoint.Name)), Column(nameof(MetricPoint.Step)), Column(nameof(MetricPoint.Value)));
        return db.Database.IsNpgsql() ? Postgres(columns) : Portable(columns);
    }

    private sealed record Columns(string From, string Run, string Name, string Step, string Value);

    /// <summary>
    /// One pass over the points: MIN/MAX of the array [value, step] (arrays compare element by element) is the lowest value
    /// with its earliest step, and [value, -step] the highest with its earliest step, so no second pass finds the steps
    /// (measured 2-3 times faster than joining the points back to their bucket's extremes). Each curve's name, first and
    /// last step come from key probes of the (run, name, step) index, not from an aggregate over the points.
    /// </summary>
    private static string Postgres(Columns c) => $$"""
        WITH RECURSIVE names AS (
            SELECT MIN({{c.Name}}) AS curve FROM {{c.From}} WHERE {{c.Run}} = {0}
            UNION ALL
            SELECT (SELECT MIN(p.{{c.Name}}) FROM {{c.From}} p WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} > n.curve)
            FROM names n WHERE n.curve IS NOT NULL),
        span AS MATERIALIZED (
            SELECT n.curve, f.step AS lo, f.value AS lo_value, l.step AS hi, l.value AS hi_value
            FROM names n
            CROSS JOIN LATERAL (SELECT p.{{c.Step}} AS step, p.{{c.Value}} AS value FROM {{c.From}} p
                WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} = n.curve AND p.{{c.Step}} > {1} AND p.{{c.Value}} IS NOT NULL
                ORDER BY p.{{c.Step}} LIMIT 1) f
            CROSS JOIN LATERAL (SELECT p.{{c.Step}} AS step, p.{{c.Value}} AS value FROM {{c.From}} p
                WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} = n.curve AND p.{{c.Step}} > {1} AND p.{{c.Value}} IS NOT NULL
                ORDER BY p.{{c.Step}} DESC LIMIT 1) l
            WHERE n.curve IS NOT NULL),
        buckets AS MATERIALIZED (
            SELECT s.curve, COUNT(*) AS points,
                   MIN(ARRAY[p.{{c.Value}}, p.{{c.Step}}]) AS low, MAX(ARRAY[p.{{c.Value}}, -p.{{c.Step}}]) AS high
            FROM span s JOIN {{c.From}} p
              ON p.{{c.Run}} = {0} AND p.{{c.Name}} = s.curve AND p.{{c.Step}} >= s.lo AND p.{{c.Step}} <= s.hi
            WHERE p.{{c.Value}} IS NOT NULL
            GROUP BY s.curve, ((p.{{c.Step}} - s.lo) * {2}) / (s.hi - s.lo + 1)),
        curves AS MATERIALIZED (
            SELECT s.curve, s.lo, s.lo_value, s.hi, s.hi_value, SUM(b.points)::bigint AS points
            FROM span s JOIN buckets b ON b.curve = s.curve
            GROUP BY s.curve, s.lo, s.lo_value, s.hi, s.hi_value)
        SELECT b.curve AS "Name", e.step AS "Step", e.value AS "Value", c.points AS "Recorded"
        FROM buckets b JOIN curves c ON c.curve = b.curve
        CROSS JOIN LATERAL (VALUES (b.low[2]::bigint, b.low[1]), (-b.high[2]::bigint, b.high[1])) e(step, value)
        WHERE c.points > {3}
        UNION ALL
        SELECT c.curve, e.step, e.value, c.points
        FROM curves c CROSS JOIN LATERAL (VALUES (c.lo, c.lo_value), (c.hi, c.hi_value)) e(step, value)
        WHERE c.points > {3}
        UNION ALL
        SELECT c.curve, a.step, a.value, c.points
        FROM curves c CROSS JOIN LATERAL (SELECT p.{{c.Step}} AS step, p.{{c.Value}} AS value FROM {{c.From}} p
            WHERE p.{{c.Run}} = {0} AND p.{{c.Name}} = c.curve AND p.{{c.Step}} > {1} AND p.{{c.Value}} IS NOT NULL) a
        WHERE c.points <= {3}
        """;

    /// <summary>
    /// SQL that SQLite and PostgreSQL share (SQLite has no ordered arrays): per curve its first/last step and size (span),
    /// per bucket the lowest and highest value (aggregates), then the earliest step holding each (measured 2.3 times faster
    /// on PostgreSQL than ranking every bucket with window functions, which sort all points twice).
    /// </summary>
    private static string Portable(Columns c) => $$"""
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
