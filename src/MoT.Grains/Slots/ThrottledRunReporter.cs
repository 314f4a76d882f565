using Microsoft.Extensions.Logging;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;

namespace MoT.Grains.Slots;

/// <summary>
/// The observer handed to an executor. Called on the training thread, it only queues; a pump on the thread pool
/// forwards to the run grain in order. Plain progress is throttled to one report per interval (the latest wins);
/// eval points and checkpoints always go through. When the run answers "stop", the attempt is cancelled.
/// While the control side is unreachable the attempt trains on: reports wait in a bounded buffer (plain progress
/// coalesced to the latest, checkpoints always kept) and are retried with backoff until taken.
/// </summary>
internal sealed class ThrottledRunReporter : ITrainingObserver
{
    private readonly IRunGrain _run;
    private readonly Guid _runId;
    private readonly int _attempt;
    private readonly TimeProvider _clock;
    private readonly TimeProvider _retryClock;
    private readonly GpuSlotOptions _options;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _abandon;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly LinkedList<object> _queue = new();
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly List<CheckpointInfo> _checkpoints = [];
    private readonly Task _pump;
    private LinkedListNode<object>? _inFlight;
    private RunProgress? _pending;
    private bool _completed;
    private long _lastSent;
    private bool _sentAny;
    private long _droppedEvalReports;

    /// <param name="clock">The platform clock: progress throttling.</param>
    /// <param name="retryClock">Waits between retries while the control side is unreachable.</param>
    /// <param name="stop">Cancelled when the run says stop.</param>
    /// <param name="abandon">Fires when the silo goes away: reports still waiting are given up.</param>
    public ThrottledRunReporter(IRunGrain run, Guid runId, int attempt, TimeProvider clock, TimeProvider retryClock, GpuSlotOptions options,
        CancellationTokenSource stop, CancellationToken abandon, ILogger logger)
    {
        _run = run;
        _runId = runId;
        _attempt = attempt;
        _clock = clock;
        _retryClock = retryClock;
        _options = options;
        _stop = stop;
        _abandon = abandon;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    public long LastStep { get; private set; }

    public double? BestEvalLoss { get; private set; }

    /// <summary>Every checkpoint the attempt wrote, in order (whether or not the run has taken it yet).</summary>
    public IReadOnlyList<CheckpointInfo> Checkpoints { get { lock (_gate) return _checkpoints.ToArray(); } }

    /// <summary>The newest checkpoint the attempt wrote.</summary>
    public CheckpointInfo? LastCheckpoint { get { lock (_gate) return _checkpoints.Count > 0 ? _checkpoints[^1] : null; } }

    /// <summary>Reports waiting for the control side.</summary>
    public int Waiting { get { lock (_gate) return _queue.Count; } }

    public void OnProgress(RunProgress progress)
    {
        lock (_gate)
        {
            LastStep = progress.Step;
            if (progress.EvalLoss is { } eval)
            {
                BestEvalLoss = BestEvalLoss is { } best ? Math.Min(best, eval) : eval;
            }

            if (progress.EvalLoss is not null || !_sentAny || _clock.GetElapsedTime(_lastSent) >= _options.ProgressInterval)
            {
                _pending = null;
                _sentAny = true;
                _lastSent = _clock.GetTimestamp();
                Enqueue(progress);
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
            _checkpoints.Add(checkpoint);
            Enqueue(checkpoint);
        }
    }

    /// <summary>Sends the last throttled progress, then waits until everything queued reached the run (or the silo gives up).</summary>
    public async Task FlushAsync()
    {
        lock (_gate)
        {
            if (_pending is { } pending)
            {
                Enqueue(pending);
                _pending = null;
            }

            _completed = true;
        }

        _signal.Release();
        await _pump;
    }

    /// <summary>Called under the gate.</summary>
    private void Enqueue(object report)
    {
        if (_completed)
        {
            return;
        }

        // Plain progress supersedes plain progress that has not left yet: a long outage costs one entry, not one per interval.
        if (report is RunProgress { EvalLoss: null } && _queue.Last is { Value: RunProgress { EvalLoss: null } } tail && tail != _inFlight)
        {
            tail.Value = report;
            return;
        }

        _queue.AddLast(report);
        while (_queue.Count > _options.MaxBufferedReports && OldestDroppable() is { } drop)
        {
            _queue.Remove(drop);
            if (_droppedEvalReports++ == 0)
            {
                _logger.LogWarning("Run {RunId} attempt {Attempt}: more than {Max} reports wait for the control side; the oldest eval points are dropped from the run's live view (the store keeps their metrics)",
                    _runId, _attempt, _options.MaxBufferedReports);
            }
        }

        _signal.Release();
    }

    private LinkedListNode<object>? OldestDroppable()
    {
        for (var node = _queue.First; node is not null; node = node.Next)
        {
            if (node != _inFlight && node.Value is RunProgress)
            {
                return node;
            }
        }

        return null;
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                object report;
                lock (_gate)
                {
                    _inFlight = _queue.First;
                    if (_inFlight is null && _completed)
                    {
                        return;
                    }
                }

                if (_inFlight is null)
                {
                    await _signal.WaitAsync(_abandon);
                    continue;
                }

                report = _inFlight.Value;
                var keepGoing = await ReportDelivery.UntilTakenAsync(() => SendAsync(report), _options, _retryClock, _logger,
                    $"run {_runId} attempt {_attempt} {Describe(report)}", _abandon);
                lock (_gate)
                {
                    _queue.Remove(_inFlight);
                    _inFlight = null;
                }

                if (!keepGoing && !_stop.IsCancellationRequested)
                {
                    _logger.LogInformation("Run {RunId} attempt {Attempt} was told to stop", _runId, _attempt);
                    await _stop.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            _logger.LogWarning("Run {RunId} attempt {Attempt}: the silo stopped with {Count} reports not taken by the control side",
                _runId, _attempt, Waiting);
        }
    }

    private Task<bool> SendAsync(object report) => report switch
    {
        RunProgress p => _run.ReportProgressAsync(_attempt, p),
        CheckpointInfo c => _run.ReportCheckpointAsync(_attempt, c),
        _ => Task.FromResult(true),
    };

    private static string Describe(object report) => report switch
    {
        RunProgress p => $"progress at step {p.Step}",
        CheckpointInfo c => $"checkpoint at step {c.Step}",
        _ => "report",
    };
}
