using System.Diagnostics;
using MoT.Training.Checkpoints;
using MoT.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>
/// Trains one <see cref="TransformerLM"/>: AdamW, warmup + cosine, global-norm clipping, gradient
/// accumulation, periodic eval and checkpoints, divergence detection. Runs on the calling thread
/// (never an async or grain scheduler: TorchSharp dispose scopes are thread-local); one dispose
/// scope per optimizer step, so no tensor outlives its step except the model and optimizer state.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly IBatchSource _train;
    private readonly IBatchSource _eval;
    private readonly string _evalStart;
    private readonly string _checkpointDirectory;
    private readonly string? _tokenizerSpec;
    private readonly AdamW _optimizer;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Device _device;
    private readonly MixedPrecision? _mixedPrecision;
    private double? _bestEvalLoss;
    private string? _lastCheckpoint;   // the newest checkpoint of this run: written here, or resumed from

    private Trainer(TrainingConfig config, TransformerLM model, IBatchSource train, IBatchSource eval,
        string checkpointDirectory, string? tokenizerSpec, Device device)
    {
        Config = config;
        Model = model;
        _train = train;
        _eval = eval;
        _evalStart = eval.SaveCursor();
        _checkpointDirectory = checkpointDirectory;
        _tokenizerSpec = tokenizerSpec;
        _device = device;
        if (TrainingDevice.ResolvePrecision(config.Precision, device) == Precision.Bf16)
            _mixedPrecision = new MixedPrecision(model);
        _parameters = model.parameters().ToList();
        _optimizer = OptimizerFactory.Create(model.named_parameters(), config);
    }

    public TrainingConfig Config { get; }

    /// <summary>The fp32 (master) model.</summary>
    public TransformerLM Model { get; }

    /// <summary>Optimizer steps completed.</summary>
    public int Step { get; private set; }

    /// <summary>A fresh run: model initialised from <see cref="TrainingConfig.Seed"/>, or from the weights of
    /// <paramref name="initialWeights"/> (same architecture) for forks and transition tuning; the optimizer starts fresh.</summary>
    public static Trainer Create(TrainingConfig config, IBatchSource train, IBatchSource eval, string outputDirectory,
        string? tokenizerSpec = null, TransformerLM? initialWeights = null)
    {
        config.Validate();
        var device = TrainingDevice.Resolve(config.Device);
        random.manual_seed(config.Seed);
        var model = new TransformerLM(config.Model, config.Seed);
        if (initialWeights is not null)
        {
            if (!initialWeights.Config.HasSameArchitecture(config.Model))
                throw new CheckpointException($"initial weights are for {CheckpointFile.Describe(initialWeights.Config)}, the run needs {CheckpointFile.Describe(config.Model)}");
            using var _ = no_grad();
            var source = initialWeights.state_dict();
            foreach (var (name, target) in model.state_dict()) target.copy_(source[name]);
        }
        model.to(device);
        return new Trainer(config, model, train, eval, CheckpointDirectory(outputDirectory), tokenizerSpec, device);
    }

    /// <summary>Continues a run from a checkpoint exactly where it stopped: weights, optimizer, step,
    /// data position and RNG. <paramref name="totalSteps"/> may extend the run; it may not end before the checkpoint's
    /// step (a <see cref="CheckpointException"/>); equal to it, <see cref="Run"/> has nothing to do and returns at once.
    /// A run folder whose config.json holds another architecture is refused.</summary>
    public static Trainer Resume(string checkpointPath, IBatchSource train, IBatchSource eval, string outputDirectory,
        int? totalSteps = null)
    {
        var state = CheckpointFile.ReadState(checkpointPath);
        var config = totalSteps is { } steps ? state.Config with { Steps = steps } : state.Config;
        config.Validate();
        if (config.Steps < state.Step)
            throw new CheckpointException(
                $"checkpoint {checkpointPath} is at step {state.Step}, past the requested total of {config.Steps} steps; " +
                $"a run cannot go back: ask for more than {state.Step} steps to train further");
        RunFolder.EnsureSameArchitecture(outputDirectory, state.Config, checkpointPath);
        var device = TrainingDevice.Resolve(config.Device);
        var model = new TransformerLM(config.Model);
        model.to(device);
        var trainer = new Trainer(config, model, train, eval, CheckpointDirectory(outputDirectory), state.TokenizerSpec, device);
        CheckpointFile.LoadInto(checkpointPath, model, trainer._optimizer);
        trainer._mixedPrecision?.SyncFromMaster();
        trainer.Step = state.Step;
        trainer._bestEvalLoss = state.BestEvalLoss;
        trainer._lastCheckpoint = Path.GetFullPath(checkpointPath);
        train.RestoreCursor(state.DataCursor);
        random.set_rng_state(tensor(Convert.FromBase64String(state.RngState), dtype: ScalarType.Byte));
        return trainer;
    }

    /// <summary>Trains until <see cref="TrainingConfig.Steps"/>, cancellation (checkpoints first) or divergence.</summary>
    /// <param name="pauseAtStep">Stop early after this many steps with a checkpoint (status Paused);
    /// the schedule still follows the full <see cref="TrainingConfig.Steps"/>.</param>
    /// <param name="evaluateAndCheckpoint">False for throughput benchmarks: no eval and no checkpoint, not
    /// even at the end or on cancel (a Medium MoT checkpoint is gigabytes of I/O that times nothing).</param>
    public TrainingResult Run(ITrainingObserver observer, CancellationToken cancel = default, int? pauseAtStep = null,
        bool evaluateAndCheckpoint = true)
    {
        var tokensPerStep = Config.TokensPerStep();
        var flopsPerToken = ModelCost.TrainingFlopsPerToken(Config.Model);
        var peakTflops = TrainingDevice.PeakTflops(Config, _device);
        // Reading a loss is a host sync on CUDA: check for divergence every step on CPU (free) and
        // at the log interval on GPUs, where a device-side flag remembers the first bad step.
        var divergenceCheckEvery = _device.type == DeviceType.CUDA ? Config.LogInterval : 1;
        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        var intervalSteps = 0;
        var firstStep = Step;
        double? lastTrainLoss = null, lastEvalLoss = null;
        var lastCheckpoint = _lastCheckpoint;
        long? peakDeviceMemory = null;

        using var lossSum = zeros(1, dtype: ScalarType.Float32, device: _device);
        using var firstNonFiniteStep = full(1, -1L, dtype: ScalarType.Int64, device: _device);
        Model.train();

        while (Step < Config.Steps)
        {
            if (cancel.IsCancellationRequested || Step == pauseAtStep)
            {
                if (evaluateAndCheckpoint) lastCheckpoint = SaveCheckpoint(observer);
                var status = cancel.IsCancellationRequested ? TrainingStatus.Cancelled : TrainingStatus.Paused;
                return new TrainingResult(status, Step, lastTrainLoss, lastEvalLoss, _bestEvalLoss, lastCheckpoint, null);
            }

            var step = Step;
            var isLogStep = (step + 1) % Config.LogInterval == 0 || step + 1 == Config.Steps;
            using (var scope = NewDisposeScope())
            {
                OptimizerFactory.SetLearningRate(_optimizer, LearningRateSchedule.At(Config, step));
                var (loss, diagnostics) = ForwardBackward();
                HoldFrozenTemperatures(step);
                var gradientNorm = OptimizerFactory.ClipGradientNorm(_parameters, Config.GradientClip);
                _optimizer.step();
                _mixedPrecision?.SyncFromMaster();

                using (no_grad())
                {
                    lossSum.add_(loss);
                    firstNonFiniteStep.copy_(where(firstNonFiniteStep.lt(0) & loss.isfinite().logical_not(),
                        full(1, (long)step, dtype: ScalarType.Int64, device: _device), firstNonFiniteStep));
                }
                Step = step + 1;
                intervalSteps++;

                if (isLogStep || Step % divergenceCheckEvery == 0)
                {
                    var badStep = firstNonFiniteStep.item<long>();
                    if (badStep >= 0)
                    {
                        return new TrainingResult(TrainingStatus.Diverged, (int)badStep, lastTrainLoss, lastEvalLoss, _bestEvalLoss,
                            lastCheckpoint, (int)badStep);
                    }
                }

                if (isLogStep)
                {
                    lastTrainLoss = lossSum.item<float>() / intervalSteps;
                    lossSum.zero_();
                    var seconds = intervalClock.Elapsed.TotalSeconds;
                    var tokensPerSecond = tokensPerStep * intervalSteps / Math.Max(seconds, 1e-9);
                    if (_device.type == DeviceType.CUDA && CudaMemory.DeviceBytesInUse() is { } inUse)
                        peakDeviceMemory = Math.Max(peakDeviceMemory ?? 0, inUse);
                    var stepsDone = Step - firstStep;
                    var remaining = stepsDone > 0 ? clock.Elapsed / stepsDone * (Config.Steps - Step) : (TimeSpan?)null;
                    observer.OnStep(new StepReport(Step, Config.Steps, lastTrainLoss.Value, LearningRateSchedule.At(Config, step),
                        gradientNorm.item<float>(), tokensPerSecond,
                        peakTflops is { } peak ? flopsPerToken * tokensPerSecond / (peak * 1e12) : null,
                        clock.Elapsed, remaining, ReadDiagnostics(diagnostics), peakDeviceMemory));
                    intervalClock.Restart();
                    intervalSteps = 0;
                }
            }

            if (!evaluateAndCheckpoint) continue;
            if (Step % Config.EvalInterval == 0 || Step == Config.Steps)
            {
                lastEvalLoss = Evaluate();
                _bestEvalLoss = _bestEvalLoss is { } best ? Math.Min(best, lastEvalLoss.Value) : lastEvalLoss;
                observer.OnEval(new EvalReport(Step, lastEvalLoss.Value));
            }
            if (Step % Config.CheckpointInterval == 0 || Step == Config.Steps)
                lastCheckpoint = SaveCheckpoint(observer);
        }
        return new TrainingResult(TrainingStatus.Completed, Step, lastTrainLoss, lastEvalLoss, _bestEvalLoss, lastCheckpoint, null);
    }

    /// <summary>True when the run has already reached <see cref="TrainingConfig.Steps"/> (e.g. resumed from its last checkpoint).</summary>
    public bool IsComplete => Step >= Config.Steps;

    /// <summary>The newest checkpoint of this run so far (written by this trainer or resumed from); null before the first.</summary>
    public string? LastCheckpoint => _lastCheckpoint;

    /// <summary>Mean loss over <see cref="TrainingConfig.EvalBatches"/> fixed held-out batches.</summary>
    public double Evaluate()
    {
        var compute = _mixedPrecision?.ComputeModel ?? Model;
        compute.eval();
        _eval.RestoreCursor(_evalStart);   // the same batches every time, so evals compare
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var total = zeros(1, dtype: ScalarType.Float32, device: _device);
            for (var i = 0; i < Config.EvalBatches; i++)
            {
                var batch = _eval.Next(Config.BatchSize, Config.Model.ContextLength, _device);
                total += TransformerLM.LanguageModelLoss(compute.Run(batch.Inputs).Logits, batch.Targets);
            }
            return total.item<float>() / Config.EvalBatches;
        }
        finally
        {
            compute.train();
        }
    }

    /// <summary>Writes a checkpoint of the current state now (also used to preempt).</summary>
    public string SaveCheckpoint(ITrainingObserver observer)
    {
        var state = new CheckpointState(Config, Step, _train.SaveCursor(),
            Convert.ToBase64String(random.get_rng_state().data<byte>().ToArray()),
            _bestEvalLoss, _train.Identity, _tokenizerSpec, DateTimeOffset.UtcNow);
        var report = CheckpointFile.Write(Path.Combine(_checkpointDirectory, CheckpointFile.NameFor(Step)), state, Model, _optimizer);
        _lastCheckpoint = report.Path;
        observer.OnCheckpoint(report);
        return report.Path;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _mixedPrecision?.Dispose();
        Model.Dispose();
    }

    private (Tensor Loss, IReadOnlyDictionary<int, RoutingDiagnostics> Diagnostics) ForwardBackward()
    {
        var compute = _mixedPrecision?.ComputeModel ?? Model;
        compute.zero_grad();
        Model.zero_grad();
        var total = zeros(1, dtype: ScalarType.Float32, device: _device);
        IReadOnlyDictionary<int, RoutingDiagnostics> diagnostics = new Dictionary<int, RoutingDiagnostics>();
        for (var micro = 0; micro < Config.GradientAccumulation; micro++)
        {
            var batch = _train.Next(Config.BatchSize, Config.Model.ContextLength, _device);
            var output = compute.Run(batch.Inputs);
            var loss = TransformerLM.LanguageModelLoss(output.Logits, batch.Targets) + output.AuxiliaryLoss.to(ScalarType.Float32);
            (loss / Config.GradientAccumulation).backward();
            total += loss.detach() / Config.GradientAccumulation;
            diagnostics = output.Diagnostics;
        }
        _mixedPrecision?.CopyGradientsToMaster();
        return (total, diagnostics);
    }

    // A frozen temperature gets a zero gradient: AdamW's moments stay zero, so its update is exactly zero (it
    // carries no weight decay), and it leaves the clipping norm. Freezing only covers the first steps, so no
    // moment from before can leak an update in.
    private void HoldFrozenTemperatures(int step)
    {
        using var _ = no_grad();
        foreach (var theta in Model.FrozenTemperaturesAt(step))
            theta.grad?.zero_();
    }

    private static List<LayerDiagnostics> ReadDiagnostics(IReadOnlyDictionary<int, RoutingDiagnostics> diagnostics) =>
        diagnostics.OrderBy(d => d.Key).Select(d => new LayerDiagnostics(d.Key,
            d.Value.ExpertLoad.to(ScalarType.Float32).cpu().data<float>().ToArray(),
            d.Value.Entropy.to(ScalarType.Float32).item<float>(),
            d.Value.DroppedFraction.to(ScalarType.Float32).item<float>())).ToList();

    private static string CheckpointDirectory(string outputDirectory) => Path.Combine(outputDirectory, "checkpoints");
}
