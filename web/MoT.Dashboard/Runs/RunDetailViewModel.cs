using MoT.Silo.Training;
using MoT.Contracts.Runs;
using MoT.Data.Checkpoints;

namespace MoT.Dashboard.Runs;

/// <summary>
/// State of the run-detail page: the snapshot, its curves, and a live subscription to the run's progress (through
/// <see cref="RunLiveFeeds"/>, one grain subscription shared by every page of the run) that appends points as they are
/// pushed (no polling). The page passes a callback that marshals onto its renderer (<c>InvokeAsync(StateHasChanged)</c>);
/// live points call it at most once per <see cref="RenderInterval"/>, and the reads that are not pushed (snapshot,
/// checkpoints, system metrics) happen at most once per <see cref="RefreshInterval"/>: a page costs the host the same
/// whether its run reports ten times a second or once.
/// </summary>
public sealed class RunDetailViewModel(IGrainFactory grains, RunReader runs, IRunHistory history, CheckpointStore checkpoints,
    RunLiveFeeds feeds, ILogger<RunDetailViewModel> logger) : IAsyncDisposable
{
    /// <summary>The shortest time between two renders caused by live points (people read a curve, not each report).</summary>
    public static readonly TimeSpan RenderInterval = TimeSpan.FromSeconds(1);

    /// <summary>The shortest time between two reads of the snapshot, checkpoints and stored curves while the run trains.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private CancellationTokenSource? _watch;
    private Task? _watchTask;
    private Task? _renderTask;
    private SemaphoreSlim _renderWanted = new(0, 1);
    private readonly Lock _visibility = new();
    private TaskCompletionSource _shown = Shown();

    public Guid RunId { get; private set; }
    public RunSnapshot? Snapshot { get; private set; }
    public CurveSet Curves { get; private set; } = new();
    /// <summary>The run's checkpoints recorded in the run store (with their pins), in step order.</summary>
    public IReadOnlyList<CheckpointSummary> Checkpoints { get; private set; } = [];
    /// <summary>Runs derived from this one, with how each was derived.</summary>
    public IReadOnlyList<ChildRun> Children { get; private set; } = [];
    public string? Error { get; private set; }
    public bool Watching { get; private set; }
    /// <summary>Progress reports received over the live subscription.</summary>
    public int LiveUpdates { get; private set; }

    /// <summary>Loads the run and starts watching it; <paramref name="changed"/> is called after every update.</summary>
    public async Task LoadAsync(Guid runId, Func<Task> changed)
    {
        await StopWatchingAsync();
        // The page component is reused when navigating from one run to another: start from nothing.
        RunId = runId;
        Error = null;
        Snapshot = null;
        LastProgress = null;
        LiveUpdates = 0;
        Curves = new CurveSet();
        Checkpoints = [];
        Children = [];
        try
        {
            Snapshot = await runs.GetAsync(runId);
            Children = await RunLineage.ChildrenAsync(grains, Snapshot);
            // A bounded read whatever the run recorded: the store picks each curve's chart budget of points.
            foreach (var series in await history.GetMetricsAsync(runId, CurveSet.MaxChartPoints)) Curves.AddRange(series);
            Checkpoints = await checkpoints.ListAsync(runId);
        }
        catch (Exception e)
        {
            Error = e is KeyNotFoundException ? $"Run {MoT.Contracts.ShortIds.Of(runId)} does not exist." : e.Message;
            return;
        }

        if (!Snapshot.Status.IsTerminal())
        {
            _watch = new CancellationTokenSource();
            _renderWanted = new SemaphoreSlim(0, 1);
            Watching = true;
            _watchTask = WatchAsync(runId, changed, _watch.Token);
            _renderTask = RenderLiveAsync(changed, _watch.Token);
        }
    }

    /// <summary>Reads the snapshot again (after an action or when the live feed ends), and the points of the curves the
    /// live feed does not carry (system metrics, throughput) recorded since the last ones shown.</summary>
    public async Task RefreshAsync()
    {
        Snapshot = await runs.GetAsync(RunId);
        await AppendStoredAsync();
        Checkpoints = await checkpoints.ListAsync(RunId);
        if (Snapshot.Children.Count != Children.Count) Children = await RunLineage.ChildrenAsync(grains, Snapshot);
    }

    /// <summary>Replaces one listed checkpoint by its stored state (after a pin or unpin).</summary>
    public void Update(CheckpointSummary checkpoint) =>
        Checkpoints = [.. Checkpoints.Select(c => c.Id == checkpoint.Id ? checkpoint : c)];

    private async Task WatchAsync(Guid runId, Func<Task> changed, CancellationToken cancel)
    {
        try
        {
            while (!await FollowAsync(runId, cancel))
            {
                // A sweep's trial whose run the sweep has not created yet (the sweep answers for it): look again shortly.
                await Task.Delay(WaitForCreation, cancel);
                await RefreshAsync();
                await changed();
                if (Snapshot!.Status.IsTerminal()) break;
            }

            Watching = false;
            await RefreshAsync();
            await changed();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Live progress of run {RunId} stopped", runId);
            Watching = false;
            Error = $"Live updates stopped: {e.Message}";
            try
            {
                await changed();
            }
            catch (Exception)
            {
                // the page is gone
            }
        }
    }

    /// <summary>How long the page waits before looking again for a listed run its sweep has not created yet.</summary>
    public static readonly TimeSpan WaitForCreation = TimeSpan.FromSeconds(1);

    /// <summary>Applies the run's live progress until it ends; false when the run does not exist (yet).</summary>
    private async Task<bool> FollowAsync(Guid runId, CancellationToken cancel)
    {
        try
        {
            var sinceRefresh = System.Diagnostics.Stopwatch.StartNew();
            await foreach (var progress in feeds.WatchAsync(runId, cancel).WithCancellation(cancel))
            {
                Apply(progress);
                LiveUpdates++;
                if (progress.EvalLoss is not null && sinceRefresh.Elapsed >= RefreshInterval && !Hidden)
                {
                    // An eval point is a good moment to pick up status and checkpoints (not each one: evals can be frequent).
                    await RefreshAsync();
                    sinceRefresh.Restart();
                }

                RequestRender();
            }
        }
        catch (KeyNotFoundException) when (LiveUpdates == 0)
        {
            return false;
        }

        return true;
    }

    /// <summary>True while the page's tab is hidden: live points are still taken in, but the page is not redrawn and the
    /// periodic reads wait until it is shown again.</summary>
    public bool Hidden
    {
        get
        {
            lock (_visibility) return !_shown.Task.IsCompleted;
        }
    }

    /// <summary>The browser reports the tab hidden or shown.</summary>
    public void SetHidden(bool hidden)
    {
        lock (_visibility)
        {
            if (!hidden) _shown.TrySetResult();
            else if (_shown.Task.IsCompleted) _shown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private static TaskCompletionSource Shown()
    {
        var shown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        shown.SetResult();
        return shown;
    }

    private Task WhileHiddenAsync(CancellationToken cancel)
    {
        lock (_visibility) return _shown.Task.WaitAsync(cancel);
    }

    /// <summary>Asks for a render of the live points; several asks before it happens make one render.</summary>
    private void RequestRender()
    {
        try
        {
            if (_renderWanted.CurrentCount == 0) _renderWanted.Release();
        }
        catch (SemaphoreFullException)
        {
            // already asked
        }
    }

    /// <summary>Renders when asked (once the tab is shown, if hidden), then waits <see cref="RenderInterval"/> before the next render.</summary>
    private async Task RenderLiveAsync(Func<Task> changed, CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                await _renderWanted.WaitAsync(cancel);
                await WhileHiddenAsync(cancel);
                await changed();
                await Task.Delay(RenderInterval, cancel);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Rendering the live points of run {RunId} stopped (the page is gone)", RunId);
        }
    }

    /// <summary>Only the points after the oldest "last step" among the store-fed curves are read (bounded, like the first load).</summary>
    private async Task AppendStoredAsync()
    {
        var lastSteps = Curves.Names.Where(n => !IsLiveFed(n)).Select(n => Curves.LastStep(n) ?? -1).ToList();
        var after = lastSteps.Count == 0 ? -1 : lastSteps.Min();
        foreach (var series in await history.GetMetricsAsync(RunId, CurveSet.MaxChartPoints, after))
        {
            if (!IsLiveFed(series.Name)) Curves.AddRange(series);
        }
    }

    /// <summary>Curves that <see cref="Apply"/> fills from the live feed; the others come only from the store.</summary>
    public static bool IsLiveFed(string name) =>
        name is MetricNames.TrainLoss or MetricNames.LearningRate or MetricNames.EvalLoss || name.StartsWith("block", StringComparison.Ordinal);

    /// <summary>Adds one progress report to the curves.</summary>
    public void Apply(RunProgress progress)
    {
        Curves.Add(MetricNames.TrainLoss, progress.Step, progress.TrainLoss);
        Curves.Add(MetricNames.LearningRate, progress.Step, progress.LearningRate);
        if (progress.EvalLoss is { } eval) Curves.Add(MetricNames.EvalLoss, progress.Step, eval);
        foreach (var block in progress.Routing ?? [])
        {
            Curves.Add(MetricNames.RoutingEntropy(block.Block), progress.Step, block.Entropy);
            Curves.Add(MetricNames.DroppedFraction(block.Block), progress.Step, block.DroppedFraction);
            Curves.Add(MetricNames.MaxExpertLoad(block.Block), progress.Step, block.MaxExpertLoad);
        }
        LastProgress = progress;
    }

    public RunProgress? LastProgress { get; private set; }

    private async Task StopWatchingAsync()
    {
        if (_watch is null) return;
        await _watch.CancelAsync();
        foreach (var task in new[] { _watchTask, _renderTask })
        {
            if (task is null) continue;
            try
            {
                await task;
            }
            catch (Exception)
            {
                // already logged by the watcher
            }
        }

        _watch.Dispose();
        _watch = null;
        Watching = false;
    }

    public async ValueTask DisposeAsync() => await StopWatchingAsync();
}
