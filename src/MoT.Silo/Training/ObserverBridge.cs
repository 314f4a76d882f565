using Microsoft.Extensions.Logging;
using MoT.Contracts.Runs;
using MoT.Data.Ingest;
using MoT.Training.Training;
using ContractObserver = MoT.Contracts.Training.ITrainingObserver;

namespace MoT.Silo.Training;

/// <summary>Forwards the trainer's reports to the slot (which throttles them to the run grain) and queues
/// what only the TorchSharp trainer knows (gradient norm, MFU, GPU memory) as metric points; losses, learning rate,
/// throughput and routing diagnostics are recorded for every executor by <see cref="MetricRecordingExecutor"/>.</summary>
internal sealed class ObserverBridge(Guid runId, ContractObserver slot, IMetricSink? metrics, ILogger logger) : MoT.Training.Training.ITrainingObserver
{
    private readonly List<MetricPointRecord> _pending = [];
    private StepReport? _last;

    public void OnStep(StepReport r)
    {
        _last = r;
        // Routing diagnostics travel with the progress report: MetricRecordingExecutor stores them and the
        // run grain pushes them to watchers (the dashboard's live MoE panel).
        IReadOnlyList<BlockRouting>? routing = r.Diagnostics.Count == 0 ? null
            : [.. r.Diagnostics.Select(layer => new BlockRouting(layer.Block, layer.Entropy, layer.DroppedFraction, layer.ExpertLoad.DefaultIfEmpty().Max()))];
        slot.OnProgress(new RunProgress(r.Step, r.TrainLoss, null, r.LearningRate, r.TokensPerSecond, r.Elapsed, routing));
        Queue(r.Step, "grad_norm", r.GradientNorm);
        if (r.ModelFlopsUtilization is { } mfu) Queue(r.Step, "mfu", mfu);
        if (r.DeviceMemoryBytes is { } memory) Queue(r.Step, "gpu_memory_gib", memory / (double)(1L << 30));
        Flush();
    }

    public void OnEval(EvalReport r)
    {
        slot.OnProgress(new RunProgress(r.Step, _last?.TrainLoss ?? double.NaN, r.EvalLoss, _last?.LearningRate ?? 0,
            _last?.TokensPerSecond ?? 0, _last?.Elapsed ?? TimeSpan.Zero));
    }

    public void OnCheckpoint(CheckpointReport r) => slot.OnCheckpoint(new CheckpointInfo(r.Step, r.Path, r.Bytes, r.Sha256));

    /// <summary>Hands queued points to the ingest buffer; never blocks training on the store.</summary>
    public void Flush()
    {
        if (metrics is null || _pending.Count == 0) return;
        var batch = _pending.ToArray();
        _pending.Clear();
        MetricWrites.Buffer(metrics, batch, runId, logger);
    }

    private void Queue(int step, string name, double value) =>
        _pending.Add(new MetricPointRecord(runId, name, step, value, DateTime.UtcNow));
}
