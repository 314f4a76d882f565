using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>Runs that share one value of the grouped setting: how their best eval losses spread (over seeds, typically).</summary>
/// <param name="Value">The setting's value as text (numbers in invariant round-trip form); null when runs do not set it.</param>
/// <param name="Runs">Runs with a best eval loss in the group.</param>
/// <param name="StdBestEvalLoss">Sample standard deviation (n - 1); null for a single run.</param>
public sealed record RunGroup(string? Value, int Runs, double MeanBestEvalLoss, double? StdBestEvalLoss, double MinBestEvalLoss);

/// <summary>The groups, plus how many matching runs had no best eval loss yet (left out) and whether the run cap cut the input.</summary>
public sealed record RunGrouping(string Path, IReadOnlyList<RunGroup> Groups, int WithoutLoss, bool Truncated);

/// <summary>Groups the runs of a filter by one config setting, computed by the host from the stored configs.</summary>
public sealed partial class RunGroups(IDbContextFactory<MotDbContext> contexts, FilterLimits? limits = null)
{
    /// <summary>Most runs read for one grouping (newest first); beyond it the result says it was cut.</summary>
    public const int MaxRuns = 50_000;

    private readonly FilterLimits _limits = (limits ?? FilterLimits.Default).Validate();

    /// <exception cref="RunQueryException">The filter is not valid, or <paramref name="path"/> is not a config path.</exception>
    public async Task<RunGrouping> GroupAsync(string? filter, string path, CancellationToken cancellationToken = default)
    {
        path = (path ?? "").Trim();
        if (path.StartsWith("config.", StringComparison.Ordinal)) path = path["config.".Length..];
        if (!ConfigPath().IsMatch(path))
            throw new RunQueryException($"group by: '{path}' is not a config path like training.lr or model.experts");

        var compiled = RunFilterCompiler.CompileWithPrefixes(filter, _limits);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<Run> runs = db.Runs.AsNoTracking();
        if (compiled is not null)
        {
            foreach (var prefix in compiled.Prefixes)
            {
                var matches = await db.Runs.AsNoTracking().Where(prefix.Matches).Select(prefix.Value).Distinct().Take(4).ToListAsync(cancellationToken);
                if (matches.Count > 1) throw prefix.Ambiguous([.. matches.Select(m => m!.Value).Order()]);
            }
            runs = runs.Where(compiled.Predicate);
        }

        var rows = await runs.OrderByDescending(r => r.CreatedAt).Take(MaxRuns + 1)
            .Select(r => new { r.ConfigJson, r.BestEvalLoss }).ToListAsync(cancellationToken);
        var truncated = rows.Count > MaxRuns;
        var kept = rows.Take(MaxRuns).ToList();
        var withLoss = kept.Where(r => r.BestEvalLoss is { } loss && double.IsFinite(loss)).ToList();
        var groups = withLoss
            .GroupBy(r => ValueAt(r.ConfigJson, path))
            .Select(g => Summarize(g.Key, [.. g.Select(r => r.BestEvalLoss!.Value)]))
            .OrderBy(g => g.Value is null)
            .ThenBy(g => double.TryParse(g.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : double.NaN)
            .ThenBy(g => g.Value, StringComparer.Ordinal)
            .ToList();
        return new RunGrouping(path, groups, kept.Count - withLoss.Count, truncated);
    }

    /// <summary>Mean, sample standard deviation (n - 1, none for one value) and minimum of a group's losses.</summary>
    public static RunGroup Summarize(string? value, IReadOnlyList<double> losses)
    {
        if (losses.Count == 0) throw new ArgumentException("a group has at least one run", nameof(losses));
        // Welford: one pass, no cancellation when the losses are large and close together.
        double mean = 0, squares = 0;
        for (var i = 0; i < losses.Count; i++)
        {
            var delta = losses[i] - mean;
            mean += delta / (i + 1);
            squares += delta * (losses[i] - mean);
        }

        return new RunGroup(value, losses.Count, mean, losses.Count > 1 ? Math.Sqrt(squares / (losses.Count - 1)) : null, losses.Min());
    }

    /// <summary>The value at a dotted path as group key text; null when the config does not set it.</summary>
    public static string? ValueAt(string? configJson, string path)
    {
        if (string.IsNullOrEmpty(configJson)) return null;
        try
        {
            using var document = JsonDocument.Parse(configJson);
            var element = document.RootElement;
            foreach (var segment in path.Split('.'))
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element)) return null;
            }

            return element.ValueKind switch
            {
                JsonValueKind.Number => element.GetDouble().ToString("R", CultureInfo.InvariantCulture), // 1e-3 and 0.001 group together
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => element.GetRawText(),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")]
    private static partial Regex ConfigPath();
}
