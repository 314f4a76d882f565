using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Data.Ingest;
using Microsoft.Extensions.Logging;
using MoT.Silo.Training.SystemMetrics;

namespace MoT.Silo.Training;

/// <summary>
/// Records every executor's progress (train loss, eval loss, learning rate, tokens/s) in the metric store,
/// whatever trains the run (TorchSharp or the simulator), so curves and comparisons read one table.
/// Points go to the batched ingest's buffer; training never waits for the database.
/// </summary>
public sealed class MetricRecordingExecutor(
    ITrainingExecutor inner, IMetricSink metrics, ILogger<MetricRecordingExecutor> logger,
    Func<TrainingRequest, SystemMetricsSampler>? samplers = null) : ITrainingExecutor
{
    /// <summary>How often a run records its host process's CPU and memory, and its GPU's when it trains on CUDA.</summary>
    public static readonly TimeSpan SystemMetricsInterval = TimeSpan.FromSeconds(5);

    private readonly Func<TrainingRequest, SystemMetricsSampler> _samplers =
        samplers ?? (request => SystemMetricsSampler.For(request, SystemMetricsInterval, logger));

    public async Task<TrainingOutcome> RunAsync(TrainingRequest request, ITrainingObserver observer, CancellationToken cancel)
    {
        using var system = _samplers(request);
        return await inner.RunAsync(request, new RecordingObserver(request.RunId, observer, metrics, logger, system), cancel);
    }

    private sealed class RecordingObserver(Guid runId, ITrainingObserver next, IMetricSink metrics, ILogger logger, SystemMetricsSampler system) : ITrainingObserver
    {
        /// <summary>The last step whose train loss was recorded: an eval report may repeat its step (TorchSharp trainer)
        /// or be the step's only report (simulator); either way the step's train loss is recorded exactly once.</summary>
        private long _trainStepRecorded = -1;

        public void OnProgress(RunProgress progress)
        {
            next.OnProgress(progress);
            var now = DateTime.UtcNow;
            var points = new List<MetricPointRecord>(4);
            if (progress.EvalLoss is { } eval)
            {
                points.Add(new MetricPointRecord(runId, MetricNames.EvalLoss, progress.Step, eval, now));
            }

            if (progress.Step != _trainStepRecorded && !double.IsNaN(progress.TrainLoss))
            {
                _trainStepRecorded = progress.Step;
                points.Add(new MetricPointRecord(runId, MetricNames.TrainLoss, progress.Step, progress.TrainLoss, now));
                points.Add(new MetricPointRecord(runId, MetricNames.LearningRate, progress.Step, progress.LearningRate, now));
                points.Add(new MetricPointRecord(runId, MetricNames.TokensPerSecond, progress.Step, progress.TokensPerSecond, now));
                foreach (var value in system.TrySample() ?? [])
                    points.Add(new MetricPointRecord(runId, value.Name, progress.Step, value.Value, now));
            }
            foreach (var block in progress.Routing ?? [])
            {
                points.Add(new MetricPointRecord(runId, MetricNames.RoutingEntropy(block.Block), progress.Step, block.Entropy, now));
                points.Add(new MetricPointRecord(runId, MetricNames.DroppedFraction(block.Block), progress.Step, block.DroppedFraction, now));
                points.Add(new MetricPointRecord(runId, MetricNames.MaxExpertLoad(block.Block), progress.Step, block.MaxExpertLoad, now));
            }
            MetricWrites.Buffer(metrics, points, runId, logger);
        }

        public void OnCheckpoint(CheckpointInfo checkpoint)
        {
            // A later attempt resumes after this checkpoint and does not train its steps again, so their metrics must be
            // in the store before the checkpoint is reported: a silo killed right after it would otherwise take the
            // buffered points with it and leave those steps missing for good.
            MetricWrites.FlushBeforeCheckpoint(metrics, checkpoint.Step, runId, logger);
            next.OnCheckpoint(checkpoint);
        }

        public void OnMessage(ConsoleLevel level, string text) => next.OnMessage(level, text);
    }
}

