namespace MoT.Contracts.Scheduling;

public enum DeviceKind
{
    Cpu,
    Cuda,
}

/// <summary>A training slot: one device of one silo.</summary>
/// <param name="SlotKey">"siloName/deviceIndex", the key of its <see cref="IGpuSlotGrain"/>.</param>
/// <param name="BusyRunId">The run it trains, or null when free.</param>
[GenerateSerializer, Immutable]
public sealed record SlotInfo(
    [property: Id(0)] string SlotKey,
    [property: Id(1)] string SiloName,
    [property: Id(2)] string SiloAddress,
    [property: Id(3)] int DeviceIndex,
    [property: Id(4)] DeviceKind Kind,
    [property: Id(5)] Guid? BusyRunId = null)
{
    /// <summary>The grain key of the slot for device <paramref name="deviceIndex"/> of silo <paramref name="siloName"/>.</summary>
    public static string KeyFor(string siloName, int deviceIndex) => $"{siloName}/{deviceIndex}";

    /// <summary>Splits a slot key into silo name and device index.</summary>
    public static (string SiloName, int DeviceIndex) ParseKey(string slotKey)
    {
        var slash = slotKey.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(slotKey.AsSpan(slash + 1), out var index))
        {
            throw new ArgumentException($"Slot key '{slotKey}' is not of the form 'siloName/deviceIndex'.", nameof(slotKey));
        }

        return (slotKey[..slash], index);
    }
}

/// <summary>A request to run a queued run when a slot is free.</summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleRequest(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string Owner,
    [property: Id(2)] int Priority,
    [property: Id(3)] Guid? SweepId);

/// <summary>A queued run as the scheduler sees it.</summary>
/// <param name="Sequence">Arrival order (FIFO within a priority).</param>
[GenerateSerializer, Immutable]
public sealed record QueueEntry(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string Owner,
    [property: Id(2)] int Priority,
    [property: Id(3)] Guid? SweepId,
    [property: Id(4)] long Sequence,
    [property: Id(5)] DateTimeOffset EnqueuedAt);

/// <summary>A slot and its liveness as the scheduler sees it.</summary>
/// <param name="Lost">True once its silo was declared dead or its heartbeat lapsed.</param>
[GenerateSerializer, Immutable]
public sealed record SlotStatus(
    [property: Id(0)] SlotInfo Info,
    [property: Id(1)] DateTimeOffset LastHeartbeat,
    [property: Id(2)] bool Lost);

/// <summary>What the scheduler holds: the queue in dispatch order and every slot.</summary>
[GenerateSerializer, Immutable]
public sealed record SchedulerSnapshot(
    [property: Id(0)] IReadOnlyList<QueueEntry> Queue,
    [property: Id(1)] IReadOnlyList<SlotStatus> Slots,
    [property: Id(2)] IReadOnlyList<Guid> DispatchLog);

/// <summary>A run handed to a slot.</summary>
[GenerateSerializer, Immutable]
public sealed record SlotAssignment([property: Id(0)] Guid RunId);

/// <summary>Why a slot hands a run back.</summary>
public enum SlotRelease
{
    /// <summary>An attempt ran and its outcome reached the run.</summary>
    Finished,
    /// <summary>The run declined the slot (cancelled or already running elsewhere).</summary>
    Declined,
    /// <summary>The slot could not reach the run to start it: the run must be queued again.</summary>
    NotStarted,
}

public enum StopKind
{
    /// <summary>The user cancelled the run.</summary>
    Cancel,
    /// <summary>The scheduler wants the slot back; the run resumes later.</summary>
    Preempt,
    /// <summary>The sweep's early-stopping rule ended the run.</summary>
    EarlyStop,
}
