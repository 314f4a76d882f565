using System.Globalization;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Training;

namespace MoT.Grains.Slots;

/// <summary>
/// The console of one training attempt: what the slot says about the attempt (start, outcome) and, through
/// <see cref="Observe"/>, what the trainer reports (progress at most every <c>progressInterval</c>, every eval, every
/// checkpoint, the trainer's own messages). Works the same for every executor, since it reads the observer calls.
/// </summary>
public sealed class AttemptConsole(IRunConsoleSink sink, Guid runId, int attempt, TimeProvider time, TimeSpan progressInterval)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Info(string text) => Write(ConsoleLevel.Info, text);

    public void Warning(string text) => Write(ConsoleLevel.Warning, text);

    public void Error(string text) => Write(ConsoleLevel.Error, text);

    public void Write(ConsoleLevel level, string text) => sink.Append(new RunConsoleLine(runId, attempt, time.GetUtcNow(), level, text));

    /// <summary>An observer that writes the attempt's reports to this console and passes them on to <paramref name="next"/>.</summary>
    public ITrainingObserver Observe(ITrainingObserver next) => new ConsoleObserver(this, next);

    /// <summary>The line that ends an attempt: how it ended and at which step, with the one-line reason of a failure.</summary>
    public void Outcome(TrainingOutcome outcome, StopKind? stop)
    {
        var step = outcome.FinalStep.ToString("N0", Invariant);
        var reason = string.IsNullOrWhiteSpace(outcome.FailureReason) ? null : outcome.FailureReason;
        switch (outcome.FinalStatus)
        {
            case RunStatus.Completed:
                Info($"Completed at step {step}{(outcome.BestEvalLoss is { } best ? $", best eval loss {Loss(best)}" : "")}");
                break;
            case RunStatus.Cancelled when outcome.FailureClass == FailureClass.Preempted || stop == StopKind.Preempt:
                Warning($"Preempted at step {step}: the run goes back to the queue and resumes from its last checkpoint");
                break;
            case RunStatus.Cancelled when stop == StopKind.EarlyStop:
                Warning($"Stopped at step {step} by the sweep's early-stopping rule");
                break;
            case RunStatus.Cancelled:
                Warning($"Cancelled at step {step}");
                break;
            default:
                var kind = outcome.FailureClass is { } failure ? $" ({failure})" : "";
                Error($"Failed at step {step}{kind}: {reason ?? "no reason given"}");
                break;
        }
    }

    private static string Loss(double value) => value.ToString("0.0000", Invariant);

    private sealed class ConsoleObserver(AttemptConsole console, ITrainingObserver next) : ITrainingObserver
    {
        private long? _lastProgressLine;
        private long _lastProgressStep = -1;

        public void OnProgress(RunProgress progress)
        {
            next.OnProgress(progress);
            var now = console.Time.GetTimestamp();
            if (progress.EvalLoss is { } eval)
            {
                console.Info($"step {progress.Step.ToString("N0", Invariant)}  eval loss {Loss(eval)}");
            }

            // The first report, then at most one per interval (an eval report repeating its step's train loss adds none).
            var due = _lastProgressLine is not { } last || console.Time.GetElapsedTime(last, now) >= console.ProgressInterval;
            if (due && progress.Step != _lastProgressStep && !double.IsNaN(progress.TrainLoss))
            {
                _lastProgressLine = now;
                _lastProgressStep = progress.Step;
                console.Info($"step {progress.Step.ToString("N0", Invariant)}  loss {Loss(progress.TrainLoss)}  " +
                    $"lr {progress.LearningRate.ToString("0.00e+00", Invariant)}  {progress.TokensPerSecond.ToString("N0", Invariant)} tokens/s");
            }
        }

        public void OnCheckpoint(CheckpointInfo checkpoint)
        {
            next.OnCheckpoint(checkpoint);
            console.Info($"checkpoint at step {checkpoint.Step.ToString("N0", Invariant)} saved ({Size(checkpoint.Bytes)})");
        }

        public void OnMessage(ConsoleLevel level, string text)
        {
            next.OnMessage(level, text);
            console.Write(level, text);
        }

        private static string Size(long bytes) => bytes switch
        {
            >= 1L << 30 => $"{(bytes / (double)(1L << 30)).ToString("0.0", Invariant)} GiB",
            >= 1L << 20 => $"{(bytes / (double)(1L << 20)).ToString("0.0", Invariant)} MiB",
            >= 1L << 10 => $"{(bytes / 1024.0).ToString("0.0", Invariant)} KiB",
            _ => $"{bytes} B",
        };
    }

    private TimeProvider Time => time;

    private TimeSpan ProgressInterval => progressInterval;
}
