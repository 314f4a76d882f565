using Microsoft.Extensions.Logging;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Data.Ingest;
using MoT.Training.Checkpoints;
using MoT.Training.Data;
using MoT.Training.Configuration;
using MoT.Training.Models;
using MoT.Training.Training;
using static TorchSharp.torch;
using ContractObserver = MoT.Contracts.Training.ITrainingObserver;

namespace MoT.Silo.Training;

/// <summary>
/// Trains a run with TorchSharp. Called by the slot worker on a dedicated thread, and trains on that
/// same thread (dispose scopes are thread-local): the returned task is already complete.
/// A checkpoint to start from means: full resume when it is this architecture and the same settings;
/// transition tuning when it is a MoT and the run asks for Token Choice; otherwise a fork (weights only).
/// Metric points go to the batched store ingest when one is registered.
/// </summary>
public sealed class TorchTrainingExecutor(ILogger<TorchTrainingExecutor> logger, IMetricSink? metrics = null) : ITrainingExecutor
{
    public Task<TrainingOutcome> RunAsync(TrainingRequest request, ContractObserver observer, CancellationToken cancel)
    {
        TrainingConfig config;
        try
        {
            config = RunConfigTranslator.Translate(request.ConfigJson);
            // The slot owns its device: a run config says what to train, not which GPU of which machine.
            if (request.Device != "auto") config = config with { Device = request.Device };
            config = config.Validate();
        }
        catch (ModelConfigException error)
        {
            return Task.FromResult(new TrainingOutcome(RunStatus.Failed, 0, null, error.Message, FailureClass.InvalidConfig));
        }

        try
        {
            EnsureDemoCorpus(config, observer);
            using var trainer = CreateTrainer(config, request);
            var bridge = new ObserverBridge(request.RunId, observer, metrics, logger);
            logger.LogInformation("Run {RunId}: training {Model} from step {Step} to {Steps}", request.RunId,
                CheckpointFile.Describe(trainer.Config.Model), trainer.Step, trainer.Config.Steps);
            observer.OnMessage(ConsoleLevel.Info, $"Training {CheckpointFile.Describe(trainer.Config.Model)} " +
                $"from step {trainer.Step} to {trainer.Config.Steps} (batch {trainer.Config.BatchSize}, context {trainer.Config.Model.ContextLength}, seed {trainer.Config.Seed})");
            var result = trainer.Run(bridge, cancel);
            bridge.Flush();
            return Task.FromResult(Outcome(result));
        }
        catch (Exception error) when (MoT.Grains.Slots.StorageFaults.Describe(error) is { } storage)
        {
            // Checkpoint writes wrap the I/O error: a full or read-only volume fails the same way on every attempt.
            return Task.FromResult(new TrainingOutcome(RunStatus.Failed, 0, null, $"Checkpoint storage failed: {storage}", FailureClass.Storage));
        }
        catch (Exception error) when (error is ModelConfigException)
        {
            return Task.FromResult(new TrainingOutcome(RunStatus.Failed, 0, null, error.Message, FailureClass.InvalidConfig));
        }
        catch (Exception error) when (error is CheckpointException or CorpusException or DemoCorpusException)
        {
            return Task.FromResult(new TrainingOutcome(RunStatus.Failed, 0, null, error.Message, FailureClass.CodeError));
        }
        catch (Exception error) when (IsOutOfMemory(error))
        {
            return Task.FromResult(new TrainingOutcome(RunStatus.Failed, 0, null, error.Message, FailureClass.OutOfMemory));
        }
    }

    /// <summary>The demo corpus is fetched on first use, so a new platform trains without a setup step.
    /// Blocking is fine here: this is the attempt's own training thread, never a grain's.</summary>
    private void EnsureDemoCorpus(TrainingConfig config, ContractObserver observer)
    {
        if (!config.Data.Source.Equals("demo", StringComparison.OrdinalIgnoreCase) || DemoCorpus.TryGetPrepared(DemoCorpus.DefaultDirectory) is not null)
            return;
        logger.LogInformation("Preparing the demo corpus in {Directory}", DemoCorpus.DefaultDirectory);
        observer.OnMessage(ConsoleLevel.Info, "Preparing the demo corpus (first use on this machine)");
        DemoCorpus.PrepareAsync().GetAwaiter().GetResult();
    }

    private static Trainer CreateTrainer(TrainingConfig config, TrainingRequest request)
    {
        var checkpoint = request.ResumeFromCheckpointPath;
        if (checkpoint is null)
        {
            var data = TrainingData.Open(config);
            var fitted = data.Fit(config);
            return Trainer.Create(fitted, data.Train, data.Eval, request.OutputDirectory, data.TokenizerSpec);
        }

        var state = CheckpointFile.ReadState(checkpoint);
        var source = state.Config;
        var requested = config with { Model = config.Model with { VocabSize = source.Model.VocabSize } };
        if (source.Model.FeedForward == FeedForwardKind.MixtureOfTokens && requested.Model.FeedForward == FeedForwardKind.TokenChoice)
        {
            var tokenChoice = TransitionTuning.TokenChoiceConfigFor(source.Model, requested.Model.TokenChoice!.TopK,
                requested.Model.TokenChoice.CapacityFactor, requested.Model.TokenChoice.LoadBalancingWeight);
            using var mot = CheckpointFile.LoadModel(checkpoint, CPU);
            using var converted = TransitionTuning.Convert(mot, tokenChoice);
            var transitionConfig = requested with { Model = tokenChoice };
            var data = TrainingData.Open(transitionConfig, state.TokenizerSpec);
            return Trainer.Create(transitionConfig, data.Train, data.Eval, request.OutputDirectory, state.TokenizerSpec, converted);
        }

        var sameSettings = TrainingConfigDocument.Write(source with { Steps = 0 }) == TrainingConfigDocument.Write(requested with { Steps = 0 });
        if (sameSettings)
        {
            var data = TrainingData.Open(source, state.TokenizerSpec);
            return Trainer.Resume(checkpoint, data.Train, data.Eval, request.OutputDirectory, requested.Steps);
        }

        if (!source.Model.HasSameArchitecture(requested.Model))
            throw new CheckpointException($"cannot start {CheckpointFile.Describe(requested.Model)} from checkpoint {checkpoint} of {CheckpointFile.Describe(source.Model)}");
        using var weights = CheckpointFile.LoadModel(checkpoint, CPU);
        var forkData = TrainingData.Open(requested, state.TokenizerSpec);
        return Trainer.Create(requested, forkData.Train, forkData.Eval, request.OutputDirectory, state.TokenizerSpec, weights);
    }

    private static TrainingOutcome Outcome(TrainingResult result) => result.Status switch
    {
        TrainingStatus.Completed => new TrainingOutcome(RunStatus.Completed, result.StepsCompleted, result.BestEvalLoss, null, null),
        TrainingStatus.Diverged => new TrainingOutcome(RunStatus.Diverged, result.StepsCompleted, result.BestEvalLoss,
            $"non-finite loss at step {result.DivergedAtStep}", FailureClass.Diverged),
        _ => new TrainingOutcome(RunStatus.Cancelled, result.StepsCompleted, result.BestEvalLoss, "stopped", null),
    };

    private static bool IsOutOfMemory(Exception error) =>
        error is OutOfMemoryException || error.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase);
}
