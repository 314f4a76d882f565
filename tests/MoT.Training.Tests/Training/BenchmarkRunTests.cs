using MoT.Training.Training;

namespace MoT.Training.Tests.Training;

/// <summary>The trainer as the throughput benchmarks run it.</summary>
public sealed class BenchmarkRunTests
{
    [Fact]
    public void Without_eval_and_checkpoints_a_run_trains_every_step_and_writes_nothing()
    {
        using var run = new TrainingRun();
        var observer = new RecordingObserver();
        using var trainer = run.Create(TrainingRun.Config(steps: 12) with { EvalInterval = 4, CheckpointInterval = 4, LogInterval = 3 });

        var result = trainer.Run(observer, TestContext.Current.CancellationToken, evaluateAndCheckpoint: false);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal([3, 6, 9, 12], observer.Steps.Select(s => s.Step));
        Assert.Empty(observer.Evals);
        Assert.Empty(observer.Checkpoints);
        Assert.Null(result.LastCheckpoint);
        Assert.False(Directory.Exists(Path.Combine(run.Directory, "checkpoints")) &&
                     Directory.EnumerateFiles(Path.Combine(run.Directory, "checkpoints")).Any());
    }

    [Fact]
    public void On_the_CPU_no_GPU_memory_is_reported()
    {
        using var run = new TrainingRun();
        var observer = new RecordingObserver();
        using var trainer = run.Create(TrainingRun.Config(steps: 2));
        trainer.Run(observer, TestContext.Current.CancellationToken, evaluateAndCheckpoint: false);
        Assert.All(observer.Steps, s => Assert.Null(s.DeviceMemoryBytes));
    }
}
