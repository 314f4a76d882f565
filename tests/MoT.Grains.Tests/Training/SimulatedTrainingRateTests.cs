using Microsoft.Extensions.Options;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Grains.Training;

namespace MoT.Grains.Tests.Training;

/// <summary>The simulated trainer's tokens/s is the attempt's own rate: a resumed attempt does not count the steps its
/// checkpoint already had (it once reported a resumed run 40x faster than the run it continued).</summary>
public sealed class SimulatedTrainingRateTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("mot-sim-rate-").FullName;

    [Fact]
    public async Task A_resumed_attempt_reports_about_the_rate_of_a_fresh_one_not_its_checkpoint_steps_over_its_own_time()
    {
        var executor = new SimulatedTrainingExecutor(Options.Create(new SimulatedTrainingOptions { StepDelay = TimeSpan.FromMilliseconds(2) }));
        var cancel = TestContext.Current.CancellationToken;
        var fresh = new Recorder();
        await executor.RunAsync(new TrainingRequest(Guid.NewGuid(), Config(200), null, Path.Combine(_output, "a")), fresh, cancel);
        var resumed = new Recorder();
        await executor.RunAsync(new TrainingRequest(Guid.NewGuid(), Config(220), fresh.LastCheckpoint!.Path, Path.Combine(_output, "b")), resumed, cancel);

        Assert.Equal(201, resumed.Progress[0].Step); // it did continue the checkpoint
        var (freshRate, resumedRate) = (Median(fresh), Median(resumed));
        // Same step delay, so the same rate up to scheduling noise; counting the checkpoint's 200 steps made it ~20-40x.
        Assert.InRange(resumedRate / freshRate, 0.2, 5);
    }

    private static string Config(int steps) =>
        $$"""{ "training": { "steps": {{steps}}, "checkpoint_interval": 50, "eval_interval": 50 } }""";

    private static double Median(Recorder recorder)
    {
        var rates = recorder.Progress.Select(p => p.TokensPerSecond).Order().ToList();
        return rates[rates.Count / 2];
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private sealed class Recorder : ITrainingObserver
    {
        public List<RunProgress> Progress { get; } = [];

        public CheckpointInfo? LastCheckpoint { get; private set; }

        public void OnProgress(RunProgress progress) => Progress.Add(progress);

        public void OnCheckpoint(CheckpointInfo checkpoint) => LastCheckpoint = checkpoint;
    }
}
