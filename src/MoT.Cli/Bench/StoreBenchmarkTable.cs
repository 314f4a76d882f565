using System.Globalization;
using System.Text;
using MoT.Data.Benchmarks;

namespace MoT.Cli.Bench;

/// <summary>Prints a <see cref="StoreBenchmarkResult"/> as the table of <c>mot bench store</c>.</summary>
internal static class StoreBenchmarkTable
{
    public static string Format(StoreBenchmarkResult r)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        if (r.Settings.QueriesOnly)
            Line($"{r.Provider}: {r.RunsStored:N0} runs, {r.PointsStored:N0} metric points (filled by an earlier run), {r.Settings.Repetitions} timed repetitions per query");
        else
            Line($"{r.Provider}: {r.RunsStored:N0} runs (loaded in {r.RunLoad.TotalSeconds:F0} s), {r.PointsStored:N0} metric points (ingested in {r.PointLoad.TotalSeconds:F0} s, {r.PointsStored / Math.Max(1e-9, r.PointLoad.TotalSeconds):N0} points/s), {r.Settings.Repetitions} timed repetitions per query");
        Line($"{"query",-64} {"p50 ms",8} {"p95 ms",8} {"rows",6}");
        foreach (var q in r.Queries)
            Line($"{q.Query,-64} {q.P50,8:F1} {q.P95,8:F1} {q.Rows,6}");
        return text.ToString();
    }
}
