using MoT.Contracts.Runs;

namespace MoT.Dashboard.Runs;

/// <summary>One row of the runs list.</summary>
/// <param name="ConfigJson">The run's config (the grid's config columns read it).</param>
/// <param name="LastTrainLoss">The last recorded training loss.</param>
public sealed record RunRow(
    Guid Id,
    string? Name,
    string Owner,
    RunStatus Status,
    Guid? SweepId,
    string Family,
    double? BestEvalLoss,
    double? TokensPerSecond,
    TimeSpan? Duration,
    DateTimeOffset CreatedAt,
    Guid? ParentRunId,
    RunRelation? Relation,
    int Attempt,
    string? ConfigJson = null,
    double? LastTrainLoss = null);

/// <summary>A page of runs; pass <see cref="NextCursor"/> back for the next one (null: last page).</summary>
public sealed record RunHistoryPage(IReadOnlyList<RunRow> Items, string? NextCursor);

/// <summary>A recorded metric of a run (e.g. train_loss), in step order: all of it, or the points a downsampling kept.</summary>
/// <param name="RecordedPoints">How many points the run recorded for it (null: <see cref="Points"/> is all of them).</param>
public sealed record MetricSeries(string Name, IReadOnlyList<(long Step, double Value)> Points, long? RecordedPoints = null)
{
    public long Recorded => RecordedPoints ?? Points.Count;
}

/// <summary>
/// Where the dashboard reads run history from. Two implementations: <see cref="DatabaseRunHistory"/> (the run store,
/// RunQueryService) and <see cref="GrainRunHistory"/> (the grains, while runs are not yet written to the database).
/// Chosen once in <c>Dashboard:RunHistory</c> (Database | Grains).
/// </summary>
public interface IRunHistory
{
    /// <summary>Runs matching <paramref name="filter"/> (RunQueryService filter language) sorted by <paramref name="sort"/> (e.g. <c>-created</c>).</summary>
    /// <exception cref="MoT.Data.Queries.QuerySyntaxException">The filter is malformed, over a limit, or an id prefix is ambiguous.</exception>
    /// <exception cref="MoT.Data.Queries.RunQueryException">The sort or cursor is not valid.</exception>
    Task<RunHistoryPage> QueryAsync(string? filter, string? sort, int pageSize, string? cursor, CancellationToken cancellationToken = default);

    /// <summary>How many runs match <paramref name="filter"/> (the pager's total).</summary>
    /// <exception cref="MoT.Data.Queries.QuerySyntaxException">The filter is malformed, over a limit, or an id prefix is ambiguous.</exception>
    Task<int> CountAsync(string? filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Recorded metrics of one run (what is known so far; live points come from the run grain), each at most
    /// <paramref name="maxPointsPerCurve"/> points chosen by <see cref="MoT.Data.Queries.MinMaxCurve"/> (first, last, and
    /// every step range's min and max), so a page reads a bounded amount whatever the run recorded.
    /// </summary>
    /// <param name="afterStep">Only points after this step (what a live page has not seen); -1 for whole curves.</param>
    Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(Guid runId, int maxPointsPerCurve, long afterStep = -1, CancellationToken cancellationToken = default);

    /// <summary>
    /// One metric (e.g. eval_loss) of many runs, in step order; a run without points (or not created yet) is missing.
    /// The sweep page reads its trials' eval curves every few seconds: a store answers in one query, not one per trial.
    /// </summary>
    async Task<IReadOnlyDictionary<Guid, IReadOnlyList<(long Step, double Value)>>> GetMetricOfRunsAsync(
        IReadOnlyCollection<Guid> runIds, string name, CancellationToken cancellationToken = default)
    {
        var curves = new Dictionary<Guid, IReadOnlyList<(long Step, double Value)>>();
        foreach (var runId in runIds)
        {
            try
            {
                if ((await GetMetricsAsync(runId, int.MaxValue, cancellationToken: cancellationToken)).FirstOrDefault(s => s.Name == name) is { Points.Count: > 0 } series) curves[runId] = series.Points;
            }
            catch (KeyNotFoundException)
            {
                // a sweep's trial whose run the sweep has not created yet
            }
        }

        return curves;
    }
}
