using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;

namespace MoT.Grains.Slots;

/// <summary>
/// The observer handed to an executor. Called on the training thread, it only queues; a pump on the thread pool
/// forwards to the run grain in order. Plain progress is throttled to one report per interval (the latest wins);
/// eval points and checkpoints always go through. When the run answers "stop", the attempt is cancelled.
/// </summary>
internal sealed class ThrottledRunReporter : ITrainingObserver
{
    private const int MaxConsecutiveFailures = 5;

    private readonly IRunGrain _run;
    private readonly int _attempt;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop;
    private readonly ILogger _logger;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly Task _pump;
    private RunProgress? _pending;
    private long _lastSent;
    private bool _sentAny;

    public ThrottledRunReporter(IRunGrain run, int attempt, TimeProvider clock, TimeSpan interval, CancellationTokenSource stop, ILogger logger)
    {
        _run = run;
        _attempt = attempt;
        _clock = clock;
        _interval = interval;
        _stop = stop;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    public long LastStep { get; private set; }

    public double? BestEvalLoss { get; private set; }

    public void OnProgress(RunProgress progress)
    {
        lock (_gate)
        {
            LastStep = progress.Step;
            if (progress.EvalLoss is { } eval)
            {
                BestEvalLoss = BestEvalLoss is { } best ? Math.Min(best, eval) : eval;
            }

            if (progress.EvalLoss is not null || !_sentAny || _clock.GetElapsedTime(_lastSent) >= _interval)
            {
                _pending = null;
                _sentAny = true;
                _lastSent = _clock.GetTimestamp();
                _queue.Writer.TryWrite(progress);
            }
            else
            {
                _pending = progress;
            }
        }
    }

    public void OnCheckpoint(CheckpointInfo checkpoint)
    {
        lock (_gate)
        {
            _queue.Writer.TryWrite(checkpoint);
        }
    }

    /// <summary>Sends the last throttled progress, then waits until everything queued reached the run.</summary>
    public async Task FlushAsync()
    {
        lock (_gate)
        {
            if (_pending is { } pending)
            {
                _queue.Writer.TryWrite(pending);
                _pending = null;
            }

            _queue.Writer.TryComplete();
        }

        await _pump;
    }

    private async Task PumpAsync()
    {
        var failures = 0;
        await foreach (var item in _queue.Reader.ReadAllAsync())
        {
            try
            {
                var keepGoing = item switch
                {
                    RunProgress p => await _run.ReportProgressAsync(_attempt, p),
                    CheckpointInfo c => await _run.ReportCheckpointAsync(_attempt, c),
                    _ => true,
                };
                failures = 0;
                if (!keepGoing && !_stop.IsCancellationRequested)
                {
                    _logger.LogInformation("Run {RunId} attempt {Attempt} was told to stop", _run.GetPrimaryKey(), _attempt);
                    await _stop.CancelAsync();
                }
            }
            catch (Exception ex)
            {
                // The run's silo may be gone; give up on an attempt nobody can hear after a few tries.
                _logger.LogWarning(ex, "Could not report to run {RunId}", _run.GetPrimaryKey());
                if (++failures >= MaxConsecutiveFailures && !_stop.IsCancellationRequested)
                {
                    await _stop.CancelAsync();
                }
            }
        }
    }
}
