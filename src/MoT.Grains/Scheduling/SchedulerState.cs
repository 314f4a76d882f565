using MoT.Contracts.Scheduling;

namespace MoT.Grains.Scheduling;

/// <summary>What the <see cref="SchedulerGrain"/> persists.</summary>
[GenerateSerializer]
public sealed class SchedulerState
{
    [Id(0)] public List<QueueEntry> Queue { get; set; } = [];
    [Id(1)] public long NextSequence { get; set; }
    [Id(2)] public Dictionary<string, SlotStatus> Slots { get; set; } = [];
    [Id(3)] public Dictionary<Guid, RunningEntry> Running { get; set; } = [];
    [Id(4)] public Dictionary<Guid, int> SweepLimits { get; set; } = [];

    /// <summary>Run ids in the order they were handed to slots (most recent last, bounded).</summary>
    [Id(5)] public List<Guid> DispatchLog { get; set; } = [];

    /// <summary>Dispatches so far; the fair-share clock.</summary>
    [Id(6)] public long Dispatches { get; set; }

    /// <summary>Per owner, the dispatch number of the owner's latest dispatch.</summary>
    [Id(7)] public Dictionary<string, long> LastServed { get; set; } = [];
}

/// <summary>Scheduler settings (configuration section "Scheduler").</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>A slot whose silo has not sent a heartbeat for this long is lost; its run is re-queued.</summary>
    public TimeSpan HeartbeatLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the scheduler examines leases and membership on its own.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many dispatches the snapshot remembers.</summary>
    public int DispatchLogLength { get; set; } = 1000;

    /// <summary>A queued run that outranks running ones (higher priority, no free slot) preempts the lowest-priority of them:
    /// it checkpoints, stops within a step and queues again to resume.</summary>
    public bool PreemptLowerPriority { get; set; } = true;
}
