using System.Diagnostics;
using MoT.Contracts.Scheduling;

namespace MoT.Cli.Bench;

/// <summary>
/// Sees every grain call of the benchmark cluster (an incoming call filter on each silo, one shared instance) and
/// keeps what the scheduler benchmark needs: how many calls were made, when each run was queued, when each slot was
/// handed back, and when each run started on a slot. Timestamps are <see cref="Stopwatch"/> ticks.
/// An outgoing call filter stamps each call with the time it was sent, so the wait in a grain's mailbox before its turn is
/// seen too (the incoming filter runs inside the turn). The cluster is in one process, so the ticks compare across silos.
/// </summary>
internal sealed class SchedulerCallRecorder
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _callsByMethod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _ticksByMethod = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, long> _queuedAt = [];
    private const string SentAtKey = "mot-bench-sent-at";
    private readonly Dictionary<string, long> _slotFreeAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Sent, long Done)> _slotReleased = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, long> _runningAt = [];
    private readonly List<Dispatch> _dispatches = [];
    private bool _recording;

    /// <summary>One run handed to a slot: when it could have started (run queued and slot free) and when it did.</summary>
    /// <param name="ReadySentAt">As <paramref name="ReadyAt"/>, but from when the slot's release was sent (its wait for the
    /// scheduler's turn included).</param>
    /// <param name="DecidedAt">The later of the enqueue's and the release's turn end (releases are written behind, so the
    /// write that lets the start go out may come in a later turn; <paramref name="StartSentAt"/> shows when).</param>
    /// <param name="StartSentAt">When the scheduler sent the start; <paramref name="StartTurnAt"/>: when the slot's turn began.</param>
    public sealed record Dispatch(Guid RunId, string SlotKey, long ReadyAt, long QueuedAt, long StartedAt,
        long ReadySentAt, long DecidedAt, long StartSentAt, long StartTurnAt);

    public void Start()
    {
        lock (_gate)
        {
            _callsByMethod.Clear();
            _ticksByMethod.Clear();
            _queuedAt.Clear();
            _dispatches.Clear();
            _recording = true;
        }
    }

    public void Stop()
    {
        lock (_gate) _recording = false;
    }

    public long Calls { get { lock (_gate) return _callsByMethod.Values.Sum(); } }

    public IReadOnlyDictionary<string, long> CallsByMethod { get { lock (_gate) return new Dictionary<string, long>(_callsByMethod); } }

    /// <summary>Per method, the time its turns took in total (Stopwatch ticks): where a grain spends its time.</summary>
    public IReadOnlyDictionary<string, long> TicksByMethod { get { lock (_gate) return new Dictionary<string, long>(_ticksByMethod); } }

    public IReadOnlyList<Dispatch> Dispatches { get { lock (_gate) return [.. _dispatches]; } }

    public IReadOnlyDictionary<Guid, long> QueuedAt { get { lock (_gate) return new Dictionary<Guid, long>(_queuedAt); } }

    /// <summary>Per run, when its run grain recorded the attempt as started (BeginAttemptAsync done): the run is Running.</summary>
    public IReadOnlyDictionary<Guid, long> RunningAt { get { lock (_gate) return new Dictionary<Guid, long>(_runningAt); } }

    /// <summary>Outgoing filter: stamps the call with the time it leaves its caller.</summary>
    public Task Stamp(IOutgoingGrainCallContext context)
    {
        RequestContext.Set(SentAtKey, Stopwatch.GetTimestamp());
        return context.Invoke();
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var sent = RequestContext.Get(SentAtKey) is long stamp ? stamp : arrived;
        var method = context.InterfaceMethod?.Name ?? "?";
        var grain = context.InterfaceMethod?.DeclaringType?.Name ?? "?";
        await context.Invoke();
        var done = Stopwatch.GetTimestamp();

        lock (_gate)
        {
            if (!_recording) return;
            var key = $"{grain}.{method}";
            _callsByMethod[key] = _callsByMethod.GetValueOrDefault(key) + 1;
            _ticksByMethod[key] = _ticksByMethod.GetValueOrDefault(key) + (done - arrived);
            switch (context.Request.GetArgumentCount() > 0 ? context.Request.GetArgument(0) : null)
            {
                case ScheduleRequest request when method == nameof(ISchedulerGrain.EnqueueAsync):
                    _queuedAt.TryAdd(request.RunId, done); // queued once the scheduler has taken it
                    break;
                case string slotKey when method == nameof(ISchedulerGrain.ReleaseSlotAsync):
                    _slotFreeAt[slotKey] = arrived; // free from the moment the scheduler is told, however long it takes to listen
                    _slotReleased[slotKey] = (sent, done);
                    break;
                case string when method == nameof(MoT.Contracts.Runs.IRunGrain.BeginAttemptAsync) && context.TargetId.Key.ToString() is { } runKey && Guid.TryParse(runKey, out var runId):
                    _runningAt.TryAdd(runId, done);
                    break;
                case SlotAssignment assignment when method == nameof(IGpuSlotGrain.StartAsync)
                                                    && context.Response?.Result is MoT.Contracts.Runs.CommandResult { Changed: true }:
                    var slot = context.TargetId.Key.ToString()!;
                    var queued = _queuedAt.GetValueOrDefault(assignment.RunId, arrived);
                    var ready = Math.Max(queued, _slotFreeAt.GetValueOrDefault(slot, long.MinValue));
                    var released = _slotReleased.GetValueOrDefault(slot, (long.MinValue, long.MinValue));
                    _dispatches.Add(new Dispatch(assignment.RunId, slot, ready, queued, done,
                        Math.Max(queued, released.Item1), Math.Max(queued, released.Item2), sent, arrived));
                    break;
            }
        }
    }
}
