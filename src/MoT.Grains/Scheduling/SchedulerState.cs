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

    /// <summary>Runs whose slot was lost and that have not yet answered the notice; repeated until they do.</summary>
    [Id(8)] public Dictionary<Guid, LostAttempt> LostAttempts { get; set; } = [];

    /// <summary>Sweeps paused by a person: none of their queued runs is dispatched until they resume.</summary>
    [Id(9)] public HashSet<Guid> PausedSweeps { get; set; } = [];
}

/// <summary>A notice owed to a run: the slot it was training on is gone.</summary>
/// <param name="Queued">The run's queue entry, to queue it again in its old place once it agrees.</param>
[GenerateSerializer, Immutable]
public sealed record LostAttempt(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string SlotKey,
    [property: Id(2)] string Reason,
    [property: Id(3)] QueueEntry? Queued);

/// <summary>Scheduler settings (configuration section "Scheduler").</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>A slot whose silo has not sent a heartbeat for this long is lost; its run is re-queued.</summary>
    public TimeSpan HeartbeatLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the scheduler examines leases and membership on its own.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the scheduler asks each busy slot which run it trains (always once right after activation: slots restored
    /// busy from storage are verified, not trusted). A slot that trains nothing any more frees up and its run is re-queued.
    /// </summary>
    public TimeSpan SlotVerifyInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one slot may take to answer that question before it is left to its lease.</summary>
    public TimeSpan SlotVerifyTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How many dispatches the snapshot remembers.</summary>
    public int DispatchLogLength { get; set; } = 1000;

    /// <summary>A queued run that outranks running ones (higher priority, no free slot) preempts the lowest-priority of them:
    /// it checkpoints, stops within a step and queues again to resume.</summary>
    public bool PreemptLowerPriority { get; set; } = true;
}
