using System.Diagnostics;
using MoT.Contracts.Scheduling;

namespace MoT.Cli.Bench;

/// <summary>
/// Sees every grain call of the benchmark cluster (an incoming call filter on each silo, one shared instance) and
/// keeps what the scheduler benchmark needs: how many calls were made, when each run was queued, when each slot was
/// handed back, and when each run started on a slot. Timestamps are <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class SchedulerCallRecorder
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _callsByMethod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _ticksByMethod = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, long> _queuedAt = [];
    private readonly Dictionary<string, long> _slotFreeAt = new(StringComparer.Ordinal);
    private readonly List<Dispatch> _dispatches = [];
    private bool _recording;

    /// <summary>One run handed to a slot: when it could have started (run queued and slot free) and when it did.</summary>
    public sealed record Dispatch(Guid RunId, string SlotKey, long ReadyAt, long QueuedAt, long StartedAt);

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

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
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
                    break;
                case SlotAssignment assignment when method == nameof(IGpuSlotGrain.StartAsync)
                                                    && context.Response?.Result is MoT.Contracts.Runs.CommandResult { Changed: true }:
                    var slot = context.TargetId.Key.ToString()!;
                    var queued = _queuedAt.GetValueOrDefault(assignment.RunId, arrived);
                    var ready = Math.Max(queued, _slotFreeAt.GetValueOrDefault(slot, long.MinValue));
                    _dispatches.Add(new Dispatch(assignment.RunId, slot, ready, queued, done));
                    break;
            }
        }
    }
}
