using MoT.Silo.Training;
using System.Globalization;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Sweeps;
using MoT.Data.Queries;
using DataEntities = MoT.Data.Entities;

namespace MoT.Dashboard.Runs;

/// <summary>
/// Fallback run history read from the grains: run ids from the scheduler (queue, dispatch log, busy slots), the
/// sweeps this dashboard knows and its <see cref="RunCatalog"/>; the same filter language applied in memory.
/// The cursor is an offset into the sorted result.
/// </summary>
public sealed class GrainRunHistory(IGrainFactory grains, RunCatalog catalog, FilterLimits limits) : IRunHistory
{
    public async Task<RunHistoryPage> QueryAsync(string? filter, string? sort, int pageSize, string? cursor, CancellationToken cancellationToken = default)
    {
        RunFilter.Compile(filter, limits);   // a bad filter fails before the grains are read
        var order = RunSort.Parse(sort);
        var snapshots = await LoadSnapshotsAsync(cancellationToken);
        var matched = RunFilter.Apply(snapshots.Select(s => (Snapshot: s, Entity: ToEntity(s))), x => x.Entity, filter, limits);
        var sorted = Sort(matched, order);
        var offset = int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var page = sorted.Skip(offset).Take(pageSize).Select(x => ToRow(x.Snapshot)).ToList();
        var next = offset + page.Count < sorted.Count ? (offset + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        return new RunHistoryPage(page, next);
    }

    public async Task<int> CountAsync(string? filter, CancellationToken cancellationToken = default)
    {
        RunFilter.Compile(filter, limits);
        var snapshots = await LoadSnapshotsAsync(cancellationToken);
        return RunFilter.Apply(snapshots.Select(s => (Snapshot: s, Entity: ToEntity(s))), x => x.Entity, filter, limits).Count;
    }

    /// <summary>What the run grain keeps: its eval history and the last progress report, bounded like the store's curves.</summary>
    public async Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(Guid runId, int maxPointsPerCurve, long afterStep = -1,
        CancellationToken cancellationToken = default)
    {
        var snapshot = await grains.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
        var series = new List<(string Name, IReadOnlyList<(long Step, double Value)> Points)>
        {
            (MetricNames.EvalLoss, [.. snapshot.EvalHistory.Select(p => (p.Step, p.EvalLoss))]),
        };
        if (snapshot.LastProgress is { } last)
        {
            series.Add((MetricNames.TrainLoss, [(last.Step, last.TrainLoss)]));
            series.Add((MetricNames.LearningRate, [(last.Step, last.LearningRate)]));
        }

        return [.. series.Select(s => (s.Name, Points: (IReadOnlyList<(long Step, double Value)>)[.. s.Points.Where(p => p.Step > afterStep)]))
            .Where(s => s.Points.Count > 0)
            .Select(s => new MetricSeries(s.Name, MinMaxCurve.Downsample(s.Points, maxPointsPerCurve), s.Points.Count))];
    }

    private async Task<IReadOnlyList<RunSnapshot>> LoadSnapshotsAsync(CancellationToken cancellationToken)
    {
        var ids = new HashSet<Guid>(catalog.Runs);
        var scheduler = await grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).GetSnapshotAsync();
        ids.UnionWith(scheduler.Queue.Select(q => q.RunId));
        ids.UnionWith(scheduler.DispatchLog);
        ids.UnionWith(scheduler.Slots.Where(s => s.Info.BusyRunId is not null).Select(s => s.Info.BusyRunId!.Value));
        foreach (var sweepId in catalog.Sweeps)
        {
            var sweep = await grains.GetGrain<ISweepGrain>(sweepId).GetSnapshotAsync();
            ids.UnionWith(sweep.Trials.Select(t => t.RunId));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var snapshots = await Task.WhenAll(ids.Select(TryGetSnapshotAsync));
        return [.. snapshots.OfType<RunSnapshot>()];
    }

    private async Task<RunSnapshot?> TryGetSnapshotAsync(Guid runId)
    {
        try
        {
            var snapshot = await grains.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
            catalog.AddRun(runId);
            return snapshot;
        }
        catch (KeyNotFoundException)
        {
            return null; // an id the scheduler once saw whose run state is gone
        }
    }

    private static List<(RunSnapshot Snapshot, DataEntities.Run Entity)> Sort(List<(RunSnapshot Snapshot, DataEntities.Run Entity)> runs, RunSort order)
    {
        Func<DataEntities.Run, IComparable?> key = order.Field switch
        {
            "started" => r => r.StartedAt,
            "finished" => r => r.FinishedAt,
            "best_eval_loss" => r => r.BestEvalLoss,
            "compute_budget" => r => r.ComputeBudgetFlops,
            "priority" => r => r.Priority,
            "attempt" => r => r.Attempt,
            _ => r => r.CreatedAt,
        };

        // Runs without the value come last either way, ties by id: as RunQueryService sorts.
        var withValue = runs.Where(x => key(x.Entity) is not null);
        var ordered = order.Descending
            ? withValue.OrderByDescending(x => key(x.Entity)).ThenByDescending(x => x.Entity.Id)
            : withValue.OrderBy(x => key(x.Entity)).ThenBy(x => x.Entity.Id);
        return [.. ordered, .. runs.Where(x => key(x.Entity) is null).OrderBy(x => x.Entity.Id)];
    }

    /// <summary>The snapshot as a run-store entity, so the filter language applies unchanged.</summary>
    internal static DataEntities.Run ToEntity(RunSnapshot s)
    {
        var facts = RunConfigFacts.From(s.Spec.ConfigJson);
        return new DataEntities.Run
        {
            Id = s.RunId,
            Name = facts.Preset,
            OwnerId = s.Spec.Owner,
            SweepId = s.Spec.SweepId,
            ConfigJson = s.Spec.ConfigJson,
            Status = s.Status,
            Attempt = s.Attempts.Count,
            Priority = s.Spec.Priority,
            ParentRunId = s.Spec.ParentRunId,
            ParentRelation = s.Spec.Relation,
            ModelFamily = facts.Family,
            ComputeBudgetFlops = facts.TrainingTokens, // tokens, not FLOPs: the grains do not know parameter counts
            BestEvalLoss = s.BestEvalLoss,
            EvalSetId = facts.EvalSetId,
            TokenizerId = facts.TokenizerId,
            CreatedAt = s.CreatedAt.UtcDateTime,
            StartedAt = s.Attempts.Count > 0 ? s.Attempts[0].StartedAt.UtcDateTime : null,
            FinishedAt = s.FinishedAt?.UtcDateTime,
            FailureReason = s.Status is RunStatus.Failed or RunStatus.Diverged ? s.StatusMessage : null,
            FailureClass = s.Status is RunStatus.Failed or RunStatus.Diverged ? s.FailureClass?.ToString() : null,
            FailureKind = s.Status is RunStatus.Failed or RunStatus.Diverged && s.FailureClass is { } failure ? failure.Kind() : null,
        };
    }

    internal static RunRow ToRow(RunSnapshot s)
    {
        var facts = RunConfigFacts.From(s.Spec.ConfigJson);
        TimeSpan? duration = s.Attempts.Count == 0 ? null : (s.FinishedAt ?? DateTimeOffset.UtcNow) - s.Attempts[0].StartedAt;
        return new RunRow(s.RunId, facts.Preset, s.Spec.Owner, s.Status, s.Spec.SweepId, facts.Family, s.BestEvalLoss,
            s.LastProgress?.TokensPerSecond, duration, s.CreatedAt, s.Spec.ParentRunId, s.Spec.Relation, s.Attempts.Count,
            s.Spec.ConfigJson, s.LastProgress?.TrainLoss);
    }
}