/// <summary>Metric names shared by the writers and the readers (dashboard, leaderboard).</summary>
public static class MetricNames
{
    public const string TrainLoss = "train_loss";
    public const string EvalLoss = "eval_loss";
    public const string LearningRate = "learning_rate";
    public const string TokensPerSecond = "tokens_per_second";

    /// <summary>CPU use of the process training the run (percent of one core; shared with the silo's other slots).</summary>
    public const string ProcessCpuPercent = "system.process_cpu_percent";

    /// <summary>Resident memory of the process training the run, in MiB (shared with the silo's other slots).</summary>
    public const string ProcessResidentMegabytes = "system.process_rss_mb";

    /// <summary>Utilisation of the GPU the run trains on, percent (nvidia-smi's utilization.gpu: the device, not only this run).</summary>
    public const string GpuUtilizationPercent = "system.gpu_utilization_percent";

    /// <summary>Memory used on the GPU the run trains on, MiB (the device as NVML sees it: every process on it).</summary>
    public const string GpuMemoryUsedMegabytes = "system.gpu_memory_used_mb";

    /// <summary>Memory of the GPU the run trains on, MiB.</summary>
    public const string GpuMemoryTotalMegabytes = "system.gpu_memory_total_mb";

    /// <summary>Mean routing entropy of MoT/MoE block <paramref name="block"/> (0-based).</summary>
    public static string RoutingEntropy(int block) => $"block{block}.routing_entropy";

    /// <summary>Fraction of tokens block <paramref name="block"/>'s experts dropped (capacity overflow).</summary>
    public static string DroppedFraction(int block) => $"block{block}.dropped_fraction";

    /// <summary>Share of block <paramref name="block"/>'s work taken by its busiest expert.</summary>
    public static string MaxExpertLoad(int block) => $"block{block}.max_expert_load";
}

internal static class MetricWrites
{
    /// <summary>How long a checkpoint waits for the store; past it (store down) the points stay buffered and training goes on.</summary>
    private static readonly TimeSpan CheckpointFlushTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Writes what is buffered (blocking the training thread, once per checkpoint); an unreachable store is logged, not thrown.</summary>
    public static void FlushBeforeCheckpoint(IMetricSink metrics, long step, Guid runId, ILogger logger)
    {
        using var timeout = new CancellationTokenSource(CheckpointFlushTimeout);
        try
        {
            metrics.FlushAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is MetricStoreUnavailableException or OperationCanceledException)
        {
            logger.LogWarning("Run {RunId}: metrics up to checkpoint step {Step} are still buffered (store unreachable); they are written when it is back",
                runId, step);
        }
        catch (MetricBatchRejectedException)
        {
            // Points of runs the store does not know (not this run's): set aside by the ingestor, nothing to wait for.
        }
        catch (ObjectDisposedException)
        {
            // The host's final flush already ran (a stop that outlived the drain); nothing more can be written here.
        }
    }

    /// <summary>Hands points to the ingest buffer from a training thread; a full buffer (store down too long) is logged, not thrown.</summary>
    public static void Buffer(IMetricSink metrics, IReadOnlyList<MetricPointRecord> points, Guid runId, ILogger logger)
    {
        if (points.Count == 0) return;
        try
        {
            var write = metrics.WriteAsync(points);
            if (!write.IsCompletedSuccessfully) write.AsTask().GetAwaiter().GetResult();
        }
        catch (MetricBufferFullException error)
        {
            logger.LogError(error, "Run {RunId}: the metric store has been unreachable too long; {Count} points were not buffered", runId, points.Count);
        }
        catch (ObjectDisposedException)
        {
            // Only when training outlives the host's final flush (a stop that could not drain the attempt in time).
            logger.LogError("Run {RunId}: {Count} metric points arrived after the final flush at shutdown and were not written", runId, points.Count);
        }
    }
}
