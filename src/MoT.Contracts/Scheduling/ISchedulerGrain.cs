namespace MoT.Contracts.Scheduling;

/// <summary>Matches queued runs to free slots (priority, FIFO, fair share per owner, per-sweep concurrency) and notices lost slots. Singleton key 0.</summary>
public interface ISchedulerGrain : IGrainWithIntegerKey
{
    /// <summary>Queues a run (no-op if it is already queued or running).</summary>
    Task EnqueueAsync(ScheduleRequest request);

    /// <summary>Takes a queued run off the queue; false when it was not queued.</summary>
    Task<bool> RemoveAsync(Guid runId);

    /// <summary>At most <paramref name="maxConcurrentRuns"/> runs of the sweep train at once.</summary>
    Task SetSweepLimitAsync(Guid sweepId, int maxConcurrentRuns);

    /// <summary>While paused, no queued run of the sweep is dispatched (its running ones go on); idempotent.</summary>
    Task SetSweepPausedAsync(Guid sweepId, bool paused);

    /// <summary>A gpu silo announces its slots (also revives slots of a silo that came back).</summary>
    Task RegisterSlotsAsync(string siloName, IReadOnlyList<SlotInfo> slots);

    /// <summary>A gpu silo says its slots are alive.</summary>
    /// <remarks>False when the scheduler knows no live slot of that silo: the silo should register again.</remarks>
    Task<bool> HeartbeatAsync(string siloName);

    /// <summary>A slot is done with a run and free again; a run the slot could not start goes back to the queue.</summary>
    Task ReleaseSlotAsync(string slotKey, Guid runId, SlotRelease release);

    /// <summary>Examines slot leases and cluster membership now; returns the slots found lost.</summary>
    Task<IReadOnlyList<string>> CheckSlotsAsync();

    Task<SchedulerSnapshot> GetSnapshotAsync();
}
