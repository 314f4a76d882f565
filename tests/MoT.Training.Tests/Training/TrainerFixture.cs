using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Training.Tests.Training;

/// <summary>Tiny runs on synthetic data in a temp folder of their own.</summary>
internal sealed class TrainingRun : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "mot-tests", Guid.NewGuid().ToString("N"));

    public static TrainingConfig Config(ModelConfig? model = null, int steps = 20) => new()
    {
        Model = model ?? TorchSetup.Tiny.Dense(),
        BatchSize = 8,
        Steps = steps,
        LearningRate = 3e-3,
        WarmupSteps = 2,
        LogInterval = 1,
        EvalInterval = 10,
        EvalBatches = 2,
        CheckpointInterval = 10,
        Device = "cpu",
    };

    public Trainer Create(TrainingConfig config) =>
        Trainer.Create(config, Batches(config), EvalBatches(config), Directory);

    public Trainer Resume(string checkpoint, TrainingConfig config) =>
        Trainer.Resume(checkpoint, Batches(config), EvalBatches(config), Directory);

    public static IBatchSource Batches(TrainingConfig config) => new SyntheticBatchSource(config.Model.VocabSize, seed: 11);

    public static IBatchSource EvalBatches(TrainingConfig config) => new SyntheticBatchSource(config.Model.VocabSize, seed: 99);

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>Records every report the trainer sends.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public List<StepReport> Steps { get; } = [];
    public List<EvalReport> Evals { get; } = [];
    public List<CheckpointReport> Checkpoints { get; } = [];
    public Action<StepReport>? AfterStep { get; init; }

    public void OnStep(StepReport report)
    {
        Steps.Add(report);
        AfterStep?.Invoke(report);
    }

    public void OnEval(EvalReport report) => Evals.Add(report);
    public void OnCheckpoint(CheckpointReport report) => Checkpoints.Add(report);
}
