using Microsoft.Extensions.Time.Testing;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Training;
using MoT.Grains.Slots;

namespace MoT.Grains.Tests.Slots;

/// <summary>What one attempt writes to its run's console, whatever the executor: throttled progress, every eval and
/// checkpoint, the trainer's messages, and one line saying how it ended.</summary>
public sealed class AttemptConsoleTests
{
    private sealed class Recorder : IRunConsoleSink, ITrainingObserver
    {
        public List<RunConsoleLine> Lines { get; } = [];
        public List<RunProgress> Forwarded { get; } = [];

        public void Append(RunConsoleLine line) => Lines.Add(line);

        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void OnProgress(RunProgress progress) => Forwarded.Add(progress);

        public void OnCheckpoint(CheckpointInfo checkpoint)
        {
        }
    }

    private static RunProgress Step(long step, double? eval = null) => new(step, 3.25, eval, 1e-3, 12_345, TimeSpan.Zero);

    [Fact]
    public void Progress_lines_come_at_most_once_per_interval_while_every_report_is_forwarded_and_every_eval_and_checkpoint_is_written()
    {
        var time = new FakeTimeProvider();
        var sink = new Recorder();
        var runId = Guid.NewGuid();
        var observer = new AttemptConsole(sink, runId, 2, time, TimeSpan.FromSeconds(2)).Observe(sink);

        for (var step = 1; step <= 10; step++)
        {
            observer.OnProgress(Step(step, step % 5 == 0 ? 3.5 : null));
            time.Advance(TimeSpan.FromMilliseconds(500)); // four steps per interval
        }

        observer.OnCheckpoint(new CheckpointInfo(10, "/runs/x/step-0000010.ckpt", 2048, new string('a', 64)));
        observer.OnMessage(ConsoleLevel.Warning, "eval set smaller than one batch");

        Assert.Equal(10, sink.Forwarded.Count);
        Assert.Equal(
        [
            "step 1  loss 3.2500  lr 1.00e-03  12,345 tokens/s",
            "step 5  eval loss 3.5000",
            "step 5  loss 3.2500  lr 1.00e-03  12,345 tokens/s",
            "step 9  loss 3.2500  lr 1.00e-03  12,345 tokens/s",
            "step 10  eval loss 3.5000",
            "checkpoint at step 10 saved (2.0 KiB)",
            "eval set smaller than one batch",
        ], sink.Lines.Select(l => l.Text));
        Assert.All(sink.Lines, l => Assert.Equal((runId, 2), (l.RunId, l.Attempt)));
        Assert.Equal(ConsoleLevel.Warning, sink.Lines[^1].Level);
    }

    [Theory]
    [InlineData(RunStatus.Completed, null, null, null, ConsoleLevel.Info, "Completed at step 1,200, best eval loss 2.5000")]
    [InlineData(RunStatus.Cancelled, null, null, StopKind.Cancel, ConsoleLevel.Warning, "Cancelled at step 1,200")]
    [InlineData(RunStatus.Cancelled, FailureClass.Preempted, "Preempted", StopKind.Preempt, ConsoleLevel.Warning, "Preempted at step 1,200: the run goes back to the queue and resumes from its last checkpoint")]
    [InlineData(RunStatus.Cancelled, null, null, StopKind.EarlyStop, ConsoleLevel.Warning, "Stopped at step 1,200 by the sweep's early-stopping rule")]
    [InlineData(RunStatus.Failed, FailureClass.OutOfMemory, "CUDA out of memory", null, ConsoleLevel.Error, "Failed at step 1,200 (OutOfMemory): CUDA out of memory")]
    [InlineData(RunStatus.Diverged, FailureClass.Diverged, "non-finite loss at step 1200", null, ConsoleLevel.Error, "Failed at step 1,200 (Diverged): non-finite loss at step 1200")]
    public void The_last_line_says_how_the_attempt_ended(RunStatus status, FailureClass? failure, string? reason, StopKind? stop, ConsoleLevel level, string expected)
    {
        var sink = new Recorder();
        var console = new AttemptConsole(sink, Guid.NewGuid(), 1, new FakeTimeProvider(), TimeSpan.FromSeconds(2));

        console.Outcome(new TrainingOutcome(status, 1200, status == RunStatus.Completed ? 2.5 : null, reason, failure), stop);

        var line = Assert.Single(sink.Lines);
        Assert.Equal((level, expected), (line.Level, line.Text));
    }
}
