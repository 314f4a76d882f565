using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Grains.Slots;

namespace MoT.Grains.Tests.Slots;

public sealed class ThrottledRunReporterTests
{
    private static readonly GpuSlotOptions Options = new()
    {
        ProgressInterval = TimeSpan.FromSeconds(1),
        ReportRetryInitialDelay = TimeSpan.FromMilliseconds(1),
        ReportRetryMaxDelay = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public async Task While_the_control_side_is_down_training_never_waits_and_every_eval_point_and_checkpoint_arrives_in_order_afterwards()
    {
        var run = new FlakyRun(failFirst: 50);
        using var stop = new CancellationTokenSource();
        var reporter = new ThrottledRunReporter(run, Guid.NewGuid(), 1, new FakeTimeProvider(), TimeProvider.System, Options, stop, CancellationToken.None, NullLogger.Instance);

        // The training thread's calls return at once though nothing is being taken.
        var training = System.Diagnostics.Stopwatch.StartNew();
        for (var step = 1; step <= 100; step++)
        {
            reporter.OnProgress(new RunProgress(step, 3.0, step % 10 == 0 ? 2.5 : null, 1e-3, 100, TimeSpan.Zero));
            if (step % 20 == 0) reporter.OnCheckpoint(new CheckpointInfo(step, $"step-{step}", 1, "00"));
        }
        Assert.True(training.Elapsed < TimeSpan.FromSeconds(2), $"reporting blocked training for {training.Elapsed}");

        await reporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(run.Failures >= 50);
        Assert.False(stop.IsCancellationRequested); // an unreachable control side never stops the attempt
        Assert.Equal([20L, 40, 60, 80, 100], run.Checkpoints.Select(c => c.Step));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 10L), run.Progress.Where(p => p.EvalLoss is not null).Select(p => p.Step));
        Assert.Equal(100, run.Progress[^1].Step);
        // Plain progress is throttled: the clock never moved, so only step 1 goes out besides the eval points (the last
        // step is one of them, which supersedes the throttled plain progress before it).
        Assert.Equal(11, run.Progress.Count);
    }

    [Fact]
    public async Task A_run_that_answers_stop_cancels_the_attempt()
    {
        var run = new FlakyRun(failFirst: 0) { KeepGoing = false };
        using var stop = new CancellationTokenSource();
        var reporter = new ThrottledRunReporter(run, Guid.NewGuid(), 1, new FakeTimeProvider(), TimeProvider.System, Options, stop, CancellationToken.None, NullLogger.Instance);

        reporter.OnProgress(new RunProgress(1, 3.0, null, 1e-3, 100, TimeSpan.Zero));
        await reporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(stop.IsCancellationRequested);
    }

    /// <summary>A run grain that is unreachable for its first calls, then takes everything.</summary>
    private sealed class FlakyRun(int failFirst) : IRunGrain
    {
        private int _calls;

        public bool KeepGoing { get; init; } = true;

        public int Failures { get; private set; }

        public List<RunProgress> Progress { get; } = [];

        public List<CheckpointInfo> Checkpoints { get; } = [];

        public Task<bool> ReportProgressAsync(int attempt, RunProgress progress)
        {
            if (Fail()) throw new TimeoutException("control silo unreachable");
            Progress.Add(progress);
            return Task.FromResult(KeepGoing);
        }

        public Task<bool> ReportCheckpointAsync(int attempt, CheckpointInfo checkpoint)
        {
            if (Fail()) throw new TimeoutException("control silo unreachable");
            Checkpoints.Add(checkpoint);
            return Task.FromResult(KeepGoing);
        }

        private bool Fail()
        {
            if (++_calls > failFirst) return false;
            Failures++;
            return true;
        }

        public Task<RunSnapshot> CreateAsync(RunSpec spec) => throw new NotSupportedException();
        public Task<RunSnapshot> GetSnapshotAsync() => throw new NotSupportedException();
        public Task<CommandResult> CancelAsync(string reason) => throw new NotSupportedException();
        public Task<CommandResult> StopEarlyAsync(string reason) => throw new NotSupportedException();
        public Task<Guid> ResumeAsync(string owner, long? additionalSteps) => throw new NotSupportedException();
        public Task<Guid> ForkAsync(string owner, string? configJson) => throw new NotSupportedException();
        public Task<Guid> TransitionTuneAsync(string owner, string targetConfigJson) => throw new NotSupportedException();
        public IAsyncEnumerable<RunProgress> WatchProgressAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<AttemptTicket?> BeginAttemptAsync(string slotKey) => throw new NotSupportedException();
        public Task ReportOutcomeAsync(int attempt, TrainingOutcome outcome) => throw new NotSupportedException();
        public Task<bool> OnSlotLostAsync(string slotKey, string reason) => throw new NotSupportedException();
    }
}
